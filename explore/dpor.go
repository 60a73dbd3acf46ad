package explore

import (
	"math/bits"

	"github.com/dcsim/dcsim/sim"
)

// DPOR explores with source-DPOR (Abdulla, Aronis, Jonsson, Sagonas,
// "Optimal dynamic partial order reduction", POPL 2014) within the
// preemption bound: every run records its steps (sim.TraceCompact); two
// steps of different tasks conflict when they touch the same object (by
// canonical key, sim.CanonKey: an object and the locks and fields in it
// are one object) and at least one is not a read. After each run the
// races between conflicting steps that no other path orders add
// backtrack points where the later step's task (an initial of the
// reversed suffix) can be run first; sleep sets keep a branch from
// repeating a task whose next step commutes with everything run since.
// Fault, signal and choice decisions have all their alternatives
// explored (within the fault bound). A backtrack point the preemption
// bound forbids is dropped (the result says the bound cut the tree).
//
// The bound and partial-order reduction do not mix by themselves: the
// linearisation of a trace class that DPOR reaches may need more
// preemptions than another one the bounded DFS runs. dpor_bound.go adds
// the two corrections, bounded sleep sets and Coons et al.'s
// conservative backtrack points, and says what each one guarantees; with
// o.ConservativeBound the search is Coons et al.'s BPOR in full.
//
// Like DFS it deepens the bound from 0, stops at the first violation
// unless o.KeepGoing, and is exhaustive (Result.Exhausted) when the tree
// is covered. Its runs are fewer than the DFS's by about the number of
// orders of independent steps.
func DPOR(p sim.Program, o Options) *Result {
	e := newExplorer(p, o)
	e.opts.Config.Trace = sim.TraceCompact
	return e.deepen(func(b int) (bool, bool) {
		return (&dpor{e: e, bound: b, full: o.ConservativeBound}).explore()
	})
}

// event is one recorded step, as the dependency relation sees it.
type event struct {
	task int
	key  sim.CanonKey
	acc  sim.Access
}

func (a *event) conflicts(b *event) bool {
	return a.task != b.task && a.key.Obj != 0 && a.key == b.key &&
		(a.acc != sim.AccRead || b.acc != sim.AccRead)
}

// sleeper is a task in a sleep set with the step it would take next.
// exact says the branch that explored it dropped no alternative in its
// subtree (to the bound, or to a sleeper not exact); gain is what
// choosing the branch being explored instead cost more than choosing it,
// at the node where it was explored (-1, 0 or 1; dpor_bound.go).
type sleeper struct {
	task  int
	ev    event
	gain  int
	exact bool
}

// dnode is a decision on the current path of the tree.
type dnode struct {
	dec   sim.Decision // options; Value is the branch being explored
	at    int          // trace entries recorded when it was made
	pre   int          // preemptions before it
	flt   int          // injected faults before it
	sleep []sleeper    // inherited sleep set
	// backtrack and done are sets of values (task ids, or fault and
	// choice values); doneSleep the explored tasks with their next step.
	backtrack, done uint64
	doneSleep       []sleeper
	// incomplete: a value of this node was dropped (to the bound, or to
	// a sleeper not exact); branchCut: the subtree of the branch being
	// explored has an incomplete node.
	incomplete, branchCut bool
}

type dpor struct {
	e     *explorer
	bound int
	// full: Coons et al.'s BPOR in full (Options.ConservativeBound).
	full bool
	path []dnode
	// Buffers of races, reused between runs.
	evs   []event
	flat  []int32
	vcs   [][]int32
	local []int32
	last  [][]int32
	count []int32
	cands []int
	objAt map[sim.CanonKey]int32 // index in accs
	accs  []objAccess
}

// objAccess is what races knows of one object's accesses so far.
type objAccess struct {
	write int   // last non-read, -1 when none
	reads []int // reads since it
	acq   int   // last acquire, -1 when none
}

// explore runs the tree of one bound. It returns whether the tree was
// exhausted and whether to go on.
func (d *dpor) explore() (exhausted, more bool) {
	for {
		s := &dporStrategy{d: d}
		out, ok := d.e.run(s)
		if out.Err == nil && len(d.path) > len(out.Decisions) {
			d.path = d.path[:len(out.Decisions)]
		}
		if out.Err == nil {
			d.races(out)
		}
		found := d.next(out)
		out.Release()
		if !found {
			return true, ok
		}
		if !ok {
			return false, false
		}
	}
}

