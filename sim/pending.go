package sim

// Pending is the step a task will take next: the scheduling point it is
// stopped at (or, for a task woken from a wait, the point it blocked at,
// whose operation it completes when it runs). Explorers that weigh races
// between tasks' next steps (POS) read it at a decision; a task that has
// not reached a point yet has the zero Pending (no object, races with
// nothing).
type Pending struct {
	Op  Op
	ID  ObjID
	Acc Access
}

// Races reports whether two tasks' steps conflict: the same object, and
// not both reads (the partial-order relation the steps record).
func (p Pending) Races(q Pending) bool {
	return p.ID != 0 && p.ID == q.ID && (p.Acc != AccRead || q.Acc != AccRead)
}

// Pending is task id's next step as of the decision being made.
func (w *World) Pending(id int) Pending {
	if id < 0 || id >= len(w.tasks) {
		return Pending{}
	}
	return w.tasks[id].pending
}
