package ovl

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// cacheEntry is struct ovl_cache_entry.
type cacheEntry struct {
	ino        uint64
	realIno    uint64
	name       string
	mode       dcache.Mode // d_type
	isUpper    bool
	isWhiteout bool
	// nextMaybeWhiteout chains DT_CHR entries for ovl_check_whiteouts.
	nextMaybeWhiteout *cacheEntry
}

// dirCache is struct ovl_dir_cache.
type dirCache struct {
	refcount int
	version  int64
	entries  []*cacheEntry
}

// dirFile is struct ovl_dir_file (file->private_data).
type dirFile struct {
	isReal   bool
	isUpper  bool
	cache    *dirCache
	cursor   int // index into cache.entries
	realfile *vfs.File
}

// readdirData is struct ovl_readdir_data.
type readdirData struct {
	dentry             *dcache.Dentry
	isLowest           bool
	isUpper            bool
	list               []*cacheEntry
	middle             []*cacheEntry
	root               map[string]*cacheEntry // the rb-tree: looked up by name, never iterated
	count              int
	err                int
	firstMaybeWhiteout *cacheEntry
}

// isChr is d_type == DT_CHR: a whiteout candidate.
func isChr(m dcache.Mode) bool { return m == dcache.S_IFWHT || m == dcache.S_IFCHR }

// calcDIno is ovl_calc_d_ino: with xino every entry's d_ino is
// recomputed in ovl_iterate.
func (fs *FS) calcDIno(rdd *readdirData, p *cacheEntry) bool {
	return rdd.dentry != nil // ovl_xino_bits(ofs) != 0
}

// cacheEntryNew is ovl_cache_entry_new.
func (fs *FS) cacheEntryNew(rdd *readdirData, name string, ino uint64, mode dcache.Mode) *cacheEntry {
	p := &cacheEntry{name: name, mode: mode, realIno: ino, ino: ino, isUpper: rdd.isUpper}
	if fs.calcDIno(rdd, p) {
		p.ino = 0
	}
	if isChr(mode) {
		p.nextMaybeWhiteout = rdd.firstMaybeWhiteout
		rdd.firstMaybeWhiteout = p
	}
	return p
}

// fillMerge is ovl_fill_merge, the actor of the real directories'
// iterate_dir: ovl_cache_entry_add_rb for the upper layer,
// ovl_fill_lowest for the lowest one.
func (fs *FS) fillMerge(rdd *readdirData, name string, ino uint64, mode dcache.Mode) bool {
	rdd.count++
	if !rdd.isLowest {
		if rdd.root[name] != nil {
			return true
		}
		p := fs.cacheEntryNew(rdd, name, ino, mode)
		rdd.list = append(rdd.list, p)
		rdd.root[name] = p
		return true
	}
	if p := rdd.root[name]; p != nil {
		// list_move_tail(&p->l_node, &rdd->middle)
		for i, x := range rdd.list {
			if x == p {
				rdd.list = append(rdd.list[:i:i], rdd.list[i+1:]...)
				break
			}
		}
		rdd.middle = append(rdd.middle, p)
	} else {
		rdd.middle = append(rdd.middle, fs.cacheEntryNew(rdd, name, ino, mode))
	}
	return rdd.err == 0
}

// openReal is ovl_path_open / ovl_dir_open_realfile: a file on a real
// directory.
func (fs *FS) openReal(t *sim.Task, d *dcache.Dentry) *vfs.File {
	f := &vfs.File{Path: dcache.Dget(t, d), FMode: vfs.FMODE_OPENED}
	t.Alloc(&f.Object, "file")
	if fop, ok := d.DInode.Private.(vfs.IFopper); ok {
		f.FOp = fop.IFop()
	}
	return f
}

// fput closes a file from openReal.
func (fs *FS) fput(t *sim.Task, f *vfs.File) {
	if f.FOp != nil && f.FOp.Release != nil {
		f.FOp.Release(t, f.Path.DInode, f)
	}
	dcache.Dput(t, f.Path)
	t.Free(&f.Object)
}

// dirRead is ovl_dir_read: iterate_dir on the real directory (its
// i_rwsem shared) until it returns nothing, then check the whiteout
// candidates.
func (fs *FS) dirRead(t *sim.Task, realpath *dcache.Dentry, rdd *readdirData) int {
	realfile := fs.openReal(t, realpath)
	rdd.firstMaybeWhiteout = nil
	ctx := &vfs.DirContext{Actor: func(name string, ino uint64, mode dcache.Mode) bool {
		return fs.fillMerge(rdd, name, ino, mode)
	}}
	var err int
	for {
		rdd.count = 0
		rdd.err = 0
		err = fs.s.IterateDir(t, realfile, ctx)
		if err >= 0 {
			err = rdd.err
		}
		if err != 0 || rdd.count == 0 {
			break
		}
	}
	if err == 0 && rdd.firstMaybeWhiteout != nil && rdd.dentry != nil {
		err = fs.checkWhiteouts(t, realpath, rdd)
	}
	fs.fput(t, realfile)
	return err
}

