package ovl_test

import (
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// The findings on the posted v3 09/19 and 10/19 ovl_cache_update are
// catalog scenarios (ovl/readdir-uncached, ovl/readdir-cached,
// ovl/raced-readdir...; docs/findings.md, "overlayfs"). What stays here
// needs a switch only a test has.

// TestPosted10ResplicePastR8 switches the R8 check off to show what the
// posted 10 goes on to do with a cached positive dentry: a regular file
// gets the same dentry twice on its inode's alias list (and a leaked
// inode reference); a directory reaches __d_move(dentry, dentry) through
// __d_unalias.
func TestPosted10ResplicePastR8(t *testing.T) {
	*ovl.CheckSpliceR8 = false
	defer func() { *ovl.CheckSpliceR8 = true }()
	for _, c := range []struct {
		lower, upper fstest.Tree
		want         string
	}{
		{fstest.Tree{"m/", "m/a"}, fstest.Tree{"m/", "m/c"}, "R7"},        // "a": a regular file
		{fstest.Tree{"m/", "m/a/"}, fstest.Tree{"m/", "m/c/"}, "WARN_ON"}, // "a": a directory
	} {
		for _, r := range variant.Regimes {
			p := program("ovl/10-resplice", variant.MustParse("01-10").In(r), c.lower, c.upper, func(t *sim.Task, e *fstest.OverlayEnv) {
				ss := vfstest.NewSession(e.S)
				for _, l := range []string{"stat /m", "stat /m/a", "stat /m/c", "ls /m"} {
					ss.Exec(t, l)
				}
			}, nil)
			out := runOnce(t, p)
			if out.Report == nil || out.Report.Rule != c.want {
				t.Errorf("%s/%s: want %s, got %v", p.Name, r, c.want, out.Report)
				continue
			}
			t.Logf("%s/%s: %s %s", p.Name, r, out.Report.Rule, out.Report.Title)
		}
	}
}
