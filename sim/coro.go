package sim

import (
	"iter"
	"sync"
)

// coro is a coroutine that runs tasks' bodies one after another: making
// an iter.Pull coroutine costs five allocations and a fresh stack, so a
// task borrows one for its run and hands it back at teardown. Reuse
// cannot change what a run does: a coroutine between tasks holds no
// state but its (grown) stack.
type coro struct {
	next func() (struct{}, bool)
	stop func()
	task *Task // the task to run when next resumes an idle coroutine
}

// loop runs the body of each task it is given, then parks until the
// next one. A task's body always returns (recoverPanic catches every
// panic, haltRun included).
func (c *coro) loop(yield func(struct{}) bool) {
	for {
		c.task.body(yield)
		c.task = nil
		if !c.idle(yield) {
			return
		}
	}
}

// idle parks the coroutine between tasks. Leak checks in tests know it
// by this function (internal/leakcheck).
//
//go:noinline
func (c *coro) idle(yield func(struct{}) bool) bool { return yield(struct{}{}) }

// coroPool holds idle coroutines. It is bounded (coroutines are
// goroutines) and shared by concurrent explorations.
var coroPool struct {
	sync.Mutex
	free []*coro
}

const coroPoolMax = 256

// getCoro gives t a coroutine that will run t's body when resumed.
func getCoro(t *Task) *coro {
	coroPool.Lock()
	var c *coro
	if n := len(coroPool.free); n > 0 {
		c = coroPool.free[n-1]
		coroPool.free[n-1] = nil
		coroPool.free = coroPool.free[:n-1]
	}
	coroPool.Unlock()
	if c == nil {
		c = &coro{}
		c.next, c.stop = iter.Pull(c.loop)
	}
	c.task = t
	return c
}

// putCoro takes back an idle coroutine (its task's body has returned).
func putCoro(c *coro) {
	coroPool.Lock()
	if len(coroPool.free) < coroPoolMax {
		coroPool.free = append(coroPool.free, c)
		c = nil
	}
	coroPool.Unlock()
	if c != nil {
		c.stop()
	}
}
