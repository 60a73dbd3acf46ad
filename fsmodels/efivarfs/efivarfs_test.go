package efivarfs_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/fsmodels/efivarfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

const guid = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

var upper = strings.ToUpper(guid)

// efiScript runs after a mount over Boot0000, with Later set in the
// firmware behind efivarfs's back before "do thaw".
var efiScript = []string{
	"do mount = -",
	"stat /Boot0000-" + upper + " = reg#2",
	"stat /boot0000-" + guid + " = -ENOENT",
	"open /Bad creat = -EINVAL",
	"open /New-" + guid + " creat = fd0",
	"close $ = 0",
	"stat /New-" + upper + " = reg#3",
	"stat /Later-" + guid + " = -ENOENT",
	"do thaw = -",
	"stat /Later-" + upper + " = reg#4",
	"do thaw = -",
	"unlink /Boot0000-" + upper + " = 0",
	"stat /Boot0000-" + guid + " = -ENOENT",
}

func run(v variant.Variant, script []string) ([]string, *sim.Report) {
	got := make([]string, len(script))
	prog := sim.Program{Name: "efivarfs/seq", Setup: func(w *sim.World) {
		e := fstest.Efivarfs(w, v, "Boot0000-"+guid)
		thaw := func(t *sim.Task) {
			e.FS.FW.Set("Later-" + guid)
			if err := e.FS.Thaw(t); err != 0 {
				t.Violation(sim.KindInvariant, "test", "thaw failed", "")
			}
		}
		mount := func(t *sim.Task) {
			if e.FS.Mount(t) != 0 {
				t.Violation(sim.KindInvariant, "test", "mount failed", "")
			}
		}
		fstest.RunScript(w, e.S, script, got, map[string]func(*sim.Task){"mount": mount, "thaw": thaw})
	}}
	out := sim.Execute(prog, sim.Config{}, nil)
	defer out.Release()
	return got, out.Report
}

// TestEfivarfsSequential: the populated, created and thawed-in variables
// are found under either case of their GUID and only under their name's
// case, in every variant of the population (the base's
// efivarfs_alloc_dentry, v3's d_alloc_name, the locked fix), both
// regimes. 11/19 without 03/19 is the scenario efivarfs/mount-then-stat.
func TestEfivarfsSequential(t *testing.T) {
	for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today, variant.V3Today.With(efivarfs.FixCreateLocked)} {
		for _, r := range variant.Regimes {
			t.Run(v.In(r).String(), func(t *testing.T) {
				got, rep := run(v.In(r), efiScript)
				if rep != nil {
					t.Fatalf("checker fired:\n%s", rep.Format())
				}
				for _, m := range fstest.ScriptMismatches(efiScript, got) {
					t.Error(m)
				}
			})
		}
	}
}
