package dcache

import (
	"fmt"

	"github.com/dcsim/dcsim/sim"
)

// Lock classes, one per static lock_class_key in the kernel.
var (
	dLockClass        = sim.NewLockClass("&dentry->d_lock")
	iLockClass        = sim.NewLockClass("&inode->i_lock")
	iRwsemDirClass    = sim.NewLockClass("&type->i_mutex_dir_key")
	iRwsemClass       = sim.NewLockClass("&type->i_mutex_key")
	renameLockClass   = sim.NewLockClass("rename_lock")
	hashBucketClass   = sim.NewLockClass("dentry_hashtable bit lock").InvisibleToLockdep(bitLockWhy).Raw()
	inLookupClass     = sim.NewLockClass("in_lookup_hashtable bit lock").InvisibleToLockdep(bitLockWhy).Raw()
	lruLockClass      = sim.NewLockClass("&sb->s_dentry_lru lock")
	renameMutexClass  = sim.NewLockClass("&sb->s_vfs_rename_mutex")
	inLookupWaitClass = sim.NewLockClass("in-lookup dentry").InvisibleToLockdep(inLookupMapWhy)
)

// Why lockdep in a kernel does not see some of the classes above.
const (
	bitLockWhy     = "a bit spinlock (hlist_bl_lock: bit_spin_lock), which lockdep does not track"
	inLookupMapWhy = "dcsim's own lock map for in-lookup dentries; the kernel declares none"
)

// Hash table sizes. Small tables make unrelated names share chains, so
// chain walks and bucket locks are exercised as in a loaded kernel.
const (
	dHashBuckets        = 8  // dentry_hashtable
	inLookupHashBuckets = 8  // in_lookup_hashtable (1 << IN_LOOKUP_SHIFT in the kernel)
	dnameInlineLen      = 40 // DNAME_INLINE_LEN on 64-bit
)

// Qstr is struct qstr: a name and its hash. The hash is salted with the
// parent, as full_name_hash(parent, ...) does.
type Qstr struct {
	Name string
	Hash uint32
}

func (q Qstr) String() string { return q.Name }

// Len is the name's length.
func (q *Qstr) Len() int { return len(q.Name) }

// DentryOperations is struct dentry_operations. Nil fields are absent
// methods. Each method takes the running task.
type DentryOperations struct {
	DRevalidate func(t *sim.Task, dir *Inode, name *Qstr, d *Dentry, flags uint) int
	DHash       func(t *sim.Task, d *Dentry, name *Qstr) int
	DCompare    func(t *sim.Task, d *Dentry, length int, str string, name *Qstr) int
	DDelete     func(t *sim.Task, d *Dentry) int
	DInit       func(t *sim.Task, d *Dentry) int
	DRelease    func(t *sim.Task, d *Dentry)
	DPrune      func(t *sim.Task, d *Dentry)
	DIput       func(t *sim.Task, d *Dentry, inode *Inode)
}

// dOpFlags is d_op_flags.
func dOpFlags(op *DentryOperations) uint32 {
	var f uint32
	if op == nil {
		return 0
	}
	if op.DHash != nil {
		f |= DCACHE_OP_HASH
	}
	if op.DCompare != nil {
		f |= DCACHE_OP_COMPARE
	}
	if op.DRevalidate != nil {
		f |= DCACHE_OP_REVALIDATE
	}
	if op.DDelete != nil {
		f |= DCACHE_OP_DELETE
	}
	if op.DPrune != nil {
		f |= DCACHE_OP_PRUNE
	}
	return f
}

// uSlot says what the union at the end of struct dentry holds: d_alias,
// d_in_lookup_hash, d_rcu and, in the v3 series base, waiters (the list of
// shrink_dcache_tree instances waiting for a dying dentry to be
// unlisted). Keeping one slot makes the union's effects visible as in C.
type uSlot uint8

const (
	uEmpty    uSlot = iota
	uAlias          // linked on inode->i_dentry
	uInLookup       // linked on an in-lookup hash chain
	uRCU            // queued for freeing
	uWaiters        // dentry->waiters: a non-empty list of shrink_dcache_tree waiters
)

// Dentry is struct dentry.
type Dentry struct {
	sim.Object
	c *Cache

	DFlags   uint32
	DSeq     sim.SeqCount // d_seq
	hashed   bool         // !d_unhashed: on a dentry_hashtable chain
	DParent  *Dentry
	DName    Qstr
	DInode   *Inode
	DOp      *DentryOperations
	DSb      *SuperBlock
	DFsdata  any
	DLockref sim.Lockref // d_lockref; its Lock is d_lock

	children []*Dentry // d_children, newest first (hlist_add_head)
	onParent bool      // linked on d_parent->d_children through d_sib

	u        uSlot
	inLookup int // the in-lookup bucket while u == uInLookup

	// waiters is dentry->waiters (the v3 series base) while u == uWaiters,
	// newest first as d_add_waiter pushes them.
	waiters []*completionList

	// dWait is the mainline d_wait (union with d_lru): the waitqueue of
	// the task that owns the in-lookup dentry.
	dWait *WaitQueue

	// lookupMap puts "owning or waiting on this in-lookup dentry" into
	// the lock order (see the package doc).
	lookupMap     sim.LockMap
	lookupMapTask *sim.Task // the task whose held locks include lookupMap
	lookupOwner   *sim.Task // the task that must end the in-lookup state

	// How the in-lookup state ended, for explanations of lost wake-ups
	// (explain_view.go): who ended it and at which step, whether
	// __d_lookup_unhash found a waiter to wake, and the step of the
	// end_dir_add that closed the i_dir_seq section around it (0: none).
	lookupEnded lookupEnd
}

