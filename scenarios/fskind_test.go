package scenarios_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// A filesystem registered from outside the catalog: a tmpfs with a
// "poke N" verb that returns its argument and a call checker that
// rejects every successful mkdir of /bad.
type pokeRun struct{}

func (pokeRun) Enter(*sim.Task, string) bool { return true }
func (pokeRun) Do(t *sim.Task, layer, verb string, args []string) string {
	t.Yield()
	return args[0]
}
func (pokeRun) CheckCall(t *sim.Task, layer string, c *vfstest.Call, got string, from int64) {
	if c.Op == "mkdir" && c.Path == "/bad" && got == "0" {
		t.Violation(sim.KindConsistency, "poke-bad", "mkdir /bad succeeded", "")
	}
}

func init() {
	scenarios.RegisterFS(&scenarios.FSKind{Name: "pokefs", Doc: "a test filesystem",
		Verbs: []scenarios.Verb{{Name: "poke", Usage: "N", Results: true,
			Check: func(args []string) (int, string) {
				if len(args) != 1 {
					return len(args), "poke wants one word"
				}
				return -1, ""
			}}},
		New: func(w *sim.World, s *vfs.System) scenarios.FSRun {
			s.Root = shmem.New(s, "poke").Root()
			return pokeRun{}
		}})
}

func runFile(t *testing.T, text string) *sim.Outcome {
	t.Helper()
	scs, err := scenarios.ParseFile("poke.dcs", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return sim.Execute(scs[0].Program(variant.BaseToday), scs[0].Config, nil)
}

func TestRegisteredFS(t *testing.T) {
	base := "scenario poke/x\ndoc d\nfs pokefs\ninit mkdir /a\ncell mainline/today clean\ntask p\n"
	if out := runFile(t, base+"  poke 7 = 7\n  mkdir /ok = 0\n"); out.Report != nil || out.Err != nil {
		t.Fatalf("clean file: %v\n%v", out.Err, out.Report)
	}
	if out := runFile(t, base+"  poke 7 = 8\n"); out.Report == nil || out.Report.Rule != scenarios.RuleResult {
		t.Fatalf("a verb's result is checked: %v", out.Report)
	}
	if out := runFile(t, base+"  mkdir /bad\n"); out.Report == nil || out.Report.Rule != "poke-bad" {
		t.Fatalf("the call checker sees every call: %v", out.Report)
	}
}

func TestRegisteredFSErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"scenario a/b\ndoc d\nfs pokefs\ntask p\n  poke\n", "poke.dcs:5:7: poke wants one word"},
		{"scenario a/b\ndoc d\nfs pokefs\ntask p\n  opaque /d\n", `poke.dcs:5:3: opaque is a line of overlay scenarios ("fs overlay"), not of pokefs`},
		{"scenario a/b\ndoc d\nfs overlay\ninit lower opaque /d\n", `poke.dcs:4:12: opaque is a line of the upper layer: write "init upper opaque PATH"`},
		{"scenario a/b\ndoc d\nfs overlay\ninit upper opaque /d = 0\n", `poke.dcs:4:12: want "opaque PATH" with no result`},
		{"scenario a/b\ndoc d\nfs pokef\n", `poke.dcs:3:4: unknown filesystem "pokef"; did you mean pokefs`},
	} {
		_, err := scenarios.ParseFile("poke.dcs", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}

func TestFSKindsListed(t *testing.T) {
	var names []string
	for _, k := range scenarios.FSKinds() {
		names = append(names, k.Name)
	}
	got := strings.Join(names, " ")
	for _, want := range []string{"overlay", "pokefs", "tmpfs"} {
		if !slices.Contains(names, want) {
			t.Errorf("FSKinds = %s, want %s among them", got, want)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("FSKinds = %s, not sorted", got)
	}
}
