package dcache

// Test-only views of private dcache links, for the black-box tests'
// leak walker and canonical snapshots (statemachine_test.go,
// concurrency_test.go). They take no scheduling point.

// Children is d_children, newest first.
func Children(d *Dentry) []*Dentry { return d.children }

// Hashed is !d_unhashed(d) read without a scheduling point.
func Hashed(d *Dentry) bool { return d.hashed }

// OnInLookupHash reports whether d is linked on an in-lookup hash chain.
func OnInLookupHash(d *Dentry) bool { return d.u == uInLookup }

// Inodes lists the superblock's inodes.
func (sb *SuperBlock) Inodes() []*Inode { return sb.inodes }

// HashChains returns every dentry_hashtable chain.
func (c *Cache) HashChains() [][]*Dentry {
	out := make([][]*Dentry, len(c.hashtable))
	for i := range c.hashtable {
		out[i] = c.hashtable[i].chain
	}
	return out
}

// InLookupChains returns every in_lookup_hashtable chain.
func (c *Cache) InLookupChains() [][]*Dentry {
	out := make([][]*Dentry, len(c.inLookup))
	for i := range c.inLookup {
		out[i] = c.inLookup[i].chain
	}
	return out
}
