package vfs_test

// RCU-walk takes no reference on the dentries it walks through: only the
// result is legitimized (complete_walk's try_to_unlazy).

import (
	"fmt"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// TestRCUWalkTakesNoReferences: a watcher samples the reference counts
// of /d and /d/e at every point of a stat of /d/e/f (a dcache hit all
// the way). In the kernel an RCU-walk never raises them; a model that
// pins each component as it goes is caught.
func TestRCUWalkTakesNoReferences(t *testing.T) {
	prog := sim.Program{Name: "vfs/rcu-walk-no-refs", Setup: func(w *sim.World) {
		s := fstest.Tmpfs(w, variant.BaseToday).S
		w.Go("setup", func(tk *sim.Task) {
			for _, c := range []string{"mkdir /d", "mkdir /d/e", "mknod /d/e/f reg"} {
				vfstest.Exec(tk, s, c)
			}
			var dirs []*dcache.Dentry
			var base []int
			for _, p := range []string{"/d", "/d/e"} {
				d, _ := s.Lookup(tk, p)
				dcache.Dput(tk, d)
				dirs, base = append(dirs, d), append(base, d.DLockref.Count())
			}
			tk.Spawn("stat", func(tk *sim.Task) {
				if got := vfstest.Exec(tk, s, "stat /d/e/f"); got != "reg#4" {
					tk.Violation(sim.KindInvariant, "stat", "stat /d/e/f = "+got, "")
				}
			})
			tk.Spawn("watch", func(tk *sim.Task) {
				tk.Yield()
				for i, d := range dirs {
					if n := d.DLockref.Count(); n != base[i] {
						tk.Violation(sim.KindInvariant, "rcu-walk-ref",
							fmt.Sprintf("%s (%q) count %d during an RCU-walk, %d before", d, d.DName.Name, n, base[i]), "")
					}
				}
			})
		})
	}}
	r := explore.DFS(prog, explore.Options{MaxPreemptions: 1})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r.First != nil {
		t.Fatalf("%s\n%s", r.First.Title, r.First.Schedule)
	}
	if !r.Exhausted {
		t.Errorf("not exhausted in %d runs", r.Runs)
	}
}
