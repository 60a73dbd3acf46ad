package vfs

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// System is the VFS of one run: the dcache, the root of the namespace,
// the locking regime, and the open file table.
type System struct {
	sim.Object
	C      *dcache.Cache
	Regime variant.Regime
	// Root is the namespace's root dentry (the root of the root
	// filesystem; mounts other than overlayfs layering are not modeled).
	Root *dcache.Dentry

	files   []*File
	lookups map[lookupKey]*sim.Task
}

type lookupKey struct {
	dir  *dcache.Dentry
	name string
}

// NewSystem makes the VFS of a run on top of a dcache, in the locking
// regime of the dcache's variant.
func NewSystem(w *sim.World, c *dcache.Cache) *System {
	s := systemPool.New(w)
	s.C, s.Regime = c, c.V.Regime()
	if s.lookups == nil {
		s.lookups = map[lookupKey]*sim.Task{}
	}
	w.NewStatic(&s.Object, "vfs")
	return s
}

// Has reports whether patch p is applied.
func (s *System) Has(p variant.Patch) bool { return s.C.Has(p) }

// InodeLock is inode_lock: i_rwsem for write.
func InodeLock(t *sim.Task, inode *dcache.Inode) { inode.IRwsem.DownWrite(t) }

// InodeLockNested is inode_lock_nested.
func InodeLockNested(t *sim.Task, inode *dcache.Inode, subclass int) {
	inode.IRwsem.DownWriteNested(t, subclass)
}

// InodeUnlock is inode_unlock.
func InodeUnlock(t *sim.Task, inode *dcache.Inode) { inode.IRwsem.UpWrite(t) }

// InodeLockShared is inode_lock_shared.
func InodeLockShared(t *sim.Task, inode *dcache.Inode) { inode.IRwsem.DownRead(t) }

// InodeUnlockShared is inode_unlock_shared.
func InodeUnlockShared(t *sim.Task, inode *dcache.Inode) { inode.IRwsem.UpRead(t) }

// InodeIsLocked is inode_is_locked.
func InodeIsLocked(inode *dcache.Inode) bool { return inode.IRwsem.IsLocked() }

// IsDeadDir is IS_DEADDIR.
func IsDeadDir(inode *dcache.Inode) bool { return inode.IFlags&dcache.S_DEAD != 0 }

// DRevalidate is d_revalidate (fs/namei.c): the filesystem's verdict on a
// cached dentry, >0 valid, 0 invalid, <0 an error (-ECHILD in RCU mode).
func DRevalidate(t *sim.Task, dir *dcache.Inode, name *dcache.Qstr, d *dcache.Dentry, flags LookupFlags) int {
	checkRevalidateTarget(t, d) // R28 (rules_r28.go)
	if d.DFlags&dcache.DCACHE_OP_REVALIDATE != 0 {
		return d.DOp.DRevalidate(t, dir, name, d, uint(flags))
	}
	return 1
}

// callLookup calls dir's ->lookup on dentry, checking rule R4: ->lookup
// never runs twice at once for one name in one directory (equality under
// the directory's ->d_compare, through SuperBlock.Fold).
func (s *System) callLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags LookupFlags) *dcache.Dentry {
	name := dentry.DName.Name
	if sb := dentry.DSb; sb.Fold != nil {
		name = sb.Fold(name)
	}
	k := lookupKey{dentry.DParent, name}
	if other := s.lookups[k]; other != nil {
		t.Violation(sim.KindInvariant, "R4",
			fmt.Sprintf("->lookup of %q in %s while %s is in ->lookup of the same name", dentry.DName.Name, dentry.DParent, other),
			"Lookups of the same name in the same directory must not run in parallel (porting.rst, 4.7).")
	}
	s.lookups[k] = t
	t.Mark("->lookup")
	res := Iop(dir).Lookup(t, dir, dentry, flags)
	delete(s.lookups, k)
	return res
}

// lookupShared is the LOOKUP_SHARED flag v3 07/19 adds where ->lookup may
// be called with the parent's lock held shared, and RFC 53/53 removes.
//
// Divergence: RFC 52/53 passes LOOKUP_SHARED unconditionally; without
// v3 07/19 the flag does not exist and the model passes nothing.
func (s *System) lookupShared() LookupFlags {
	if s.Has(variant.P07LookupShared) && !s.Has(variant.P53RemoveLookupShared) {
		return LOOKUP_SHARED
	}
	return 0
}

// TaskState is the task state a sleeping lock waits in: TASK_NORMAL, or
// TASK_KILLABLE (a fatal signal ends the wait).
type TaskState int

const (
	TASK_NORMAL TaskState = iota
	TASK_KILLABLE
)

// inodeLockSharedState is inode_lock_shared_state (fs/namei.c, RFC 52/53
// hunk @@ -1773,8 +1773,19 @@): inode_lock_shared, or
// down_read_killable for TASK_KILLABLE; false if a fatal signal ended the
// wait.
func inodeLockSharedState(t *sim.Task, inode *dcache.Inode, state TaskState) bool {
	if state == TASK_KILLABLE {
		if inode.IRwsem.DownReadKillable(t) != 0 {
			return false
		}
	} else {
		InodeLockShared(t, inode)
	}
	return true
}
