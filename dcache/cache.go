package dcache

import (
	"fmt"
	"hash/fnv"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Cache is the dcache of one run: the state fs/dcache.c keeps in statics
// (the hash tables, rename_lock), plus which version of each function is
// in effect.
type Cache struct {
	sim.Object
	W *sim.World
	// V selects the code in effect: patches, fixes, mutants, regime.
	V variant.Variant

	RenameLock sim.SeqLock // rename_lock
	hashtable  [dHashBuckets]bucket
	inLookup   [inLookupHashBuckets]bucket

	sbs []*SuperBlock

	// Bookkeeping for explanations (explain_view.go); no model code
	// reads it.
	view        cacheView
	lookupWaits []lookupWait    // tasks waiting for an in-lookup dentry
	dirAdds     []dirAddSection // open i_dir_seq write sections

	// twins are the hashed pairs R1 allows for a while (AllowTwin).
	twins []twin
}

// bucket is an hlist_bl_head: a chain with a bit lock. Readers walking
// under RCU see the chain as it was when they loaded it: writers replace
// the slice rather than edit it, which gives the RCU list guarantee that a
// reader never sees a half-updated chain.
//
// Divergence: a kernel RCU reader may see some updates made during its
// walk; here it sees none of them. Both are allowed by RCU lists.
type bucket struct {
	lock  sim.SpinLock
	chain []*Dentry
}

func (b *bucket) add(d *Dentry) {
	b.chain = dentrySlices.Prepend(d.c.W, d, b.chain) // hlist_bl_add_head
}

func (b *bucket) del(d *Dentry) { b.chain = without(d.c.W, b.chain, d) }

// NewCache sets up the dcache of a run (dcache_init). Call it in a
// program's setup.
func NewCache(w *sim.World, v variant.Variant) *Cache {
	if err := v.Patches.Check(); err != nil {
		// Parse refuses such sets; a variant built in Go must not have one.
		panic(fmt.Sprintf("dcache.NewCache(%s): %v", v, err))
	}
	c := cachePool.New(w)
	c.W, c.V = w, v
	w.NewStatic(&c.Object, "dcache")
	c.RenameLock.Init(&c.Object, "rename_lock", renameLockClass)
	for i := range c.hashtable {
		c.hashtable[i].lock.Init(&c.Object, hashtableNames[i], hashBucketClass)
	}
	for i := range c.inLookup {
		c.inLookup[i].lock.Init(&c.Object, inLookupNames[i], inLookupClass)
	}
	c.view.c = c
	w.AddView(&c.view)
	return c
}

// The bucket locks' field names, formatted once rather than in every
// run's NewCache.
var (
	hashtableNames = bucketNames("dentry_hashtable", dHashBuckets)
	inLookupNames  = bucketNames("in_lookup_hashtable", inLookupHashBuckets)
)

func bucketNames(table string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s[%d]", table, i)
	}
	return names
}

// Has reports whether patch p is applied.
func (c *Cache) Has(p variant.Patch) bool { return c.V.Has(p) }

// On reports whether toggle t (a fix or a mutant) is switched on.
func (c *Cache) On(t variant.Toggle) bool { return c.V.On(t) }

// FullNameHash is full_name_hash(salt, name): a hash of the name salted
// with the parent, so equal names in different directories hash apart.
func FullNameHash(salt *Dentry, name string) uint32 {
	h := fnv.New32a()
	var id uint32
	if salt != nil {
		id = uint32(salt.ID())
	}
	h.Write([]byte{byte(id), byte(id >> 8), byte(id >> 16), byte(id >> 24)})
	h.Write([]byte(name))
	return h.Sum32()
}

// dHash is d_hash(hash): the bucket is chosen by the hash's top bits.
func (c *Cache) dHash(hash uint32) *bucket {
	return &c.hashtable[hash>>(32-3)]
}

// inLookupHash is in_lookup_hash(parent, hash).
func (c *Cache) inLookupHash(parent *Dentry, hash uint32) (*bucket, int) {
	h := (hash + uint32(parent.ID())) * 0x61C88647 // hash_32
	i := int(h >> (32 - 3))
	return &c.inLookup[i], i
}

// FsType is the part of struct file_system_type lockdep keys by: each
// filesystem type has its own i_rwsem classes (s_type->i_mutex_key,
// i_mutex_dir_key), its own s_vfs_rename_mutex class (s_vfs_rename_key)
// and, here, its own in-lookup class, so that one
// filesystem's locks nesting inside another's (overlayfs over its
// layers) are not taken for recursion. Create types in package-level vars.
type FsType struct {
	Name          string
	dirClass      *sim.LockClass
	fileClass     *sim.LockClass
	inLookupClass *sim.LockClass
	renameClass   *sim.LockClass // s_vfs_rename_key
	// RenameDoesDMove is FS_RENAME_DOES_D_MOVE: ->rename moves the
	// dentries itself, and vfs_rename does not d_move them after it.
	RenameDoesDMove bool
}

// NewFsType registers a filesystem type and its lock classes.
func NewFsType(name string) *FsType {
	return &FsType{Name: name,
		dirClass:      sim.NewLockClass("&" + name + "->i_mutex_dir_key"),
		fileClass:     sim.NewLockClass("&" + name + "->i_mutex_key"),
		inLookupClass: sim.NewLockClass("in-lookup dentry (" + name + ")").InvisibleToLockdep(inLookupMapWhy),
		renameClass:   sim.NewLockClass("&" + name + "->s_vfs_rename_key"),
	}
}

// genericFsType is the type of superblocks made with NewSuperBlock.
var genericFsType = &FsType{Name: "generic", dirClass: iRwsemDirClass, fileClass: iRwsemClass, inLookupClass: inLookupWaitClass,
	renameClass: renameMutexClass}

