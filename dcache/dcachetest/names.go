package dcachetest

import (
	"fmt"

	"github.com/dcsim/dcsim/dcache"
)

// Q is the qstr of name in parent, hashed as full_name_hash does.
func Q(parent *dcache.Dentry, name string) *dcache.Qstr {
	q := &dcache.Qstr{}
	if parent != nil {
		q = qstrPool.New(parent.DSb.Cache().W)
	}
	q.Name, q.Hash = name, dcache.FullNameHash(parent, name)
	return q
}

// InLookupBucket is in_lookup_hash()'s bucket index as dcache computes it
// (Cache.inLookupHash), to pick names that share an in-lookup chain.
func InLookupBucket(parent *dcache.Dentry, name string) uint32 {
	return ((dcache.FullNameHash(parent, name) + uint32(parent.ID())) * 0x61C88647) >> (32 - 3)
}

// SameBucketName returns a name other than name, of the form prefix+N,
// that shares name's in-lookup chain under parent.
func SameBucketName(parent *dcache.Dentry, name, prefix string) string {
	want := InLookupBucket(parent, name)
	for i := 0; i < 1000; i++ {
		n := fmt.Sprintf("%s%d", prefix, i)
		if n != name && InLookupBucket(parent, n) == want {
			return n
		}
	}
	panic("no name shares the in-lookup chain of " + name)
}
