package fuse

// Opcode is enum fuse_opcode (include/uapi/linux/fuse.h), the requests
// the model sends.
type Opcode int

const (
	FUSE_LOOKUP      Opcode = 1
	FUSE_FORGET      Opcode = 2
	FUSE_MKDIR       Opcode = 9
	FUSE_UNLINK      Opcode = 10
	FUSE_RMDIR       Opcode = 11
	FUSE_RENAME      Opcode = 12
	FUSE_OPEN        Opcode = 14
	FUSE_CREATE      Opcode = 35
	FUSE_READDIRPLUS Opcode = 44
)

var opcodeNames = map[Opcode]string{FUSE_LOOKUP: "LOOKUP", FUSE_FORGET: "FORGET", FUSE_MKDIR: "MKDIR",
	FUSE_UNLINK: "UNLINK", FUSE_RMDIR: "RMDIR", FUSE_RENAME: "RENAME", FUSE_OPEN: "OPEN",
	FUSE_CREATE: "CREATE", FUSE_READDIRPLUS: "READDIRPLUS"}

func (o Opcode) String() string {
	if n, ok := opcodeNames[o]; ok {
		return n
	}
	return "?"
}

// NotifyCode is enum fuse_notify_code.
type NotifyCode int

const (
	FUSE_NOTIFY_INVAL_INODE NotifyCode = 2
	FUSE_NOTIFY_INVAL_ENTRY NotifyCode = 3
	// FUSE_NOTIFY_INVAL_FILES is Virtuozzo's (VZ10); mainline has no
	// such code and fails the write with -EINVAL.
	FUSE_NOTIFY_INVAL_FILES NotifyCode = 100
)

var notifyNames = map[NotifyCode]string{FUSE_NOTIFY_INVAL_INODE: "INVAL_INODE",
	FUSE_NOTIFY_INVAL_ENTRY: "INVAL_ENTRY", FUSE_NOTIFY_INVAL_FILES: "INVAL_FILES"}

func (c NotifyCode) String() string {
	if n, ok := notifyNames[c]; ok {
		return n
	}
	return "?"
}

// FUSE_ROOT_ID is the root's node id.
const FUSE_ROOT_ID uint64 = 1

// FUSE_EXPIRE_ONLY is the fuse_notify_inval_entry_out flag that only
// expires the entry instead of dropping it.
const FUSE_EXPIRE_ONLY uint32 = 1 << 0

// EntryOut is struct fuse_entry_out: the node and the entry's validity.
// Nodeid 0 is a negative entry ("-ENOENT, but with valid timeout").
type EntryOut struct {
	Nodeid     uint64
	Mode       uint32 // S_IFDIR or S_IFREG, as dcache.Mode
	EntryValid uint64 // jiffies-relative: 0 expires at once, TimeForever never
}

// OpenOut is struct fuse_open_out.
type OpenOut struct {
	Fh uint64
}

// DirentPlus is struct fuse_direntplus: a name with its entry.
type DirentPlus struct {
	Name  string
	Entry EntryOut
}

// In is a request's input: the node it is about, the names, the target
// directory of a rename, and open flags.
type In struct {
	Nodeid uint64
	Name   string
	Name2  string // RENAME: the new name
	NewDir uint64 // RENAME: the new directory's node
	Mode   uint32
	Flags  int
	// Nlookup is FORGET's count.
	Nlookup uint64
}

// Out is a reply's output.
type Out struct {
	Error    int // 0 or -errno (fuse_out_header.error)
	Entry    EntryOut
	Open     OpenOut
	Dirents  []DirentPlus
	ReplySeq uint64 // args->reply_seq (ChangeWriteSeq)
}

// Time values of a dentry's d_fsdata (fuse_dentry_time) and of the
// replies' entry_valid. Divergence: jiffies never advance in the model;
// an entry is either expired at once (0) or valid until something
// invalidates it (TimeForever), which is what a daemon's "long" timeout
// is within one run.
const (
	timeExpired uint64 = 0
	TimeForever uint64 = 1 << 62
	jiffiesNow  uint64 = 1
)
