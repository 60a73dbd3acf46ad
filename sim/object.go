package sim

import (
	"fmt"
	"strconv"
)

// ObjID names an object or primitive within one run. Ids are handed out in
// allocation order, so they are the same in every replay of a schedule.
type ObjID uint32

type objState uint8

const (
	objUnborn     objState = iota // embedded in a Go struct, not yet allocated
	objLive                       // allocated
	objRCUPending                 // freed through call_rcu; reclaimed after a grace period
	objFreed                      // reclaimed; every access is a use after free
	objStatic                     // lives for the whole run (globals, superblocks)
)

// Object is the header every modeled kernel object embeds (dentry, inode,
// file, filesystem-private data). It carries the identity the trace prints
// and the lifetime state the KASAN-like checker enforces.
//
// An Object that is an ERR_PTR sentinel (see ErrPtr) has a nonzero errno;
// touching it through the runtime is an oops, as in the kernel.
type Object struct {
	w         *World
	id        ObjID
	state     objState
	errno     Errno
	class     string
	name      string
	num       uint64 // with numbered: the name is name+":"+num (SetNameNum)
	numbered  bool
	allocStep int64
	allocTask int
	freeStep  int64
	freeTask  int
	reached   bool // leak check scratch
}

// Objectish is implemented by every type that embeds an Object.
type Objectish interface{ Obj() *Object }

// Obj returns the header itself, so that types embedding Object satisfy
// Objectish.
func (o *Object) Obj() *Object { return o }

// ID is the object's run-local identity.
func (o *Object) ID() ObjID { return o.id }

// Class is the object's kind, such as "dentry".
func (o *Object) Class() string { return o.class }

// SetName gives the object a human label for traces (a dentry's name, say).
func (o *Object) SetName(name string) { o.name, o.numbered = name, false }

// SetNameNum labels the object prefix:n (an inode's "sb:ino"), formatted
// only when a trace or report shows it, not in every run.
func (o *Object) SetNameNum(prefix string, n uint64) {
	o.name, o.num, o.numbered = prefix, n, true
}

// Name is the label set by SetName or SetNameNum.
func (o *Object) Name() string {
	if o.numbered {
		return o.name + ":" + strconv.FormatUint(o.num, 10)
	}
	return o.name
}

// Live reports whether the object is allocated and not yet freed.
func (o *Object) Live() bool { return o.state == objLive || o.state == objStatic }

// Freed reports whether the object has been reclaimed.
func (o *Object) Freed() bool { return o.state == objFreed }

func (o *Object) String() string {
	if o == nil {
		return "NULL"
	}
	if o.errno != 0 {
		return fmt.Sprintf("ERR_PTR(%s)", o.errno)
	}
	if o.name != "" || o.numbered {
		return fmt.Sprintf("%s#%d(%q)", o.class, o.id, o.Name())
	}
	return fmt.Sprintf("%s#%d", o.class, o.id)
}

// Alloc allocates o in t's world: it gets an id and becomes live. class is
// the kind of object ("dentry"). Whether the allocation may fail is a
// separate decision the model asks for with Task.Fault, where the kernel's
// allocator can return NULL.
func (t *Task) Alloc(o *Object, class string) {
	t.w.allocObject(o, class, t.id)
}

// Alloc allocates o during setup, before the run: a live object that is
// freed like any other.
func (w *World) Alloc(o *Object, class string) { w.allocObject(o, class, -1) }

// NewStatic allocates an object that lives for the whole run, such as a
// superblock or a global lock's home. It may be called before Run.
func (w *World) NewStatic(o *Object, class string) {
	w.allocObject(o, class, -1)
	o.state = objStatic
}

func (w *World) allocObject(o *Object, class string, task int) {
	w.nextID++
	o.w = w
	o.id = w.nextID
	o.state = objLive
	o.class = class
	o.allocStep = w.step
	o.allocTask = task
	w.objects = append(w.objects, o)
	w.noteID(o.id, o, false)
	w.noteSite(o, true)
}

// objSites are the model call sites that allocated and freed an object,
// kept with full tracing for KASAN reports. They live in the World, not in
// the Object, so that untraced runs pay nothing for them.
type objSites struct{ alloc, free string }

func (w *World) noteSite(o *Object, alloc bool) {
	if w.cfg.Trace != TraceFull {
		return
	}
	if w.sites == nil {
		w.sites = map[*Object]*objSites{}
	}
	s := w.sites[o]
	if s == nil {
		s = &objSites{}
		w.sites[o] = s
	}
	if alloc {
		s.alloc = callSite()
	} else {
		s.free = callSite()
	}
}