// checkWhiteouts is ovl_check_whiteouts (6.16+): look each DT_CHR entry
// up in the real directory (lookup_one_positive_killable: the real
// directory's i_rwsem shared on a miss).
func (fs *FS) checkWhiteouts(t *sim.Task, dir *dcache.Dentry, rdd *readdirData) int {
	for rdd.firstMaybeWhiteout != nil {
		p := rdd.firstMaybeWhiteout
		rdd.firstMaybeWhiteout = p.nextMaybeWhiteout
		dentry := fs.s.LookupOnePositiveUnlocked(t, &dcache.Qstr{Name: p.name}, dir)
		if !sim.IsErr(dentry) {
			p.isWhiteout = isWhiteout(dentry)
			dcache.Dput(t, dentry)
		} else if sim.PtrErr(dentry) == -int(sim.EINTR) {
			return -int(sim.EINTR)
		}
	}
	return 0
}

// dirReadMerged is ovl_dir_read_merged: the upper layer, then the lower
// one; entries of the lowest layer go before the upper ones (through the
// "middle" list), duplicates are dropped by name.
func (fs *FS) dirReadMerged(t *sim.Task, dentry *dcache.Dentry, forIterate bool) ([]*cacheEntry, int) {
	rdd := &readdirData{root: map[string]*cacheEntry{}}
	if forIterate {
		rdd.dentry = dentry
	}
	var paths []*dcache.Dentry // ovl_path_next: upper first, then lowers
	if u := dentryUpper(t, dentry); u != nil {
		paths = append(paths, u)
	}
	paths = append(paths, lowerStack(dentry)...)
	var err int
	for i, realpath := range paths {
		rdd.isUpper = i == 0 && dentryUpper(t, dentry) == realpath
		if i != len(paths)-1 {
			if err = fs.dirRead(t, realpath, rdd); err != 0 {
				break
			}
		} else {
			rdd.isLowest = true
			err = fs.dirRead(t, realpath, rdd)
		}
	}
	return append(rdd.middle, rdd.list...), err
}

// checkEmptyDir is ovl_check_empty_dir: -ENOTEMPTY unless every merged
// entry is a whiteout; the list returned keeps the upper whiteouts to
// clean up.
func (fs *FS) checkEmptyDir(t *sim.Task, dentry *dcache.Dentry) ([]*cacheEntry, int) {
	// ovl_check_empty_dir reads with rdd.dentry set as well.
	list, err := fs.dirReadMerged(t, dentry, true)
	if err != 0 {
		return nil, err
	}
	var keep []*cacheEntry
	for _, p := range list {
		if p.isWhiteout {
			if p.isUpper {
				keep = append(keep, p)
			}
			continue
		}
		if p.name == "." || p.name == ".." {
			continue
		}
		return nil, -int(sim.ENOTEMPTY)
	}
	return keep, 0
}

// odOf returns the overlay directory file's private data, set up on first
// use.
//
// Divergence: ovl_dir_operations has no ->open here, so what
// ovl_dir_open does (decide is_real and is_upper, open the real
// directory) is done at the first ->iterate_shared, under the
// directory's lock.
func (fs *FS) odOf(t *sim.Task, file *vfs.File) *dirFile {
	if od, ok := file.Private.(*dirFile); ok {
		return od
	}
	dentry := file.Path
	typ := pathType(t, dentry)
	od := &dirFile{isReal: dirIsReal(t, dentry.DInode), isUpper: typ&typeUpper != 0}
	realpath := dentryUpper(t, dentry) // ovl_path_real
	if realpath == nil {
		realpath = dentryLower(dentry)
	}
	od.realfile = fs.openReal(t, realpath)
	file.Private = od
	return od
}

// dirRelease is ovl_dir_release: drop the cache under the directory's
// lock and close the real file.
func (fs *FS) dirRelease(t *sim.Task, inode *dcache.Inode, file *vfs.File) {
	od, ok := file.Private.(*dirFile)
	if !ok {
		return
	}
	if od.cache != nil {
		vfs.InodeLock(t, inode)
		fs.cachePut(t, od, inode)
		vfs.InodeUnlock(t, inode)
	}
	fs.fput(t, od.realfile)
	file.Private = nil
}

