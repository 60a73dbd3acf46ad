package dcache

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/sim"
)

// checkInLookupUnique checks R3 for (parent, name) after a new in-lookup
// dentry was inserted: no other in-lookup dentry and no hashed dentry
// with the same name under parent's d_compare. d_duplicate is the
// designed exception and does not call it.
func (c *Cache) checkInLookupUnique(t *sim.Task, parent *Dentry, name *Qstr) {
	nIn, nHashed := 0, 0
	for _, d := range parent.children {
		in, hashed := c.sameNameState(d, parent, name)
		nIn, nHashed = nIn+b2i(in), nHashed+b2i(hashed)
	}
	if nIn > 1 || nIn > 0 && nHashed > 0 {
		c.reportInLookupNotUnique(t, parent, name)
	}
}

// sameNameState says whether d, a child of parent, is an in-lookup or a
// hashed dentry of name (checkInLookupUnique).
func (c *Cache) sameNameState(d, parent *Dentry, name *Qstr) (inLookup, hashed bool) {
	if !d.Live() || !c.sameNameNoStep(d, parent, name) {
		return false, false
	}
	// A dead dentry is no name any more: __dentry_kill takes it off
	// its chain before __d_drop marks it unhashed, and a lookup may
	// insert an in-lookup dentry in between. The same window opens in
	// every d_drop (___d_drop unlinks, then __d_drop clears pprev), so
	// what counts is being on the chain.
	return d.u == uInLookup, d.hashed && !d.DLockref.IsDead() && slices.Contains(c.dHash(d.DName.Hash).chain, d)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// reportInLookupNotUnique reports R3, listing the dentries at fault; the
// lists are built only then, so that the check allocates nothing.
func (c *Cache) reportInLookupNotUnique(t *sim.Task, parent *Dentry, name *Qstr) {
	var inLookup, hashed []*Dentry
	for _, d := range parent.children {
		in, h := c.sameNameState(d, parent, name)
		if in {
			inLookup = append(inLookup, d)
		}
		if h {
			hashed = append(hashed, d)
		}
	}
	if len(inLookup) > 1 {
		t.Violation(sim.KindInvariant, "R3", fmt.Sprintf("two in-lookup dentries for %q in %s: %v", name.Name, parent, inLookup),
			"At most one in-lookup dentry may exist per (parent, name): two would mean two concurrent ->lookup calls.")
	}
	if len(inLookup) > 0 && len(hashed) > 0 {
		t.Violation(sim.KindInvariant, "R3", fmt.Sprintf("in-lookup dentry %v for %q in %s while %v is hashed", inLookup, name.Name, parent, hashed),
			"An in-lookup dentry may exist only while no hashed dentry has its name.")
	}
}

// checkHashedUnique checks R1 at the step that hashes d (__d_rehash,
// with d's bucket b locked): no other live dentry on the chain has d's
// parent and name. Reporting here, rather than only at the end of the
// run, names the line that hashed the second dentry. Every dentry hashed
// under (parent, name) has the same hash, hence the same chain; a dentry
// that ___d_drop took off its chain (its d_hash still poisoned, as in
// __d_move) is not on it and does not count.
func (c *Cache) checkHashedUnique(t *sim.Task, b *bucket, d *Dentry) {
	parent := d.DParent
	if parent == nil || parent == d {
		return
	}
	for _, o := range b.chain {
		if o == d || o.DParent != parent || !o.hashed || o.DLockref.IsDead() || !c.sameNameNoStep(o, parent, &d.DName) ||
			c.isTwin(d, o) {
			continue
		}
		t.Violation(sim.KindInvariant, "R1", fmt.Sprintf("two hashed dentries for %q in %s: %s hashed while %s is", d.DName.Name, parent, d, o),
			fmt.Sprintf("__d_rehash put %s on the hash chain that already holds %s with the same parent and name:\n"+
				"lookups now find either, depending on chain order.", d, o))
		return
	}
}

// twin is a pair of dentries with one parent and name that may both be
// hashed until old is d_moved away.
type twin struct{ twin, old *Dentry }

// AllowTwin declares the one designed exception to R1 that the eager
// check (checkHashedUnique) must let pass: shmem_whiteout (mm/shmem.c,
// 6.19) hashes the whiteout twin beside old_dentry, "cheating" rather
// than using FS_RENAME_DOES_D_MOVE, and the rename that called it
// d_moves old_dentry away before it returns. Until that d_move the pair
// is allowed; the end-of-run check still sees any pair left behind.
func AllowTwin(t *sim.Task, twinD, old *Dentry) {
	old.c.twins = twinSlices.Append(old.c.W, old.c.twins, twin{twinD, old})
}

func (c *Cache) isTwin(a, b *Dentry) bool {
	return slices.ContainsFunc(c.twins, func(p twin) bool {
		return (p.twin == a && p.old == b) || (p.twin == b && p.old == a)
	})
}

// endTwin ends the exception when old is d_moved.
func (c *Cache) endTwin(old *Dentry) {
	if len(c.twins) > 0 {
		c.twins = slices.DeleteFunc(c.twins, func(p twin) bool { return p.old == old })
	}
}

// sameNameNoStep compares names without running ->d_compare as a step:
// checkers must not take scheduling points. Filesystems with ->d_compare
// supply Fold for this.
func (c *Cache) sameNameNoStep(d, parent *Dentry, name *Qstr) bool {
	if parent.DFlags&DCACHE_OP_COMPARE != 0 && parent.DSb.Fold != nil {
		return parent.DSb.Fold(d.DName.Name) == parent.DSb.Fold(name.Name)
	}
	return d.DName.Name == name.Name
}

// CheckInvariants checks the dcache-wide invariants: R1 (one hashed
// dentry per name), R3 (one in-lookup dentry per name), R6 (in-lookup
// dentries unhashed and negative), R9 (one alias per directory inode),
// acyclic d_parent chains and non-negative live lockref counts. It
// reports through t (or, with t nil, as an end-of-run violation).
func (c *Cache) CheckInvariants(t *sim.Task) {
	report := func(rule, title, msg string) {
		if t != nil {
			t.Violation(sim.KindInvariant, rule, title, msg)
		} else {
			c.W.Violation(sim.KindInvariant, rule, title, msg)
		}
	}
	for _, sb := range c.sbs {
		c.walk(sb.SRoot, func(d *Dentry) {
			seen := map[string]*Dentry{}
			seenL := map[string]*Dentry{}
			for _, ch := range d.children {
				k := ch.DName.Name
				if d.DSb.Fold != nil && d.DFlags&DCACHE_OP_COMPARE != 0 {
					k = d.DSb.Fold(k)
				}
				if ch.hashed {
					if o := seen[k]; o != nil {
						report("R1", fmt.Sprintf("two hashed dentries for %q in %s: %s and %s", ch.DName.Name, d, o, ch), "")
						return
					}
					seen[k] = ch
				}
				if ch.u == uInLookup {
					if o := seenL[k]; o != nil {
						report("R3", fmt.Sprintf("two in-lookup dentries for %q in %s: %s and %s", ch.DName.Name, d, o, ch), "")
						return
					}
					seenL[k] = ch
				}
				if ch.DFlags&DCACHE_PAR_LOOKUP != 0 && ch.u == uInLookup && (ch.hashed || ch.DInode != nil) {
					report("R6", fmt.Sprintf("in-lookup dentry %s is hashed=%v positive=%v", ch, ch.hashed, ch.DInode != nil), "")
					return
				}
				if ch.DLockref.Count() < 0 && ch.DFlags&DCACHE_DENTRY_KILLED == 0 && ch.DLockref.Count() != -128 {
					report("lockref", fmt.Sprintf("negative count %d on live dentry %s", ch.DLockref.Count(), ch), "")
					return
				}
			}
		})
		for _, inode := range sb.inodes {
			if inode.IMode.IsDir() && len(inode.iDentry) > 1 {
				report("R9", fmt.Sprintf("directory inode %s has %d aliases: %v", inode, len(inode.iDentry), inode.iDentry), "")
				return
			}
		}
	}
}

// walk visits d and its descendants in d_children order, guarding
// against d_parent cycles.
func (c *Cache) walk(root *Dentry, visit func(*Dentry)) {
	seen := map[*Dentry]bool{}
	var rec func(d *Dentry)
	rec = func(d *Dentry) {
		if seen[d] {
			c.W.Violation(sim.KindInvariant, "d_parent-cycle", fmt.Sprintf("dentry %s reached twice: d_parent chains are cyclic", d), "")
			return
		}
		seen[d] = true
		visit(d)
		for _, ch := range d.children {
			rec(ch)
		}
	}
	rec(root)
}

// Dump renders the dcache tree of sb canonically, for tests and traces:
// one line per dentry, children sorted by name.
func (sb *SuperBlock) Dump() string {
	var b strings.Builder
	var rec func(d *Dentry, depth int)
	rec = func(d *Dentry, depth int) {
		state := []string{}
		if d.hashed {
			state = append(state, "hashed")
		}
		if d.u == uInLookup {
			state = append(state, "in-lookup")
		}
		if d.DInode != nil {
			state = append(state, fmt.Sprintf("%s#%d", d.DInode.IMode, d.DInode.IIno))
		} else {
			state = append(state, "negative")
		}
		fmt.Fprintf(&b, "%s%s [%s] count=%d\n", strings.Repeat("  ", depth), d.DName.Name, strings.Join(state, " "), d.DLockref.Count())
		kids := slices.Clone(d.children)
		slices.SortStableFunc(kids, func(a, b *Dentry) int { return strings.Compare(a.DName.Name, b.DName.Name) })
		for _, k := range kids {
			rec(k, depth+1)
		}
	}
	rec(sb.SRoot, 0)
	return b.String()
}

// MarkTree marks root and every dentry below it through d_children, with
// their inodes: a roots walker for World.Roots, so that the leak check
// reports what a run allocated and can no longer reach.
func MarkTree(root *Dentry, mark func(*sim.Object)) {
	mark(&root.Object)
	if root.DInode != nil {
		mark(&root.DInode.Object)
	}
	for _, ch := range root.children {
		MarkTree(ch, mark)
	}
}
