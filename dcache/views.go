package dcache

import "github.com/dcsim/dcsim/sim"

// Read-only views of private dcache links, for harnesses (dcachetest's
// end-of-run checks, the state-machine test's snapshots). They take no
// scheduling point and are not model code: a task must not call them to
// decide what to do.

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

// DWalkVisit runs d_walk (model code: it takes steps) from parent with a callback that records every
// dentry it is called on and always continues.
func DWalkVisit(t *sim.Task, parent *Dentry) []*Dentry {
	var seen []*Dentry
	dWalk(t, parent, func(t *sim.Task, d *Dentry) dWalkRet {
		seen = append(seen, d)
		return dWalkContinue
	})
	return seen
}
