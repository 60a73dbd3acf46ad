package dcache

// Test-only views for the shrinker tests (shrink_test.go, dput_test.go).
// They take no scheduling point.

// LRU is the superblock's dentry LRU (s_dentry_lru), oldest first.
func LRU(sb *SuperBlock) []*Dentry { return sb.lru }

// ShrinkListDentries lists a dispose list's dentries, head first.
func ShrinkListDentries(l *ShrinkList) []*Dentry { return l.l }