// Free reclaims o at once (kfree). Freeing a freed object is a double free.
func (t *Task) Free(o *Object) {
	t.point(opFree, o.id, o, "", AccWrite)
	if t.w.checkFreeable(t, o) {
		o.state = objFreed
		o.freeStep = t.w.step
		o.freeTask = t.id
		t.w.noteSite(o, false)
	}
}

func (w *World) checkFreeable(t *Task, o *Object) bool {
	switch o.state {
	case objFreed, objRCUPending:
		w.raise(t, &Report{Kind: KindKASAN, Rule: "double-free",
			Title:   fmt.Sprintf("double free of %s", o),
			Message: w.lifeHistory(o)})
		return false
	case objStatic:
		w.raise(t, &Report{Kind: KindKASAN, Rule: "bad-free",
			Title: fmt.Sprintf("free of static object %s", o)})
		return false
	case objUnborn:
		w.raise(t, &Report{Kind: KindKASAN, Rule: "bad-free",
			Title: fmt.Sprintf("free of an object that was never allocated (%s)", o.class)})
		return false
	}
	return true
}

// check is the KASAN-style validation every access to an object goes
// through. A nil o means the primitive lives outside any object. op and
// acc are the access, for the report.
func (w *World) check(t *Task, o *Object, field string, op Op, acc Access) {
	if o == nil {
		return
	}
	switch {
	case o.errno != 0:
		w.noteFaulting(t, o, op, acc)
		w.raise(t, &Report{Kind: KindOops, Rule: "err-ptr-deref",
			Title: fmt.Sprintf("dereference of %s (field %s)", o, fieldOr(field))})
	case field == "" && (o.state == objFreed || o.state == objRCUPending):
		// The step of kfree or call_rcu itself (the only accesses with
		// no field): freeing again is a double free, which the caller's
		// checkFreeable reports, not a use after free or an R25.
	case o.state == objFreed:
		w.noteFaulting(t, o, op, acc)
		w.raise(t, &Report{Kind: KindKASAN, Rule: "use-after-free",
			Title:   fmt.Sprintf("use after free: %s.%s", o, fieldOr(field)),
			Message: w.accessString(t, o, field, op, acc) + w.lifeHistory(o)})
	case o.state == objRCUPending && t.readerSince() > o.freeStep && !t.inRCUCallback:
		// R25: an object queued for RCU freeing may still be read, but
		// only from a read-side section that began before it was queued
		// (readerSince is "never" outside a section).
		w.noteFaulting(t, o, op, acc)
		w.raise(t, &Report{Kind: KindKASAN, Rule: "R25",
			Title:   fmt.Sprintf("access to %s.%s after call_rcu outside an RCU read-side section", o, fieldOr(field)),
			Message: w.accessString(t, o, field, op, acc) + w.lifeHistory(o)})
	case o.state == objUnborn:
		w.noteFaulting(t, o, op, acc)
		w.raise(t, &Report{Kind: KindKASAN, Rule: "use-before-alloc",
			Title: fmt.Sprintf("access to %s.%s, which was never allocated", o.class, fieldOr(field))})
	}
}

func fieldOr(f string) string {
	if f == "" {
		return "?"
	}
	return f
}

// accessString names the access KASAN caught, as its "Read of size ..."
// line does: read or write, the object and field, the task, the step it
// was about to take (the faulting access is not executed) and the model
// call site.
func (w *World) accessString(t *Task, o *Object, field string, op Op, acc Access) string {
	kind := "write"
	if acc == AccRead {
		kind = "read"
	}
	s := fmt.Sprintf("%s of %s.%s (%s) by %s at step %d", kind, o, fieldOr(field), op, t, w.step+1)
	if w.cfg.Trace == TraceFull {
		if site := callSite(); site != "" {
			s += " @" + site
		}
	}
	return s + "\n"
}

func (w *World) lifeHistory(o *Object) string {
	var st *objSites
	if w.sites != nil {
		st = w.sites[o]
	}
	s := fmt.Sprintf("allocated at step %d by %s", o.allocStep, w.taskName(o.allocTask))
	if st != nil && st.alloc != "" {
		s += " @" + st.alloc
	}
	if o.state == objFreed || o.state == objRCUPending {
		s += fmt.Sprintf("\nfreed at step %d by %s", o.freeStep, w.taskName(o.freeTask))
		if o.state == objRCUPending {
			s += " (call_rcu, grace period not over)"
		}
		if st != nil && st.free != "" {
			s += " @" + st.free
		}
	}
	return s
}

func (w *World) taskName(id int) string {
	if id < 0 || id >= len(w.tasks) {
		return "setup"
	}
	return w.tasks[id].String()
}
