package shmem_test

// Sequential tests of every syscall on tmpfs, as data:
// testdata/syscalls.txt says what each script must print (see its head),
// in both locking regimes on mainline and the v3 series without patch 12
// (see TestWhiteoutV3Patch12Warns).

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// V3No12 is the v3 series without patch 12 (shmem_whiteout with
// d_duplicate), which warns on every whiteout.
var V3No12 = variant.V3Today.WithoutPatch(variant.P12ShmemDuplicate)

var versions = []struct {
	name string
	p    variant.Variant
}{
	{"mainline", variant.BaseToday},
	{"v3-no12", V3No12},
}

// seqProgram runs a script in one task and writes each line's result into
// got (a line may carry its expected result after " = ") and the dcache
// tree at the end into dump.
func seqProgram(name string, v variant.Variant, script []string, got []string, dump *string) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) {
		e := fstest.Tmpfs(w, v)
		w.Go("sh", func(t *sim.Task) {
			ss := vfstest.NewSession(e.S)
			for i, line := range script {
				call, _, _ := strings.Cut(line, " = ")
				got[i] = ss.Exec(t, call)
			}
		})
		w.AtEnd(func(w *sim.World) { *dump = e.FS.SB.Dump() })
	}}
}

// runScript runs the calls and prints each with its result, then the
// dcache tree at the end, or the checker report that fired.
func runScript(name string, v variant.Variant, calls []string) string {
	got := make([]string, len(calls))
	var dump string
	out := sim.Execute(seqProgram(name, v, calls, got, &dump), sim.Config{}, nil)
	defer out.Release()
	if out.Report != nil {
		return "checker fired:\n" + out.Report.Format()
	}
	var b strings.Builder
	for i, call := range calls {
		fmt.Fprintf(&b, "%s = %s\n", call, got[i])
	}
	return b.String() + "dcache:\n" + dump
}

func TestSyscallsSequential(t *testing.T) {
	datadriven.RunTest(t, "testdata/syscalls.txt", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "run" {
			d.Fatalf(t, "unknown command %q (want run)", d.Cmd)
		}
		var calls []string
		for _, line := range strings.Split(d.Input, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				calls = append(calls, line)
			}
		}
		var first, firstName string
		for _, v := range versions {
			for _, r := range variant.Regimes {
				name := fmt.Sprintf("shmem/seq/%s/%s/%s", d.CmdArgs[0].Vals[0], r, v.name)
				out := runScript(name, v.p.In(r), calls)
				if first == "" {
					first, firstName = out, name
				} else if out != first {
					t.Errorf("%s: %s printed\n%s\nbut %s printed\n%s", d.Pos, name, out, firstName, first)
				}
			}
		}
		return first
	})
}
