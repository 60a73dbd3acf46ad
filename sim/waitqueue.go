package sim

// WaitQueueHead is wait_queue_head_t for code that open-codes its waits
// (add_wait_queue, set_current_state, schedule) as mainline
// d_wait_lookup does. It lives in an object, so a waiter left on a queue
// whose owner freed it (an on-stack head that went out of scope) is a use
// after free.
type WaitQueueHead struct {
	lockMeta
	q WaitQueue
}

// Init is init_waitqueue_head.
func (h *WaitQueueHead) Init(o *Object, field string) { h.init(o, field, nil) }

func (h *WaitQueueHead) holders() []*Task { return nil }
func (h *WaitQueueHead) String() string   { return "wait_queue_head(" + h.lockMeta.String() + ")" }

// Add is add_wait_queue(head, current).
func (h *WaitQueueHead) Add(t *Task) {
	t.point(opWait, h.id, h.obj, h.field, AccWrite)
	h.q.add(t)
}

// Remove is remove_wait_queue.
func (h *WaitQueueHead) Remove(t *Task) {
	t.point(opWait, h.id, h.obj, h.field, AccWrite)
	h.q.remove(t)
}

// WakeUpAll is wake_up_all: every queued task becomes runnable. Queued
// tasks stay queued (the kernel's default wake function does not dequeue
// them); they leave with Remove.
func (h *WaitQueueHead) WakeUpAll(t *Task) {
	t.point(opWake, h.id, h.obj, h.field, AccWrite)
	for _, u := range h.q.waiters {
		t.w.wake(u)
	}
}

// HasSleeper is wq_has_sleeper.
func (h *WaitQueueHead) HasSleeper(t *Task) bool {
	t.point(opWait, h.id, h.obj, h.field, AccRead)
	return len(h.q.waiters) > 0
}

// SetCurrentStateUninterruptible is set_current_state(TASK_UNINTERRUPTIBLE):
// from here a wake-up makes the next Schedule return at once.
func SetCurrentStateUninterruptible(t *Task) {
	t.woken = false
}

// ScheduleOn is schedule() after set_current_state: it sleeps unless the
// task was woken since. on names the wait for the wait-for graph.
func ScheduleOn(t *Task, on *WaitQueueHead) {
	t.MightSleep("schedule")
	if !t.woken {
		t.blockOn(on)
		t.unblocked(opWakes, on)
	}
	t.woken = false
}