// iterate is ovl_iterate, made shared_ovl_iterate by WRAP_DIR_ITER: it
// runs with the overlay directory's i_rwsem exclusive.
func (fs *FS) iterate(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	od := fs.odOf(t, file)
	if ctx.Pos == 0 {
		fs.dirReset(t, file, od)
	}
	if od.isReal {
		// ovl_need_adjust_d_ino: with xino, yes.
		return fs.iterateReal(t, file, od, ctx)
	}
	return fs.iterateMerged(t, file, od, ctx)
}

// dirReset is ovl_dir_reset: drop a stale cache; a real directory that
// was copied up becomes a merged one.
func (fs *FS) dirReset(t *sim.Task, file *vfs.File, od *dirFile) {
	inode := file.Path.DInode
	if od.cache != nil && ovlI(inode).version != od.cache.version {
		fs.cachePut(t, od, inode)
		od.cache = nil
		od.cursor = 0
	}
	isReal := dirIsReal(t, inode)
	if od.isReal != isReal {
		if t.WarnOn(isReal, "is_real") {
			return
		}
		od.isReal = false
	}
}

// iterateReal is ovl_iterate_real: iterate_dir on the real directory with
// the d_ino of lower entries remapped (xino).
//
// Divergence: no impure-directory cache (ovl_cache_get_impure) and no
// ".." translation (the tmpfs model emits no dot entries).
func (fs *FS) iterateReal(t *sim.Task, file *vfs.File, od *dirFile, ctx *vfs.DirContext) int {
	lower := !od.isUpper
	rdt := &vfs.DirContext{Pos: ctx.Pos, Actor: func(name string, ino uint64, mode dcache.Mode) bool {
		if lower {
			ino = remapLowerIno(ino)
		}
		return ctx.Emit(name, ino, mode)
	}}
	err := fs.s.IterateDir(t, od.realfile, rdt)
	ctx.Pos = rdt.Pos
	return err
}

// iterateMerged is ovl_iterate_merged (the v3 base, blob 1dcc75b3a90f).
//
// Divergence: err = PTR_ERR(cache) before the IS_ERR test is kept, but
// sim.PtrErr of a valid pointer is 0, so the bogus non-zero return the
// kernel has here (fixed by Nirmoy Das) cannot show.
func (fs *FS) iterateMerged(t *sim.Task, file *vfs.File, od *dirFile, ctx *vfs.DirContext) int {
	dentry := file.Path
	err := 0
	if od.cache == nil {
		cache, cerr := fs.cacheGet(t, dentry)
		if cerr != 0 {
			return cerr
		}
		od.cache = cache
		od.cursor = 0 // ovl_seek_cursor(od, ctx->pos)
		for i := int64(0); i < ctx.Pos && od.cursor < len(cache.entries); i++ {
			od.cursor++
		}
	}
	for od.cursor < len(od.cache.entries) {
		p := od.cache.entries[od.cursor]
		if !p.isWhiteout && p.ino == 0 {
			if err = fs.cacheUpdate(t, dentry, p, p.ino == 0); err != 0 {
				return err
			}
		}
		if !p.isWhiteout {
			if !ctx.Emit(p.name, p.ino, p.mode) {
				break
			}
		}
		od.cursor++
		ctx.Pos++
	}
	return err
}

// cacheGet is ovl_cache_get: reuse the inode's cache if its version is
// current, else read the merged directory into a new one.
func (fs *FS) cacheGet(t *sim.Task, dentry *dcache.Dentry) (*dirCache, int) {
	inode := dentry.DInode
	oi := ovlI(inode)
	if cache := oi.cache; cache != nil && oi.version == cache.version {
		t.WarnOn(cache.refcount == 0, "!cache->refcount")
		cache.refcount++
		return cache, 0
	}
	oi.cache = nil // ovl_set_dir_cache(inode, NULL)
	cache := &dirCache{refcount: 1}
	entries, res := fs.dirReadMerged(t, dentry, true)
	if res != 0 {
		return nil, res
	}
	cache.entries = entries
	cache.version = oi.version
	oi.cache = cache
	return cache, 0
}

// cachePut is ovl_cache_put.
func (fs *FS) cachePut(t *sim.Task, od *dirFile, inode *dcache.Inode) {
	cache := od.cache
	t.WarnOn(cache.refcount <= 0, "cache->refcount <= 0")
	cache.refcount--
	if cache.refcount == 0 {
		if oi := ovlI(inode); oi.cache == cache {
			oi.cache = nil
		}
	}
}

