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

// nfsServer is the fake server: it owns the directory's entries and
// answers GETATTR, LOOKUP (the fileid, 0 for ENOENT) and MKDIR.
func nfsServer(reqs <-chan rpc) {
	entries := map[string]uint64{}
	next := uint64(100)
	for r := range reqs {
		switch r.op {
		case "MKDIR":
			next++
			entries[r.name] = next
			r.reply <- next
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

// stat is the stat of /d/s: revalidate /d, d_lookup, and on a miss the
// lookup without the directory lock (pdirops): d_alloc_parallel, then
// ->lookup and d_lookup_done.
//
// Divergence: the end of the lookup does not splice the result (the
// model's d_splice_alias finds mkdir's alias); the bug shows at the
// insertion.
func (n *nfs) stat() {
	n.call("GETATTR", "d")
	if d := n.dir.dLookup("s"); d != nil {
		n.dir.dput(d)
		return
	}
	d := n.dir.dAllocParallel("s")
	if d.inLookup { // ours alone until d_lookup_done
		n.call("LOOKUP", "s")
		n.dir.dLookupDone(d)
	}
	n.dir.dput(d)
}

// nfsMkdirVsLookup: setup caches the negative dentry for s (the init
// stat), then mkdir and stat race.
func nfsMkdirVsLookup(keepHash bool) func(point func()) bool {
	return func(point func()) bool {
		n := &nfs{dir: newLdir(point, ldirMut{}, newLdentry("s", false)), reqs: make(chan rpc), point: point, keepHash: keepHash}
		go nfsServer(n.reqs)
		run(n.mkdir, n.stat)
		close(n.reqs)
		return !n.dir.wrong.Load()
	}
}
