package efivarfs

import (
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// FsType is efivarfs's filesystem type.
var FsType = dcache.NewFsType("efivarfs")

// FixCreateLocked selects the fixed efivarfs_create_dentry that Al Viro
// proposed in "Re: [PATCH v2 22/50] convert efivarfs"
// <20251028210805.GP2441659@ZenIV>: simple_start_creating (the root
// locked, the name looked up, -EEXIST if present) before the inode,
// d_make_persistent, simple_done_creating; efivar_init then takes
// -EEXIST for "already there" on a thaw.
var FixCreateLocked = variant.NewFix("efivarfs", "create-locked",
	"efivarfs_create_dentry creates under the root's lock with simple_start_creating, as Al Viro proposed")

// Firmware is the firmware's variable store (GetNextVariable's order):
// "Name-GUID" names, the GUID in lower case as efi_guid_to_str writes it.
type Firmware struct {
	Vars []string
}

// Set adds a variable behind efivarfs's back (another OS, a firmware
// update): efivarfs learns of it at the next mount or thaw.
func (f *Firmware) Set(name string) {
	if !slices.Contains(f.Vars, name) {
		f.Vars = append(f.Vars, name)
	}
}

// delete is efivar_entry_delete's SetVariable with no data.
func (f *Firmware) delete(name string) bool {
	i := slices.Index(f.Vars, name)
	if i < 0 {
		return false
	}
	f.Vars = slices.Delete(f.Vars, i, i+1)
	return true
}

// FS is one efivarfs instance.
type FS struct {
	SB      *dcache.SuperBlock
	FW      *Firmware
	s       *vfs.System
	dirOps  *vfs.InodeOperations
	fileOps *vfs.InodeOperations
}

// entry is struct efivar_entry, the inode's private part: the variable's
// name and GUID in one string.
type entry struct {
	name string
}

// New makes the superblock and root (efivarfs_fill_super up to
// d_make_root) over fw; Mount populates it. Call it in setup.
func New(s *vfs.System, fw *Firmware) *FS {
	fs := &FS{s: s, FW: fw}
	// set_default_d_op(sb, &efivarfs_d_ops); sb->s_d_flags |= DCACHE_DONTCACHE
	fs.SB = s.C.NewSuperBlockOfType(FsType, "efivarfs", dOps)
	fs.SB.SDFlags |= dcache.DCACHE_DONTCACHE
	fs.SB.Fold = Fold
	fs.SB.DropInode = inodeJustDrop // efivarfs_ops.drop_inode
	fs.dirOps = &vfs.InodeOperations{Lookup: fs.simpleLookup, Unlink: fs.unlink, Create: fs.create}
	fs.fileOps = &vfs.InodeOperations{}
	root := fs.SB.SRoot.DInode
	root.IOp = fs.dirOps
	root.ICount.Set(1)
	return fs
}

// inodeJustDrop is inode_just_drop (fs/inode.c, 6.19;
// generic_delete_inode before): evict at the last iput.
func inodeJustDrop(*dcache.Inode) bool { return true }

// Root is the root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// Mount is the end of efivarfs_fill_super: efivar_init(efivarfs_callback,
// sb, true), every firmware variable added to the root.
func (fs *FS) Mount(t *sim.Task) int {
	return fs.efivarInit(t, fs.callback, true)
}

// Thaw is efivarfs_unfreeze_fs's second half: efivar_init(
// efivarfs_check_missing, sb, false), every firmware variable that has
// no dentry added. It runs on FITHAW (ioctl_fsthaw, thaw_super) and on
// resume, while other tasks use the filesystem.
//
// Divergence: the first half, which walks the root's children
// (find_next_child) and removes vanished variables with
// simple_recursive_removal, is not modeled.
func (fs *FS) Thaw(t *sim.Task) int {
	return fs.efivarInit(t, fs.checkMissing, false)
}

// efivarInit is efivar_init (fs/efivarfs/vars.c): for each firmware
// variable, with duplicateCheck a variable already present ends the walk
// (dup_variable_bug); else fn adds it, and an error ends the walk.
//
// Divergence: efivars_lock (efivar_lock) is not modeled; the firmware
// list is read without scheduling points.
func (fs *FS) efivarInit(t *sim.Task, fn func(t *sim.Task, name string) int, duplicateCheck bool) int {
	for _, name := range slices.Clone(fs.FW.Vars) {
		if duplicateCheck && fs.variableIsPresent(t, name) {
			t.Mark("efivar_init: dup_variable_bug")
			return 0
		}
		err := fn(t, name)
		if err == -int(sim.EEXIST) && fs.s.C.On(FixCreateLocked) && !duplicateCheck {
			err = 0 // the fix's efivar_init: already there on a thaw
		}
		if err != 0 {
			return err
		}
	}
	return 0
}

// variableIsPresent is efivarfs_variable_is_present: try_lookup_noperm
// of the name in the root.
func (fs *FS) variableIsPresent(t *sim.Task, name string) bool {
	q := dcache.Qstr{Name: name}
	dentry := dcache.TryLookupNoperm(t, &q, fs.Root())
	if !sim.IsErrOrNull(dentry) {
		dcache.Dput(t, dentry)
	}
	return dentry != nil
}

// callback is efivarfs_callback.
//
// Divergence: LINUX_EFI_RANDOM_SEED_TABLE_GUID is not skipped (no
// modeled firmware holds it).
func (fs *FS) callback(t *sim.Task, name string) int {
	return fs.createDentry(t, name)
}

// checkMissing is efivarfs_check_missing: try_lookup_noperm, and
// efivarfs_create_dentry when the name has no dentry.
func (fs *FS) checkMissing(t *sim.Task, name string) int {
	q := dcache.Qstr{Name: name}
	dentry := dcache.TryLookupNoperm(t, &q, fs.Root())
	if sim.IsErr(dentry) {
		return sim.PtrErr(dentry)
	}
	if dentry == nil {
		// found missing entry
		t.Mark("efivarfs_check_missing: creating variable")
		return fs.createDentry(t, name)
	}
	dcache.Dput(t, dentry)
	return 0
}

// getInode is efivarfs_get_inode for a variable: new_inode (NULL on
// ENOMEM) with the file operations.
func (fs *FS) getInode(t *sim.Task) *dcache.Inode {
	if t.Fault("efivarfs_get_inode: new_inode") {
		return nil
	}
	inode := fs.SB.NewInode(t, dcache.S_IFREG)
	inode.IOp = fs.fileOps
	return inode
}

// allocDentry is efivarfs_alloc_dentry (the base; v3 11/19 removes it):
// efivarfs_d_hash, then d_alloc; ERR_PTR(-ENOMEM) when that fails.
func (fs *FS) allocDentry(t *sim.Task, parent *dcache.Dentry, name string) *dcache.Dentry {
	q := dcache.Qstr{Name: name}
	if err := dHash(t, parent, &q); err != 0 {
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	if d := dcache.DAlloc(t, parent, &q); d != nil {
		return d
	}
	return sim.ErrPtr[dcache.Dentry](sim.ENOMEM)
}

// createDentry is efivarfs_create_dentry (fs/efivarfs/super.c): a new
// inode, then the dentry (efivarfs_alloc_dentry in the base, d_alloc_name
// from v3 11/19), the entry in the inode under its i_rwsem, and
// d_make_persistent with the allocation's reference dropped. Nothing
// locks the root: mount relies on nobody seeing the superblock yet, and
// thaw runs beside lookups. FixCreateLocked selects createDentryLocked.
//
// Divergence: __efivar_entry_get (the variable's size) is not modeled.
func (fs *FS) createDentry(t *sim.Task, name string) int {
	if fs.s.C.On(FixCreateLocked) {
		return fs.createDentryLocked(t, name)
	}
	root := fs.Root()
	inode := fs.getInode(t)
	if inode == nil {
		return -int(sim.ENOMEM) // goto fail_name
	}
	var dentry *dcache.Dentry
	if fs.s.Has(variant.P11EfivarfsAllocName) {
		dentry = dcache.DAllocName(t, root, name)
		if dentry == nil {
			dcache.Iput(t, inode) // fail_inode
			return -int(sim.ENOMEM)
		}
	} else {
		dentry = fs.allocDentry(t, root, name)
		if sim.IsErr(dentry) {
			dcache.Iput(t, inode) // fail_inode
			return sim.PtrErr(dentry)
		}
	}
	fs.setEntry(t, inode, name)
	dcache.DMakePersistent(t, dentry, inode)
	dcache.Dput(t, dentry)
	return 0
}

// setEntry is the inode_lock'ed section of efivarfs_create_dentry:
// i_private and i_size.
func (fs *FS) setEntry(t *sim.Task, inode *dcache.Inode, name string) {
	vfs.InodeLock(t, inode)
	inode.Private = &entry{name: name}
	vfs.InodeUnlock(t, inode)
}

// createDentryLocked is efivarfs_create_dentry as FixCreateLocked has it
// (not kernel code; Al Viro's proposal): simple_start_creating
// (lookup_noperm_common, start_dirop with LOOKUP_CREATE|LOOKUP_EXCL:
// -EEXIST for a name already there), the inode, d_make_persistent, and
// simple_done_creating (unlock the root, drop the dentry).
func (fs *FS) createDentryLocked(t *sim.Task, name string) int {
	root := fs.Root()
	q := dcache.Qstr{Name: name}
	if err := dcache.LookupNopermCommon(t, &q, root); err != 0 {
		return err
	}
	dentry := fs.s.StartDirop(t, root, &q, vfs.LOOKUP_CREATE|vfs.LOOKUP_EXCL)
	if sim.IsErr(dentry) {
		return sim.PtrErr(dentry)
	}
	err := 0
	if inode := fs.getInode(t); inode == nil {
		err = -int(sim.ENOMEM)
	} else {
		fs.setEntry(t, inode, name)
		dcache.DMakePersistent(t, dentry, inode)
	}
	fs.s.EndCreating(t, dentry) // simple_done_creating
	return err
}

// simpleLookup is simple_lookup (fs/libfs.c, 6.17+) for a superblock with
// s_d_op: ENAMETOOLONG past NAME_MAX, else hash the dentry negative.
func (fs *FS) simpleLookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if dentry.DName.Len() > 255 {
		return sim.ErrPtr[dcache.Dentry](sim.ENAMETOOLONG)
	}
	dcache.DAdd(t, dentry, nil)
	return nil
}

// create is efivarfs_create (fs/efivarfs/inode.c, 6.19): a valid
// "Name-GUID" gets a new inode with its entry, made persistent; the
// variable reaches the firmware only when written.
//
// Divergence: the GUID is not parsed (guid_parse) and
// efivar_variable_is_removable is not consulted.
func (fs *FS) create(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, mode dcache.Mode, excl bool) int {
	if !validName(dentry.DName.Name) {
		return -int(sim.EINVAL)
	}
	inode := fs.getInode(t)
	if inode == nil {
		return -int(sim.ENOMEM)
	}
	inode.Private = &entry{name: dentry.DName.Name}
	dcache.DMakePersistent(t, dentry, inode)
	return 0
}

// unlink is efivarfs_unlink (6.19): efivar_entry_delete, then
// simple_unlink (drop the link and d_make_discardable's pin); -EINVAL if
// the firmware refuses.
//
// Divergence: a created variable that was never written is not in the
// firmware; deleting it succeeds here (the kernel's SetVariable of a
// missing variable fails with EFI_NOT_FOUND).
func (fs *FS) unlink(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry) int {
	e := dentry.DInode.Private.(*entry)
	fs.FW.delete(e.name)
	dentry.DInode.INlink--
	dcache.DMakeDiscardable(t, dentry)
	return 0
}
