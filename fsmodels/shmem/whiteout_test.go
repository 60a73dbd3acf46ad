package shmem_test

// v3 12/19 (shmem_whiteout with d_duplicate), as posted: the first
// RENAME_WHITEOUT on tmpfs warns in __d_instantiate (the twin is still
// in-lookup when shmem_mknod's d_make_persistent instantiates it); and
// when d_duplicate's allocation fails, the NULL test misses its ERR_PTR
// and shmem_mknod dereferences it. The catalog explores both
// (shmem/rename-whiteout, shmem/rename-whiteout-enomem); these tests
// check where the reports come from. docs/findings.md, "v3 12/19".

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

var whiteoutScript = []string{
	"mkdir /a = 0",
	"open /a/f creat = fd0",
	"close fd0 = 0",
	"rename /a/f /a/x = 0",
	"rename /a/x /a/y whiteout = 0",
}

func TestWhiteoutV3Patch12Warns(t *testing.T) {
	for _, r := range variant.Regimes {
		t.Run(r.String(), func(t *testing.T) {
			got := make([]string, len(whiteoutScript))
			var dump string
			prog := seqProgram("shmem/whiteout-v3", variant.V3Today.In(r), whiteoutScript, got, &dump)
			out := sim.Execute(prog, sim.Config{Trace: sim.TraceFull}, nil)
			defer out.Release()
			rep := out.Report
			if rep == nil || rep.Kind != sim.KindWarn || rep.Title != "WARN_ON(d_in_lookup(dentry))" {
				t.Fatalf("want WARN_ON(d_in_lookup(dentry)) from d_make_persistent, got %v", rep)
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
		})
	}
}

// TestWhiteoutV3Patch12ErrPtr fails d_duplicate's allocation, the
// second fallible step of the whiteout rename (after six that succeed:
// the hand-written schedule f0*6.f1): the posted code oopses on its
// ERR_PTR, the fixed one returns -ENOMEM, and mainline has no such step
// (its second is the whiteout's d_alloc, which fails cleanly).
func TestWhiteoutV3Patch12ErrPtr(t *testing.T) {
	sched, err := sim.ParseSchedule("v2:shmem/whiteout-enomem@v3/today:faults:00000000:f0*6.f1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v          variant.Variant
		rule, last string
	}{
		{variant.V3Today, "err-ptr-deref", ""},
		{variant.V3Today.With(shmem.FixWhiteout), "", "-ENOMEM"},
		{variant.BaseToday, "", "-ENOMEM"},
	} {
		got := make([]string, len(whiteoutScript))
		var dump string
		prog := seqProgram("shmem/whiteout-enomem", c.v, whiteoutScript, got, &dump)
		out := sim.Execute(prog, sim.Config{Faults: true}, sim.NewPrefixReplay(sched))
		rule := ""
		if out.Report != nil {
			rule = out.Report.Rule
		}
		if out.Err != nil || rule != c.rule || got[4] != c.last {
			t.Errorf("%s: rule %q, rename %q, err %v; want rule %q, rename %q", c.v, rule, got[4], out.Err, c.rule, c.last)
		}
		out.Release()
	}
}