// cacheUpdate is ovl_cache_update: compute the d_ino of one merged entry
// by looking its name up in the overlay directory (held exclusive by the
// wrapped iterator). Mainline uses lookup_one(); v3 09/19 replaces it by
// d_alloc_noblock() (d_alloc_name() when that would block) and a direct
// ovl_lookup(); v3 10/19 by d_alloc_noblock_return(), tagging the other
// lookup's in-lookup dentry with OVL_E_RACED_READDIR. Both are
// transcribed as posted, with their inverted "!d_unhashed(this)" test and
// the unchecked NULL from d_alloc_name(); FixReaddir selects the fix
// (not kernel code).
func (fs *FS) cacheUpdate(t *sim.Task, dir *dcache.Dentry, p *cacheEntry, updateIno bool) int {
	var this *dcache.Dentry
	ino := p.realIno
	err := 0
	// ovl_same_dev(ofs) is true with xino, so no early "goto out".
	if p.name == "." {
		this = dcache.Dget(t, dir)
		goto get
	}
	if p.name == ".." {
		this = dcache.DgetParent(t, dir)
		goto get
	}
	// "This checks also for xwhiteouts"
	switch {
	case fs.s.Has(variant.P09OvlNoLookupOne) || fs.s.Has(variant.P10NoblockReturn):
		this = fs.cacheUpdateLookupV3(t, dir, p)
		if sim.IsErr(this) || this.DInode == nil {
			p.isWhiteout = true // "Mark a stale entry"
			t.Mark("ovl_cache_update: entry marked stale")
			if sim.IsErr(this) {
				err = sim.PtrErr(this)
				this = nil
				goto fail
			}
			goto out
		}
	default:
		this = fs.s.LookupOne(t, &dcache.Qstr{Name: p.name}, dir)
		if sim.IsErrOrNull(this) || this.DInode == nil {
			p.isWhiteout = true // "Mark a stale entry"
			t.Mark("ovl_cache_update: entry marked stale")
			if sim.IsErr(this) {
				err = sim.PtrErr(this)
				this = nil
				goto fail
			}
			goto out
		}
	}
get:
	if !updateIno {
		goto out
	}
	if typ := pathType(t, this); typ&typeOrigin != 0 {
		t.Read(&this.DInode.Object, "i_ino") // vfs_getattr(STATX_INO): ovl_getattr
		ino = this.DInode.IIno
	} else if typ&typeUpper == 0 {
		ino = remapLowerIno(ino) // ovl_remap_lower_ino
	}
out:
	p.ino = ino
	dcache.Dput(t, this)
	return err
fail:
	// pr_warn_ratelimited("failed to look up (%s) for ino (%i)")
	t.Mark("ovl_cache_update: failed to look up")
	goto out
}

// cacheUpdateLookupV3 is the part of ovl_cache_update that v3 09/19 and
// 10/19 change, as posted (with FixReaddir: as fixed). The result is
// handled by the caller as the kernel's "if (IS_ERR(this) ||
// !this->d_inode)" does.
func (fs *FS) cacheUpdateLookupV3(t *sim.Task, dir *dcache.Dentry, p *cacheEntry) *dcache.Dentry {
	var this, inLookup *dcache.Dentry
	q := &dcache.Qstr{Name: p.name}
	if fs.s.Has(variant.P10NoblockReturn) {
		this = dcache.DAllocNoblockReturn(t, dir, q, &inLookup)
	} else {
		this = dcache.DAllocNoblock(t, dir, q)
	}
	if sim.IsErr(this) && sim.PtrErr(this) == -int(sim.EWOULDBLOCK) {
		t.Mark("ovl_cache_update: d_alloc_noblock would block")
		if fs.s.Has(variant.P10NoblockReturn) {
			dentrySetFlag(t, OVL_E_RACED_READDIR, inLookup)
			dcache.Dput(t, inLookup)
		}
		this = dcache.DAllocName(t, dir, p.name)
		if fs.s.C.On(FixReaddir) && this == nil {
			this = sim.ErrPtr[dcache.Dentry](sim.ENOMEM)
		}
	}
	var lookUp bool
	if fs.s.C.On(FixReaddir) {
		lookUp = !sim.IsErr(this) && dcache.DUnhashed(t, this) // in-lookup, or our own unhashed
	} else {
		lookUp = !sim.IsErr(this) && !dcache.DUnhashed(t, this) // as posted: inverted
	}
	if lookUp {
		alias := fs.lookup(t, dir.DInode, this, 0)
		if alias != nil {
			dcache.DLookupDone(t, this)
			dcache.Dput(t, this)
			this = alias
		}
	}
	return this
}
