package scenarios_test

import (
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/variant"
)

// TestProcDropLockPathsReached: the clean cells of NeilBrown's procfs
// patch are not vacuous. Within the cells' bound the fixed variant takes
// the fallback (the directory lock dropped around d_alloc_parallel) in
// both fill_cache functions, and the posted one takes the IS_ERR exit
// that makes getdents report d_ino 1.
func TestProcDropLockPathsReached(t *testing.T) {
	for _, c := range []struct{ scenario, variant, mark string }{
		{"procfs/fd-readdir-vs-lookup", "v3+fix+proc-drop-lock/pdirops", "proc_fill_cache: parent lock dropped for d_alloc_parallel"},
		{"procfs/fd-readdir-vs-lookup", "v3+fix+proc-drop-lock/today", "proc_fill_cache: parent lock dropped for d_alloc_parallel"},
		{"procfs/sys-readdir-vs-lookup", "v3+fix+proc-drop-lock/pdirops", "proc_sys_fill_cache: parent lock dropped for d_alloc_parallel"},
		{"procfs/fd-readdir-vs-lookup", "v3+fix=add-publish-last+proc-drop-lock/today", "proc_fill_cache: IS_ERR ahead of -EWOULDBLOCK"},
	} {
		sc, err := scenarios.Lookup(c.scenario)
		if err != nil {
			t.Fatal(err)
		}
		r := explore.DFS(sc.Program(variant.MustParse(c.variant)), explore.Options{MaxPreemptions: 1, Budget: 2000,
			Config: sc.Config, RequireMarks: []string{c.mark}, KeepGoing: true})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if len(r.MissingMarks) > 0 {
			t.Errorf("%s@%s: %q never reached in %d runs", c.scenario, c.variant, c.mark, r.Runs)
		}
	}
}
