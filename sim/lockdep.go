package sim

import (
	"fmt"
	"strings"
)

// LockClass is a lockdep class: all locks initialised with one class share
// one node (per subclass) in the lock-order graph, as all locks with one
// static lock_class_key do in the kernel. Create classes in package-level
// vars with NewLockClass.
type LockClass struct {
	name string
	id   int
	// invisible, when set, says why lockdep in a kernel never sees this
	// class (a bit spinlock, or a map that exists only in dcsim).
	invisible string
	// raw: raw_spinlock_t or a bit spinlock, which disables preemption
	// under PREEMPT_RT too (preempt_rt.go).
	raw bool
}

var lockClasses []*LockClass

// NewLockClass registers a lock class named like the kernel prints it,
// "&dentry->d_lock" or "&type->i_mutex_dir_key".
func NewLockClass(name string) *LockClass {
	c := &LockClass{name: name, id: len(lockClasses)}
	lockClasses = append(lockClasses, c)
	return c
}

// Name is the class's printed name.
func (c *LockClass) Name() string { return c.name }

// InvisibleToLockdep marks the class as one that lockdep in a kernel does
// not track, saying why ("a bit spinlock (hlist_bl_lock), which lockdep
// does not track"). Reports that involve it end with a note saying so, so
// that a reader knows a lockdep kernel would not print them. It returns
// c, for use in a package-level var.
func (c *LockClass) InvisibleToLockdep(why string) *LockClass {
	c.invisible = why
	return c
}

// invisibleNote is the note ending a report that involves the given
// graph nodes: one line per class invisible to lockdep, in order of
// first appearance; "" when all are visible.
func invisibleNote(nodes ...int) string {
	var b strings.Builder
	seen := map[*LockClass]bool{}
	for _, n := range nodes {
		c := lockClasses[n/MaxSubclasses]
		if c.invisible == "" || seen[c] {
			continue
		}
		seen[c] = true
		fmt.Fprintf(&b, "\nnote: lockdep in a kernel would not print this report: %s is %s", c.name, c.invisible)
	}
	return b.String()
}

// MaxSubclasses is lockdep's MAX_LOCKDEP_SUBCLASSES.
const MaxSubclasses = 8

// Read modes, lockdep's "read" argument.
const (
	lockExclusive = 0 // spin_lock, down_write
	lockShared    = 1 // down_read: non-recursive reader
	lockRecursive = 2 // read_lock (recursive), rcu_read_lock, lock_map_acquire_read
)

// Dependency bits, as lockdep's DEP_{SR,ER,SN,EN}_BIT: bit 0 of the index
// is "prev held exclusively", bit 1 is "next is not a recursive reader".
const (
	depSR uint8 = 1 << 0
	depER uint8 = 1 << 1
	depSN uint8 = 1 << 2
	depEN uint8 = 1 << 3
)

func calcDep(prevRead, nextRead int8) uint8 {
	bit := 0
	if prevRead == lockExclusive {
		bit |= 1
	}
	if nextRead != lockRecursive {
		bit |= 2
	}
	return 1 << bit
}

// lockMeta is what every lockdep-tracked primitive carries: its identity
// for traces and access records, and its class.
type lockMeta struct {
	id    ObjID
	obj   *Object
	field string
	class *LockClass
}

func (m *lockMeta) init(o *Object, field string, c *LockClass) {
	if o.w == nil {
		panic(fmt.Sprintf("sim: %s.%s initialised before its object was allocated", o.class, field))
	}
	o.w.nextID++
	m.id, m.obj, m.field, m.class = o.w.nextID, o, field, c
	o.w.noteID(m.id, o, true)
}

func (m *lockMeta) String() string {
	if m.obj == nil {
		return "<uninitialised lock>"
	}
	return m.obj.String() + "." + m.field
}

type heldLock struct {
	m       *lockMeta
	sub     int8
	read    int8
	trylock bool
	step    int64
}