// dporStrategy replays the path's prefix and extends it, keeping the
// running sleep set.
type dporStrategy struct {
	d     *dpor
	pos   int
	seen  int // trace entries folded into sleep
	sleep []sleeper
	pre   int
	flt   int
}

func (s *dporStrategy) Decide(w *sim.World, dec *sim.Decision) int {
	tr := w.TraceSoFar()
	for ; s.seen < len(tr); s.seen++ {
		ev := eventOf(w, &tr[s.seen])
		s.sleep = wake(s.sleep, &ev)
	}
	d := s.d
	i := s.pos
	s.pos++
	if i < len(d.path) && d.path[i].dec.Kind == dec.Kind && d.path[i].dec.Runnable == dec.Runnable && d.path[i].dec.N == dec.N {
		n := &d.path[i]
		n.at, n.pre, n.flt = len(tr), s.pre, s.flt
		n.sleep = append(n.sleep[:0], s.sleep...)
		s.after(n)
		return int(n.dec.Value)
	}
	// A new node (or the program did not repeat itself: the explorer's
	// recheck reports that; here the path is cut).
	d.path = d.path[:min(i, len(d.path))]
	n := dnode{dec: *dec, at: len(tr), pre: s.pre, flt: s.flt}
	if len(d.path) < cap(d.path) {
		// Reuse the buffers of the node that last had this place.
		old := d.path[: len(d.path)+1 : len(d.path)+1][len(d.path)]
		n.sleep, n.doneSleep = old.sleep[:0], old.doneSleep[:0]
	}
	n.sleep = append(n.sleep, s.sleep...)
	n.dec.Value = int32(d.choose(&n))
	n.backtrack = 1 << uint(n.dec.Value)
	if !isSched(&n.dec) {
		for _, v := range n.dec.Options() {
			if v >= 64 {
				d.e.cutFaults = true // a choice among more than 64 outcomes: the first 64
				break
			}
			c := n.dec
			c.Value = int32(v)
			if s.flt+faultCost(&c) <= d.e.opts.MaxFaults {
				n.backtrack |= 1 << uint(v)
			} else {
				d.e.cutFaults = true
			}
		}
	}
	d.path = append(d.path, n)
	s.after(&d.path[len(d.path)-1])
	return int(n.dec.Value)
}

// after updates the running counts and sleep set past node n's choice.
func (s *dporStrategy) after(n *dnode) {
	if n.dec.Preempts() {
		s.pre++
	}
	s.flt += faultCost(&n.dec)
	if !isSched(&n.dec) {
		return
	}
	s.sleep = append(s.sleep[:0], n.sleep...)
	v := int(n.dec.Value)
	for _, z := range n.doneSleep {
		z.gain = cost(n, v) - cost(n, z.task)
		s.sleep = append(s.sleep, z)
	}
	s.sleep = slicesDeleteFunc(s.sleep, func(z sleeper) bool { return z.task == v })
}

// choose picks a new node's branch: the default unless it sleeps or
// breaks the bound, else the first task that does neither; a node where
// every task sleeps takes the default (the run is redundant from there).
func (d *dpor) choose(n *dnode) int {
	def := n.dec.Default()
	if !isSched(&n.dec) {
		return def
	}
	// The default first, then the others in id order (optionOrder,
	// without its allocation).
	if d.choosable(n, def) {
		return def
	}
	for m := n.dec.Runnable &^ (1 << uint(def)); m != 0; m &= m - 1 {
		if v := bits.TrailingZeros64(m); d.choosable(n, v) {
			return v
		}
	}
	return def
}

// choosable: v neither sleeps at n nor breaks the bound there.
func (d *dpor) choosable(n *dnode, v int) bool {
	if z, _ := d.sleeps(n, v); z {
		return false
	}
	c := n.dec
	c.Value = int32(v)
	return !c.Preempts() || n.pre+1 <= d.bound
}

func isSched(d *sim.Decision) bool { return d.Kind == sim.DecideSchedule || d.Kind == sim.DecideYield }

func faultCost(d *sim.Decision) int {
	if isFault(d) {
		return 1
	}
	return 0
}

// wake drops from a sleep set the tasks that ev wakes: its own task, and
// those whose next step conflicts with it.
func wake(sl []sleeper, ev *event) []sleeper {
	return slicesDeleteFunc(sl, func(z sleeper) bool { return z.task == ev.task || z.ev.conflicts(ev) })
}

