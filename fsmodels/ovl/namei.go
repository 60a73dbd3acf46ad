package ovl

import (
	"fmt"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// namelen is ofs->namelen (the layers' NAME_MAX).
const namelen = 255

// lookupData is struct ovl_lookup_data, reduced to what this model uses
// (no redirects, metacopy or xwhiteouts).
type lookupData struct {
	name    string
	isDir   bool
	opaque  bool
	stop    bool
	last    bool
	isUpper bool
}

// lookupCtx is struct ovl_lookup_ctx.
type lookupCtx struct {
	dentry      *dcache.Dentry
	upperdentry *dcache.Dentry
	stack       []*dcache.Dentry
	originPath  *dcache.Dentry
	inode       *dcache.Inode
}

// lookup is ovl_lookup (fs/overlayfs/namei.c, 6.19/7.0), the overlay
// directory's ->lookup. The caller holds dir's i_rwsem (shared from
// lookup_slow, exclusive from lookup_one_qstr_excl or readdir); dentry is
// in-lookup or a plain unhashed dentry, or (v3 09/10 readdir) whatever
// ovl_cache_update passes.
//
// v3 09/19 adds, first thing, an unconditional try_lookup_noperm of the
// name: "this in-lookup dentry may have forced readdir to look up with a
// new dentry; return that one" (errors ignored). v3 10/19 makes that
// check conditional on OVL_E_RACED_READDIR, which it clears.
func (fs *FS) lookup(t *sim.Task, dir *dcache.Inode, dentry *dcache.Dentry, flags vfs.LookupFlags) *dcache.Dentry {
	if len(dentry.DName.Name) > namelen {
		return sim.ErrPtr[dcache.Dentry](sim.ENAMETOOLONG)
	}
	switch {
	case fs.s.Has(variant.P10NoblockReturn):
		if dentryTestFlag(t, OVL_E_RACED_READDIR, dentry) {
			dentryClearFlag(t, OVL_E_RACED_READDIR, dentry)
			alias := dcache.TryLookupNoperm(t, &dcache.Qstr{Name: dentry.DName.Name}, dentry.DParent)
			if alias != nil && !sim.IsErr(alias) {
				t.Mark("ovl_lookup: alias after raced readdir")
				return alias
			}
		}
	case fs.s.Has(variant.P09OvlNoLookupOne):
		alias := dcache.TryLookupNoperm(t, &dcache.Qstr{Name: dentry.DName.Name}, dentry.DParent)
		if alias != nil && !sim.IsErr(alias) {
			t.Mark("ovl_lookup: alias found")
			return alias
		}
	}
	ctx := &lookupCtx{dentry: dentry}
	err := fs.lookupLayers(t, ctx) // with_ovl_creds
	dcache.Dput(t, ctx.originPath)
	if err != 0 {
		for _, d := range ctx.stack {
			dcache.Dput(t, d)
		}
		dcache.Dput(t, ctx.upperdentry)
		return sim.ErrPtr[dcache.Dentry](sim.Errno(-err))
	}
	return fs.spliceAlias(t, ctx.inode, dentry)
}

// checkSpliceR8 enables spliceAlias's R8 check; tests switch it off to
// see what the kernel code goes on to do.
var checkSpliceR8 = true

// spliceAlias is d_splice_alias with a check of its precondition (rule
// R8): the dentry must be negative. The kernel does not check it; a
// positive dentry here is instantiated a second time (a second d_alias
// link, and the inode reference ovl_get_inode took is never dropped).
func (fs *FS) spliceAlias(t *sim.Task, inode *dcache.Inode, dentry *dcache.Dentry) *dcache.Dentry {
	t.Read(&dentry.Object, "d_inode")
	if checkSpliceR8 && dentry.DInode != nil && !sim.IsErr(inode) {
		t.Violation(sim.KindInvariant, "R8",
			fmt.Sprintf("d_splice_alias(%s, %s): the dentry is already positive (%s)", inode, dentry, dentry.DInode),
			"d_splice_alias must be given a negative dentry (unhashed, in-lookup, or since v3 02/19 hashed negative); "+
				"splicing a positive one instantiates it twice and leaks the inode reference.")
	}
	return dcache.DSpliceAlias(t, inode, dentry)
}

// lookupLayers is do_ovl_lookup / ovl_lookup_layers (fs/overlayfs/namei.c):
// the upper layer first, then the lower stack of the parent until a layer
// stops the lookup (a non-directory, a whiteout, an opaque directory).
//
// Divergence: no redirects, metacopy, index, xwhiteouts or casefolding:
// the model is mounted redirect_dir=off, metacopy=off, index=off, and its
// layers have no xwhiteout xattrs and no casefolded directories.
func (fs *FS) lookupLayers(t *sim.Task, ctx *lookupCtx) int {
	dentry := ctx.dentry
	parent := dentry.DParent
	poe := lowerStack(parent)
	d := &lookupData{name: dentry.DName.Name, last: len(poe) == 0}
	upperopaque := false
	upperdir := dentryUpper(t, parent)
	if upperdir != nil {
		d.isUpper = true
		if err := fs.lookupSingle(t, upperdir, d, &ctx.upperdentry, true); err != 0 {
			return err
		}
		if ctx.upperdentry != nil && !d.isDir {
			fs.checkOrigin(t, ctx.upperdentry, &ctx.originPath)
		}
		upperopaque = d.opaque
	}
	for i := 0; !d.stop && i < len(poe); i++ {
		d.isUpper = false
		d.last = i == len(poe)-1
		var this *dcache.Dentry
		if err := fs.lookupSingle(t, poe[i], d, &this, false); err != 0 {
			return err
		}
		if this == nil {
			continue
		}
		ctx.stack = append(ctx.stack, this)
		if d.stop {
			break
		}
	}
	// "If a dentry is found using ORIGIN xattr on upper, install it in
	// stack."
	if !d.isDir && ctx.upperdentry != nil && len(ctx.stack) == 0 && ctx.originPath != nil {
		ctx.stack = append(ctx.stack, ctx.originPath)
		ctx.originPath = nil
	}
	if upperopaque {
		dentrySetFlag(t, OVL_E_OPAQUE, dentry) // ovl_dentry_set_opaque
	}
	if ctx.upperdentry != nil {
		dentrySetFlag(t, OVL_E_UPPER_ALIAS, dentry)
	}
	if ctx.upperdentry != nil || len(ctx.stack) != 0 {
		inode := fs.getInode(t, ctx.upperdentry, ctx.stack, nil)
		ctx.upperdentry, ctx.stack = nil, nil // consumed
		if sim.IsErr(inode) {
			return sim.PtrErr(inode)
		}
		ctx.inode = inode
	}
	return 0
}

// checkOrigin is ovl_check_origin: the lower dentry an upper non-directory
// was copied up from, through its origin xattr.
//
// Divergence: the file handle is "decoded" by finding a dcache alias of
// the recorded lower inode (d_find_alias); tmpfs keeps every linked
// dentry, so there is always one.
func (fs *FS) checkOrigin(t *sim.Task, upper *dcache.Dentry, origin **dcache.Dentry) {
	lowerInode := fs.getOrigin(t, upper)
	if lowerInode == nil {
		return
	}
	if d := dcache.DFindAlias(t, lowerInode); d != nil {
		*origin = d
	}
}

// lookupSingle is ovl_lookup_single (fs/overlayfs/namei.c) for a plain
// name in one layer. *ret is a counted reference or nil ("not here").
func (fs *FS) lookupSingle(t *sim.Task, base *dcache.Dentry, d *lookupData, ret **dcache.Dentry, dropNegative bool) int {
	this := fs.lookupPositiveUnlocked(t, d.name, base, dropNegative)
	if sim.IsErr(this) {
		err := sim.PtrErr(this)
		if err == -int(sim.ENOENT) || err == -int(sim.ENAMETOOLONG) {
			*ret = nil
			return 0
		}
		return err
	}
	if isWhiteout(this) { // ovl_path_is_whiteout
		d.stop = true
		d.opaque = true
		dcache.Dput(t, this)
		*ret = nil
		return 0
	}
	if !dCanLookup(this) {
		if d.isDir {
			// a directory above hides the non-directory
			d.stop = true
			dcache.Dput(t, this)
			*ret = nil
			return 0
		}
		d.stop = true // no metacopy
		*ret = this
		return 0
	}
	d.isDir = true
	if d.last {
		*ret = this
		return 0
	}
	if fs.getxattrOpaque(t, this) == 'y' {
		d.stop = true
		d.opaque = true
	}
	*ret = this
	return 0
}

// lookupPositiveUnlocked is ovl_lookup_positive_unlocked: a real-layer
// lookup_one_unlocked; a negative result is -ENOENT, and on the upper
// layer an unused negative is unhashed first (drop_negative).
func (fs *FS) lookupPositiveUnlocked(t *sim.Task, name string, base *dcache.Dentry, dropNegative bool) *dcache.Dentry {
	ret := fs.s.LookupOneUnlocked(t, &dcache.Qstr{Name: name}, base)
	if !sim.IsErr(ret) {
		t.Read(&ret.Object, "d_flags")
		if ret.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_MISS_TYPE {
			t.Read(&ret.Object, "d_lockref")
			if dropNegative && ret.DLockref.Count() == 1 {
				ret.DLock().Lock(t)
				if ret.DInode == nil && ret.DLockref.Count() == 1 {
					dcache.DDropLocked(t, ret)
				}
				ret.DLock().Unlock(t)
			}
			dcache.Dput(t, ret)
			ret = sim.ErrPtr[dcache.Dentry](sim.ENOENT)
		}
	}
	return ret
}

// lookupUpperUnlocked is ovl_lookup_upper_unlocked: lookup_one_unlocked
// in the upper layer; the result may be negative.
func (fs *FS) lookupUpperUnlocked(t *sim.Task, name string, base *dcache.Dentry) *dcache.Dentry {
	return fs.s.LookupOneUnlocked(t, &dcache.Qstr{Name: name}, base)
}

// lowerPositive is ovl_lower_positive: does a lower layer have the name
// (so that removing it needs a whiteout)?
func (fs *FS) lowerPositive(t *sim.Task, dentry *dcache.Dentry) bool {
	poe := lowerStack(dentry.DParent)
	if dentry.DInode == nil {
		return dentryIsOpaque(t, dentry)
	}
	if dentryUpper(t, dentry) == nil {
		return true
	}
	positive, done := false, false
	for i := 0; !done && !positive && i < len(poe); i++ {
		this := fs.s.LookupOnePositiveUnlocked(t, &dcache.Qstr{Name: dentry.DName.Name}, poe[i])
		if sim.IsErr(this) {
			switch sim.PtrErr(this) {
			case -int(sim.ENOENT), -int(sim.ENAMETOOLONG):
			default:
				positive = true // assume something is there
			}
		} else {
			positive = !isWhiteout(this)
			done = true
			dcache.Dput(t, this)
		}
	}
	return positive
}
