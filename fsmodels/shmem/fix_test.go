package shmem_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/sim"
)

// TestWhiteoutV3Patch12Fixed: the fixed variant of v3 12/19's
// shmem_whiteout (shmem.FixWhiteout) renames with a whiteout
// without a WARN, and fails each fallible step with an errno, never an
// oops.
func TestWhiteoutV3Patch12Fixed(t *testing.T) {
	for _, r := range regimes {
		for n := 0; ; n++ {
			armed := false
			var res string
			prog := sim.Program{Name: "shmem/whiteout-fixed/" + r.String(), Setup: func(w *sim.World) {
				e := newEnv(w, variant.V3Today, r)
				e.s.C.V = e.s.C.V.With(shmem.FixWhiteout)
				w.Go("sh", func(t *sim.Task) {
					for _, line := range whiteoutScript[:4] {
						call, _, _ := strings.Cut(line, " = ")
						run(t, e.s, call)
					}
					armed = true
					res = run(t, e.s, "rename /a/x /a/y whiteout")
				})
			}}
			f := &failNth{armed: &armed, n: n}
			out := sim.Execute(prog, sim.Config{Faults: true}, f)
			if out.Report != nil {
				t.Fatalf("%s, fault %d: %s", r, n, out.Report.Format())
			}
			if f.seen <= n {
				if res != "0" {
					t.Fatalf("%s: rename without faults = %s, want 0", r, res)
				}
				break
			}
			if !strings.HasPrefix(res, "-E") {
				t.Fatalf("%s, fault %d: rename = %s, want an errno", r, n, res)
			}
		}
	}
}
