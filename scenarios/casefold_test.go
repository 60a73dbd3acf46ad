package scenarios_test

import (
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/variant"
)

// TestKeepLockWaitsForExactLookup: under RFC 51/53 the keep-lock fix of
// d_add_ci takes its wait branch (the exact name's lookup in flight, the
// lock dropped to wait for it) in some interleaving of two stats, and
// every interleaving is clean.
func TestKeepLockWaitsForExactLookup(t *testing.T) {
	sc, err := scenarios.Lookup("casefold/stat-ci-vs-stat-exact")
	if err != nil {
		t.Fatal(err)
	}
	const mark = "d_add_ci: waits for another lookup of the exact name"
	r := explore.DFS(sc.Program(variant.MustParse("v3+fix/pdirops")), explore.Options{MaxPreemptions: 1, Budget: 2000,
		RequireMarks: []string{mark}})
	if r.Err != nil || r.First != nil {
		t.Fatalf("want clean, got %v (%v)", r.First, r.Err)
	}
	if r.Marks[mark] == 0 {
		t.Errorf("no run took the wait branch; marks hit: %v", r.Marks)
	}
}
