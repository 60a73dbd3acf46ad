package ovl

import (
	"fmt"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// FsType is overlayfs's filesystem type.
var FsType = dcache.NewFsType("overlay")

// Lock classes of overlayfs's own locks.
var (
	oiLockClass       = sim.NewLockClass("&ovl_inode->lock")
	whiteoutLockClass = sim.NewLockClass("&ofs->whiteout_lock")
)

// Names of the upper tmpfs's directories the mount uses.
const (
	UpperDirName = "upper"
	WorkDirName  = "work"
)

// FS is one overlay mount (struct ovl_fs).
type FS struct {
	SB           *dcache.SuperBlock
	s            *vfs.System
	Upper, Lower Layer

	upperdir *dcache.Dentry // layers[0]: "upper" in the upper tmpfs
	lowerdir *dcache.Dentry // layers[1]: the lower tmpfs's root
	workdir  *dcache.Dentry // ofs->workdir: "work" in the upper tmpfs

	whiteoutLock     sim.RWSem      // ofs->whiteout_lock (a mutex)
	whiteout         *dcache.Dentry // ofs->whiteout: the shared whiteout, or nil
	noSharedWhiteout bool
	tempID           int // ofs->temp_id

	// icache is the overlay's part of the inode hash (iget5_locked),
	// keyed by the real inode it is hashed by.
	icache []icacheEntry
	// opaque and origin are the trusted.overlay.opaque and
	// trusted.overlay.origin xattrs of upper inodes.
	opaque map[*dcache.Inode]bool
	origin map[*dcache.Inode]*dcache.Inode

	dirOps  *vfs.InodeOperations
	fileOps *vfs.InodeOperations
	dirFOp  *vfs.FileOperations
	fileFOp *vfs.FileOperations
	evict   func(t *sim.Task, inode *dcache.Inode) // evictInode
}

// FixReaddir is not kernel code: it selects the fix of the findings on
// the posted v3 09/19 and 10/19 ovl_cache_update (docs/findings.md): the
// lookup is done when the dentry is unhashed (in-lookup or from
// d_alloc_name), not when it is hashed, and a NULL d_alloc_name is turned
// into ERR_PTR(-ENOMEM). It has no effect on the base.
var FixReaddir = variant.NewFix("ovl", "ovl-readdir",
	"v3 09/19 and 10/19 ovl_cache_update looks up unhashed dentries and tests d_alloc_name for NULL")

type icacheEntry struct {
	key   *dcache.Inode
	inode *dcache.Inode
}

// OVL_E flags: the bits of an overlay dentry's d_fsdata (enum
// ovl_entry_flag).
type oeFlags uint32

const (
	OVL_E_UPPER_ALIAS   oeFlags = 1 << 0
	OVL_E_OPAQUE        oeFlags = 1 << 1
	OVL_E_CONNECTED     oeFlags = 1 << 2
	OVL_E_XWHITEOUTS    oeFlags = 1 << 3
	OVL_E_RACED_READDIR oeFlags = 1 << 4 // v3 10/19
)

// OVL inode flags (enum ovl_inode_flag).
const (
	OVL_IMPURE    uint32 = 1 << 0
	OVL_WHITEOUTS uint32 = 1 << 1
	OVL_INDEX     uint32 = 1 << 2
	OVL_UPPERDATA uint32 = 1 << 3
	OVL_CONST_INO uint32 = 1 << 4
)

// ovlInode is struct ovl_inode: the overlay inode's stack.
type ovlInode struct {
	fs    *FS
	inode *dcache.Inode
	// upper is __upperdentry (a counted reference), set once at
	// lookup or by copy-up (ovl_inode_update).
	upper *dcache.Dentry
	// lower is the ovl_entry's lowerstack: counted references, upper
	// layer excluded. This model has one lower layer.
	lower   []*dcache.Dentry
	lock    sim.RWSem // oi->lock (a mutex)
	flags   uint32
	cache   *dirCache // ovl_dir_cache(inode)
	version int64
}

// IFop is the overlay inode's i_fop (ovl_fill_inode): ovl_dir_operations
// for a directory, ovl_file_operations for a regular file, none for the
// others (symlinks have none; special files get the VFS's).
func (oi *ovlInode) IFop() *vfs.FileOperations {
	switch oi.inode.IMode {
	case dcache.S_IFDIR:
		return oi.fs.dirFOp
	case dcache.S_IFREG:
		return oi.fs.fileFOp
	}
	return nil
}

// New makes an overlay superblock over upper and lower (the part of
// ovl_fill_super that needs no task). Call it in setup, then Mount from
// a task before using the overlay.
func New(s *vfs.System, upper, lower Layer, name string) *FS {
	fs := fsPool.New(s.C.W) // alloc_pool.go
	fs.s, fs.Upper, fs.Lower = s, upper, lower
	fs.bind()
	fs.SB = s.C.NewSuperBlockOfType(FsType, name, nil)
	fs.whiteoutLock.Init(&fs.SB.Object, "whiteout_lock", whiteoutLockClass)
	root := fs.SB.SRoot.DInode
	root.IOp = fs.dirOps
	root.ICount.Set(1)
	oi := fs.newOvlInode(root)
	oi.lock.Init(&root.Object, "lock", oiLockClass)
	root.Private = oi
	return fs
}

// Root is the overlay's root dentry.
func (fs *FS) Root() *dcache.Dentry { return fs.SB.SRoot }

// Mount is the part of ovl_fill_super that runs in a task: find or
// create the upper and work directories in the upper tmpfs
// (ovl_workdir_create) and give the root its stack (ovl_get_root).
//
// Divergence: no index directory (mounted index=off), no
// ovl_check_rename_whiteout test at mount, no "work/work" (the workdir is
// "work" itself).
func (fs *FS) Mount(t *sim.Task) int {
	var err int
	if fs.upperdir, err = fs.mkdirLayer(t, UpperDirName); err != 0 {
		return err
	}
	if fs.workdir, err = fs.mkdirLayer(t, WorkDirName); err != 0 {
		return err
	}
	fs.lowerdir = dcache.Dget(t, fs.Lower.Root())
	root := fs.SB.SRoot
	oi := ovlI(root.DInode)
	oi.upper = dcache.Dget(t, fs.upperdir)
	oi.lower = []*dcache.Dentry{dcache.Dget(t, fs.lowerdir)}
	oi.flags |= OVL_WHITEOUTS // upper and lower: a merge dir
	root.DInode.IIno = fs.mapIno(oi)
	fs.icache = append(fs.icache, icacheEntry{key: fs.lowerdir.DInode, inode: root.DInode})
	root.DFsdata = OVL_E_UPPER_ALIAS
	return 0
}

// mkdirLayer looks up name in the upper tmpfs's root and creates it as a
// directory if it is absent. The result is a counted reference.
func (fs *FS) mkdirLayer(t *sim.Task, name string) (*dcache.Dentry, int) {
	uroot := fs.Upper.Root()
	d := fs.s.LookupOneUnlocked(t, &dcache.Qstr{Name: name}, uroot)
	if sim.IsErr(d) {
		return nil, sim.PtrErr(d)
	}
	if d.DInode != nil {
		return d, 0
	}
	dcache.Dput(t, d)
	d = fs.s.StartCreating(t, uroot, &dcache.Qstr{Name: name})
	if sim.IsErr(d) {
		return nil, sim.PtrErr(d)
	}
	d = fs.s.VfsMkdir(t, uroot.DInode, d)
	if sim.IsErr(d) {
		return nil, sim.PtrErr(d)
	}
	dcache.Dget(t, d)
	fs.s.EndCreating(t, d)
	return d, 0
}

// Upperdir is the upper layer's root dentry (after Mount).
func (fs *FS) Upperdir() *dcache.Dentry { return fs.upperdir }

// Workdir is the work directory (after Mount).
func (fs *FS) Workdir() *dcache.Dentry { return fs.workdir }

// SetOpaqueXattr is "setfattr -n trusted.overlay.opaque -v y" on a
// directory of the upper layer, for building a test's layers before the
// mount.
func (fs *FS) SetOpaqueXattr(t *sim.Task, d *dcache.Dentry) {
	fs.setxattrOpaque(t, d)
}

// IsOpaque reports whether an upper inode carries the opaque xattr, for
// tests (no step).
func (fs *FS) IsOpaque(inode *dcache.Inode) bool { return fs.opaque[inode] }

// HasOrigin reports whether an upper inode carries an origin xattr, for
// tests (no step).
func (fs *FS) HasOrigin(inode *dcache.Inode) bool { return fs.origin[inode] != nil }

// ovlI is OVL_I(inode).
func ovlI(inode *dcache.Inode) *ovlInode { return inode.Private.(*ovlInode) }

// dflags reads an overlay dentry's OVL_E flag word (no step: callers
// that read it locklessly take the step themselves).
func dflags(d *dcache.Dentry) oeFlags {
	f, _ := d.DFsdata.(oeFlags)
	return f
}

// dentryTestFlag is ovl_dentry_test_flag: test_bit on d_fsdata.
func dentryTestFlag(t *sim.Task, flag oeFlags, d *dcache.Dentry) bool {
	t.Read(&d.Object, "d_fsdata")
	return dflags(d)&flag != 0
}

// dentrySetFlag is ovl_dentry_set_flag: set_bit on d_fsdata.
func dentrySetFlag(t *sim.Task, flag oeFlags, d *dcache.Dentry) {
	t.Write(&d.Object, "d_fsdata")
	d.DFsdata = dflags(d) | flag
}

// dentryClearFlag is ovl_dentry_clear_flag: clear_bit on d_fsdata.
func dentryClearFlag(t *sim.Task, flag oeFlags, d *dcache.Dentry) {
	t.Write(&d.Object, "d_fsdata")
	d.DFsdata = dflags(d) &^ flag
}

// dentryIsOpaque is ovl_dentry_is_opaque.
func dentryIsOpaque(t *sim.Task, d *dcache.Dentry) bool {
	return dentryTestFlag(t, OVL_E_OPAQUE, d)
}

// dentryIsWhiteout is ovl_dentry_is_whiteout: negative and opaque.
func dentryIsWhiteout(t *sim.Task, d *dcache.Dentry) bool {
	return d.DInode == nil && dentryIsOpaque(t, d)
}

// hasUpperAlias is ovl_dentry_has_upper_alias.
func hasUpperAlias(t *sim.Task, d *dcache.Dentry) bool {
	return dentryTestFlag(t, OVL_E_UPPER_ALIAS, d)
}

// inodeUpper is ovl_inode_upper: READ_ONCE(oi->__upperdentry).
func inodeUpper(t *sim.Task, inode *dcache.Inode) *dcache.Dentry {
	if inode == nil {
		return nil
	}
	t.Read(&inode.Object, "__upperdentry")
	return ovlI(inode).upper
}

// dentryUpper is ovl_dentry_upper.
func dentryUpper(t *sim.Task, d *dcache.Dentry) *dcache.Dentry { return inodeUpper(t, d.DInode) }

// dentryLower is ovl_dentry_lower: the first lower dentry, or nil.
func dentryLower(d *dcache.Dentry) *dcache.Dentry {
	if d.DInode == nil {
		return nil
	}
	if l := ovlI(d.DInode).lower; len(l) > 0 {
		return l[0]
	}
	return nil
}

// lowerStack is OVL_E(dentry)'s lowerstack.
func lowerStack(d *dcache.Dentry) []*dcache.Dentry {
	if d.DInode == nil {
		return nil
	}
	return ovlI(d.DInode).lower
}

// testFlag is ovl_test_flag on an overlay inode.
func testFlag(t *sim.Task, flag uint32, inode *dcache.Inode) bool {
	t.Read(&inode.Object, "ovl flags")
	return ovlI(inode).flags&flag != 0
}

// setFlag is ovl_set_flag.
func setFlag(t *sim.Task, flag uint32, inode *dcache.Inode) {
	t.Write(&inode.Object, "ovl flags")
	ovlI(inode).flags |= flag
}

// Path types (enum ovl_path_type).
const (
	typeUpper  = 1 << 0
	typeMerge  = 1 << 1
	typeOrigin = 1 << 2
)

// pathType is ovl_path_type.
func pathType(t *sim.Task, d *dcache.Dentry) int {
	typ := 0
	if dentryUpper(t, d) != nil {
		typ = typeUpper
		if len(lowerStack(d)) > 0 {
			if testFlag(t, OVL_CONST_INO, d.DInode) {
				typ |= typeOrigin
			}
			if d.DInode.IMode.IsDir() || !testFlag(t, OVL_UPPERDATA, d.DInode) {
				typ |= typeMerge
			}
		}
	} else if len(lowerStack(d)) > 1 {
		typ |= typeMerge
	}
	return typ
}

// typeMergeOf is ovl_type_merge.
func typeMergeOf(t *sim.Task, d *dcache.Dentry) bool { return pathType(t, d)&typeMerge != 0 }

// typeOriginOf is ovl_type_origin.
func typeOriginOf(t *sim.Task, d *dcache.Dentry) bool { return pathType(t, d)&typeOrigin != 0 }

// typeMergeOrLower is ovl_type_merge_or_lower.
func typeMergeOrLower(t *sim.Task, d *dcache.Dentry) bool {
	typ := pathType(t, d)
	return typ&typeMerge != 0 || typ&typeUpper == 0
}

// pureUpper is ovl_pure_upper.
func pureUpper(t *sim.Task, d *dcache.Dentry) bool {
	return dentryLower(d) == nil && !testFlag(t, OVL_WHITEOUTS, d.DInode)
}

// canMove is ovl_can_move: without redirect_dir (the default), a
// directory with a lower layer cannot be renamed.
func canMove(t *sim.Task, d *dcache.Dentry) bool {
	return !d.DInode.IMode.IsDir() || !typeMergeOrLower(t, d)
}

// dirIsReal is ovl_dir_is_real.
func dirIsReal(t *sim.Task, inode *dcache.Inode) bool { return !testFlag(t, OVL_WHITEOUTS, inode) }

// isWhiteout is ovl_is_whiteout: a positive dentry whose inode is a
// whiteout (char 0/0 in the kernel; S_IFWHT here).
func isWhiteout(d *dcache.Dentry) bool {
	return d.DInode != nil && d.DInode.IMode == dcache.S_IFWHT
}

// upperIsWhiteout is ovl_upper_is_whiteout.
func upperIsWhiteout(d *dcache.Dentry) bool { return isWhiteout(d) }

// matchesUpper is ovl_matches_upper.
func matchesUpper(t *sim.Task, d, upper *dcache.Dentry) bool {
	u := dentryUpper(t, d)
	return u != nil && u.DInode == upper.DInode
}

// dCanLookup is d_can_lookup.
func dCanLookup(d *dcache.Dentry) bool {
	return d.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_DIRECTORY_TYPE
}

// xino: the inode numbers of the lower layer are remapped into the
// overlay's st_ino space with the layer's fsid in the high bits
// (ovl_remap_lower_ino); the upper layer has fsid 0.
const (
	xinoShift = 32
	lowerFsid = 1
)

func remapLowerIno(ino uint64) uint64 { return ino | lowerFsid<<xinoShift }

// mapIno is ovl_map_ino: the overlay inode number, from the lower inode
// when there is one (the copy-up origin keeps it), else the upper's.
func (fs *FS) mapIno(oi *ovlInode) uint64 {
	if len(oi.lower) > 0 {
		return remapLowerIno(oi.lower[0].DInode.IIno)
	}
	return oi.upper.DInode.IIno
}

// getxattrOpaque is ovl_get_opaquedir_val: 'y' for an opaque directory.
func (fs *FS) getxattrOpaque(t *sim.Task, d *dcache.Dentry) byte {
	if !d.DInode.IMode.IsDir() {
		return 0
	}
	t.Read(&d.DInode.Object, "xattr trusted.overlay.opaque")
	if fs.opaque[d.DInode] {
		return 'y'
	}
	return 0
}

// setxattrOpaque is the vfs_setxattr of trusted.overlay.opaque="y"
// (ovl_check_setxattr): under the inode's i_rwsem.
func (fs *FS) setxattrOpaque(t *sim.Task, d *dcache.Dentry) {
	vfs.InodeLock(t, d.DInode)
	t.Write(&d.DInode.Object, "xattr trusted.overlay.opaque")
	fs.opaque[d.DInode] = true
	vfs.InodeUnlock(t, d.DInode)
}

// setOpaque is ovl_set_opaque (ovl_set_opaque_xerr): mark the upper
// directory opaque, then the overlay dentry.
func (fs *FS) setOpaque(t *sim.Task, dentry, upper *dcache.Dentry) int {
	fs.setxattrOpaque(t, upper)
	dentrySetFlag(t, OVL_E_OPAQUE, dentry)
	return 0
}

// setOrigin is ovl_set_origin: record the lower inode a copy-up came from
// in the upper (temp) inode. The caller holds nothing on the inode;
// vfs_setxattr takes its i_rwsem.
func (fs *FS) setOrigin(t *sim.Task, lower, upper *dcache.Dentry) {
	vfs.InodeLock(t, upper.DInode)
	t.Write(&upper.DInode.Object, "xattr trusted.overlay.origin")
	fs.origin[upper.DInode] = lower.DInode
	vfs.InodeUnlock(t, upper.DInode)
}

// getOrigin reads trusted.overlay.origin.
func (fs *FS) getOrigin(t *sim.Task, upper *dcache.Dentry) *dcache.Inode {
	t.Read(&upper.DInode.Object, "xattr trusted.overlay.origin")
	return fs.origin[upper.DInode]
}

// ilookup finds the overlay inode hashed by key (find_inode5).
func (fs *FS) ilookup(key *dcache.Inode) *dcache.Inode {
	for _, e := range fs.icache {
		if e.key == key {
			return e.inode
		}
	}
	return nil
}

func (fs *FS) iunhash(inode *dcache.Inode) {
	for i, e := range fs.icache {
		if e.inode == inode {
			fs.icache = append(fs.icache[:i:i], fs.icache[i+1:]...)
			return
		}
	}
}

// newInode is ovl_new_inode + ovl_fill_inode's part of ovl_alloc_inode: a
// fresh, unhashed overlay inode.
func (fs *FS) newInode(t *sim.Task, mode dcache.Mode) *dcache.Inode {
	inode := fs.SB.NewInode(t, mode)
	oi := fs.newOvlInode(inode)
	oi.lock.Init(&inode.Object, "lock", oiLockClass)
	inode.Private = oi
	if mode.IsDir() {
		inode.IOp = fs.dirOps
	} else {
		inode.IOp = fs.fileOps
	}
	inode.Evict = fs.evict // fs.evictInode, bound once (alloc_pool.go)
	return inode
}

// evictInode is evict()'s overlay part (remove_inode_hash, then
// ovl_destroy_inode: dput the upper dentry, put the lower stack).
//
// Divergence: only unlinked overlay inodes are evicted (dcache.Iput's
// generic_drop_inode); overlayfs's ->drop_inode is generic_delete_inode,
// which also evicts a linked inode at its last iput. Here a linked
// overlay inode stays in the inode cache with its real dentries after its
// last dentry is pruned, and the next lookup finds it there.
func (fs *FS) evictInode(t *sim.Task, inode *dcache.Inode) {
	fs.iunhash(inode)
	oi := ovlI(inode)
	up, lower := oi.upper, oi.lower
	oi.upper, oi.lower = nil, nil
	dcache.Dput(t, up)
	for _, l := range lower {
		dcache.Dput(t, l)
	}
	oi.cache = nil
}

// getInode is ovl_get_inode (fs/overlayfs/inode.c): the overlay inode for
// (upper, lower), found in the inode cache or set up from newinode (a
// preallocated inode from ovl_create_object) or a fresh one. It consumes
// the references on upperdentry and on the lower stack; the result has a
// new reference, or is ERR_PTR(-ESTALE) when the cached inode does not
// match (ovl_verify_inode).
//
// Divergence: the hash key is the lower inode when there is one, else the
// upper inode (ovl_hash_bylower without hard links, index or NFS
// export). Lookup, allocation and insertion take no step, so they are
// atomic as iget5_locked's are under inode_hash_lock and I_NEW.
func (fs *FS) getInode(t *sim.Task, upperdentry *dcache.Dentry, lower []*dcache.Dentry, newinode *dcache.Inode) *dcache.Inode {
	var key, realinode *dcache.Inode
	if len(lower) > 0 {
		key = lower[0].DInode
	}
	if upperdentry != nil {
		realinode = upperdentry.DInode
		if key == nil {
			key = realinode
		}
	} else {
		realinode = lower[0].DInode
	}
	if inode := fs.ilookup(key); inode != nil {
		dcache.Ihold(t, inode)
		oi := ovlI(inode)
		// ovl_verify_inode
		if (len(lower) > 0 && (len(oi.lower) == 0 || oi.lower[0].DInode != lower[0].DInode)) ||
			(upperdentry != nil && (oi.upper == nil || oi.upper.DInode != upperdentry.DInode)) {
			dcache.Iput(t, inode)
			t.Mark("ovl_get_inode: stale cached inode")
			return sim.ErrPtr[dcache.Inode](sim.ESTALE)
		}
		dcache.Dput(t, upperdentry)
		for _, l := range lower {
			dcache.Dput(t, l)
		}
		return inode
	}
	inode := newinode // inode_insert5: the preallocated inode's reference becomes the caller's
	if inode == nil {
		inode = fs.newInode(t, realinode.IMode)
	}
	oi := ovlI(inode)
	oi.upper = upperdentry
	oi.lower = lower
	if len(lower) > 0 {
		oi.flags |= OVL_CONST_INO
	}
	if upperdentry != nil && !inode.IMode.IsDir() {
		oi.flags |= OVL_UPPERDATA
	}
	if inode.IMode.IsDir() && upperdentry != nil && len(lower) > 0 {
		oi.flags |= OVL_WHITEOUTS // "non-merge dir that may have whiteouts"
	}
	inode.IIno = fs.mapIno(oi)
	// nlink: the real inode's for a non-directory (ovl_get_nlink without
	// index falls back to it). Divergence: 2 for a directory (the kernel
	// sets 1 and ovl_getattr reports the real count; nothing in the model
	// reads a directory's).
	inode.INlink = realinode.INlink
	if inode.IMode.IsDir() {
		inode.INlink = 2
	}
	fs.icache = append(fs.icache, icacheEntry{key: key, inode: inode})
	return inode
}

// inodeUpdate is ovl_inode_update: publish the upper dentry of a copied
// up inode (the reference is handed over).
func (fs *FS) inodeUpdate(t *sim.Task, inode *dcache.Inode, upper *dcache.Dentry) {
	t.Write(&inode.Object, "__upperdentry")
	ovlI(inode).upper = upper
}

// inodeLock is ovl_inode_lock (mutex_lock(&oi->lock)).
func inodeLock(t *sim.Task, inode *dcache.Inode) { ovlI(inode).lock.DownWrite(t) }

// inodeUnlock is ovl_inode_unlock.
func inodeUnlock(t *sim.Task, inode *dcache.Inode) { ovlI(inode).lock.UpWrite(t) }

// workdirOf is ovl_workdir.
func (fs *FS) workdirOf() *dcache.Dentry { return fs.workdir }

// tempName is ovl_tempname: "#%x" of a new ofs->temp_id.
func (fs *FS) tempName() string {
	fs.tempID++
	return fmt.Sprintf("#%x", fs.tempID)
}

// dirModified is ovl_dir_modified: the readdir cache version bump
// (ovl_dir_version_inc) under the directory's i_rwsem.
func dirModified(t *sim.Task, dentry *dcache.Dentry, impurity bool) {
	inode := dentry.DInode
	t.WarnOn(!vfs.InodeIsLocked(inode), "!inode_is_locked(inode)")
	t.WarnOn(!inode.IMode.IsDir(), "!d_is_dir(dentry)")
	if !dirIsReal(t, inode) || impurity {
		t.Write(&inode.Object, "ovl version")
		ovlI(inode).version++
	}
}

// EROFS is the errno the sim package does not name.
const EROFS sim.Errno = 30
