package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// RuleResult is the rule of the invariant report a call raises when its
// result is not one its line expects.
const RuleResult = "result"

// Build makes the scenario the description describes.
func (d *Desc) Build() *Scenario {
	sc := &Scenario{Name: d.Name, Doc: d.Doc, Marks: d.Marks, Source: d.Pos,
		Config: sim.Config{Faults: d.Faults, Signals: d.Signals, PreemptRT: d.RT, MaxSteps: d.MaxSteps}}
	for _, c := range d.Cells {
		if c.MaxFaults == 0 {
			c.MaxFaults = d.MaxFaults
		}
		sc.Cells = append(sc.Cells, c)
	}
	sc.Setup = d.setup
	return sc
}

// setup builds one run: the filesystem, then a task named "setup" that
// runs the init lines (its steps fold in traces) and spawns the tasks.
func (d *Desc) setup(w *sim.World, v variant.Variant) {
	c := dcache.NewCache(w, v)
	s := vfs.NewSystem(w, c)
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	kind, _ := LookupFS(d.FS) // the parser accepted only registered kinds
	run := kind.New(w, s)
	w.Go("setup", func(t *sim.Task) {
		var ss *vfstest.Session
		layer := "?"
		for _, st := range d.Init {
			if st.Layer != layer {
				if layer, ss = st.Layer, vfstest.NewSession(s); !run.Enter(t, layer) {
					return
				}
			}
			if !step(t, run, ss, st) {
				return
			}
		}
		if layer != "" && !run.Enter(t, "") {
			return
		}
		for _, tk := range d.Tasks {
			u := t.Spawn(tk.Name, func(t *sim.Task) {
				ss := vfstest.NewSession(s)
				for _, st := range tk.Steps {
					if !step(t, run, ss, st) {
						return
					}
				}
			})
			if tk.CPU > 0 {
				u.BindCPU(tk.CPU - 1)
			}
		}
	})
}

// step runs one line; a result its line does not allow is an invariant
// violation (and ends the task).
func step(t *sim.Task, run FSRun, ss *vfstest.Session, st Step) bool {
	var got string
	if st.Call == nil {
		got = run.Do(t, st.Layer, st.Verb, st.Args)
	} else {
		call := st.Call
		if rw, ok := run.(CallRewriter); ok {
			call = rw.RewriteCall(st.Layer, call)
		}
		// Only a checker reads the clock at the call's start: a task's
		// first call that reads it makes its start unit observe time
		// (sim/startunit.go).
		cc, checked := run.(CallChecker)
		var from int64
		if checked {
			from = t.World().Steps()
		}
		got = ss.Run(t, call)
		if checked {
			cc.CheckCall(t, st.Layer, call, got, from)
			if t.World().Halted() {
				return false
			}
		}
	}
	if len(st.Want) > 0 && !slices.ContainsFunc(st.Want, func(w string) bool { return resultMatches(w, got) }) {
		line := strings.Join(append([]string{st.Verb}, st.Args...), " ")
		if st.Call != nil {
			line = st.Call.String()
		}
		t.Violation(sim.KindInvariant, RuleResult,
			fmt.Sprintf("%s = %s, expected %s", line, got, wantString(st.Want)),
			fmt.Sprintf("%s: the call returned %s; its line allows %s", st.Pos, got, wantString(st.Want)))
		return false
	}
	return true
}

// resultMatches reports whether a call's result matches an expected
// one: equal, or for "TYPE#*", a TYPE with any inode number.
func resultMatches(want, got string) bool {
	if typ, ok := strings.CutSuffix(want, "#*"); ok {
		return strings.HasPrefix(got, typ+"#")
	}
	return want == got
}

func wantString(w []string) string {
	out := make([]string, len(w))
	for i, x := range w {
		if x == "" {
			x = `""`
		}
		out[i] = x
	}
	return strings.Join(out, "|")
}