// NewSuperBlock makes a superblock of a generic filesystem type with a
// root directory inode and its root dentry (d_make_root). Call it in
// setup.
func (c *Cache) NewSuperBlock(name string, dop *DentryOperations) *SuperBlock {
	return c.NewSuperBlockOfType(genericFsType, name, dop)
}

// NewSuperBlockOfType is NewSuperBlock for a filesystem type of its own.
func (c *Cache) NewSuperBlockOfType(ft *FsType, name string, dop *DentryOperations) *SuperBlock {
	sb := superPool.New(c.W)
	sb.c, sb.Name, sb.Type = c, name, ft
	c.W.NewStatic(&sb.Object, "sb")
	sb.SetName(name)
	sb.SVfsRenameMutex.Init(&sb.Object, "s_vfs_rename_mutex", ft.renameClass) // alloc_super: per-type key
	sb.lruLock.Init(&sb.Object, "s_dentry_lru", lruLockClass)
	setDefaultDOp(sb, dop)
	root := sb.newInode(nil, S_IFDIR)
	d := dentryPool.New(c.W)
	allocDentryObject(c.W, nil, d)
	initDentry(d, sb, &Qstr{Name: "/"})
	d.SetName("/")
	d.DInode = root
	d.DFlags |= dFlagsForInode(root)
	d.u = uAlias
	root.iDentry = dentrySlices.Append(c.W, root.iDentry, d)
	sb.SRoot = d
	c.sbs = superSlices.Append(c.W, c.sbs, sb)
	return sb
}

// setDefaultDOp is set_default_d_op.
func setDefaultDOp(sb *SuperBlock, ops *DentryOperations) {
	sb.SDOp = ops
	sb.SDFlags = sb.SDFlags&^DCACHE_OP_FLAGS | dOpFlags(ops)
}

// NewInode is new_inode plus the filesystem's setting of i_mode: a fresh
// inode with one reference. In setup (t == nil) it is allocated directly.
func (sb *SuperBlock) NewInode(t *sim.Task, mode Mode) *Inode { return sb.newInode(t, mode) }

func (sb *SuperBlock) newInode(t *sim.Task, mode Mode) *Inode {
	i := inodePool.New(sb.c.W)
	i.ISb, i.IMode, i.INlink = sb, mode, 1
	if t == nil {
		sb.c.W.Alloc(&i.Object, "inode")
	} else {
		t.Alloc(&i.Object, "inode")
	}
	sb.nextIno++
	i.IIno = sb.nextIno
	i.SetNameNum(sb.Name, i.IIno)
	i.ILock.Init(&i.Object, "i_lock", iLockClass)
	if mode.IsDir() {
		i.IRwsem.Init(&i.Object, "i_rwsem", sb.Type.dirClass)
		i.INlink = 2
		i.HasLookup = true
	} else {
		i.IRwsem.Init(&i.Object, "i_rwsem", sb.Type.fileClass)
	}
	i.IDirSeq.Init(&i.Object, "i_dir_seq")
	i.ICount.Init(&i.Object, "i_count")
	i.ICount.Set(1)
	sb.inodes = inodeSlices.Append(sb.c.W, sb.inodes, i)
	return i
}

// Ihold is ihold: take another reference to an inode.
func Ihold(t *sim.Task, inode *Inode) { inode.ICount.Add(t, 1) }

// Iput is iput: drop a reference; the last one evicts an unlinked inode,
// or any inode when the superblock's DropInode (s_op->drop_inode) says
// so.
//
// Divergence: the inode cache is not modeled beyond this; an inode with
// links stays in memory (reachable from its superblock) at count zero.
func Iput(t *sim.Task, inode *Inode) {
	if inode == nil {
		return
	}
	if n := inode.ICount.Add(t, -1); n == 0 {
		if inode.INlink == 0 || inode.ISb.DropInode != nil && inode.ISb.DropInode(inode) {
			if inode.Evict != nil {
				inode.Evict(t, inode)
			}
			inode.ISb.dropInode(inode)
			t.Free(&inode.Object)
		}
	} else if n < 0 {
		t.Violation(sim.KindInvariant, "iput-underflow", fmt.Sprintf("iput of %s dropped i_count below zero", inode), "")
	}
}

func (sb *SuperBlock) dropInode(inode *Inode) {
	for i, x := range sb.inodes {
		if x == inode {
			sb.inodes = append(sb.inodes[:i], sb.inodes[i+1:]...)
			return
		}
	}
}

// dFlagsForInode is d_flags_for_inode (fs/dcache.c, v6.18). It has no
// whiteout case: a whiteout is a 0/0 character device (S_IFWHT here) and,
// not being S_ISREG, gets DCACHE_SPECIAL_TYPE. DCACHE_WHITEOUT_TYPE is
// defined (include/linux/dcache.h) and tested by d_is_whiteout, but
// nothing sets it.
//
// Divergence: IOP_LOOKUP/IOP_NOFOLLOW caching, ->get_link and
// DCACHE_NEED_AUTOMOUNT are not modeled (the IOP flags only cache what
// the inode operations say, and no modeled filesystem has automount
// points); S_IFLNK stands for "has ->get_link".
func dFlagsForInode(inode *Inode) uint32 {
	if inode == nil {
		return DCACHE_MISS_TYPE
	}
	switch inode.IMode {
	case S_IFDIR:
		if !inode.HasLookup {
			return DCACHE_AUTODIR_TYPE
		}
		return DCACHE_DIRECTORY_TYPE
	case S_IFLNK:
		return DCACHE_SYMLINK_TYPE
	case S_IFREG:
		return DCACHE_REGULAR_TYPE
	}
	return DCACHE_SPECIAL_TYPE
}
