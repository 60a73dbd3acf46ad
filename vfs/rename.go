package vfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// lockTwoDirectories is lock_two_directories (fs/namei.c, 7.0): p1 != p2,
// s_vfs_rename_mutex held. Ancestors are locked first; the result is the
// "trap" (the child of the ancestor on the path to the other), nil, or
// -EXDEV with the mutex dropped.
func lockTwoDirectories(t *sim.Task, p1, p2 *dcache.Dentry) *dcache.Dentry {
	p, q := p1, p2
	var r *dcache.Dentry
	for {
		r = p.DParent
		if r == p2 || r == p {
			break
		}
		p = r
	}
	if r == p2 {
		InodeLockNested(t, p2.DInode, I_MUTEX_PARENT)
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT2)
		return p
	}
	for {
		r = q.DParent
		if r == p1 || r == p || r == q {
			break
		}
		q = r
	}
	switch r {
	case p1:
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT)
		InodeLockNested(t, p2.DInode, I_MUTEX_PARENT2)
		return q
	case p:
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT)
		InodeLockNested(t, p2.DInode, I_MUTEX_PARENT2)
		return nil
	}
	p1.DSb.SVfsRenameMutex.UpWrite(t)
	return errPtr(sim.EXDEV)
}

// LockRename is lock_rename (fs/namei.c, 7.0).
func LockRename(t *sim.Task, p1, p2 *dcache.Dentry) *dcache.Dentry {
	if p1 == p2 {
		InodeLockNested(t, p1.DInode, I_MUTEX_PARENT)
		return nil
	}
	p1.DSb.SVfsRenameMutex.DownWrite(t)
	return lockTwoDirectories(t, p1, p2)
}

// UnlockRename is unlock_rename (fs/namei.c, 7.0).
func UnlockRename(t *sim.Task, p1, p2 *dcache.Dentry) {
	InodeUnlock(t, p1.DInode)
	if p1 != p2 {
		InodeUnlock(t, p2.DInode)
		p1.DSb.SVfsRenameMutex.UpWrite(t)
	}
}

// RenameData is struct renamedata.
type RenameData struct {
	OldParent, OldDentry *dcache.Dentry
	NewParent, NewDentry *dcache.Dentry
	Flags                uint
}

// renameTargetFlags is the target_flags computation shared by
// __start_renaming and __start_renaming_dentry (fs/namei.c, 7.0).
func renameTargetFlags(flags uint) LookupFlags {
	targetFlags := LOOKUP_RENAME_TARGET | LOOKUP_CREATE
	if flags&RENAME_EXCHANGE != 0 {
		targetFlags = 0
	}
	if flags&RENAME_NOREPLACE != 0 {
		targetFlags |= LOOKUP_EXCL
	}
	return targetFlags
}

// trapErr is __start_renaming's check that neither dentry is the trap:
// -EINVAL when the source is an ancestor of the target, -ENOTEMPTY (or
// -EINVAL for RENAME_EXCHANGE) when the target is an ancestor of the
// source; 0 otherwise.
func trapErr(old, new, trap *dcache.Dentry, flags uint) int {
	if old == trap {
		return -int(sim.EINVAL)
	}
	if new == trap {
		if flags&RENAME_EXCHANGE != 0 {
			return -int(sim.EINVAL)
		}
		return -int(sim.ENOTEMPTY)
	}
	return 0
}

// StartRenaming is __start_renaming (fs/namei.c, 7.0) with lookup_flags
// 0; see startRenaming.
func (s *System) StartRenaming(t *sim.Task, rd *RenameData, oldLast, newLast *dcache.Qstr) int {
	return s.startRenaming(t, rd, 0, oldLast, newLast)
}

