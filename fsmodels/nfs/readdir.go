package nfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// readdir is nfs_readdir (fs/nfs/dir.c, series base), ->iterate_shared
// under the directory's lock held shared: READDIRPLUS with the
// directory's verifier saved before it, each entry primed into the
// dcache (nfs_prime_dcache) and emitted.
//
// Divergence: the page cache of directory entries, cookies and the
// choice between READDIR and READDIRPLUS are not modeled: every call
// reads the whole directory with READDIRPLUS from the start.
func (fs *FS) readdir(t *sim.Task, file *vfs.File, ctx *vfs.DirContext) int {
	dentry := file.Path
	dir := dentry.DInode
	dirVerifier := saveChangeAttribute(dir)
	var entries []Entry
	err := fs.rpc(t, "READDIRPLUS", func() int {
		var err int
		entries, err = fs.srv.readdir(NFSI(dir).fh)
		return err
	})
	if err != 0 {
		return err
	}
	for i := int(ctx.Pos); i < len(entries); i++ {
		e := entries[i]
		fs.primeDcache(t, dentry, e, dirVerifier)
		if !ctx.Emit(e.Name, uint64(e.FH), e.Mode) {
			break
		}
		ctx.Pos = int64(i + 1)
	}
	return 0
}

// primeDcache is nfs_prime_dcache (fs/nfs/dir.c, series base and v3
// 17/19): a dentry for a READDIRPLUS entry. The base finds it with
// d_lookup and creates it with d_alloc_parallel (which waits for a
// lookup in progress, under the directory's lock); 17/19 uses
// d_alloc_noblock and gives up on a name being looked up. A cached
// dentry of the same file gets the new verifier; one of another file is
// invalidated and the entry primed again.
func (fs *FS) primeDcache(t *sim.Task, parent *dcache.Dentry, e Entry, dirVerifier uint64) {
	p17 := fs.s.Has(variant.P17NfsPrimeNoblock)
	filename := dcache.Qstr{Name: e.Name, Hash: dcache.FullNameHash(parent, e.Name)}
	var dentry *dcache.Dentry
	if !p17 {
		dentry = dcache.DLookup(t, parent, &filename)
	}
	var wq *dcache.WaitQueue
	if !fs.s.Has(variant.P04WaitVarEvent) {
		wq = dcache.NewOnStackWaitQueue(t)
		defer wq.Release(t)
	}
	for {
		if p17 {
			dentry = dcache.DAllocNoblock(t, parent, &filename)
			if sim.IsErr(dentry) {
				t.Mark("nfs_prime_dcache: name being looked up, not primed")
				return
			}
		} else if dentry == nil {
			dentry = dcache.DAllocParallel(t, parent, &filename, wq)
			if sim.IsErr(dentry) {
				return
			}
		}
		if dcache.DInLookup(t, dentry) {
			break
		}
		if dentry.DInode != nil && NFSI(dentry.DInode).fh == e.FH && !NFSI(dentry.DInode).stale {
			// nfs_same_file: refresh the verifier
			setVerifier(t, dentry, dirVerifier)
			dcache.Dput(t, dentry)
			return
		}
		t.Mark("nfs_prime_dcache: cached dentry names another file, invalidated")
		dcache.DInvalidate(t, dentry)
		dcache.Dput(t, dentry)
		dentry = nil
	}
	inode := fs.fhget(t, e.FH, e.Mode, e.Change)
	alias := dcache.DSpliceAlias(t, inode, dentry)
	dcache.DLookupDone(t, dentry)
	if alias != nil {
		if !sim.IsErr(alias) {
			setVerifier(t, alias, dirVerifier)
			dcache.Dput(t, alias)
		}
	} else {
		setVerifier(t, dentry, dirVerifier)
	}
	dcache.Dput(t, dentry)
}
