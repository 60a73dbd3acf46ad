package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// FSKind is a filesystem that a scenario file names in its "fs" line.
// tmpfs and overlay are built in; a filesystem model registers its own
// with RegisterFS (from an init function of a file in this package, or
// of a user's own package for a model outside this module).
type FSKind struct {
	Name string
	// Doc is one line for `dcsim list` and docs/scenarios.md.
	Doc string
	// Layers are the names that "init LAYER ..." lines may use before
	// the filesystem is mounted (an overlay's "lower" and "upper").
	// Layer lines come before every unlayered init line.
	Layers []string
	// Verbs are the words a line may start with besides the vfstest
	// calls: the filesystem's own actions ("server unlink /d/a",
	// "daemon notify-inval-entry /d a"), run by FSRun.Do.
	Verbs []Verb
	// New builds the filesystem for one run of s, before any task runs.
	New func(w *sim.World, s *vfs.System) FSRun
}

// Verb is a filesystem action a scenario line can take.
type Verb struct {
	Name string
	// Usage is the line's form after the verb ("PATH", "DIR NAME").
	Usage string
	// Layers limits the verb to init lines of these layers; empty means
	// anywhere (init lines and task lines on the mounted filesystem).
	Layers []string
	// Check validates the words after the verb when the file is read:
	// the index of a bad word (len(args) for a missing one) and why, or
	// -1. Nil accepts any words.
	Check func(args []string) (bad int, msg string)
	// Results says whether the line may say "= RESULT".
	Results bool
}

// FSRun is one run's instance of a filesystem kind.
type FSRun interface {
	// Enter points the namespace root at layer, or for "" at the mounted
	// filesystem (mounting it the first time). It reports false when
	// the mount failed (an injected fault): the setup then ends.
	Enter(t *sim.Task, layer string) bool
	// Do runs a verb line and returns its result for "= RESULT" ("0",
	// "-ENOENT", or what the verb defines).
	Do(t *sim.Task, layer, verb string, args []string) string
}

// CallRewriter is an optional FSRun method: the call to run for a line
// of a layer (an overlay's upper layer lives under a directory of its
// tmpfs).
type CallRewriter interface {
	RewriteCall(layer string, c *vfstest.Call) *vfstest.Call
}

// CallChecker is an optional FSRun method: a check of every completed
// call against the filesystem's own namespace (a consistency oracle),
// given the world step at which the call began.
type CallChecker interface {
	CheckCall(t *sim.Task, layer string, c *vfstest.Call, got string, from int64)
}

var fsKinds = map[string]*FSKind{}

// RegisterFS adds a filesystem kind for scenario files. It panics on a
// duplicate or malformed kind: registration is program text.
func RegisterFS(k *FSKind) {
	switch {
	case k.Name == "" || !validName(k.Name):
		panic(fmt.Sprintf("scenarios.RegisterFS: bad name %q", k.Name))
	case fsKinds[k.Name] != nil:
		panic(fmt.Sprintf("scenarios.RegisterFS: %s registered twice", k.Name))
	case k.New == nil:
		panic(fmt.Sprintf("scenarios.RegisterFS: %s has no New", k.Name))
	}
	for _, v := range k.Verbs {
		if _, err := vfstest.ParseCall(v.Name + " /x"); err == nil {
			panic(fmt.Sprintf("scenarios.RegisterFS: %s: verb %q is a vfstest call", k.Name, v.Name))
		}
	}
	fsKinds[k.Name] = k
}

// LookupFS returns the registered kind called name.
func LookupFS(name string) (*FSKind, bool) {
	k, ok := fsKinds[name]
	return k, ok
}

// FSKinds lists the registered kinds by name.
func FSKinds() []*FSKind {
	names := make([]string, 0, len(fsKinds))
	for n := range fsKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*FSKind, len(names))
	for i, n := range names {
		out[i] = fsKinds[n]
	}
	return out
}

// suggestFS names the registered kinds nearest to name.
func suggestFS(name string) string {
	var names []string
	for _, k := range FSKinds() {
		names = append(names, k.Name)
	}
	s := suggest(name, names)
	if strings.HasPrefix(s, " (") {
		return " (dcsim list --fs shows the filesystems)"
	}
	return s
}

func (k *FSKind) verb(name string) *Verb {
	for i := range k.Verbs {
		if k.Verbs[i].Name == name {
			return &k.Verbs[i]
		}
	}
	return nil
}

func (k *FSKind) hasLayer(l string) bool { return slices.Contains(k.Layers, l) }