// startRenaming is __start_renaming (fs/namei.c, 7.0): lock both parents
// and look up both names with lookupFlags (LOOKUP_REVAL on
// filename_renameat2's retry_estale() round); -EINVAL/-ENOTEMPTY when
// one is an ancestor of the other. RFC 51/53 (hunk @@ -3854,8 +3867,10
// @@) ends the in-lookup state of d1 and d2 on the error paths; RFC
// 52/53 reorders it (startRenaming52).
func (s *System) startRenaming(t *sim.Task, rd *RenameData, lookupFlags LookupFlags, oldLast, newLast *dcache.Qstr) int {
	if s.Has(variant.P52LiftDAllocParallel) {
		return s.startRenaming52(t, rd, lookupFlags, oldLast, newLast)
	}
	targetFlags := renameTargetFlags(rd.Flags)
	trap := LockRename(t, rd.OldParent, rd.NewParent)
	if sim.IsErr(trap) {
		return sim.PtrErr(trap)
	}
	d1 := s.LookupOneQstrExcl(t, oldLast, rd.OldParent, lookupFlags)
	if sim.IsErr(d1) {
		UnlockRename(t, rd.OldParent, rd.NewParent)
		return sim.PtrErr(d1)
	}
	d2 := s.LookupOneQstrExcl(t, newLast, rd.NewParent, lookupFlags|targetFlags)
	if sim.IsErr(d2) {
		s.lookupDoneRFC51(t, d1)
		dcache.Dput(t, d1)
		UnlockRename(t, rd.OldParent, rd.NewParent)
		return sim.PtrErr(d2)
	}
	if err := trapErr(d1, d2, trap, rd.Flags); err != 0 {
		s.lookupDoneRFC51(t, d2)
		dcache.Dput(t, d2)
		s.lookupDoneRFC51(t, d1)
		dcache.Dput(t, d1)
		UnlockRename(t, rd.OldParent, rd.NewParent)
		return err
	}
	rd.OldDentry, rd.NewDentry = d1, d2
	dcache.Dget(t, rd.OldParent)
	return 0
}

// lookupDoneRFC51 is a d_lookup_done(d) that RFC 51/53 adds to the error
// paths of __start_renaming and __start_renaming_dentry.
func (s *System) lookupDoneRFC51(t *sim.Task, d *dcache.Dentry) {
	if s.Has(variant.P51LookupOneQstrExclParallel) {
		dcache.DLookupDone(t, d)
	}
}

// startRenaming52 is __start_renaming as RFC 52/53 posts it (hunks
// @@ -3830,26 +3857,37 @@, @@ -3858,7 +3896,7 @@ and @@ -3866,14
// +3904,14 @@): both names looked up with lookup_one_qstr before
// lock_rename; after it, a dentry that is neither in-lookup nor hashed,
// or has left its parent, sends everything back to the lookups (retry).
//
// Posted as it is, two statements are kept: the retry path does
// dput(trap), but lock_rename returns the trap without a reference (it
// is NULL when the parents are the same, so only a rename between a
// directory and its descendant over-puts); and lock_rename failing goes
// to out_unlock, which unlock_rename()s what it never locked.
func (s *System) startRenaming52(t *sim.Task, rd *RenameData, lookupFlags LookupFlags, oldLast, newLast *dcache.Qstr) int {
	targetFlags := renameTargetFlags(rd.Flags)
	for {
		d1 := s.lookupOneQstr(t, oldLast, rd.OldParent, lookupFlags, TASK_NORMAL)
		if sim.IsErr(d1) {
			return sim.PtrErr(d1) // out_err
		}
		d2 := s.lookupOneQstr(t, newLast, rd.NewParent, lookupFlags|targetFlags, TASK_NORMAL)
		if sim.IsErr(d2) {
			dcache.DLookupDone(t, d1) // out_dput_d1
			dcache.Dput(t, d1)
			return sim.PtrErr(d2)
		}
		trap := LockRename(t, rd.OldParent, rd.NewParent)
		err := 0
		if sim.IsErr(trap) && s.C.On(FixRFC52Renaming) {
			// The fix: nothing is locked; drop the lookups and return.
			dcache.DLookupDone(t, d2)
			dcache.Dput(t, d2)
			dcache.DLookupDone(t, d1)
			dcache.Dput(t, d1)
			return sim.PtrErr(trap)
		} else if sim.IsErr(trap) {
			err = sim.PtrErr(trap)
		} else if (!dcache.DInLookup(t, d1) && dcache.DUnhashed(t, d1)) || d1.DParent != rd.OldParent ||
			(!dcache.DInLookup(t, d2) && dcache.DUnhashed(t, d2)) || d2.DParent != rd.NewParent {
			t.Mark("__start_renaming: dentry moved or dropped before lock_rename, retry")
			UnlockRename(t, rd.OldParent, rd.NewParent)
			dcache.DLookupDone(t, d1)
			dcache.Dput(t, d1)
			dcache.DLookupDone(t, d2)
			dcache.Dput(t, d2)
			if !s.C.On(FixRFC52Renaming) {
				dcache.Dput(t, trap) // as posted: trap holds no reference
			}
			continue
		} else {
			err = trapErr(d1, d2, trap, rd.Flags)
		}
		if err != 0 { // out_unlock
			UnlockRename(t, rd.OldParent, rd.NewParent)
			dcache.DLookupDone(t, d2)
			dcache.Dput(t, d2)
			dcache.DLookupDone(t, d1)
			dcache.Dput(t, d1)
			return err
		}
		rd.OldDentry, rd.NewDentry = d1, d2
		dcache.Dget(t, rd.OldParent)
		return 0
	}
}