func (h *heldLock) node() int { return h.m.class.id*MaxSubclasses + int(h.sub) }

func className(node int) string {
	c := lockClasses[node/MaxSubclasses]
	if s := node % MaxSubclasses; s != 0 {
		return fmt.Sprintf("%s/%d", c.name, s)
	}
	return c.name
}

func (h *heldLock) String() string {
	mode := ""
	switch h.read {
	case lockShared:
		mode = ", read"
	case lockRecursive:
		mode = ", recursive read"
	}
	if h.trylock {
		mode += ", trylock"
	}
	return fmt.Sprintf("(%s){%s%s} taken at step %d", className(h.node()), h.m, mode, h.step)
}

type depEdge struct {
	to   int
	dep  uint8
	task int
	step int64
}

// lockdepState is the run's dependency graph. Its tables are indexed by
// node and kept, emptied, when the World is reused for another run.
type lockdepState struct {
	after   [][]depEdge // forward edges per node, in insertion order
	touched []int       // nodes with edges this run
	gen     int
	seen    []int // BFS visit generation per node
	queue   []bfsEntry
}

// reset empties the graph for the next run, keeping its memory.
func (ld *lockdepState) reset() {
	for _, n := range ld.touched {
		ld.after[n] = ld.after[n][:0]
	}
	ld.touched = ld.touched[:0]
}

// addEdge records a new forward edge of from.
func (ld *lockdepState) addEdge(from int, e depEdge) {
	if n := max(from, e.to) + 1; n > len(ld.after) {
		ld.after = append(ld.after, make([][]depEdge, n-len(ld.after))...)
		ld.seen = append(ld.seen, make([]int, n-len(ld.seen))...)
	}
	if len(ld.after[from]) == 0 {
		ld.touched = append(ld.touched, from)
	}
	ld.after[from] = append(ld.after[from], e)
}

// edges are the forward edges of node.
func (ld *lockdepState) edges(node int) []depEdge {
	if node >= len(ld.after) {
		return nil
	}
	return ld.after[node]
}

func (ld *lockdepState) edge(from, to int) *depEdge {
	es := ld.edges(from)
	for i := range es {
		if es[i].to == to {
			return &es[i]
		}
	}
	return nil
}

// acquire is lock_acquire: validate, then push on the held stack. It runs
// before the task can block on the lock, as lockdep does, so an inversion
// is reported even on an interleaving that does not deadlock.
func (t *Task) lockAcquire(m *lockMeta, sub int, read int8, trylock bool) {
	if m.class == nil {
		return
	}
	if sub < 0 || sub >= MaxSubclasses {
		panic(fmt.Sprintf("sim: subclass %d out of range for %s", sub, m.class.name))
	}
	// Built in place on the held stack so that it does not escape.
	t.held = append(t.held, heldLock{m: m, sub: int8(sub), read: read, trylock: trylock, step: t.w.step})
	if !trylock {
		n := len(t.held) - 1
		t.checkDeadlock(n)
		t.checkPrevsAdd(n)
	}
}

// checkDeadlock is lockdep's check_deadlock: taking a class already held.
// The new lock is t.held[n], on top of the stack.
func (t *Task) checkDeadlock(n int) {
	next := &t.held[n]
	for i := range n {
		prev := &t.held[i]
		if prev.node() != next.node() {
			continue
		}
		if next.read == lockRecursive && prev.read != lockExclusive {
			continue
		}
		t.w.lockdepReport(t, "recursive", "possible recursive locking detected",
			fmt.Sprintf("%s is trying to acquire lock:\n  %s\nbut task is already holding lock:\n  %s\n\n"+
				" Possible unsafe locking scenario:\n       CPU0\n       ----\n  %s;\n  %s;\n\n *** DEADLOCK ***\n\n"+
				" May be due to missing lock nesting notation\n\n%s%s",
				t, next, prev, scenarioLock(prev), scenarioLock(next), t.heldStringOf(t.held[:n]),
				invisibleNote(next.node())))
	}
}

