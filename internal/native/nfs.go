package native

import "sync"

// nfs/mkdir-vs-lookup (fsmodels/nfs, pdirops regime): mkdir /d/s over a
// cached negative dentry for s races a stat of /d/s, as a Go programmer
// would test it: a goroutine per client call and a fake NFS server
// goroutine answering RPCs over a channel. The base's nfs_add_or_obtain
// d_drops the dentry before d_splice_alias rehashes it; a lookup in that
// window misses s in the hash and inserts an in-lookup dentry for it,
// which the rehash then hashes beside (R3, checked where the model checks
// it: right after the insertion, dcache's checkInLookupUnique). v3 15/19
// keeps the dentry hashed.

type rpc struct {
	op, name string
	reply    chan uint64
}

// nfsServer is the fake server: it owns the directory's entries (a file
// "a") and answers GETATTR, LOOKUP (the fileid, 0 for ENOENT), MKDIR and
// LINK (of "a").
func nfsServer(reqs <-chan rpc) {
	entries := map[string]uint64{"a": 50}
	next := uint64(100)
	for r := range reqs {
		switch r.op {
		case "MKDIR":
			next++
			entries[r.name] = next
			r.reply <- next
		case "LINK":
			entries[r.name] = entries["a"]
			r.reply <- entries["a"]
		case "LOOKUP":
			r.reply <- entries[r.name]
		default:
			r.reply <- 1
		}
	}
}

type nfs struct {
	dir      *ldir // /d
	rwsem    sync.RWMutex
	reqs     chan rpc
	point    func()
	keepHash bool // v3 15/19: no d_drop before d_splice_alias
}

func (n *nfs) call(op, name string) uint64 {
	n.point()
	r := rpc{op, name, make(chan uint64)}
	n.reqs <- r
	return <-r.reply
}

// mkdir is the mkdir of /d/s through the VFS and nfs_mkdir: revalidate
// the cached negative dentry, lock the directory exclusive, find the
// dentry, MKDIR, then nfs_add_or_obtain.
func (n *nfs) mkdir() {
	n.call("GETATTR", "d")
	n.call("LOOKUP", "s")
	d := n.dir.dLookup("s")
	n.point()
	n.rwsem.Lock()
	ino := n.call("MKDIR", "s")
	if n.keepHash {
		n.point() // d_instantiate
		d.mu.Lock()
		n.dir.setInode(d, ino)
		d.mu.Unlock()
	} else {
		n.dir.dDrop(d)
		n.dir.dAdd(d, ino, false, hashLast) // d_splice_alias: no alias yet
	}
	n.point()
	n.rwsem.Unlock()
	n.dir.dput(d)
}

// stat is the stat of /d/name: revalidate /d, d_lookup, and on a miss
// the lookup without the directory lock (pdirops): d_alloc_parallel,
// then ->lookup (nfs_lookup): LOOKUP, and d_splice_alias of a file's
// inode (no alias search for a non-directory) or of NULL.
//
// Divergence: for a directory (mkdir) the end of the lookup does not
// splice the result (the model's d_splice_alias finds mkdir's alias and
// moves it); that bug shows at the insertion.
func (n *nfs) stat(name string, isDir bool) {
	n.call("GETATTR", "d")
	if d := n.dir.dLookup(name); d != nil {
		n.dir.dput(d)
		return
	}
	d := n.dir.dAllocParallel(name)
	if d.inLookup { // ours alone until d_lookup_done
		ino := n.call("LOOKUP", name)
		if isDir {
			n.dir.dLookupDone(d)
		} else {
			n.dir.dAdd(d, ino, false, hashLast)
		}
	}
	n.dir.dput(d)
}

// lookup is a ref-walk lookup of name in /d (the link's source):
// d_lookup, or d_alloc_parallel and nfs_lookup.
func (n *nfs) lookup(name string) *ldentry {
	if d := n.dir.dLookup(name); d != nil {
		return d
	}
	n.point()
	n.rwsem.RLock()
	defer n.rwsem.RUnlock()
	d := n.dir.dAllocParallel(name)
	if d.inLookup {
		n.dir.dAdd(d, n.call("LOOKUP", name), false, hashLast)
	}
	return d
}

// link is link /d/a /d/l through the VFS and nfs_link: the source's
// lookup, revalidate /d, find the cached negative dentry for l, lock the
// directory exclusive and the source, then the base's d_drop, LINK,
// d_add; v3 14/19 keeps the dentry hashed and splices the inode.
func (n *nfs) link() {
	a := n.lookup("a")
	n.call("GETATTR", "d")
	d := n.dir.dLookup("l")
	n.point()
	n.rwsem.Lock()
	n.point()
	a.mu.Lock() // the source inode's i_rwsem: nobody else takes it
	if !n.keepHash {
		n.dir.dDrop(d)
	}
	ino := n.call("LINK", "l")
	if n.keepHash {
		n.dir.dAdd(d, ino, false, hashFirst) // d_splice_alias of a hashed dentry: no rehash
	} else {
		n.dir.dAdd(d, ino, false, hashLast)
	}
	a.mu.Unlock()
	n.point()
	n.rwsem.Unlock()
	n.dir.dput(d)
	n.dir.dput(a)
}

// nfsMkdirVsLookup: setup caches the negative dentry for s (the init
// stat), then mkdir and stat race.
func nfsMkdirVsLookup(keepHash bool) func(point func()) bool {
	return nfsRace("s", true, keepHash, (*nfs).mkdir)
}

// nfsLinkVsLookup (nfs/link-vs-lookup): setup caches the negative
// dentry for l, then link /d/a /d/l and stat /d/l race; the base's
// window hashes two dentries for l (R1 at the second rehash).
func nfsLinkVsLookup(keepHash bool) func(point func()) bool {
	return nfsRace("l", false, keepHash, (*nfs).link)
}

// nfsRace is an execution of an NFS race: a negative dentry for name is
// cached, the fake server runs, and op (the creating call) races a stat
// of name.
func nfsRace(name string, isDir, keepHash bool, op func(*nfs)) func(point func()) bool {
	return func(point func()) bool {
		n := &nfs{dir: newLdir(point, ldirMut{}, newLdentry(name, false)), reqs: make(chan rpc), point: point, keepHash: keepHash}
		go nfsServer(n.reqs)
		run(func() { op(n) }, func() { n.stat(name, isDir) })
		close(n.reqs)
		return !n.dir.wrong.Load()
	}
}