// WaitQueue is a wait_queue_head_t living in its own object: mainline
// d_alloc_parallel callers declare it on their stack
// (DECLARE_WAIT_QUEUE_HEAD_ONSTACK); its lifetime is the caller's frame.
type WaitQueue struct {
	sim.Object
	Head sim.WaitQueueHead
}

// NewOnStackWaitQueue is DECLARE_WAIT_QUEUE_HEAD_ONSTACK. Free it with
// Release when the declaring function returns.
func NewOnStackWaitQueue(t *sim.Task) *WaitQueue {
	wq := waitQueuePool.New(t.World())
	t.Alloc(&wq.Object, "wait_queue_head (on stack)")
	wq.Head.Init(&wq.Object, "head")
	return wq
}

// Release ends the on-stack wait queue's lifetime (the frame returns).
func (wq *WaitQueue) Release(t *sim.Task) { t.Free(&wq.Object) }

// DLock is &dentry->d_lock.
func (d *Dentry) DLock() *sim.SpinLock { return &d.DLockref.Lock }

func (d *Dentry) String() string {
	if d == nil {
		return "NULL"
	}
	return d.Object.String()
}

// Inode is the part of struct inode that the dcache and the VFS share.
type Inode struct {
	sim.Object
	ISb     *SuperBlock
	IIno    uint64
	IMode   Mode
	INlink  int
	IState  uint32
	IFlags  uint32
	ILock   sim.SpinLock // i_lock
	IRwsem  sim.RWSem    // i_rwsem
	IDirSeq sim.AtomicInt
	ICount  sim.AtomicInt

	iDentry []*Dentry // i_dentry: aliases, newest first
	// ILink is i_link: the body of a symlink whose filesystem keeps it
	// in the inode (tmpfs short symlinks); "" when ->get_link reads it.
	ILink string
	// Private is the filesystem's part of the inode (its container).
	Private any
	// IOp is the inode's operations as the VFS layer defines them
	// (struct inode_operations); the dcache does not look inside.
	IOp any
	// HasLookup says the inode's i_op has ->lookup (d_flags_for_inode).
	HasLookup bool
	// Evict runs when the last reference is dropped from an unlinked inode.
	Evict func(t *sim.Task, inode *Inode)
}

// Mode is the file type part of i_mode.
type Mode uint8

const (
	S_IFREG Mode = iota + 1
	S_IFDIR
	S_IFLNK
	S_IFCHR
	S_IFWHT // a whiteout (char 0:0 in the kernel)
)

// IsDir is S_ISDIR.
func (m Mode) IsDir() bool { return m == S_IFDIR }

func (m Mode) String() string {
	return [...]string{"?", "reg", "dir", "lnk", "chr", "wht"}[m]
}

// inode state and flag bits used by the dcache.
const (
	I_NEW  uint32 = 1 << 0
	S_DEAD uint32 = 1 << 4
)

// Aliases lists the inode's aliases (i_dentry), for checks and dumps.
func (i *Inode) Aliases() []*Dentry { return i.iDentry }

// SuperBlock is the part of struct super_block the dcache uses.
type SuperBlock struct {
	sim.Object
	c       *Cache
	Name    string
	Type    *FsType
	SDOp    *DentryOperations // __s_d_op, set by set_default_d_op
	SDFlags uint32            // s_d_flags
	SRoot   *Dentry
	// Fold maps a name to the key ->d_compare considers equal (case
	// folding), for checkers that must compare names without taking
	// steps. Nil for filesystems without ->d_compare.
	Fold func(name string) string
	// DropInode is s_op->drop_inode: whether iput's last reference
	// evicts the inode. Nil is generic_drop_inode: only an unlinked
	// inode is evicted (the model keeps linked ones in memory).
	// inode_just_drop (generic_delete_inode) returns true.
	DropInode func(inode *Inode) bool

	// SVfsRenameMutex is s_vfs_rename_mutex (a mutex: a rwsem taken for
	// write only).
	SVfsRenameMutex sim.RWSem
	lruLock         sim.SpinLock
	lru             []*Dentry // s_dentry_lru, oldest first
	nextIno         uint64
	inodes          []*Inode
}

func (sb *SuperBlock) String() string { return fmt.Sprintf("sb(%s)", sb.Name) }

// Cache returns the dcache the superblock belongs to.
func (sb *SuperBlock) Cache() *Cache { return sb.c }