func scenarioLock(h *heldLock) string {
	if h.read != lockExclusive {
		return "rlock(" + className(h.node()) + ")"
	}
	return "lock(" + className(h.node()) + ")"
}

// checkPrevsAdd adds edges from the topmost blocking holder (and any
// trylocked holders above it) to next, checking each new dependency for a
// strong cycle first.
func (t *Task) checkPrevsAdd(n int) {
	next := &t.held[n]
	for i := n - 1; i >= 0; i-- {
		prev := &t.held[i]
		if prev.m.class != nil && prev.node() != next.node() {
			t.checkPrevAdd(prev, next)
		}
		if !prev.trylock {
			return
		}
	}
}

func (t *Task) checkPrevAdd(prev, next *heldLock) {
	ld := &t.w.lockdep
	dep := calcDep(prev.read, next.read)
	from, to := prev.node(), next.node()
	e := ld.edge(from, to)
	if e != nil && e.dep&dep != 0 {
		return // this kind of dependency was validated when first recorded
	}
	if path := ld.findStrongPath(to, next.read, from, prev.read); path != nil {
		t.w.lockdepReport(t, "circular", "possible circular locking dependency detected",
			t.circularMessage(prev, next, path))
		return
	}
	if e != nil {
		e.dep |= dep
		return
	}
	ld.addEdge(from, depEdge{to: to, dep: dep, task: t.id, step: t.w.step})
}

type bfsEntry struct {
	node   int
	onlyXR bool
	parent int // index in the queue, -1 for the root
	edge   *depEdge
}

