// Package scenarios is the catalog: every named program that dcsim runs,
// explores, replays and checks. A scenario is one program; the variants
// it runs under are its cells, each with what exploring it must find. A
// schedule names its scenario and variant, so replay finds the program
// again. Scenarios come from Go (Register) or from scenario files
// (docs/scenarios.md), embedded in the binary or read by path.
package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// Scenario is a named program with what it is meant to show.
type Scenario struct {
	Name string
	// Doc says, in a paragraph, what the scenario exercises.
	Doc string
	// Setup creates the objects and tasks of one run under variant v.
	Setup func(w *sim.World, v variant.Variant)
	// Cells are the variants the catalog runs it under, each with its
	// expectation. The first is the default for run and explore.
	Cells []Cell
	// Config holds the scenario's run settings (faults, signals, bounds).
	Config sim.Config
	// Marks lists coverage marks an exploration must hit.
	Marks []string
	// Source is where the scenario is defined: "go" or FILE:LINE.
	Source string
}

// Cell is one variant of a scenario in the catalog matrix.
type Cell struct {
	Variant variant.Variant
	Expect  Expect
	// Bound is the preemption bound `dcsim check` explores the cell to
	// (0: DefaultBound).
	Bound int
	// Budget caps the runs `dcsim check` spends on the cell (0:
	// DefaultBudget).
	Budget int
	// MaxFaults bounds the injected faults per run when the scenario
	// enables faults (0: 1).
	MaxFaults int
	// Ignore lists rules whose reports the exploration passes over (as
	// explore.Options.Ignore), so the cell can expect a report found
	// past them. A variant has at most one cell per Ignore list; the one
	// without is its default.
	Ignore []string
}

// The defaults of a cell's exploration.
const (
	DefaultBound  = 2
	DefaultBudget = 20_000
)

// Settings are a cell's exploration settings with the defaults filled
// in: the base of the explore.Options every caller explores the cell
// with (scenarios does not import explore; callers copy the fields).
type Settings struct {
	Bound, Budget, MaxFaults int
	Ignore                   []string
}

// Settings returns the cell's preemption bound, budget, fault bound and
// ignored rules, defaults filled in.
func (c Cell) Settings() Settings {
	s := Settings{Bound: c.Bound, Budget: c.Budget, MaxFaults: c.MaxFaults, Ignore: slices.Clip(c.Ignore)}
	if s.Bound == 0 {
		s.Bound = DefaultBound
	}
	if s.Budget == 0 {
		s.Budget = DefaultBudget
	}
	if s.MaxFaults == 0 {
		s.MaxFaults = 1
	}
	return s
}

// Name is the cell's variant, and its ignored rules if any
// ("mainline/today ignore=WARN_ON_ONCE"): what tells two cells of one
// scenario apart.
func (c Cell) Name() string {
	if len(c.Ignore) == 0 {
		return c.Variant.String()
	}
	return c.Variant.String() + " ignore=" + strings.Join(c.Ignore, ",")
}

// Expect is what exploring a cell must find: nothing (the zero value), or
// a report of a kind, and if Rule is set, of that rule.
type Expect struct {
	Kind sim.Kind
	Rule string
}

// Clean is the expectation that nothing is reported.
var Clean = Expect{}

// Finds is the expectation of a report of kind k (any rule).
func Finds(k sim.Kind) Expect { return Expect{Kind: k} }

// FindsRule is the expectation of a report of kind k and rule.
func FindsRule(k sim.Kind, rule string) Expect { return Expect{Kind: k, Rule: rule} }

func (e Expect) String() string {
	switch {
	case e.Kind == "":
		return "clean"
	case e.Rule == "":
		return string(e.Kind)
	}
	return string(e.Kind) + " " + e.Rule
}

// Met reports whether a report (nil: clean) meets the expectation.
func (e Expect) Met(r *sim.Report) bool {
	if r == nil {
		return e.Kind == ""
	}
	return r.Kind == e.Kind && (e.Rule == "" || e.Rule == r.Rule)
}

// Program is the scenario under variant v as a sim.Program.
func (s *Scenario) Program(v variant.Variant) sim.Program {
	return sim.Program{Name: s.Name, Variant: v.String(), Setup: func(w *sim.World) { s.Setup(w, v) }}
}

// Default is the scenario's first cell.
func (s *Scenario) Default() Cell {
	if len(s.Cells) == 0 {
		return Cell{}
	}
	return s.Cells[0]
}

// Cell finds the cell of variant v, the one that ignores nothing if v
// has several; a variant the catalog does not list gets a cell with no
// expectation of its own (ok false).
func (s *Scenario) Cell(v variant.Variant) (Cell, bool) {
	i := slices.IndexFunc(s.Cells, func(c Cell) bool { return c.Variant == v && len(c.Ignore) == 0 })
	if i < 0 {
		i = slices.IndexFunc(s.Cells, func(c Cell) bool { return c.Variant == v })
	}
	if i < 0 {
		return Cell{Variant: v}, false
	}
	return s.Cells[i], true
}

var registry = map[string]*Scenario{}

// Register adds a scenario to the catalog; names are unique. A scenario
// with no cells runs under the base variant and expects to be clean.
// A bad or duplicate name is a bug in the Go code, and panics.
func Register(s *Scenario) {
	if err := add(s); err != nil {
		panic("scenarios: " + err.Error())
	}
}

// add registers s, or says why it cannot.
func add(s *Scenario) error {
	if old, dup := registry[s.Name]; dup {
		return fmt.Errorf("duplicate scenario %s (%s and %s)", s.Name, old.Source, sourceOf(s))
	}
	if s.Name == "" || strings.ContainsAny(s.Name, "@: \t\n") {
		return fmt.Errorf("bad scenario name %q", s.Name)
	}
	if len(s.Cells) == 0 {
		s.Cells = []Cell{{}}
	}
	seen := map[string]bool{}
	for _, c := range s.Cells {
		if seen[c.Name()] {
			return fmt.Errorf("scenario %s: two cells for %s", s.Name, c.Name())
		}
		seen[c.Name()] = true
	}
	s.Source = sourceOf(s)
	registry[s.Name] = s
	return nil
}

func sourceOf(s *Scenario) string {
	if s.Source == "" {
		return "go"
	}
	return s.Source
}

// Lookup finds a scenario by name.
func Lookup(name string) (*Scenario, error) {
	loadCatalog()
	if s, ok := registry[name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("unknown scenario %q%s", name, suggest(name, Names()))
}

// suggest names the known names nearest to name.
func suggest(name string, known []string) string {
	type cand struct {
		n string
		d int
	}
	var cs []cand
	for _, k := range known {
		d := editDistance(name, k)
		if strings.HasPrefix(k, name) || strings.Contains(k, name) && name != "" {
			d = min(d, 2)
		}
		cs = append(cs, cand{k, d})
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for _, c := range cs {
		if len(out) == 3 || c.d > max(3, len(name)/2) {
			break
		}
		out = append(out, c.n)
	}
	if len(out) == 0 {
		return " (dcsim list shows the catalog)"
	}
	return "; did you mean " + strings.Join(out, ", ") + "?"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Names lists every scenario name, sorted.
func Names() []string {
	loadCatalog()
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

// DefaultName is the scenario the CLI uses when none is named.
const DefaultName = "demo/abba"
