package casefold

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// foldDops are ntfs3's dentry operations (fs/ntfs3/namei.c,
// ntfs_dentry_ops), installed by ChangeFoldDops.
var foldDops = &dcache.DentryOperations{DHash: ntfsDHash, DCompare: ntfsDCompare}

// toupper is the kernel's toupper on ASCII.
func toupper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	return c
}

// ntfsDHash is ntfs_d_hash's fast path: partial_name_hash of each
// character upper-cased.
//
// Divergence: names are ASCII; the slow path through the volume's upcase
// table (characters >= 0x80) is not modeled.
func ntfsDHash(t *sim.Task, dentry *dcache.Dentry, name *dcache.Qstr) int {
	hash := dcache.InitNameHash(dentry)
	for i := 0; i < len(name.Name); i++ {
		hash = dcache.PartialNameHash(toupper(name.Name[i]), hash)
	}
	name.Hash = dcache.EndNameHash(hash)
	return 0
}

// ntfsDCompare is ntfs_d_compare's fast path: 0 when the names are equal
// but for ASCII case.
func ntfsDCompare(t *sim.Task, dentry *dcache.Dentry, len1 int, str string, name *dcache.Qstr) int {
	n1, n2 := str, name.Name
	lm := min(len1, len(n2))
	for i := 0; i < lm; i++ {
		if n1[i] == n2[i] {
			continue
		}
		if toupper(n1[i]) != toupper(n2[i]) {
			return 1
		}
	}
	if len1 != len(n2) {
		return 1
	}
	return 0
}
