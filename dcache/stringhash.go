package dcache

// The partial hashing helpers of include/linux/stringhash.h (v6.18), for
// filesystems whose ->d_hash hashes a transformed name character by
// character (efivarfs_d_hash, ntfs_d_hash). Their result differs from
// FullNameHash of the same bytes, as full_name_hash's word-at-a-time
// hash differs from partial_name_hash in the kernel.
//
// Divergence: the salt is the dentry's object id, not its address.

// goldenRatio64 is GOLDEN_RATIO_64 (include/linux/hash.h).
const goldenRatio64 = 0x61C8864680B583EB

// InitNameHash is init_name_hash(salt).
func InitNameHash(salt *Dentry) uint64 {
	if salt == nil {
		return 0
	}
	return uint64(salt.ID())
}

// PartialNameHash is partial_name_hash(c, prevhash).
func PartialNameHash(c byte, prevhash uint64) uint64 {
	return (prevhash + uint64(c)<<4 + uint64(c)>>4) * 11
}

// EndNameHash is end_name_hash(hash): hash_long(hash, 32) on 64-bit.
func EndNameHash(hash uint64) uint32 {
	return uint32(hash * goldenRatio64 >> 32)
}
