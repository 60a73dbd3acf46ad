package dcache_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// TestR1ReportedWhereHashed: a second hashed dentry with the name of a
// hashed one is reported by the task that hashes it, at the step of its
// __d_rehash (not at the end of the run); the names of the report and
// the reporting line say so. Different names, and the whiteout twin that
// AllowTwin declares (then d_moved away), stay quiet at that step and at
// the end.
func TestR1ReportedWhereHashed(tt *testing.T) {
	cases := []struct {
		name  string
		names [2]string
		twin  bool
		want  bool
	}{
		{"same name", [2]string{"foo", "foo"}, false, true},
		{"different names", [2]string{"foo", "bar"}, false, false},
		{"declared twin", [2]string{"foo", "foo"}, true, false},
	}
	for _, c := range cases {
		tt.Run(c.name, func(tt *testing.T) {
			prog := dcachetest.Program("inv/r1", variant.BaseToday, nil, func(e *dcachetest.Env) {
				e.W.Go("t", func(t *sim.Task) {
					first := dcachetest.AddNew(t, e.Root(), c.names[0], dcache.S_IFREG)
					second := dcache.DAlloc(t, e.Root(), dcachetest.Q(e.Root(), c.names[1]))
					if c.twin {
						dcache.AllowTwin(t, second, first)
					}
					dcache.DAdd(t, second, e.SB.NewInode(t, dcache.S_IFREG))
					if c.twin { // the rename's d_move takes the old one away
						dcache.DMove(t, first, dcachetest.AddNew(t, e.Root(), "gone", 0))
					}
					dcache.Dput(t, first)
					dcache.Dput(t, second)
				})
			})
			out := dcachetest.Run(tt, prog, sim.Config{Trace: sim.TraceFull}, nil)
			if !c.want {
				dcachetest.Clean(tt, out)
				return
			}
			r := out.Report
			if r == nil || r.Rule != "R1" || r.Task != 0 {
				tt.Fatalf("want R1 from task 0 where the second dentry is hashed, got %v", r)
			}
			last := out.Trace[len(out.Trace)-1]
			if last.N != r.Step || last.Field != "d_hash" || !strings.Contains(last.Site, "dRehashLocked") {
				tt.Fatalf("R1 at step %d, want the step that hashed the second dentry; last line: step %d %s %s", r.Step, last.N, last.Field, last.Site)
			}
		})
	}
}
