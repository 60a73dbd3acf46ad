package sim

// Canonical object identities, for partial-order reduction.
//
// An ObjID follows allocation order across the whole run, which depends
// on the interleaving: two runs that differ only in the order of
// independent steps can give one object two ids. A canonical key names
// an object by who allocated it and how many objects that task had
// allocated before (setup allocations count as task -1), and a lock or
// other primitive by its object's key and its rank among the primitives
// initialised on that object. Keys are kept only when the run records a
// trace (TraceCompact or TraceFull); ids, schedules and fingerprints are
// unchanged.

// CanonKey is the canonical identity of an ObjID: Obj names the object
// ((allocating task+1)<<32 | its rank among that task's allocations),
// Sub the primitive within it (0: the object itself). The zero key is
// "no object".
type CanonKey struct {
	Obj uint64
	Sub uint32
}

type canonState struct {
	keys   []CanonKey       // by ObjID
	allocs [65]uint32       // allocations so far, by task+1
	subs   map[ObjID]uint32 // primitives initialised so far, by object id
}

// noteID records the canonical key of id, which was just handed out for
// o itself (prim false) or for a primitive embedded in o.
func (w *World) noteID(id ObjID, o *Object, prim bool) {
	if w.cfg.Trace == TraceOff {
		return
	}
	c := &w.canon
	for ObjID(len(c.keys)) <= id {
		c.keys = append(c.keys, CanonKey{})
	}
	if !prim {
		c.allocs[o.allocTask+1]++
		c.keys[id] = CanonKey{Obj: uint64(o.allocTask+1)<<32 | uint64(c.allocs[o.allocTask+1])}
		return
	}
	if c.subs == nil {
		c.subs = map[ObjID]uint32{}
	}
	c.subs[o.id]++
	k := CanonKey{Obj: uint64(o.id), Sub: c.subs[o.id]}
	if int(o.id) < len(c.keys) {
		k.Obj = c.keys[o.id].Obj
	}
	c.keys[id] = k
}

// CanonicalKey is the canonical identity of id in this run (zero for id 0
// or when the run records no trace).
func (w *World) CanonicalKey(id ObjID) CanonKey {
	if int(id) < len(w.canon.keys) {
		return w.canon.keys[id]
	}
	return CanonKey{}
}

// CanonicalKey is the canonical identity of id in the run.
func (o *Outcome) CanonicalKey(id ObjID) CanonKey { return o.world.CanonicalKey(id) }

// TraceSoFar is the trace recorded so far (TraceCompact or TraceFull),
// for a strategy that follows the steps between its decisions. The
// caller must not modify it.
func (w *World) TraceSoFar() []Step { return w.trace }

// noteFaulting records, in a compact trace only, the access a checker
// stopped before it became a step (a use after free, say), so that a
// partial-order reduction sees what the run's last access touched. Full
// traces are left as they are: their steps are what reports show.
func (w *World) noteFaulting(t *Task, o *Object, op Op, acc Access) {
	if w.cfg.Trace == TraceCompact && t != nil {
		w.trace = append(w.trace, Step{N: w.step, Task: t.id, Op: op, ID: o.id, Acc: acc})
	}
}

// noteAcquired records, in a compact trace only, that a task woke with
// the lock or event it blocked on: the acquisition itself is no step
// (the step was the first attempt), but a partial-order reduction must
// see who took the lock first.
func (w *World) noteAcquired(t *Task, op Op, h holderSet) {
	if m, ok := h.(interface{ stepID() ObjID }); ok {
		w.trace = append(w.trace, Step{N: w.step, Task: t.id, Op: op, ID: m.stepID(), Acc: AccAcquire})
	}
}

func (m *lockMeta) stepID() ObjID { return m.id }
