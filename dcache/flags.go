package dcache

// d_flags bits (enum dentry_flags, v6.18 numbering).
const (
	DCACHE_OP_HASH            uint32 = 1 << 0
	DCACHE_OP_COMPARE         uint32 = 1 << 1
	DCACHE_OP_REVALIDATE      uint32 = 1 << 2
	DCACHE_OP_DELETE          uint32 = 1 << 3
	DCACHE_OP_PRUNE           uint32 = 1 << 4
	DCACHE_DISCONNECTED       uint32 = 1 << 5
	DCACHE_REFERENCED         uint32 = 1 << 6
	DCACHE_DONTCACHE          uint32 = 1 << 7
	DCACHE_CANT_MOUNT         uint32 = 1 << 8
	DCACHE_LOCK_WAITER        uint32 = 1 << 9 // v3 04/19 (mainline 6.18: DCACHE_GENOCIDE)
	DCACHE_SHRINK_LIST        uint32 = 1 << 10
	DCACHE_OP_WEAK_REVALIDATE uint32 = 1 << 11
	DCACHE_NFSFS_RENAMED      uint32 = 1 << 12
	DCACHE_DENTRY_KILLED      uint32 = 1 << 14
	DCACHE_MOUNTED            uint32 = 1 << 15
	DCACHE_LRU_LIST           uint32 = 1 << 18
	DCACHE_ENTRY_TYPE         uint32 = 7 << 19
	DCACHE_MISS_TYPE          uint32 = 0 << 19
	DCACHE_WHITEOUT_TYPE      uint32 = 1 << 19 // d_is_whiteout tests it; d_flags_for_inode never sets it
	DCACHE_DIRECTORY_TYPE     uint32 = 2 << 19
	DCACHE_AUTODIR_TYPE       uint32 = 3 << 19
	DCACHE_REGULAR_TYPE       uint32 = 4 << 19
	DCACHE_SPECIAL_TYPE       uint32 = 5 << 19
	DCACHE_SYMLINK_TYPE       uint32 = 6 << 19
	DCACHE_PAR_LOOKUP         uint32 = 1 << 24
	DCACHE_DENTRY_CURSOR      uint32 = 1 << 25
	DCACHE_NORCU              uint32 = 1 << 26
	DCACHE_PERSISTENT         uint32 = 1 << 27 // 6.19: d_make_persistent

	DCACHE_OP_FLAGS = DCACHE_OP_HASH | DCACHE_OP_COMPARE | DCACHE_OP_REVALIDATE |
		DCACHE_OP_DELETE | DCACHE_OP_PRUNE | DCACHE_OP_WEAK_REVALIDATE
)

// d_lock lockdep subclasses.
const (
	DENTRY_D_LOCK_NORMAL = 0
	DENTRY_D_LOCK_NESTED = 1
)

var flagNames = []struct {
	f    uint32
	name string
}{
	{DCACHE_OP_HASH, "OP_HASH"}, {DCACHE_OP_COMPARE, "OP_COMPARE"},
	{DCACHE_OP_REVALIDATE, "OP_REVALIDATE"}, {DCACHE_OP_DELETE, "OP_DELETE"},
	{DCACHE_OP_PRUNE, "OP_PRUNE"}, {DCACHE_DISCONNECTED, "DISCONNECTED"},
	{DCACHE_REFERENCED, "REFERENCED"}, {DCACHE_DONTCACHE, "DONTCACHE"},
	{DCACHE_CANT_MOUNT, "CANT_MOUNT"}, {DCACHE_LOCK_WAITER, "LOCK_WAITER"},
	{DCACHE_SHRINK_LIST, "SHRINK_LIST"}, {DCACHE_NFSFS_RENAMED, "NFSFS_RENAMED"},
	{DCACHE_DENTRY_KILLED, "KILLED"}, {DCACHE_MOUNTED, "MOUNTED"},
	{DCACHE_LRU_LIST, "LRU_LIST"}, {DCACHE_PAR_LOOKUP, "PAR_LOOKUP"},
	{DCACHE_DENTRY_CURSOR, "CURSOR"}, {DCACHE_NORCU, "NORCU"}, {DCACHE_PERSISTENT, "PERSISTENT"},
}

var typeNames = map[uint32]string{
	DCACHE_MISS_TYPE: "", DCACHE_WHITEOUT_TYPE: "WHITEOUT", DCACHE_DIRECTORY_TYPE: "DIR",
	DCACHE_AUTODIR_TYPE: "AUTODIR", DCACHE_REGULAR_TYPE: "REG", DCACHE_SPECIAL_TYPE: "SPECIAL",
	DCACHE_SYMLINK_TYPE: "SYMLINK",
}

// FlagString renders d_flags for traces and dumps.
func FlagString(f uint32) string {
	s := ""
	for _, n := range flagNames {
		if f&n.f != 0 {
			if s != "" {
				s += "|"
			}
			s += n.name
		}
	}
	if t := typeNames[f&DCACHE_ENTRY_TYPE]; t != "" {
		if s != "" {
			s += "|"
		}
		s += t
	}
	return s
}
