package dcache

import (
	"fmt"
	"strconv"
	"strings"
)

// Patches is the set of v3 patches (numbered 1-19) in effect. The zero
// value is mainline.
type Patches uint32

// The patches of the v3 series that change fs/dcache.c or its callers.
const (
	P02SpliceHashed     = 2  // d_splice_alias() on hashed negative dentries too
	P03AllocNameHash    = 3  // d_alloc_name() applies ->d_hash
	P04WaitVarEvent     = 4  // d_alloc_parallel() waits with wait_var_event and DCACHE_LOCK_WAITER
	P05AllocNoblock     = 5  // d_alloc_noblock()
	P06Duplicate        = 6  // d_duplicate()
	P07LookupShared     = 7  // LOOKUP_SHARED
	P08AddCIDropLock    = 8  // d_add_ci() drops the parent lock around d_alloc_parallel()
	P09OvlNoLookupOne   = 9  // ovl readdir without lookup_one()
	P10NoblockReturn    = 10 // d_alloc_noblock_return(), OVL_E_RACED_READDIR
	P12ShmemDuplicate   = 12 // shmem_whiteout() with d_duplicate()
	numberedPatchesLast = 19
)

// Mainline is no patch applied; V3 is the whole posted series.
const (
	Mainline Patches = 0
	V3       Patches = (1<<(numberedPatchesLast+1) - 1) &^ 1
)

// Has reports whether patch n is applied.
func (p Patches) Has(n int) bool { return p&(1<<uint(n)) != 0 }

// With returns p with patch n applied.
func (p Patches) With(n int) Patches { return p | 1<<uint(n) }

// String lists the patches as ParsePatches reads them: "mainline", "v3",
// or ranges such as "01-06,08".
func (p Patches) String() string {
	switch p {
	case Mainline:
		return "mainline"
	case V3:
		return "v3"
	}
	var parts []string
	for n := 1; n <= numberedPatchesLast; n++ {
		if !p.Has(n) {
			continue
		}
		m := n
		for m+1 <= numberedPatchesLast && p.Has(m+1) {
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

// ParsePatches reads "mainline", "v3", or a comma list of patch numbers
// and ranges ("01-06,08"). Patches that depend on earlier ones are not
// completed silently: the set is what the user asked for.
func ParsePatches(s string) (Patches, error) {
	switch strings.TrimSpace(s) {
	case "", "mainline":
		return Mainline, nil
	case "v3", "all":
		return V3, nil
	}
	var p Patches
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 1 || a > numberedPatchesLast {
			return 0, fmt.Errorf("bad patch number %q (want 1-%d)", lo, numberedPatchesLast)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b > numberedPatchesLast {
				return 0, fmt.Errorf("bad patch range %q", part)
			}
		}
		for n := a; n <= b; n++ {
			p = p.With(n)
		}
	}
	return p, nil
}
