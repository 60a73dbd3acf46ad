package dcachetest

import (
	"fmt"
	"sync"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
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
	k := sameBucketKey{parent.ID(), name, prefix}
	sameBucketMemo.Lock()
	defer sameBucketMemo.Unlock()
	n, ok := sameBucketMemo.names[k]
	if !ok {
		n = sameBucketName(parent, name, prefix)
		sameBucketMemo.names[k] = n
	}
	return n
}

// sameBucketMemo keeps SameBucketName's answers: a program's setup asks
// the same question in every run, and the answer depends only on the
// parent's id (hashes are salted with it), the name and the prefix.
var sameBucketMemo = struct {
	sync.Mutex
	names map[sameBucketKey]string
}{names: map[sameBucketKey]string{}}

type sameBucketKey struct {
	parent       sim.ObjID
	name, prefix string
}

func sameBucketName(parent *dcache.Dentry, name, prefix string) string {
	want := InLookupBucket(parent, name)
	for i := 0; i < 1000; i++ {
		n := fmt.Sprintf("%s%d", prefix, i)
		if n != name && InLookupBucket(parent, n) == want {
			return n
		}
	}
	panic("no name shares the in-lookup chain of " + name)
}
