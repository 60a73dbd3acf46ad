package native

import (
	"slices"
	"sync"
	"sync/atomic"
)

// nfs/mkdir-vs-lookup (fsmodels/nfs, pdirops regime): mkdir /d/s over a
// cached negative dentry for s races a stat of /d/s, as a Go programmer
// would test it: a goroutine per client call and a fake NFS server
// goroutine answering RPCs over a channel. The base's nfs_add_or_obtain
// d_drops the dentry before d_splice_alias rehashes it; a lookup in that
// window misses s in the hash and inserts an in-lookup dentry for it,
// which the rehash then hashes beside (R3, checked where the model checks
// it: right after the insertion, dcache's checkInLookupUnique). v3 15/19
// keeps the dentry hashed.

// ndentry is a dentry of /d: its name never changes; d_lock guards the
// inode.
type ndentry struct {
	name  string
	mu    sync.Mutex
	count int
	inode uint64 // fileid; 0: negative
}

// ndir is /d: its inode's i_rwsem and i_dir_seq, its bucket of the
// dentry hash (an RCU list: writers replace the slice under the bucket
// lock, readers load it) and of the in-lookup hash.
type ndir struct {
	rwsem    sync.RWMutex
	dirSeq   atomic.Uint32
	hashLock sync.Mutex
	hash     atomic.Pointer[[]*ndentry]
	inLookup struct {
		sync.Mutex
		chain []*ndentry
	}
}

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
	dir      ndir
	reqs     chan rpc
	point    func()
	keepHash bool // v3 15/19: no d_drop before d_splice_alias
	wrong    atomic.Bool
}

func (n *nfs) call(op, name string) uint64 {
	n.point()
	r := rpc{op, name, make(chan uint64)}
	n.reqs <- r
	return <-r.reply
}

// dLookup is d_lookup over the RCU chain: the hashed dentry with a new
// reference, or nil.
func (n *nfs) dLookup(name string) *ndentry {
	n.point()
	for _, d := range *n.dir.hash.Load() {
		if d.name == name {
			n.point()
			d.mu.Lock()
			d.count++
			d.mu.Unlock()
			return d
		}
	}
	return nil
}

// dDrop is d_drop: off the hash chain, under d_lock and the bucket lock.
func (n *nfs) dDrop(d *ndentry) {
	n.point()
	d.mu.Lock()
	n.point()
	n.dir.hashLock.Lock()
	n.point()
	c := slices.DeleteFunc(slices.Clone(*n.dir.hash.Load()), func(o *ndentry) bool { return o == d })
	n.dir.hash.Store(&c)
	n.dir.hashLock.Unlock()
	d.mu.Unlock()
}

// dSpliceAlias is d_splice_alias of an unhashed, not in-lookup dentry
// (no i_dir_seq section: __d_add opens one only for in-lookup dentries):
// set the inode and rehash, under d_lock.
func (n *nfs) dSpliceAlias(d *ndentry, ino uint64) {
	n.point()
	d.mu.Lock()
	d.inode = ino
	n.point()
	n.dir.hashLock.Lock()
	n.point()
	c := append([]*ndentry{d}, *n.dir.hash.Load()...)
	n.dir.hash.Store(&c)
	n.dir.hashLock.Unlock()
	d.mu.Unlock()
}

// mkdir is the mkdir of /d/s through the VFS and nfs_mkdir: revalidate
// the cached negative dentry, lock the directory exclusive, find the
// dentry, MKDIR, then nfs_add_or_obtain.
func (n *nfs) mkdir() {
	n.call("GETATTR", "d")
	n.call("LOOKUP", "s")
	d := n.dLookup("s")
	n.point()
	n.dir.rwsem.Lock()
	ino := n.call("MKDIR", "s")
	if n.keepHash {
		n.point() // d_instantiate
		d.mu.Lock()
		d.inode = ino
		d.mu.Unlock()
	} else {
		n.dDrop(d)
		n.dSpliceAlias(d, ino)
	}
	n.point()
	n.dir.rwsem.Unlock()
	n.point()
	d.mu.Lock()
	d.count--
	d.mu.Unlock()
}

// stat is the stat of /d/s: revalidate /d, d_lookup, and on a miss the
// lookup without the directory lock (pdirops): d_alloc_parallel, then
// ->lookup and d_lookup_done.
//
// Divergence: the end of the lookup does not splice the result (the
// model's d_splice_alias finds mkdir's alias); the bug is detected at
// the insertion.
func (n *nfs) stat() {
	n.call("GETATTR", "d")
	if d := n.dLookup("s"); d != nil {
		return
	}
	nd := n.dAllocParallel("s")
	if nd == nil {
		return
	}
	n.call("LOOKUP", "s")
	n.point()
	n.dir.inLookup.Lock()
	n.dir.inLookup.chain = slices.DeleteFunc(n.dir.inLookup.chain, func(o *ndentry) bool { return o == nd })
	n.dir.inLookup.Unlock()
}

// dAllocParallel is d_alloc_parallel (fs/dcache.c): nil if a hashed
// dentry was found, else the new in-lookup dentry. With one lookup of s
// there is no in-lookup dentry to wait for.
func (n *nfs) dAllocParallel(name string) *ndentry {
	nd := &ndentry{name: name, count: 1}
	for {
		n.point()
		seq := n.dir.dirSeq.Load()
		if d := n.dLookup(name); d != nil {
			return nil
		}
		if seq&1 != 0 {
			continue
		}
		n.point()
		n.dir.inLookup.Lock()
		n.point()
		if n.dir.dirSeq.Load() != seq {
			n.dir.inLookup.Unlock()
			continue
		}
		n.dir.inLookup.chain = append(n.dir.inLookup.chain, nd)
		n.dir.inLookup.Unlock()
		// checkInLookupUnique: no hashed dentry has the name.
		n.point()
		if slices.ContainsFunc(*n.dir.hash.Load(), func(d *ndentry) bool { return d.name == name }) {
			n.wrong.Store(true)
		}
		return nd
	}
}

// nfsMkdirVsLookup: setup caches the negative dentry for s (the init
// stat), then mkdir and stat race.
func nfsMkdirVsLookup(keepHash bool) func(point func()) bool {
	return func(point func()) bool {
		n := &nfs{reqs: make(chan rpc), point: point, keepHash: keepHash}
		go nfsServer(n.reqs)
		n.dir.hash.Store(&[]*ndentry{{name: "s"}})
		run(n.mkdir, n.stat)
		close(n.reqs)
		return !n.wrong.Load()
	}
}
