package scenarios

import (
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/dcsim/dcsim/vfs/vfstest"
)

// FileExt is the extension of scenario files (docs/scenarios.md).
const FileExt = ".dcs"

// Desc is one scenario as a scenario file describes it: the parsed,
// normalised form that Format prints back and Build turns into a
// *Scenario.
type Desc struct {
	Name string
	// Doc is the doc lines joined by single spaces.
	Doc string
	// FS is the registered filesystem kind (RegisterFS): "tmpfs",
	// "overlay", ...
	FS string
	// Init builds the namespace in the setup task, in order.
	Init []Step
	// Cells are the matrix, in file order with regime "*" expanded.
	Cells []Cell
	// Faults enables fault injection; MaxFaults is the default bound of
	// faults per run for cells that set none.
	Faults    bool
	MaxFaults int
	Signals   bool
	// RT runs the scenario as on a PREEMPT_RT kernel (sim.Config.PreemptRT).
	RT       bool
	MaxSteps int64
	Marks    []string
	Tasks    []Task
	// Pos is where the scenario line is: "FILE:LINE". Not compared.
	Pos string
}

// Step is one line that runs a call: an init line or a task's line.
type Step struct {
	// Layer is "", or for the init lines of a filesystem with layers
	// (an overlay's "lower" and "upper"), the layer (before the mount).
	Layer string
	// Call is the syscall; nil for a line of one of the filesystem's
	// verbs (FSKind.Verbs), which is Verb with its Args.
	Call *vfstest.Call
	Verb string
	Args []string
	// Want lists the results the call may return ("= A|B"); empty: any.
	Want []string
	// Pos is "FILE:LINE" of the line. Not compared.
	Pos string
}

// Task is one concurrent task: a name and its calls in order.
type Task struct {
	Name string
	// CPU is 1 + the CPU the task is bound to (task NAME cpu=N); 0: a
	// CPU of its own.
	CPU   int
	Steps []Step
}

// Equal reports whether two descriptions describe the same scenario,
// ignoring where they were written.
func (d *Desc) Equal(e *Desc) bool {
	return reflect.DeepEqual(d.withoutPos(), e.withoutPos())
}

func (d *Desc) withoutPos() Desc {
	c := *d
	c.Pos = ""
	c.Init = stepsWithoutPos(d.Init)
	c.Tasks = nil
	for _, t := range d.Tasks {
		c.Tasks = append(c.Tasks, Task{Name: t.Name, Steps: stepsWithoutPos(t.Steps)})
	}
	return c
}

func stepsWithoutPos(s []Step) []Step {
	var out []Step
	for _, st := range s {
		st.Pos = ""
		out = append(out, st)
	}
	return out
}

// ParseFile parses a scenario file; name is the file name errors and
// Source use. Every scenario in it is built but not registered.
func ParseFile(name string, data []byte) ([]*Scenario, error) {
	ds, err := ParseDescs(name, data)
	if err != nil {
		return nil, err
	}
	out := make([]*Scenario, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Build())
	}
	return out, nil
}

// LoadFile reads and parses the scenario file at path.
func LoadFile(path string) ([]*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFile(path, data)
}

// LoadScenario loads the scenario file at path and picks the scenario
// called name, or the file's only scenario when name is "".
func LoadScenario(path, name string) (*Scenario, error) {
	scs, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	if name == "" && len(scs) == 1 {
		return scs[0], nil
	}
	var names []string
	for _, s := range scs {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	if name == "" {
		return nil, fmt.Errorf("%s holds %d scenarios (%s): name one", path, len(scs), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%s has no scenario %q%s", path, name, suggest(name, names))
}
