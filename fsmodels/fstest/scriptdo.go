package fstest

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// RunScript runs script's calls in order in one task on s, each line
// "CALL" or "CALL = RESULT", and stores each call's result in got (as
// long as script). A line "do NAME" runs extra[NAME] instead (a
// filesystem's own action: a mount, a thaw), with result "-". Call it
// from a program's setup.
func RunScript(w *sim.World, s *vfs.System, script, got []string, extra map[string]func(t *sim.Task)) {
	w.Go("sh", func(t *sim.Task) {
		ss := vfstest.NewSession(s)
		for i, line := range script {
			call, _, _ := strings.Cut(line, " = ")
			if name, ok := strings.CutPrefix(call, "do "); ok {
				extra[name](t)
				got[i] = "-"
				continue
			}
			got[i] = ss.Exec(t, call)
		}
	})
}

// ScriptMismatches lists, for each line of script whose result in got
// is not the one the line states, "line N: CALL = GOT, want WANT".
func ScriptMismatches(script, got []string) []string {
	var bad []string
	for i, want := range ScriptWants(script) {
		if got[i] != want {
			call, _, _ := strings.Cut(script[i], " = ")
			bad = append(bad, fmt.Sprintf("line %d: %s = %q, want %q", i+1, call, got[i], want))
		}
	}
	return bad
}
