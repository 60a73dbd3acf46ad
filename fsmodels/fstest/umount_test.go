package fstest_test

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/internal/leakcheck"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// TestUmountCheck: a task that keeps a reference on a dentry trips R39 at
// the end of the run, on a tmpfs and on an overlay; one that puts it
// back does not.
func TestUmountCheck(t *testing.T) {
	for _, overlay := range []bool{false, true} {
		for _, leak := range []bool{false, true} {
			prog := sim.Program{Name: "fstest/umount", Setup: func(w *sim.World) {
				if overlay {
					e := fstest.Overlay(w, variant.BaseToday)
					w.Go("sh", func(t *sim.Task) {
						if e.MustBuild(t, fstest.Tree{"d/"}, nil) {
							hold(t, e.S.Lookup, leak)
						}
					})
					return
				}
				e := fstest.Tmpfs(w, variant.BaseToday)
				w.Go("sh", func(t *sim.Task) {
					e.S.Mkdir(t, "/d")
					hold(t, e.S.Lookup, leak)
				})
			}}
			out := sim.Execute(prog, sim.Config{}, nil)
			rule := ""
			if out.Report != nil {
				rule = out.Report.Rule
			}
			if want := map[bool]string{true: "R39"}[leak]; rule != want {
				t.Errorf("overlay %v, leak %v: report %v, want rule %q", overlay, leak, out.Report, want)
			}
			out.Release()
		}
	}
}

// hold looks /d up and, unless leak, puts the reference back.
func hold(t *sim.Task, lookup func(*sim.Task, string) (*dcache.Dentry, int), leak bool) {
	d, err := lookup(t, "/d")
	if err == 0 && !leak {
		dcache.Dput(t, d)
	}
}
