package fstest

import (
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// RunScript runs script's calls in order in one task on s, each line
// "CALL" or "CALL = RESULT", and stores each call's result in got (as
// long as script). A line "do NAME" runs extra[NAME] instead, with
// result "-". Call it from a program's setup.
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

// ScriptWant is the result a script line expects ("" when it states
// none) and its call.
func ScriptWant(line string) (call, want string) {
	call, want, _ = strings.Cut(line, " = ")
	return call, want
}