// LockRenameChild is lock_rename_child (fs/namei.c, 7.0): lock c1's
// parent and p2 for a rename of c1, with c1's parent read under the lock
// (s_vfs_rename_mutex when the parents differ).
func LockRenameChild(t *sim.Task, c1, p2 *dcache.Dentry) *dcache.Dentry {
	if c1.DParent == p2 {
		InodeLockNested(t, p2.DInode, I_MUTEX_PARENT)
		if c1.DParent == p2 {
			return nil
		}
		InodeUnlock(t, p2.DInode)
	}
	p2.DSb.SVfsRenameMutex.DownWrite(t)
	if c1.DParent != p2 {
		return lockTwoDirectories(t, c1.DParent, p2)
	}
	InodeLockNested(t, p2.DInode, I_MUTEX_PARENT)
	p2.DSb.SVfsRenameMutex.UpWrite(t)
	return nil
}

// FixRFC52Renaming is not kernel code: it fixes the error paths of RFC
// 52/53's __start_renaming and __start_renaming_dentry (docs/findings.md):
// a failed lookup or lock_rename returns without unlock_rename() of locks
// not taken, and the retry path does not dput() the trap, which holds no
// reference.
var FixRFC52Renaming = variant.NewFix("vfs", "rfc52-renaming",
	"RFC 52/53 __start_renaming(_dentry) error paths unlock only what they locked and do not dput the trap")

// StartRenamingDentry is __start_renaming_dentry (fs/namei.c, 7.0) with
// lookup_flags 0: lock_rename_child of old and the new parent, check
// that old is still hashed (in rd.OldParent if set), look up the target
// name, and take the references end_renaming drops. RFC 51/53 (hunk
// @@ -3950,6 +3965,7 @@) ends d2's in-lookup state on the error path;
// RFC 52/53 reorders it (startRenamingDentry52).
func (s *System) StartRenamingDentry(t *sim.Task, rd *RenameData, old *dcache.Dentry, newLast *dcache.Qstr) int {
	if s.Has(variant.P52LiftDAllocParallel) {
		return s.startRenamingDentry52(t, rd, old, newLast)
	}
	targetFlags := renameTargetFlags(rd.Flags)
	trap := LockRenameChild(t, old, rd.NewParent)
	if sim.IsErr(trap) {
		return sim.PtrErr(trap)
	}
	if dcache.DUnhashed(t, old) || (rd.OldParent != nil && rd.OldParent != old.DParent) {
		UnlockRename(t, old.DParent, rd.NewParent)
		return -int(sim.EINVAL)
	}
	d2 := s.LookupOneQstrExcl(t, newLast, rd.NewParent, targetFlags)
	if sim.IsErr(d2) {
		UnlockRename(t, old.DParent, rd.NewParent)
		return sim.PtrErr(d2)
	}
	if err := trapErr(old, d2, trap, rd.Flags); err != 0 {
		s.lookupDoneRFC51(t, d2)
		dcache.Dput(t, d2)
		UnlockRename(t, old.DParent, rd.NewParent)
		return err
	}
	rd.OldDentry = dcache.Dget(t, old)
	rd.NewDentry = d2
	rd.OldParent = dcache.Dget(t, old.DParent)
	return 0
}

