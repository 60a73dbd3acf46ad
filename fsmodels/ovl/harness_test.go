package ovl_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// The default pair of layers of the sequential tests.
var (
	fixtureLower = fstest.Tree{
		"d/", "d/a", "d/b", "d/sub/", "d/sub/s",
		"lo/", "lo/x",
		"f", "w",
		"op/", "op/hidden",
		"m/", "m/a",
	}
	fixtureUpper = fstest.Tree{
		"d/", "d/c",
		"!w",
		"+op/", "op/vis",
		"up/", "up/u",
		"m/", "m/c",
	}
)

// seqVersions are the versions the sequential tests run on: a posted v3
// 09/10 readdir fires on the first readdir (the catalog's
// ovl/readdir-uncached).
var seqVersions = []variant.Variant{variant.BaseToday,
	variant.MustParse("01-09").With(ovl.FixReaddir), variant.MustParse("01-10").With(ovl.FixReaddir)}

// program builds the layers, mounts the overlay, and runs body in the
// setup task; check runs at the end of the run (no task).
func program(name string, v variant.Variant, lower, upper fstest.Tree,
	body func(t *sim.Task, e *fstest.OverlayEnv), check func(w *sim.World, e *fstest.OverlayEnv)) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) {
		e := fstest.Overlay(w, v)
		w.Go("setup", func(t *sim.Task) {
			if e.MustBuild(t, lower, upper) && body != nil {
				body(t, e)
			}
		})
		if check != nil {
			w.AtEnd(func(w *sim.World) {
				if !w.Halted() {
					check(w, e)
				}
			})
		}
	}}
}

// expectUpperChanged checks that the upper layer is the fixture's with
// changed (path to type) applied, and that the workdir is clean.
func expectUpperChanged(e *fstest.OverlayEnv, errf func(string, ...any), changed map[string]string) {
	want := maps.Clone(fixtureUpperTree)
	maps.Copy(want, changed)
	expectUpper(e, errf, want)
	expectWorkClean(e, errf)
}

// readdir opens path, reads it whole and closes it: the entries, sorted
// by name, with their d_ino, or the error.
func readdir(t *sim.Task, s *vfs.System, path string) ([]vfs.Dirent, int) {
	fd := s.Open(t, path, vfs.O_RDONLY|vfs.O_DIRECTORY)
	if fd < 0 {
		return nil, fd
	}
	ents, err := s.Getdents(t, fd)
	s.Close(t, fd)
	slices.SortFunc(ents, func(a, b vfs.Dirent) int { return strings.Compare(a.Name, b.Name) })
	return ents, err
}

func names(ents []vfs.Dirent) string {
	var n []string
	for _, e := range ents {
		n = append(n, e.Name)
	}
	return strings.Join(n, " ")
}

// runOnce runs a program once, failing on an input error.
func runOnce(t *testing.T, p sim.Program) *sim.Outcome {
	t.Helper()
	out := sim.Execute(p, sim.Config{Trace: sim.TraceFull}, nil)
	if out.Err != nil {
		t.Fatalf("%s: %v", p.Name, out.Err)
	}
	return out
}

// seq runs body after the mount, in every sequential version and
// regime; body and check report mismatches through errf.
func seq(t *testing.T, name string, body func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)),
	check func(w *sim.World, e *fstest.OverlayEnv, errf func(string, ...any))) {
	for _, v := range seqVersions {
		for _, r := range variant.Regimes {
			t.Run(v.In(r).String(), func(tt *testing.T) {
				var errs []string
				errf := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
				var chk func(w *sim.World, e *fstest.OverlayEnv)
				if check != nil {
					chk = func(w *sim.World, e *fstest.OverlayEnv) { check(w, e, errf) }
				}
				p := program("ovl/seq/"+name, v.In(r), fixtureLower, fixtureUpper,
					func(t *sim.Task, e *fstest.OverlayEnv) { body(t, e, errf) }, chk)
				out := runOnce(tt, p)
				if out.Report != nil {
					tt.Fatalf("checker fired:\n%s", out.Report.Format())
				}
				for _, e := range errs {
					tt.Error(e)
				}
			})
		}
	}
}
