//go:build linux

package fusekernel

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// step is one step of a sequence: a stat of a root name, a change of
// the daemon's namespace on its own account (ino 0 removes the name),
// or FUSE_NOTIFY_INVAL_ENTRY of a root name.
type step struct {
	op   string // "stat", "set", "notify"
	name string
	ino  uint64
}

// sequences run on both kernels: a negative entry cached with a long
// timeout, then the daemon creates the name (the seed case), and a
// positive entry whose name the daemon removes.
var sequences = []struct {
	name  string
	names map[string]uint64
	steps []step
}{
	{"negative-then-created", nil, []step{
		{"stat", "x", 0}, {"set", "x", 2}, {"stat", "x", 0}, {"notify", "x", 0}, {"stat", "x", 0}}},
	{"positive-then-removed", map[string]uint64{"a": 2}, []step{
		{"stat", "a", 0}, {"set", "a", 0}, {"stat", "a", 0}, {"notify", "a", 0}, {"stat", "a", 0}}},
}

// onKernel runs steps on a real FUSE mount served by go-fuse: the
// results of the stats and notifications, in order.
func onKernel(t *testing.T, names map[string]uint64, steps []step) []string {
	d, dir := kernelMount(t, names)
	var out []string
	for _, s := range steps {
		switch s.op {
		case "stat":
			out = append(out, kstat(dir, s.name))
		case "set":
			d.set(s.name, s.ino)
		case "notify":
			out = append(out, notifyResult(d.NotifyEntry(s.name)))
		}
	}
	return out
}

func notifyResult(e syscall.Errno) string {
	if e == 0 {
		return "0"
	}
	return "-" + errnoName(e)
}

// onModel runs steps on the model under v, sequentially in one task:
// the same results, with "reg#N" shortened to "reg".
func onModel(t *testing.T, v variant.Variant, names map[string]uint64, steps []step) []string {
	var tree []string
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range names {
			if !yield(n) {
				return
			}
		}
	}) {
		tree = append(tree, n)
	}
	var out []string
	p := fstest.FuseProgram{Tree: tree, Workers: map[string]fstest.FuseWorker{"seq": func(tk *sim.Task, e *fstest.FuseEnv) {
		ss := vfstest.NewSession(e.S)
		for _, s := range steps {
			switch s.op {
			case "stat":
				r, _, _ := strings.Cut(ss.Exec(tk, "stat /"+s.name), "#")
				out = append(out, r)
			case "set":
				if s.ino == 0 {
					e.D.Remove(tk, s.name)
				} else {
					e.D.Create(tk, "", s.name, dcache.S_IFREG)
				}
			case "notify":
				err := e.D.Notify(tk, fuse.Notify{Code: fuse.FUSE_NOTIFY_INVAL_ENTRY, Parent: fuse.FUSE_ROOT_ID, Name: s.name})
				out = append(out, notifyResult(syscall.Errno(-err)))
			}
		}
	}}}
	prog := sim.Program{Name: t.Name(), Setup: func(w *sim.World) { p.Setup(w, v) }}
	o := sim.Execute(prog, sim.Config{}, sim.DefaultStrategy{})
	defer o.Release()
	if r := o.Report; r != nil && r.Kind != sim.KindConsistency {
		t.Fatalf("model under %s: %s [%s] %s", v, r.Kind, r.Rule, r.Title)
	}
	return out
}

// TestInvalEntryAgainstKernel: before the notification the real kernel
// and the model both answer from the cache (stale, as FUSE allows);
// after it the real kernel must agree with the model under one of the
// two codes of fuse_reverse_inval_entry the model has: the series base
// (c9ba789dad15's loop, which leaves a negative entry) or the retry
// loop proposed for it (which drops it, as kernels before c9ba789dad15
// did). The test logs which.
func TestInvalEntryAgainstKernel(t *testing.T) {
	for _, sq := range sequences {
		t.Run(sq.name, func(t *testing.T) {
			kernel := onKernel(t, sq.names, sq.steps)
			base := onModel(t, variant.BaseToday, sq.names, sq.steps)
			fixed := onModel(t, variant.BaseToday.With(fuse.FixInvalEntryRetry), sq.names, sq.steps)
			t.Logf("kernel %v\nmodel (series base) %v\nmodel (%s) %v", kernel, base, fuse.FixInvalEntryRetry, fixed)
			// The stats before the notification: results 0 and 1.
			for i := range 2 {
				if kernel[i] != base[i] || kernel[i] != fixed[i] {
					t.Errorf("before the notification, result %d: kernel %s, model %s / %s", i, kernel[i], base[i], fixed[i])
				}
			}
			switch {
			case slices.Equal(kernel, fixed) && slices.Equal(kernel, base):
				t.Logf("the kernel agrees with both codes")
			case slices.Equal(kernel, fixed):
				t.Logf("the kernel invalidates as the retry loop does")
			case slices.Equal(kernel, base):
				t.Logf("the kernel behaves as the series base (c9ba789dad15) does")
			default:
				t.Errorf("after the notification the kernel matches neither code of the model:\n%s", table(kernel, base, fixed))
			}
		})
	}
}

func table(kernel, base, fixed []string) string {
	return fmt.Sprintf("  kernel:      %v\n  model base:  %v\n  model fixed: %v", kernel, base, fixed)
}
