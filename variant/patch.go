package variant

import (
	"fmt"
	"strconv"
	"strings"
)

// Patch is one numbered patch of the lift-lookup series: v3 NN/19, or
// RFC NN/53 for the three RFC patches after v3 (51-53). Message-IDs are
// in docs/versions.md.
type Patch uint8

// The patches whose code is modeled. A patch without a constant here is
// still part of "v3": it changes nothing the model has.
const (
	P02SpliceHashed   Patch = 2  // d_splice_alias() on hashed negative dentries too
	P03AllocNameHash  Patch = 3  // d_alloc_name() applies ->d_hash
	P04WaitVarEvent   Patch = 4  // d_alloc_parallel() waits with wait_var_event and DCACHE_LOCK_WAITER
	P05AllocNoblock   Patch = 5  // d_alloc_noblock()
	P06Duplicate      Patch = 6  // d_duplicate()
	P07LookupShared   Patch = 7  // LOOKUP_SHARED
	P08AddCIDropLock  Patch = 8  // d_add_ci() drops the parent lock around d_alloc_parallel()
	P09OvlNoLookupOne Patch = 9  // ovl readdir without lookup_one()
	P10NoblockReturn  Patch = 10 // d_alloc_noblock_return(), OVL_E_RACED_READDIR
	P12ShmemDuplicate Patch = 12 // shmem_whiteout() with d_duplicate()

	// The NFS patches (fsmodels/nfs).
	P13NfsAtomicOpen      Patch = 13 // nfs_atomic_open() without d_drop()/d_alloc_parallel(); LOOKUP_OPEN in nfs_neg_need_reval()
	P14NfsLinkSplice      Patch = 14 // nfs_link() with d_splice_alias(), d_drop() only on error
	P15NfsAddOrObtain     Patch = 15 // nfs_add_or_obtain() and _nfs4_open_and_get_state() without d_drop() before d_splice_alias()
	P16NfsAtomicCreate    Patch = 16 // nfs_atomic_open()'s -ENOENT case without d_drop()
	P17NfsPrimeNoblock    Patch = 17 // nfs_prime_dcache() with d_alloc_noblock()
	P18NfsSillyNoblock    Patch = 18 // nfs_sillyrename() with d_alloc_noblock() and ->lookup
	P19NfsRenameDuplicate Patch = 19 // nfs_rename()'s busy target copied with d_duplicate()

	// SeriesLast is the last patch of the v3 series.
	SeriesLast Patch = 19

	// The RFC patches that take the series past v3 (RFC 00/53, cover
	// letter <20260312214330.3885211-1-neilb@ownmail.net>).
	P51LookupOneQstrExclParallel Patch = 51 // RFC 51/53: lookup_one_qstr_excl() on d_alloc_parallel()
	P52LiftDAllocParallel        Patch = 52 // RFC 52/53: d_alloc_parallel() before inode_lock (the pdirops order)
	P53RemoveLookupShared        Patch = 53 // RFC 53/53: LOOKUP_SHARED removed

	// RFCFirst and RFCLast bound the RFC patches modeled.
	RFCFirst Patch = 51
	RFCLast  Patch = 53
)

// requires lists, for a patch, the patches its code cannot run without.
// 06/19's d_duplicate() makes an in-lookup dentry with no wait queue
// head, which only 04/19's wait_var_event waiters can wait on (base code
// would wake_up_all() a NULL d_wait); 10/19's d_alloc_noblock_return()
// extends 05/19's d_alloc_noblock(). RFC 52/53 edits the functions 51/53
// rewrote (lookup_one_qstr_excl becomes lookup_one_qstr) and RFC 53/53
// removes the LOOKUP_SHARED that 52/53 passes everywhere.
//
// The RFC patches were posted on RFC 01-50, whose first part v3 reposts;
// their hunks also apply, with the divergences the vfs and dcache
// packages name, on a set without v3 ("mainline/pdirops": the order
// flipped before the preparation), so no v3 patch is required here.
var requires = map[Patch][]Patch{
	6:  {4},
	10: {5},
	// The NFS patches rely on d_splice_alias() of hashed dentries (02),
	// d_alloc_noblock() (05) and d_duplicate() (06).
	14: {2},
	15: {2},
	16: {2},
	17: {5},
	18: {5},
	19: {6},
	52: {51},
	53: {52},
}

