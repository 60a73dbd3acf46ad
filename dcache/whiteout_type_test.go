package dcache_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// d_flags_for_inode (fs/dcache.c, v6.18) has no whiteout case: a whiteout
// is a 0/0 character device and gets DCACHE_SPECIAL_TYPE, like any other
// non-regular file; nothing sets DCACHE_WHITEOUT_TYPE (issue 8 defect 7).
func TestDFlagsForInodeWhiteout(tt *testing.T) {
	want := map[dcache.Mode]uint32{
		dcache.S_IFWHT: dcache.DCACHE_SPECIAL_TYPE,
		dcache.S_IFCHR: dcache.DCACHE_SPECIAL_TYPE,
		dcache.S_IFREG: dcache.DCACHE_REGULAR_TYPE,
		dcache.S_IFDIR: dcache.DCACHE_DIRECTORY_TYPE,
	}
	for _, mode := range []dcache.Mode{dcache.S_IFWHT, dcache.S_IFCHR, dcache.S_IFREG, dcache.S_IFDIR} {
		var got uint32
		out := ownRun(variant.BaseToday, nil, func(t *sim.Task, c *dcache.Cache, root *dcache.Dentry) {
			d := dcache.DAlloc(t, root, &dcache.Qstr{Name: "f", Hash: dcache.FullNameHash(root, "f")})
			dcache.DAdd(t, d, root.DSb.NewInode(t, mode))
			got = d.DFlags & dcache.DCACHE_ENTRY_TYPE
			dcache.Dput(t, d)
		})
		if out.Err != nil || out.Report != nil {
			tt.Fatalf("%v: %v\n%s", mode, out.Err, fmtReport(out.Report))
		}
		if got != want[mode] {
			tt.Errorf("d_flags type of a %v dentry = %#x, want %#x", mode, got, want[mode])
		}
	}
}
