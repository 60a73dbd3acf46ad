package native

import (
	"sync"
	"sync/atomic"
)

// lockref is a dentry's d_lock with the lockref it guards (the count
// and lockref_mark_dead's mark), as lockref's spinlock fallback has them.
type lockref struct {
	mu    sync.Mutex // d_lock
	count int
	dead  bool
	// warned is fast_dput's WARN_ON_ONCE(count <= 0): a put of a dead
	// dentry (dget takes no heed of the mark, as lockref_get).
	warned atomic.Bool
}

// get is dget (lockref_get): a reference whatever the count.
func (l *lockref) get(point func()) {
	point()
	l.mu.Lock()
	l.count++
	l.mu.Unlock()
}

// getNotDead is lockref_get_not_dead.
func (l *lockref) getNotDead(point func()) bool {
	point()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dead {
		return false
	}
	l.count++
	return true
}

// put is fast_dput's part: the lockless decrement (lockref_put_return,
// here under d_lock), then d_lock and a recheck of the count (a
// lockref_get_not_dead may have taken a reference meanwhile). It returns
// true, with d_lock held, when the count is zero: the caller kills the
// dentry or keeps it, and unlocks.
func (l *lockref) put(point func()) bool {
	point()
	l.mu.Lock()
	if l.dead {
		l.warned.Store(true)
		l.mu.Unlock()
		return false
	}
	l.count--
	last := l.count == 0
	l.mu.Unlock()
	if !last {
		return false
	}
	point()
	l.mu.Lock()
	if l.count != 0 {
		l.mu.Unlock()
		return false
	}
	return true
}