// startRenamingDentry52 is __start_renaming_dentry as RFC 52/53 posts it
// (hunks @@ -3927,10 +3965,22 @@, @@ -3938,16 +3988,19 @@, @@ -3956,7
// +4009,7 @@ and @@ -3964,11 +4017,11 @@): the target looked up with
// lookup_one_qstr before lock_rename_child; a target dropped or moved
// before the lock sends it back to the lookup.
//
// Posted as it is: a failed lookup goes to out_unlock, which
// unlock_rename()s locks not taken and then d_lookup_done()s and dput()s
// the ERR_PTR; the retry path does dput(trap) on a trap that holds no
// reference.
func (s *System) startRenamingDentry52(t *sim.Task, rd *RenameData, old *dcache.Dentry, newLast *dcache.Qstr) int {
	targetFlags := renameTargetFlags(rd.Flags)
	for {
		var err int
		d2 := s.lookupOneQstr(t, newLast, rd.NewParent, targetFlags, TASK_NORMAL)
		if sim.IsErr(d2) && s.C.On(FixRFC52Renaming) {
			return sim.PtrErr(d2) // the fix: nothing is locked or held yet
		}
		if sim.IsErr(d2) {
			err = sim.PtrErr(d2)
			t.Mark("__start_renaming_dentry: lookup failed, goto out_unlock")
			UnlockRename(t, old.DParent, rd.NewParent) // out_unlock, as posted
			dcache.DLookupDone(t, d2)
			dcache.Dput(t, d2)
			return err
		}
		trap := LockRenameChild(t, old, rd.NewParent)
		if sim.IsErr(trap) {
			dcache.DLookupDone(t, d2) // out_dput_d2
			dcache.Dput(t, d2)
			return sim.PtrErr(trap)
		}
		if dcache.DUnhashed(t, old) || (rd.OldParent != nil && rd.OldParent != old.DParent) {
			err = -int(sim.EINVAL)
		} else if (!dcache.DInLookup(t, d2) && dcache.DUnhashed(t, d2)) || d2.DParent != rd.NewParent {
			t.Mark("__start_renaming_dentry: target moved or dropped before the lock, retry")
			UnlockRename(t, old.DParent, rd.NewParent)
			dcache.DLookupDone(t, d2)
			dcache.Dput(t, d2)
			if !s.C.On(FixRFC52Renaming) {
				dcache.Dput(t, trap) // as posted: trap holds no reference
			}
			continue
		} else {
			err = trapErr(old, d2, trap, rd.Flags)
		}
		if err != 0 { // out_unlock
			UnlockRename(t, old.DParent, rd.NewParent)
			dcache.DLookupDone(t, d2)
			dcache.Dput(t, d2)
			return err
		}
		rd.OldDentry = dcache.Dget(t, old)
		rd.NewDentry = d2
		rd.OldParent = dcache.Dget(t, old.DParent)
		return 0
	}
}

// StartRenamingTwoDentries is start_renaming_two_dentries (fs/namei.c,
// 7.0; RFC 51-53 leave it alone): lock_rename of the two parents and
// check that both dentries are still hashed where the caller saw them.
func (s *System) StartRenamingTwoDentries(t *sim.Task, rd *RenameData, old, new *dcache.Dentry) int {
	trap := LockRename(t, rd.OldParent, rd.NewParent)
	if sim.IsErr(trap) {
		return sim.PtrErr(trap)
	}
	err := 0
	switch {
	case dcache.DUnhashed(t, old) || old.DParent != rd.OldParent:
		err = -int(sim.EINVAL)
	case dcache.DUnhashed(t, new) || new.DParent != rd.NewParent:
		err = -int(sim.EINVAL)
	default:
		err = trapErr(old, new, trap, 0)
	}
	if err != 0 {
		UnlockRename(t, rd.OldParent, rd.NewParent)
		return err
	}
	rd.OldDentry = dcache.Dget(t, old)
	rd.NewDentry = dcache.Dget(t, new)
	dcache.Dget(t, rd.OldParent)
	return 0
}

// EndRenaming is end_renaming (fs/namei.c, 7.0). RFC 51/53 (hunk @@
// -4059,6 +4075,8 @@) ends both dentries' in-lookup state first.
func (s *System) EndRenaming(t *sim.Task, rd *RenameData) {
	s.lookupDoneRFC51(t, rd.OldDentry)
	s.lookupDoneRFC51(t, rd.NewDentry)
	UnlockRename(t, rd.OldParent, rd.NewParent)
	dcache.Dput(t, rd.OldDentry)
	dcache.Dput(t, rd.NewDentry)
	dcache.Dput(t, rd.OldParent)
}

