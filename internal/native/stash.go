package native

import (
	"sync"
	"sync/atomic"
)

// stashed/dying-dentry (fsmodels/stashfs): a pid keeps a pointer to its
// dentry without a reference; openers reuse it while it lives
// (lockref_get_not_dead) and its ->d_prune clears the pointer when it
// dies. One path is held and dropped while two tasks open the pid.

// stashMode selects the version of fs/libfs.c's stash, as the catalog's
// variants do.
type stashMode struct {
	loop      bool // stash-cmpxchg-loop: v6.9's stash_dentry loop and cmpxchg prune
	mailed    bool // stash-loop-as-mailed: d_delete+dput of the unused dentry in the loop
	blind     bool // mut=stash-blind-prune: the loop with the blind NULL in ->d_prune
	noDDelete bool // mut=stash-no-d-delete: the -EAGAIN path drops its dentry without d_delete
}

// sdentry is a pidfs dentry: d_lock guards the lockref and the inode
// pointer.
type sdentry struct {
	lockref
	positive bool // d_inode != NULL (the pid)
}

// spid is a struct pid: its stash, and the checker's record of the
// dentries tasks hold (the invariant of stashfs's check.go).
type spid struct {
	stashed atomic.Pointer[sdentry]
	mu      sync.Mutex // the checker's, not the kernel's
	holders []*sdentry
	wrong   atomic.Bool
}

type stash struct {
	m     stashMode
	pid   spid
	point func()
}

func (s *stash) getNotDead(d *sdentry) bool { return d.getNotDead(s.point) }

// dput drops a reference; the last one kills the dentry (pidfs's
// d_delete is always_delete_dentry): __dentry_kill marks it dead and
// calls ->d_prune under d_lock.
func (s *stash) dput(d *sdentry) {
	if !d.put(s.point) {
		return
	}
	defer d.mu.Unlock()
	d.dead = true
	s.prune(d)
	d.positive = false
}

// dDelete is d_delete on a dentry nobody else holds: it becomes
// negative, so that its ->d_prune does nothing.
func (s *stash) dDelete(d *sdentry) {
	s.point()
	d.mu.Lock()
	if d.count == 1 {
		d.positive = false
	}
	d.mu.Unlock()
}

// prune is ->d_prune: pidfs_prune_dentry (a blind NULL) before the loop,
// stashed_dentry_prune (cmpxchg(stashed, dentry, NULL)) with it.
func (s *stash) prune(d *sdentry) {
	if !d.positive {
		return
	}
	s.point()
	if !s.m.loop || s.m.blind {
		s.pid.stashed.Store(nil)
		return
	}
	s.pid.stashed.CompareAndSwap(d, nil)
}

func newSdentry() *sdentry { return &sdentry{lockref: lockref{count: 1}, positive: true} }

// pathAgain is path_from_stashed of the -EAGAIN scheme; nil means
// -EAGAIN.
func (s *stash) pathAgain() *sdentry {
	s.point()
	if d := s.pid.stashed.Load(); d != nil && s.getNotDead(d) {
		return d
	}
	d := newSdentry()
	s.point()
	if !s.pid.stashed.CompareAndSwap(nil, d) {
		if !s.m.noDDelete {
			s.dDelete(d) // make sure ->d_prune() does nothing
		}
		s.dput(d)
		return nil
	}
	return d
}

// pathLoop is path_from_stashed with v6.9's stash_dentry loop.
//
// Divergence: Go's CompareAndSwap does not return the old value, so
// cmpxchg(stashed, NULL, dentry) is a load, and a CompareAndSwap when
// the load saw NULL (a failed one loops).
func (s *stash) pathLoop() *sdentry {
	s.point()
	if d := s.pid.stashed.Load(); d != nil && s.getNotDead(d) {
		return d
	}
	d := newSdentry()
	res := s.stashDentry(d)
	if res != d && !s.m.mailed {
		s.dput(d)
	}
	return res
}

func (s *stash) stashDentry(d *sdentry) *sdentry {
	for {
		s.point()
		old := s.pid.stashed.Load()
		if old == nil {
			s.point()
			if s.pid.stashed.CompareAndSwap(nil, d) {
				return d
			}
			continue
		}
		if s.getNotDead(old) {
			if s.m.mailed {
				// Inside guard(rcu): dput may sleep, which a debug kernel
				// reports; Go has neither RCU nor might_sleep.
				s.dDelete(d)
				s.dput(d)
			}
			return old
		}
		s.point()
		if s.pid.stashed.CompareAndSwap(old, d) {
			return d
		}
	}
}

// open is pidfs_alloc_file's loop; it records the held dentry and checks
// the stash invariant (stashfs.Open).
func (s *stash) open() *sdentry {
	var d *sdentry
	for d == nil {
		if s.m.loop {
			d = s.pathLoop()
		} else {
			d = s.pathAgain()
		}
	}
	s.pid.mu.Lock()
	for _, h := range s.pid.holders {
		if h != d {
			s.pid.wrong.Store(true) // two dentries held for one pid
		}
	}
	s.pid.holders = append(s.pid.holders, d)
	s.pid.mu.Unlock()
	s.checkHeld(d)
	return d
}

// close checks the invariant before the final fput and drops the path.
func (s *stash) close(d *sdentry) {
	s.point()
	s.checkHeld(d)
	s.pid.mu.Lock()
	for i, h := range s.pid.holders {
		if h == d {
			s.pid.holders = append(s.pid.holders[:i], s.pid.holders[i+1:]...)
			break
		}
	}
	s.pid.mu.Unlock()
	s.dput(d)
}

// checkHeld: while a task holds a dentry of the pid, the stash points at
// it.
func (s *stash) checkHeld(d *sdentry) {
	if s.pid.stashed.Load() != d {
		s.pid.wrong.Store(true)
	}
}

// stashDyingDentry is fstest.StashDyingDentry: a held path, dropped by
// "put" while "open1" and "open2" open and close the pid.
func stashDyingDentry(m stashMode) func(point func()) bool {
	return func(point func()) bool {
		s := &stash{m: m, point: func() {}}
		held := s.open() // setup
		s.point = point
		opener := func() { s.close(s.open()) }
		run(func() { s.close(held) }, opener, opener)
		return !s.pid.wrong.Load()
	}
}
