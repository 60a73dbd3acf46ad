package casefold

import (
	"math/bits"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// The ascii-ci name operations of fs/xfs/libxfs/xfs_dir2.c (v3 series
// base): the on-disk hash of a name folds it, and the comparison tells an
// exact match from a match in case only.

// xfsDacmp is enum xfs_dacmp.
type xfsDacmp int

const (
	xfsCmpDifferent xfsDacmp = iota // XFS_CMP_DIFFERENT
	xfsCmpExact                     // XFS_CMP_EXACT
	xfsCmpCase                      // XFS_CMP_CASE
)

// xfsASCIICIXfrm is xfs_ascii_ci_xfrm: ASCII upper case to lower case.
func xfsASCIICIXfrm(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

// xfsASCIICIHashname is xfs_ascii_ci_hashname.
func xfsASCIICIHashname(name string) uint32 {
	var hash uint32
	for i := 0; i < len(name); i++ {
		hash = uint32(xfsASCIICIXfrm(name[i])) ^ bits.RotateLeft32(hash, 7)
	}
	return hash
}

// xfsASCIICICompname is xfs_ascii_ci_compname: args is the name looked
// up, name the on-disk one.
func xfsASCIICICompname(args, name string) xfsDacmp {
	if len(args) != len(name) {
		return xfsCmpDifferent
	}
	result := xfsCmpExact
	for i := 0; i < len(name); i++ {
		if args[i] == name[i] {
			continue
		}
		if xfsASCIICIXfrm(args[i]) != xfsASCIICIXfrm(name[i]) {
			return xfsCmpDifferent
		}
		result = xfsCmpCase
	}
	return result
}

// lookup is xfs_dir_lookup with XFS_DA_OP_CILOOKUP: among the entries of
// name's hash, an exact match wins; else the first case-only match, whose
// on-disk name is returned as ci (xfs_dir_cilookup_result). -ENOENT if
// none.
func (d *dir) lookup(name string) (e *dirent, ci string, err int) {
	hash := xfsASCIICIHashname(name)
	var caseMatch *dirent
	for i := range d.ents {
		x := &d.ents[i]
		if x.hash != hash {
			continue
		}
		switch xfsASCIICICompname(name, x.name) {
		case xfsCmpExact:
			return x, "", 0
		case xfsCmpCase:
			if caseMatch == nil {
				caseMatch = x
			}
		}
	}
	if caseMatch != nil {
		return caseMatch, caseMatch.name, 0
	}
	return nil, "", -int(sim.ENOENT)
}

// add is xfs_dir_createname: a new entry.
func (d *dir) add(name string, inode *dcache.Inode) {
	d.ents = append(d.ents, dirent{name: name, hash: xfsASCIICIHashname(name), inode: inode})
}

// remove is xfs_dir_removename of the entry found for name
// (case-insensitively, as xfs_dir_removename looks it up); false if none.
func (d *dir) remove(name string) bool {
	e, _, err := d.lookup(name)
	if err != 0 {
		return false
	}
	for i := range d.ents {
		if &d.ents[i] == e {
			d.ents = append(d.ents[:i], d.ents[i+1:]...)
			return true
		}
	}
	return false
}