// lockTwoNondirectories is lock_two_nondirectories (fs/inode.c): in
// address order, which is inode-number order here (a deterministic stand
// in); nil sorts first.
func lockTwoNondirectories(t *sim.Task, i1, i2 *dcache.Inode) {
	if i1 == nil || (i2 != nil && i1.ID() > i2.ID()) {
		i1, i2 = i2, i1
	}
	if i1 != nil {
		InodeLock(t, i1)
	}
	if i2 != nil && i2 != i1 {
		InodeLockNested(t, i2, I_MUTEX_NONDIR2)
	}
}

// unlockTwoNondirectories is unlock_two_nondirectories (fs/inode.c).
func unlockTwoNondirectories(t *sim.Task, i1, i2 *dcache.Inode) {
	if i1 != nil {
		InodeUnlock(t, i1)
	}
	if i2 != nil && i2 != i1 {
		InodeUnlock(t, i2)
	}
}

// VfsRename is vfs_rename (fs/namei.c, 7.0): check, lock the children
// (a directory changing parent I_MUTEX_CHILD, a target victim, non
// directories in address order), call ->rename, then d_move or
// d_exchange.
func (s *System) VfsRename(t *sim.Task, rd *RenameData) int {
	oldDir, newDir := rd.OldParent.DInode, rd.NewParent.DInode
	oldDentry, newDentry := rd.OldDentry, rd.NewDentry
	flags := rd.Flags
	isDir := oldDentry.DInode.IMode.IsDir()
	source, target := oldDentry.DInode, newDentry.DInode
	newIsDir := false
	if source == target {
		return 0
	}
	if err := mayDelete(t, oldDir, oldDentry, isDir); err != 0 {
		return err
	}
	var err int
	if target == nil {
		err = mayCreate(t, newDir, newDentry)
	} else {
		newIsDir = target.IMode.IsDir()
		if flags&RENAME_EXCHANGE == 0 {
			err = mayDelete(t, newDir, newDentry, isDir)
		} else {
			err = mayDelete(t, newDir, newDentry, newIsDir)
		}
	}
	if err != 0 {
		return err
	}
	op := Iop(oldDir)
	if op == nil || op.Rename == nil {
		return -int(sim.EPERM)
	}
	dcache.Dget(t, newDentry)
	lockOldSubdir := newDir != oldDir
	lockNewSubdir := newDir != oldDir || flags&RENAME_EXCHANGE == 0
	switch {
	case isDir:
		if lockOldSubdir {
			InodeLockNested(t, source, I_MUTEX_CHILD)
		}
		if target != nil && (!newIsDir || lockNewSubdir) {
			InodeLock(t, target)
		}
	case newIsDir:
		if lockNewSubdir {
			InodeLockNested(t, target, I_MUTEX_CHILD)
		}
		InodeLock(t, source)
	default:
		lockTwoNondirectories(t, source, target)
	}
	err = op.Rename(t, oldDir, oldDentry, newDir, newDentry, flags)
	if err == 0 {
		if flags&RENAME_EXCHANGE == 0 && target != nil && isDir {
			dcache.ShrinkDcacheParent(t, newDentry)
			target.IFlags |= dcache.S_DEAD
		}
		if oldDir.ISb.Type.RenameDoesDMove {
			// FS_RENAME_DOES_D_MOVE: ->rename has moved them.
		} else if flags&RENAME_EXCHANGE == 0 {
			dcache.DMove(t, oldDentry, newDentry)
		} else {
			dcache.DExchange(t, oldDentry, newDentry)
		}
	}
	switch {
	case isDir:
		if lockOldSubdir {
			InodeUnlock(t, source)
		}
		if target != nil && (!newIsDir || lockNewSubdir) {
			InodeUnlock(t, target)
		}
	case newIsDir:
		if lockNewSubdir {
			InodeUnlock(t, target)
		}
		InodeUnlock(t, source)
	default:
		unlockTwoNondirectories(t, source, target)
	}
	dcache.Dput(t, newDentry)
	return err
}