func slicesDeleteFunc(sl []sleeper, del func(sleeper) bool) []sleeper {
	out := sl[:0]
	for _, z := range sl {
		if !del(z) {
			out = append(out, z)
		}
	}
	return out
}

// eventOf is a step as the dependency relation sees it: a lock, atomic
// or field is its object (Sub dropped), since model code changes an
// object's plain fields under its locks without steps of their own.
func eventOf(w interface{ CanonicalKey(sim.ObjID) sim.CanonKey }, st *sim.Step) event {
	return event{task: st.Task, key: sim.CanonKey{Obj: w.CanonicalKey(st.ID).Obj}, acc: st.Acc}
}

// races finds the races of the run and adds backtrack points for them.
// Vector clocks give happens-before (program order and conflicts); a
// conflicting earlier step not already ordered before a step by other
// conflicts is in a race with it.
func (d *dpor) races(out *sim.Outcome) {
	n := len(out.Trace)
	evs := d.evs[:0]
	nt := 0
	for i := range out.Trace {
		evs = append(evs, eventOf(out, &out.Trace[i]))
		nt = max(nt, evs[i].task+1)
	}
	d.evs = evs
	if nt == 0 {
		return
	}
	// Clocks live in one buffer reused between runs: entry x's clock is
	// flat[x*nt:(x+1)*nt].
	if need := (n + nt) * nt; cap(d.flat) < need {
		d.flat = make([]int32, need)
	}
	flat := d.flat[:(n+nt)*nt]
	clear(flat)
	vc := d.vcs[:0]
	for range n {
		vc = append(vc, nil)
	}
	d.vcs = vc
	local := d.local[:0]
	for range n {
		local = append(local, 0)
	}
	d.local = local
	last := d.last[:0]
	for t := range nt {
		last = append(last, flat[(n+t)*nt:(n+t+1)*nt])
	}
	d.last = last
	count := append(d.count[:0], make([]int32, nt)...)
	d.count = count
	if d.objAt == nil {
		d.objAt = map[sim.CanonKey]int32{}
	}
	clear(d.objAt)
	d.accs = d.accs[:0]
	for x := range evs {
		ex := &evs[x]
		t := ex.task
		if t < 0 {
			continue
		}
		count[t]++
		local[x] = count[t]
		c := flat[x*nt : (x+1)*nt]
		copy(c, last[t])
		if ex.key.Obj != 0 {
			a := d.access(ex.key)
			// Two acquisitions of a lock race even with the first
			// holder's release between them: the second task could
			// have taken the lock first.
			if y := a.acq; ex.acc == sim.AccAcquire && y >= 0 && evs[y].task != t && c[evs[y].task] < local[y] {
				vc[x] = c
				d.race(evs, vc, local, y, x)
				vc[x] = nil
			}
			if ex.acc == sim.AccAcquire {
				a.acq = x
			}
			cands := d.cands[:0]
			if ex.acc != sim.AccRead {
				for k := len(a.reads) - 1; k >= 0; k-- {
					cands = append(cands, a.reads[k])
				}
			}
			if a.write >= 0 {
				cands = append(cands, a.write)
			}
			for _, y := range cands {
				ty := evs[y].task
				if ty == t {
					continue
				}
				if c[ty] < local[y] {
					vc[x] = c // x's clock so far: what precedes it in the reversed suffix
					d.race(evs, vc, local, y, x)
					vc[x] = nil
				}
				join(c, vc[y])
			}
			d.cands = cands
			if ex.acc != sim.AccRead {
				a.write, a.reads = x, a.reads[:0]
			} else {
				a.reads = append(a.reads, x)
			}
		}
		c[t] = local[x]
		vc[x] = c
		last[t] = c
	}
	// A run halted by a task's report never ran the steps the others
	// had pending: they might have come before the reporting step (and
	// changed or preceded what it saw), so the node before it tries them
	// all.
	if r := out.Report; r != nil && r.Task >= 0 {
		for x := n - 1; x >= 0; x-- {
			if evs[x].task == r.Task {
				if ni := d.nodeAt(x); ni >= 0 {
					for m := d.path[ni].dec.Runnable; m != 0; m &= m - 1 {
						d.add(ni, bits.TrailingZeros64(m))
					}
				}
				break
			}
		}
	}
}

