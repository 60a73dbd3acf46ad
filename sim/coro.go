package sim

import (
	"iter"
	"sync"
	"sync/atomic"
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

// coroPools hold idle coroutines, in shards: every World takes its
// coroutines from one shard, picked round-robin when the World is made,
// so that explorations on different cores do not pass one mutex and one
// free list back and forth (a worker's runs reuse its Worlds, and so its
// shard). The shards are bounded together (coroutines are goroutines)
// and shared by concurrent explorations.
var coroPools [coroShards]struct {
	sync.Mutex
	free []*coro
	_    [64]byte // keep shards on their own cache lines
}

const (
	coroShards   = 8
	coroShardMax = 32 // 256 idle coroutines at most
)

// nextCoroShard hands out shards to new Worlds.
var nextCoroShard atomic.Uint32

// getCoro gives t a coroutine that will run t's body when resumed.
func getCoro(t *Task) *coro {
	pool := &coroPools[t.w.coroShard]
	pool.Lock()
	var c *coro
	if n := len(pool.free); n > 0 {
		c = pool.free[n-1]
		pool.free[n-1] = nil
		pool.free = pool.free[:n-1]
	}
	pool.Unlock()
	if c == nil {
		c = &coro{}
		c.next, c.stop = iter.Pull(c.loop)
	}
	c.task = t
	return c
}

// putCoro takes back an idle coroutine (its task's body has returned)
// into the shard of the World it ran in.
func putCoro(c *coro, shard uint8) {
	pool := &coroPools[shard]
	pool.Lock()
	if len(pool.free) < coroShardMax {
		pool.free = append(pool.free, c)
		c = nil
	}
	pool.Unlock()
	if c != nil {
		c.stop()
	}
}
