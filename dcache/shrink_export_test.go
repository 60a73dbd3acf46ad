package dcache

import "github.com/dcsim/dcsim/sim"

// Test-only views for the shrinker tests (shrink_test.go, dput_test.go).
// They take no scheduling point.

// LRU is the superblock's dentry LRU (s_dentry_lru), oldest first.
func LRU(sb *SuperBlock) []*Dentry { return sb.lru }

// ShrinkListDentries lists a dispose list's dentries, head first.
func ShrinkListDentries(l *ShrinkList) []*Dentry { return l.l }

// DWalkVisit runs d_walk from parent with a callback that records every
// dentry it is called on and always continues.
func DWalkVisit(t *sim.Task, parent *Dentry) []*Dentry {
	var seen []*Dentry
	dWalk(t, parent, func(t *sim.Task, d *Dentry) dWalkRet {
		seen = append(seen, d)
		return dWalkContinue
	})
	return seen
}
