package casefold

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
)

func TestASCIICIHashAndCompare(t *testing.T) {
	if xfsASCIICIHashname("FoO") != xfsASCIICIHashname("foo") {
		t.Error("xfs_ascii_ci_hashname differs by case")
	}
	if xfsASCIICIHashname("foo") == xfsASCIICIHashname("fop") {
		t.Error("xfs_ascii_ci_hashname: foo and fop collide")
	}
	for _, c := range []struct {
		a, b string
		want xfsDacmp
	}{{"foo", "foo", xfsCmpExact}, {"FOO", "foo", xfsCmpCase}, {"foo", "fo", xfsCmpDifferent}, {"foo", "fop", xfsCmpDifferent}} {
		if got := xfsASCIICICompname(c.a, c.b); got != c.want {
			t.Errorf("xfs_ascii_ci_compname(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestDirLookupExactWins: an exact entry wins over a case-only match
// found first; a case-only match returns the on-disk name.
func TestDirLookupExactWins(t *testing.T) {
	d := &dir{}
	a, b := &dcache.Inode{IIno: 7}, &dcache.Inode{IIno: 8}
	d.add("FOO", a)
	d.add("foo", b)
	if e, ci, err := d.lookup("foo"); err != 0 || e.inode != b || ci != "" {
		t.Errorf("lookup(foo) = %v %q %d, want the exact entry", e, ci, err)
	}
	if e, ci, err := d.lookup("Foo"); err != 0 || e.inode != a || ci != "FOO" {
		t.Errorf("lookup(Foo) = %v %q %d, want FOO's entry and its name", e, ci, err)
	}
	if !d.remove("FOO") || d.remove("bar") {
		t.Error("remove(FOO) failed or remove(bar) succeeded")
	}
}

func TestNtfsDops(t *testing.T) {
	q1, q2 := &dcache.Qstr{Name: "Foo"}, &dcache.Qstr{Name: "fOO"}
	ntfsDHash(nil, nil, q1)
	ntfsDHash(nil, nil, q2)
	if q1.Hash != q2.Hash {
		t.Error("ntfs_d_hash differs by case")
	}
	if ntfsDCompare(nil, nil, 3, "Foo", q2) != 0 || ntfsDCompare(nil, nil, 3, "Fop", q2) == 0 || ntfsDCompare(nil, nil, 2, "Fo", q2) == 0 {
		t.Error("ntfs_d_compare: wrong verdict")
	}
}