// findStrongPath is check_noncircular: a breadth-first search forward from
// the new lock for the held one, along strong paths only (never entering a
// lock as a recursive reader and leaving it as a reader). It returns the
// path (root first) or nil.
func (ld *lockdepState) findStrongPath(root int, rootRead int8, target int, targetRead int8) []bfsEntry {
	if len(ld.touched) == 0 {
		return nil
	}
	ld.gen++
	queue := append(ld.queue[:0], bfsEntry{node: root, onlyXR: rootRead == lockRecursive, parent: -1})
	for qi := 0; qi < len(queue); qi++ {
		cur := queue[qi]
		es := ld.edges(cur.node)
		for ei := range es {
			e := &es[ei]
			if ld.seen[e.to] == ld.gen {
				continue
			}
			ld.seen[e.to] = ld.gen // marked before filtering, as __bfs does
			dep := e.dep
			if cur.onlyXR {
				dep &^= depSR | depSN
			}
			if dep == 0 {
				continue
			}
			ent := bfsEntry{node: e.to, onlyXR: dep&(depSN|depEN) == 0, parent: qi, edge: e}
			if e.to == target && (targetRead == lockExclusive || !ent.onlyXR) {
				queue = append(queue, ent)
				var path []bfsEntry
				for i := len(queue) - 1; i >= 0; i = queue[i].parent {
					path = append(path, queue[i])
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				ld.queue = queue[:0]
				return path
			}
			queue = append(queue, ent)
		}
	}
	ld.queue = queue[:0] // the scratch queue is kept for the next search
	return nil
}

func (t *Task) circularMessage(prev, next *heldLock, path []bfsEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is trying to acquire lock:\n  %s\n\nbut task is already holding lock:\n  %s\n\n", t, next, prev)
	b.WriteString("which lock already depends on the new lock.\n\nthe existing dependency chain (in reverse order) is:\n")
	for i := len(path) - 1; i >= 1; i-- {
		e := path[i].edge
		fmt.Fprintf(&b, "-> #%d (%s): taken after %s by %s at step %d\n",
			len(path)-1-i, className(path[i].node), className(path[i-1].node), t.w.taskName(e.task), e.step)
	}
	if len(path) == 2 {
		fmt.Fprintf(&b, "\n Possible unsafe locking scenario:\n\n       CPU0                    CPU1\n       ----                    ----\n")
		a, c := scenarioLock(prev), scenarioLock(next)
		for _, row := range [][2]string{{a, ""}, {"", c}, {"", a}, {c, ""}} {
			fmt.Fprintf(&b, "%s\n", strings.TrimRight(fmt.Sprintf("  %-24s%s", row[0], row[1]), " "))
		}
		b.WriteString("\n *** DEADLOCK ***\n")
	} else {
		// As the kernel prints it, in acquisition order: the new lock,
		// the locks taken after it, and last the held lock.
		b.WriteString("\nChain exists of:\n  ")
		for i := range path {
			if i > 0 {
				b.WriteString(" --> ")
			}
			b.WriteString(className(path[i].node))
		}
		b.WriteString("\n")
	}
	// next is on top of the stack while it is validated; like the
	// kernel, list only the locks already held.
	b.WriteString("\n" + t.heldStringOf(t.held[:len(t.held)-1]))
	nodes := []int{prev.node(), next.node()}
	for _, p := range path {
		nodes = append(nodes, p.node)
	}
	b.WriteString(invisibleNote(nodes...))
	return b.String()
}

// lockRelease is lock_release.
func (t *Task) lockRelease(m *lockMeta) {
	if m.class == nil {
		return
	}
	for i := len(t.held) - 1; i >= 0; i-- {
		if t.held[i].m == m {
			t.held = append(t.held[:i], t.held[i+1:]...)
			return
		}
	}
	t.w.lockdepReport(t, "bad-unlock", "bad unlock balance detected!",
		fmt.Sprintf("%s is trying to release lock (%s) %s\nbut there are no more locks to release!\n\n%s%s",
			t, m.class.name, m, t.heldString(), invisibleNote(m.class.id*MaxSubclasses)))
}

func (t *Task) holds(m *lockMeta) *heldLock {
	for i := len(t.held) - 1; i >= 0; i-- {
		if t.held[i].m == m {
			return &t.held[i]
		}
	}
	return nil
}

func (t *Task) heldString() string { return t.heldStringOf(t.held) }

func (t *Task) heldStringOf(held []heldLock) string {
	if len(held) == 0 {
		return fmt.Sprintf("no locks held by %s.", t)
	}
	s := fmt.Sprintf("%d lock(s) held by %s:\n", len(held), t)
	for i := range held {
		s += fmt.Sprintf(" #%d: %s\n", i, &held[i])
	}
	return s
}

func (w *World) lockdepReport(t *Task, rule, title, msg string) {
	w.raise(t, &Report{Kind: KindLockdep, Rule: rule, Title: title, Message: msg})
}

// assertHeld backs the LockdepAssertHeld* methods: mode -1 any, 0 write,
// 1 read.
func (t *Task) assertHeld(m *lockMeta, mode int, what string) {
	h := t.holds(m)
	ok := h != nil && (mode < 0 || (mode == 0) == (h.read == lockExclusive))
	if !ok {
		t.w.raise(t, &Report{Kind: KindLockdep, Rule: "assert-held",
			Title:   fmt.Sprintf("%s(%s) failed", what, m),
			Message: t.heldString()})
	}
}

// MightSleep is might_sleep(): a blocking primitive is about to be used.
// Sleeping with a spinlock held or inside an RCU read-side section is a bug.
func (t *Task) MightSleep(what string) {
	// Under PREEMPT_RT a spinlock_t held counts in the RCU nest depth
	// (rt_spin_lock takes rcu_read_lock), not in the preempt count.
	if t.preempt > 0 || t.rcuDepth+t.rtLocks > 0 {
		t.w.raise(t, &Report{Kind: KindLockdep, Rule: "sleep-in-atomic",
			Title: "BUG: sleeping function called from invalid context (" + what + ")",
			Message: fmt.Sprintf("in_atomic(): %d, preempt_count: %d, RCU nest depth: %d\n%s",
				b2i(t.preempt > 0), t.preempt, t.rcuDepth+t.rtLocks, t.heldString())})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// LockMap is a lockdep map with no lock behind it (lock_map_acquire): it
// lets model code declare that waiting on something (an in-lookup dentry,
// a completion) takes part in the lock order.
type LockMap struct{ lockMeta }

// Init ties the map to an object and a class.
func (l *LockMap) Init(o *Object, field string, c *LockClass) { l.init(o, field, c) }

// Acquire is lock_map_acquire (read false) or lock_map_acquire_read.
func (l *LockMap) Acquire(t *Task, read bool) {
	t.point(opLockMapAcquire, l.id, l.obj, l.field, AccAcquire)
	r := int8(lockExclusive)
	if read {
		r = lockRecursive
	}
	t.lockAcquire(&l.lockMeta, 0, r, false)
}

// AcquireTry is lock_map_acquire_try: held, but no dependency into it.
func (l *LockMap) AcquireTry(t *Task) { l.AcquireTryNested(t, 0) }

// AcquireTryNested is AcquireTry with a lockdep subclass (as
// lock_acquire(map, subclass, 1, ...) would be), for a map taken while
// another map of its class is held where the nesting is by design.
func (l *LockMap) AcquireTryNested(t *Task, sub int) {
	t.point(opLockMapAcquire, l.id, l.obj, l.field, AccAcquire)
	t.lockAcquire(&l.lockMeta, sub, lockExclusive, true)
}

// Release is lock_map_release.
func (l *LockMap) Release(t *Task) {
	t.point(opLockMapRelease, l.id, l.obj, l.field, AccRelease)
	t.lockRelease(&l.lockMeta)
}

// MightWait records that the task is about to wait for whoever holds the
// map (lock_map_acquire + lock_map_release, as might_lock does), with the
// given spinlocks dropped around the sleep: the dependencies recorded are
// from the locks still held while sleeping.
func (l *LockMap) MightWait(t *Task, dropped ...*SpinLock) { l.MightWaitNested(t, 0, dropped...) }

// MightWaitNested is MightWait with a lockdep subclass. A subclass keeps
// two maps of one class apart; it cannot make waiting on a map the task
// holds itself legal: that wait never ends, and is reported as recursive
// locking whatever the subclasses (lockdep compares classes only; dcsim
// also compares the instance).
func (l *LockMap) MightWaitNested(t *Task, sub int, dropped ...*SpinLock) {
	if h := t.holds(&l.lockMeta); h != nil {
		t.point(opLockMapAcquire, l.id, l.obj, l.field, AccAcquire)
		next := heldLock{m: &l.lockMeta, sub: int8(sub), step: t.w.step}
		t.w.lockdepReport(t, "recursive", "possible recursive locking detected",
			fmt.Sprintf("%s is trying to wait for:\n  %s\nbut task is already holding it:\n  %s\n\n"+
				" The task waits for itself: *** DEADLOCK ***\n\n%s%s",
				t, &next, h, t.heldString(), invisibleNote(h.node())))
		return
	}
	saved := t.held
	if len(dropped) > 0 {
		t.heldReal = saved // observers still see the dropped locks held
		t.held = nil
		for _, h := range saved {
			keep := true
			for _, d := range dropped {
				if h.m == &d.lockMeta {
					keep = false
				}
			}
			if keep {
				t.held = append(t.held, h)
			}
		}
	}
	t.point(opLockMapAcquire, l.id, l.obj, l.field, AccAcquire)
	t.lockAcquire(&l.lockMeta, sub, lockExclusive, false)
	l.Release(t)
	if len(dropped) > 0 {
		t.held = saved
		t.heldReal = nil
	}
}
