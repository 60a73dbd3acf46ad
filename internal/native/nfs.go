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
		case "OPEN": // with O_CREAT
			if entries[r.name] == 0 {
				next++
				entries[r.name] = next
			}
			r.reply <- entries[r.name]
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
	keepHash bool // v3 14/19 (link), 15/19 (mkdir, create): no d_drop
	p02      bool // v3 02/19 applied: __d_add hashes first
}

// addOrder is where __d_add hashes a dentry in the run's version.
func (n *nfs) addOrder() addOrder {
	if n.p02 {
		return hashFirst
	}
	return hashLast
}

// instantiate is what the creating calls do after their RPC: the base
// d_drops the dentry (before the RPC for link) and d_splice_alias or
// d_add rehashes it; with the fix the dentry stays hashed and
// d_splice_alias (02/19's __d_add) only sets the inode.
func (n *nfs) instantiate(d *ldentry, ino uint64) {
	if n.keepHash {
		n.dir.dAdd(d, ino, false, hashFirst)
		return
	}
	n.dir.dAdd(d, ino, false, n.addOrder())
}

func (n *nfs) call(op, name string) uint64 {
	n.point()
	r := rpc{op, name, make(chan uint64)}
	n.reqs <- r
	return <-r.reply
}

// create is mkdir (MKDIR, nfs_mkdir's nfs_add_or_obtain) or
// open(O_CREAT) (OPEN, nfs_atomic_open's _nfs4_open_and_get_state; its
// lookup_open finds the dentry a second time) of name over its cached
// negative dentry: revalidate it, find it, lock the directory
// exclusive, the RPC, then the base's d_drop and d_splice_alias.
func (n *nfs) create(name, op string, twice bool) {
	n.call("GETATTR", "d")
	n.call("LOOKUP", name)
	if twice {
		n.dir.dput(n.dir.dLookup(name))
	}
	d := n.dir.dLookup(name)
	n.point()
	n.rwsem.Lock()
	ino := n.call(op, name)
	if !n.keepHash {
		n.dir.dDrop(d)
	}
	n.instantiate(d, ino) // d_splice_alias: no alias yet
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
		n.point()
		n.rwsem.RLock() // lookup_slow: the directory shared, after d_alloc_parallel
		ino := n.call("LOOKUP", name)
		if isDir {
			n.dir.dLookupDone(d)
		} else {
			n.dir.dAdd(d, ino, false, n.addOrder())
		}
		n.rwsem.RUnlock()
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
		n.dir.dAdd(d, n.call("LOOKUP", name), false, n.addOrder())
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
	n.instantiate(d, n.call("LINK", "l"))
	a.mu.Unlock()
	n.point()
	n.rwsem.Unlock()
	n.dir.dput(d)
	n.dir.dput(a)
}

// nfsVersion is a variant of the NFS cells: the fix (keepHash) and
// whether 02/19 is applied.
type nfsVersion struct{ keepHash, p02 bool }

var (
	nfsMainline = nfsVersion{}
	nfsSeries   = nfsVersion{p02: true}                 // 01-13, 01-14: the bug, with 02/19
	nfsFixed    = nfsVersion{keepHash: true, p02: true} // 01-14 (link), 01-15
)

// nfsMkdirVsLookup: setup caches the negative dentry for s (the init
// stat), then mkdir and stat race.
func nfsMkdirVsLookup(v nfsVersion) func(point func()) bool {
	return nfsRace("s", true, v, func(n *nfs) { n.create("s", "MKDIR", false) })
}

// nfsLinkVsLookup (nfs/link-vs-lookup): setup caches the negative
// dentry for l, then link /d/a /d/l and stat /d/l race; the base's
// window hashes two dentries for l (R1 at the second rehash).
func nfsLinkVsLookup(v nfsVersion) func(point func()) bool {
	return nfsRace("l", false, v, (*nfs).link)
}

// nfsCreateVsLookup (nfs/create-vs-lookup): setup caches the negative
// dentry for a (a name the server does not have), then open(O_CREAT)
// and stat race; the base's window hashes two dentries for a (R1).
func nfsCreateVsLookup(v nfsVersion) func(point func()) bool {
	return nfsRace("a", false, v, func(n *nfs) { n.create("a", "OPEN", true) })
}

// nfsRace is an execution of an NFS race: a negative dentry for name is
// cached, the fake server runs, and op (the creating call) races a stat
// of name.
func nfsRace(name string, isDir bool, v nfsVersion, op func(*nfs)) func(point func()) bool {
	return func(point func()) bool {
		n := &nfs{dir: newLdir(point, ldirMut{}, newLdentry(name, false)), reqs: make(chan rpc), point: point,
			keepHash: v.keepHash, p02: v.p02}
		go nfsServer(n.reqs)
		run(func() { op(n) }, func() { n.stat(name, isDir) })
		close(n.reqs)
		return !n.dir.wrong.Load()
	}
}
