package dcache

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The dcache's view of its own state for readers (sim.View): dcsim
// explain shows it after every step, and a deadlock report asks it who
// should have woken a task asleep on an in-lookup dentry. The bookkeeping
// here is never read by model code.

// lookupWait is a task waiting for dentry to leave the in-lookup state.
type lookupWait struct {
	t *sim.Task
	d *Dentry
}

// dirAddSection is an open i_dir_seq write section: t made dir's
// i_dir_seq odd at step (start_dir_add) and has not ended it.
type dirAddSection struct {
	dir  *Inode
	t    *sim.Task
	step int64
}

// lookupEnd records how a dentry left the in-lookup state.
type lookupEnd struct {
	by      *sim.Task
	step    int64  // __d_lookup_unhash
	wake    bool   // it found waiters to wake (d_wait, DCACHE_LOCK_WAITER)
	endStep int64  // the step of the path's end, where waiters are woken
	endFn   string // that end: end_dir_add, or __d_lookup_unhash_wake
}

// endLookupWait drops t's entry from the waiters (the wait is over).
func (c *Cache) endLookupWait(t *sim.Task) {
	c.lookupWaits = slices.DeleteFunc(c.lookupWaits, func(w lookupWait) bool { return w.t == t })
}

// openDirAdd notes that t opened dir's i_dir_seq write section.
func (c *Cache) openDirAdd(t *sim.Task, dir *Inode) {
	c.dirAdds = dirAddSlices.Append(c.W, c.dirAdds, dirAddSection{dir, t, t.World().Steps()})
}

// closeDirAdd notes that end_dir_add made dir's i_dir_seq even again.
func (c *Cache) closeDirAdd(t *sim.Task, dir *Inode) {
	c.dirAdds = slices.DeleteFunc(c.dirAdds, func(s dirAddSection) bool { return s.dir == dir && s.t == t })
}

// noteLookupEnd notes that t reached fn, the end of the path that took
// d out of the in-lookup state, where its waiters are woken.
func noteLookupEnd(t *sim.Task, d *Dentry, fn string) {
	if d.lookupEnded.by == t && d.lookupEnded.endStep == 0 {
		d.lookupEnded.endStep, d.lookupEnded.endFn = t.World().Steps(), fn
	}
}

type cacheView struct{ c *Cache }

// State lists the in-lookup dentries (in hash-table order) with their
// owners and waiters, then the open i_dir_seq sections.
func (v *cacheView) State() []string {
	c := v.c
	var out []string
	for i := range c.inLookup {
		for _, d := range c.inLookup[i].chain {
			line := fmt.Sprintf("in-lookup %s in %s: owner %s", d, d.DParent, taskOrNone(d.lookupOwner))
			if ws := c.waitersOf(d); len(ws) > 0 {
				line += "; waiting: " + strings.Join(ws, ", ")
			}
			out = append(out, line)
		}
	}
	for _, s := range c.dirAdds {
		out = append(out, fmt.Sprintf("i_dir_seq of %s odd (%d): %s is between start_dir_add (step %d) and end_dir_add",
			s.dir, s.dir.IDirSeq.Value(), s.t, s.step))
	}
	return out
}

func (c *Cache) waitersOf(d *Dentry) []string {
	var out []string
	for _, w := range c.lookupWaits {
		if w.d == d {
			out = append(out, w.t.String())
		}
	}
	return out
}

func taskOrNone(t *sim.Task) string {
	if t == nil {
		return "none"
	}
	return t.String()
}

// Waker says who should wake t asleep on an in-lookup dentry: its owner,
// when the dentry still is in-lookup; when it is not any more, the path
// that ended the state and should have woken t (a lost wake-up).
func (v *cacheView) Waker(t *sim.Task) string {
	c := v.c
	i := slices.IndexFunc(c.lookupWaits, func(w lookupWait) bool { return w.t == t })
	if i < 0 {
		return ""
	}
	d := c.lookupWaits[i].d
	how := "its d_wait queue"
	if c.Has(variant.P04WaitVarEvent) {
		how = "wake_up_var on d_flags"
	}
	if d.u == uInLookup {
		o := d.lookupOwner
		s := fmt.Sprintf("%s should wake it, as the owner of in-lookup %s, when it ends the lookup (__d_add or d_splice_alias: end_dir_add at the end of the i_dir_seq section; or d_lookup_done), through %s",
			taskOrNone(o), d, how)
		switch {
		case o == nil:
		case o.Done():
			s += fmt.Sprintf("; but %s has finished without ending it", o)
		case o.Blocked():
			s += fmt.Sprintf("; but %s is itself %s", o, o.State())
		}
		return s
	}
	e := d.lookupEnded
	if e.by == nil {
		return ""
	}
	if e.wake && e.endStep == 0 {
		return fmt.Sprintf("%s should wake it: it ended the in-lookup state of %s at step %d (__d_lookup_unhash) and wakes the waiters at the end of that path (end_dir_add, or __d_lookup_unhash_wake)",
			e.by, d, e.step)
	}
	s := fmt.Sprintf("lost: %s, which should have woken it, ended the in-lookup state of %s at step %d (__d_lookup_unhash)", e.by, d, e.step)
	if e.endStep > 0 {
		s += fmt.Sprintf(" and reached the end of that path at step %d (%s)", e.endStep, e.endFn)
	}
	s += ", and no wake-up reached " + t.String()
	if !e.wake {
		if c.Has(variant.P04WaitVarEvent) {
			s += " (DCACHE_LOCK_WAITER was clear, so __d_lookup_unhash told it nobody waits)"
		} else {
			s += " (__d_lookup_unhash found no d_wait queue)"
		}
	}
	return s
}