// PatchSet is a set of patches. The zero value is the series base
// ("mainline").
type PatchSet uint64

// Mainline is no patch applied; V3 is the whole posted series.
const (
	Mainline PatchSet = 0
	V3       PatchSet = (1<<(SeriesLast+1) - 1) &^ 1
	// RFC is RFC 51-53: the pdirops regime's patches.
	RFC PatchSet = 1<<P51LookupOneQstrExclParallel | 1<<P52LiftDAllocParallel | 1<<P53RemoveLookupShared
)

// valid reports whether n is a patch number the model knows.
func valid(n int) bool {
	return (n >= 1 && n <= int(SeriesLast)) || (n >= int(RFCFirst) && n <= int(RFCLast))
}

// Has reports whether patch p is in the set.
func (s PatchSet) Has(p Patch) bool { return s&(1<<p) != 0 }

// With returns s with p added.
func (s PatchSet) With(p Patch) PatchSet { return s | 1<<p }

// Through returns the patches 01 to p: the series applied up to p.
func Through(p Patch) PatchSet { return (1<<(p+1) - 1) &^ 1 }

// String lists the set as ParsePatches reads it: "mainline", "v3", or
// ranges such as "01-06,08" or "v3,51-53".
func (s PatchSet) String() string {
	switch s {
	case Mainline:
		return "mainline"
	case V3:
		return "v3"
	}
	var parts []string
	if s&V3 == V3 {
		parts = append(parts, "v3")
		s &^= V3
	}
	for n := Patch(1); n <= RFCLast; n++ {
		if !s.Has(n) {
			continue
		}
		m := n
		for valid(int(m+1)) && s.Has(m+1) {
			m++
		}
		if m > n {
			parts = append(parts, fmt.Sprintf("%02d-%02d", n, m))
		} else {
			parts = append(parts, fmt.Sprintf("%02d", n))
		}
		n = m
	}
	return strings.Join(parts, ",")
}

// ParsePatches reads "mainline", "v3", or a comma list of patch numbers,
// ranges and "v3" ("01-06,08", "v3,51-53"). A set in which a patch lacks
// one it depends on is refused: its code would run on state the series
// never creates.
func ParsePatches(str string) (PatchSet, error) {
	switch strings.TrimSpace(str) {
	case "mainline":
		return Mainline, nil
	case "v3":
		return V3, nil
	case "":
		return 0, fmt.Errorf(`empty patch set (want "mainline", "v3" or patch numbers such as "01-09")`)
	}
	var s PatchSet
	for _, part := range strings.Split(str, ",") {
		if strings.TrimSpace(part) == "v3" {
			s |= V3
			continue
		}
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || !valid(a) {
			return 0, fmt.Errorf("bad patch number %q (want 01-%02d or %02d-%02d)", lo, SeriesLast, RFCFirst, RFCLast)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || !valid(b) {
				return 0, fmt.Errorf("bad patch range %q", part)
			}
		}
		for n := a; n <= b; n++ {
			if !valid(n) {
				return 0, fmt.Errorf("bad patch range %q (no patch %02d)", part, n)
			}
			s = s.With(Patch(n))
		}
	}
	return s, s.Check()
}

// Check refuses a set in which a patch lacks one it depends on.
func (s PatchSet) Check() error {
	for n := Patch(1); n <= RFCLast; n++ {
		if !s.Has(n) {
			continue
		}
		for _, r := range requires[n] {
			if !s.Has(r) {
				return fmt.Errorf("patch %02d needs patch %02d, which the set %s lacks", n, r, s)
			}
		}
	}
	return nil
}
