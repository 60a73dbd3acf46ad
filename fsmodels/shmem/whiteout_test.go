package shmem_test

// v3 12/19 (shmem_whiteout with d_duplicate), as posted: the first
// RENAME_WHITEOUT on tmpfs warns in __d_instantiate (the twin is still
// in-lookup when shmem_mknod's d_make_persistent instantiates it), in one
// task and in both regimes; and when d_duplicate's allocation fails, the
// NULL test misses its ERR_PTR and shmem_mknod dereferences it. Mainline
// and the series without patch 12 run the same script clean
// (TestSyscallsSequential, case rename-whiteout). docs/findings.md, "v3
// 12/19".

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/sim"
)

var whiteoutScript = []string{
	"mkdir /a = 0",
	"open /a/f creat = fd0",
	"close fd0 = 0",
	"rename /a/f /a/x = 0",
	"rename /a/x /a/y whiteout = 0",
}

func TestWhiteoutV3Patch12Warns(t *testing.T) {
	for _, r := range regimes {
		t.Run(r.String(), func(t *testing.T) {
			name := "shmem/whiteout-v3/" + r.String()
			got := make([]string, len(whiteoutScript))
			var dump string
			prog := seqProgram(name, variant.V3Today, r, whiteoutScript, got, &dump)
			out := sim.Execute(prog, sim.Config{Trace: sim.TraceFull}, nil)
			defer out.Release()
			rep := out.Report
			if rep == nil || rep.Kind != sim.KindWarn || rep.Title != "WARN_ON(d_in_lookup(dentry))" {
				t.Fatalf("want WARN_ON(d_in_lookup(dentry)) from d_make_persistent, got %v", rep)
			}
			if want := "v2:" + name + ":-:00000000:"; rep.Schedule != want {
				t.Errorf("schedule %q, want %q (one task, no decisions)", rep.Schedule, want)
			}
			for i := range 4 {
				if _, want, _ := strings.Cut(whiteoutScript[i], " = "); got[i] != want {
					t.Errorf("line %d = %q, want %q", i+1, got[i], want)
				}
			}
			// The warning is in d_make_persistent, under shmem_mknod,
			// under shmem_whiteout.
			stack := strings.Join(rep.Stacks[0].Frames, "\n")
			for _, fn := range []string{"dcache.DMakePersistent", "shmem.(*FS).mknod", "shmem.(*FS).whiteout"} {
				if !strings.Contains(stack, fn) {
					t.Errorf("report stack lacks %s:\n%s", fn, stack)
				}
			}
			// It replays from its schedule.
			sched, err := sim.ParseSchedule(rep.Schedule)
			if err != nil {
				t.Fatal(err)
			}
			again := sim.Execute(prog, sim.Config{}, sim.NewPrefixReplay(sched))
			defer again.Release()
			if again.Report == nil || again.Report.Title != rep.Title {
				t.Errorf("replay of %s: %v", rep.Schedule, again.Report)
			}
		})
	}
}

// failNth fails the n-th fault decision taken after *armed is set, and
// no other.
type failNth struct {
	armed *bool
	n     int
	seen  int
}

func (f *failNth) Decide(w *sim.World, d *sim.Decision) int {
	if d.Kind == sim.DecideFault && *f.armed {
		f.seen++
		if f.seen == f.n+1 {
			return 1
		}
	}
	return d.Default()
}

// TestWhiteoutV3Patch12ErrPtr injects one allocation failure into the
// whiteout rename, at each fallible step in turn. The failures before
// d_duplicate fail the rename cleanly with -ENOMEM; the failure of
// d_duplicate's allocation passes its ERR_PTR(-ENOMEM) to shmem_mknod,
// which dereferences it (an oops): the posted "if (!whiteout)" test.
// A failure of shmem_get_inode comes before d_make_persistent, so the
// whiteout's warning does not fire. Without patch 12 every injected
// failure is clean.
func TestWhiteoutV3Patch12ErrPtr(t *testing.T) {
	for _, v := range []struct {
		name string
		p    variant.Variant
	}{{"v3", variant.V3Today}, {"mainline", variant.BaseToday}, {"v3-no12", V3No12}} {
		for _, r := range regimes {
			t.Run(v.name+"/"+r.String(), func(t *testing.T) {
				var outcomes []string
				for n := 0; ; n++ {
					armed := false
					var res string
					prog := sim.Program{Name: "shmem/whiteout-enomem/" + v.name + "/" + r.String(), Setup: func(w *sim.World) {
						e := newEnv(w, v.p, r)
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
					rep := out.Report
					out.Release()
					if f.seen <= n {
						break // no n-th fault: every fallible step was tried
					}
					if rep != nil {
						// The report replays from its schedule.
						sched, err := sim.ParseSchedule(rep.Schedule)
						if err != nil {
							t.Fatal(err)
						}
						again := sim.Execute(prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched))
						if again.Report == nil || again.Report.Title != rep.Title {
							t.Errorf("replay of %s: %v", rep.Schedule, again.Report)
						}
						again.Release()
						t.Logf("fault %d: %s[%s] %s", n, rep.Kind, rep.Rule, rep.Schedule)
					}
					switch {
					case rep == nil:
						outcomes = append(outcomes, res)
					default:
						outcomes = append(outcomes, fmt.Sprintf("%s[%s]", rep.Kind, rep.Rule))
					}
				}
				want := map[string]string{
					// d_alloc of the target "y" in lookup_one_qstr_excl, then
					// the whiteout's dentry, then shmem_get_inode.
					"mainline": "-ENOMEM -ENOMEM -ENOSPC",
					"v3-no12":  "-ENOMEM -ENOMEM -ENOSPC",
					"v3":       "-ENOMEM oops[err-ptr-deref] -ENOSPC",
				}[v.name]
				if got := strings.Join(outcomes, " "); got != want {
					t.Errorf("outcomes per injected fault: %q, want %q", got, want)
				}
			})
		}
	}
}
