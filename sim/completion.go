package sim

// Completion is struct completion.
type Completion struct {
	lockMeta
	done int
	q    WaitQueue
}

const completeAll = 1 << 30

// Init is init_completion.
func (c *Completion) Init(o *Object, field string) { c.init(o, field, nil) }

func (c *Completion) holders() []*Task { return nil }
func (c *Completion) String() string   { return "completion(" + c.lockMeta.String() + ")" }

// Wait is wait_for_completion.
func (c *Completion) Wait(t *Task) { c.wait(t, false) }

// WaitKillable is wait_for_completion_killable: 0 or -EINTR.
func (c *Completion) WaitKillable(t *Task) int { return c.wait(t, true) }

func (c *Completion) wait(t *Task, killable bool) int {
	t.MightSleep("wait_for_completion")
	t.point(opWaitCompletion, c.id, c.obj, c.field, AccAcquire)
	slept := false
	for c.done == 0 {
		if killable && t.signalArrives("wait_for_completion_killable") {
			t.blockStart = 0
			return -int(EINTR)
		}
		c.q.add(t)
		t.blockOn(c)
		slept = true
	}
	if slept {
		t.unblocked(opWakes, c)
	}
	if c.done != completeAll {
		c.done--
	}
	return 0
}

// Complete is complete: one waiter may proceed.
func (c *Completion) Complete(t *Task) {
	t.point(opComplete, c.id, c.obj, c.field, AccRelease)
	if c.done != completeAll {
		c.done++
	}
	c.q.wakeAll(t.w)
}

// CompleteAll is complete_all.
func (c *Completion) CompleteAll(t *Task) {
	t.point(opComplete, c.id, c.obj, c.field, AccRelease)
	c.done = completeAll
	c.q.wakeAll(t.w)
}

// Done is completion_done.
func (c *Completion) Done() bool { return c.done > 0 }