// access is the record of key's accesses in this run (d.accs, reused:
// each entry keeps its reads buffer).
func (d *dpor) access(key sim.CanonKey) *objAccess {
	if i, ok := d.objAt[key]; ok {
		return &d.accs[i]
	}
	d.objAt[key] = int32(len(d.accs))
	if len(d.accs) < cap(d.accs) {
		d.accs = d.accs[:len(d.accs)+1]
		a := &d.accs[len(d.accs)-1]
		a.write, a.reads, a.acq = -1, a.reads[:0], -1
		return a
	}
	d.accs = append(d.accs, objAccess{write: -1, acq: -1})
	return &d.accs[len(d.accs)-1]
}

func join(a, b []int32) {
	for i := range b {
		if b[i] > a[i] {
			a[i] = b[i]
		}
	}
}

// nodeAt is the last schedule node made at or before trace entry x.
func (d *dpor) nodeAt(x int) int {
	for i := len(d.path) - 1; i >= 0; i-- {
		if d.path[i].at <= x && isSched(&d.path[i].dec) {
			return i
		}
	}
	return -1
}

// race handles the race of entry y (earlier) with x: at the node before
// y, some initial of the steps after y that do not depend on it, then x,
// must be explored.
func (d *dpor) race(evs []event, vc [][]int32, local []int32, y, x int) {
	ni := d.nodeAt(y)
	if ni < 0 {
		return
	}
	n := &d.path[ni]
	ty := evs[y].task
	// v: entries after y not happening after y, then x. Their initials:
	// each task's first entry in v that nothing else in v precedes.
	var first [64]int
	var seen uint64
	var orderBuf [64]int
	order := orderBuf[:0]
	for z := y + 1; z <= x; z++ {
		tz := evs[z].task
		if tz < 0 || vc[z] == nil {
			continue // a step of no task
		}
		if z != x && vc[z][ty] >= local[y] {
			continue // happens after y
		}
		if seen&(1<<uint(tz)) == 0 {
			seen |= 1 << uint(tz)
			first[tz] = z
			order = append(order, tz)
		}
	}
	var initials uint64
	for _, t := range order {
		z := first[t]
		ok := true
		for _, u := range order {
			if u != t && vc[z][u] >= local[first[u]] {
				ok = false
				break
			}
		}
		if ok {
			initials |= 1 << uint(t)
		}
	}
	if initials&(n.backtrack|n.done) != 0 {
		return
	}
	cand := initials & n.dec.Runnable
	if cand == 0 {
		cand = n.dec.Runnable // not enabled there: try every task
	}
	q := bits.TrailingZeros64(cand)
	if tx := evs[x].task; cand&(1<<uint(tx)) != 0 {
		q = tx
	}
	if cand == n.dec.Runnable && initials&n.dec.Runnable == 0 {
		for m := cand; m != 0; m &= m - 1 {
			d.add(ni, bits.TrailingZeros64(m))
		}
		return
	}
	d.add(ni, q)
}

// next moves the path to the deepest node with a backtrack value neither
// done nor asleep, recording the branch just explored as done. It returns
// false when the tree is exhausted.
func (d *dpor) next(out *sim.Outcome) bool {
	for i := len(d.path) - 1; i >= 0; i-- {
		n := &d.path[i]
		v := int(n.dec.Value)
		if n.done&(1<<uint(v)) == 0 {
			n.done |= 1 << uint(v)
			if isSched(&n.dec) && !d.full {
				if ev, ok := nextEvent(out, n.at, v); ok {
					n.doneSleep = append(n.doneSleep, sleeper{task: v, ev: ev, exact: !n.branchCut})
				}
			}
		}
		for m := n.backtrack &^ n.done; m != 0; m &= m - 1 {
			q := bits.TrailingZeros64(m)
			if isSched(&n.dec) {
				if z, exact := d.sleeps(n, q); z {
					n.done |= 1 << uint(q)
					n.incomplete = n.incomplete || !exact
					continue
				}
			}
			if cost(n, q) == 1 && n.pre+1 > d.bound {
				d.e.cutBound = true
				n.incomplete = true
				n.done |= 1 << uint(q)
				continue
			}
			n.dec.Value = int32(q)
			n.branchCut = false
			d.path = d.path[:i+1]
			return true
		}
		if i > 0 && (n.incomplete || n.branchCut) {
			d.path[i-1].branchCut = true
		}
	}
	d.path = d.path[:0]
	return false
}

// nextEvent is the first step task v took at or after trace entry at.
func nextEvent(out *sim.Outcome, at, v int) (event, bool) {
	for k := at; k < len(out.Trace); k++ {
		if out.Trace[k].Task == v {
			return eventOf(out, &out.Trace[k]), true
		}
	}
	return event{}, false
}
