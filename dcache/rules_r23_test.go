package dcache_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestR23ReleaseOrder: the last dput of a positive hashed dentry on a
// filesystem with ->d_release kills it; ->d_release sees it dead,
// unhashed, negative and still a child of the root (clean), unless a
// mutant calls it first (R23).
func TestR23ReleaseOrder(t *testing.T) {
	var seen []string
	ops := &dcache.DentryOperations{
		DDelete: func(*sim.Task, *dcache.Dentry) int { return 1 },
		DRelease: func(t *sim.Task, d *dcache.Dentry) {
			seen = append(seen, d.DName.Name)
		},
	}
	body := func(t *sim.Task, e *dcachetest.Env) {
		dcachetest.LookupPut(t, e, e.Root(), "foo", dcachetest.AddPositive)
	}
	dcachetest.Once(t, variant.BaseToday, ops, body)
	if len(seen) != 1 || seen[0] != "foo" {
		t.Fatalf("->d_release calls: %v, want [foo]", seen)
	}
	r := dcachetest.Fires(t, variant.BaseToday.With(dcache.MutReleaseFirst), ops, sim.KindInvariant, "R23", body)
	for _, want := range []string{"hashed", "positive", "d_lock held"} {
		if !strings.Contains(r.Title, want) {
			t.Errorf("R23 report %q does not say %q", r.Title, want)
		}
	}
}
