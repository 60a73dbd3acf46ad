package fstest

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// ScriptProgram is a one-task program: setup makes the run's VFS, then
// task "sh" runs the script's lines ("CALL ARGS = RESULT"; the part
// after " = " is ignored here) in one vfstest session and writes each
// line's result into got, for tests that compare them with the
// expected results.
func ScriptProgram(name string, setup func(w *sim.World) *vfs.System, script []string, got []string) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) {
		s := setup(w)
		w.Go("sh", func(t *sim.Task) {
			ss := vfstest.NewSession(s)
			for i, line := range script {
				call, _, _ := strings.Cut(line, " = ")
				got[i] = ss.Exec(t, call)
			}
		})
	}}
}

// ScriptWants returns the expected result of each script line (the part
// after " = ").
func ScriptWants(script []string) []string {
	out := make([]string, len(script))
	for i, line := range script {
		_, out[i], _ = strings.Cut(line, " = ")
	}
	return out
}

// CheckScript runs ScriptProgram and fails t when a checker fires or a
// line's result differs from the one it states.
func CheckScript(t *testing.T, name string, setup func(w *sim.World) *vfs.System, script []string) {
	t.Helper()
	got := make([]string, len(script))
	out := sim.Execute(ScriptProgram(name, setup, script, got), sim.Config{}, nil)
	defer out.Release()
	if out.Report != nil {
		t.Fatalf("checker fired:\n%s", out.Report.Format())
	}
	for i, want := range ScriptWants(script) {
		if got[i] != want {
			t.Errorf("line %d: %s: got %q", i+1, script[i], got[i])
		}
	}
}
