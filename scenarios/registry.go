// Package scenarios is the catalogue of named programs that dcsim runs,
// explores and replays. A schedule string names its scenario, so replay
// finds the program again by name.
package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/sim"
)

// Scenario is a named program with what it is meant to show.
type Scenario struct {
	Name string
	// Doc says, in a paragraph, what the scenario exercises.
	Doc string
	// Setup creates the objects and tasks of one run.
	Setup func(w *sim.World)
	// Config holds the scenario's run settings (faults, signals, bounds).
	Config sim.Config
	// Expect is the report kind exploration should find ("" for clean).
	Expect sim.Kind
	// Marks lists coverage marks an exploration must hit.
	Marks []string
	// Bound is the preemption bound within which the scenario's tests
	// explore it exhaustively (0 means 3). Larger scenarios use a smaller
	// bound so that the test suite stays fast; the CLI can go further.
	Bound int
}

// TestBound is the preemption bound the scenario's tests explore to.
func (s *Scenario) TestBound() int {
	if s.Bound == 0 {
		return 3
	}
	return s.Bound
}

// Program is the scenario as a sim.Program.
func (s *Scenario) Program() sim.Program { return sim.Program{Name: s.Name, Setup: s.Setup} }

var registry = map[string]*Scenario{}

// Register adds a scenario; names are unique.
func Register(s *Scenario) {
	if _, dup := registry[s.Name]; dup {
		panic("scenarios: duplicate scenario " + s.Name)
	}
	registry[s.Name] = s
}

// Lookup finds a scenario by name.
func Lookup(name string) (*Scenario, error) {
	if s, ok := registry[name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Names lists every scenario name, sorted.
func Names() []string {
	n := make([]string, 0, len(registry))
	for k := range registry {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// All lists every scenario, sorted by name.
func All() []*Scenario {
	var out []*Scenario
	for _, n := range Names() {
		out = append(out, registry[n])
	}
	return out
}

// Default is the scenario the CLI uses when none is named.
const Default = "demo/abba"
