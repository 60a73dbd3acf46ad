package casefold_test

import (
	"testing"

	"github.com/dcsim/dcsim/fsmodels/casefold"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// ciScript runs on a disk with /foo: every spelling of a name reaches the
// on-disk entry, only case-exact names reach the dcache, and nothing
// negative is hashed.
var ciScript = []string{
	"stat /FOO = reg#2",
	"stat /foo = reg#2",
	"stat /Foo = reg#2",
	"stat /bar = -ENOENT",
	"mkdir /FOO = -EEXIST",
	"open /fOO creat = fd0",
	"close $ = 0",
	"mkdir /D = 0",
	"stat /d = dir#3",
	"mknod /d/X reg = 0",
	"rename /d/x /d/Y = 0",
	"stat /D/y = reg#4",
	"unlink /FOO = 0",
	"stat /foo = -ENOENT",
	"unlink /bar = -ENOENT",
	"rmdir /bar = -ENOENT",
}

// run runs script on a disk with /foo under v and returns each line's
// result, the dcache dump and the report (nil when clean).
func run(v variant.Variant, script []string) ([]string, string, *sim.Report) {
	got := make([]string, len(script))
	var dump string
	prog := sim.Program{Name: "casefold/seq", Setup: func(w *sim.World) {
		e := fstest.Casefold(w, v)
		e.FS.Populate("/foo")
		fstest.RunScript(w, e.S, script, got, nil)
		w.AtEnd(func(w *sim.World) { dump = e.FS.SB.Dump() })
	}}
	out := sim.Execute(prog, sim.Config{}, nil)
	defer out.Release()
	return got, dump, out.Report
}

// ciDump is the dcache after ciScript: the unlinked "foo" was
// invalidated; "D" (hashed by the lookup of "d", which moved mkdir's
// unhashed alias into place) and "Y" keep the names they were created
// with.
const ciDump = `/ [dir#1] count=2
  D [hashed dir#3] count=1
    Y [hashed reg#4] count=0
`

// TestCaseInsensitiveSequential runs ciScript in every variant: clean,
// except that under RFC 51/53 without casefold.FixCreateInLookup the
// creation of a name ->lookup missed warns in __d_instantiate (and,
// without vfs.FixInLookupNoCreate, the unlink of one would dereference
// NULL: casefold/unlink-missing).
func TestCaseInsensitiveSequential(t *testing.T) {
	for _, v := range []variant.Variant{variant.BaseToday, variant.V3Today, variant.MustParse("v3+fix/today")} {
		for _, r := range variant.Regimes {
			t.Run(v.In(r).String(), func(t *testing.T) {
				got, dump, rep := run(v.In(r), ciScript)
				if r == variant.Pdirops && v.Toggles == 0 {
					if rep == nil || rep.Rule != "WARN_ON" {
						t.Fatalf("want the WARN_ON(d_in_lookup(dentry)) of mkdir, got %v", rep)
					}
					return
				}
				if rep != nil {
					t.Fatalf("checker fired:\n%s", rep.Format())
				}
				for _, m := range fstest.ScriptMismatches(ciScript, got) {
					t.Error(m)
				}
				if dump != ciDump {
					t.Errorf("dcache at the end:\n%s\nwant:\n%s", dump, ciDump)
				}
			})
		}
	}
}

// TestFoldDopsSelfWait: with ntfs3's folding dentry operations, the
// d_add_ci of a lookup_slow finds the caller's own in-lookup dentry;
// without them (TestCaseInsensitiveSequential) the same stat is clean.
func TestFoldDopsSelfWait(t *testing.T) {
	for _, r := range variant.Regimes {
		_, _, rep := run(variant.V3Today.In(r).With(casefold.ChangeFoldDops), []string{"stat /FOO"})
		if rep == nil || rep.Kind != sim.KindLockdep || rep.Rule != "recursive" {
			t.Errorf("%s: want lockdep [recursive] (d_add_ci waiting on its own in-lookup dentry), got %v", r, rep)
		}
	}
}
