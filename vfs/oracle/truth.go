package oracle

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/sim"
)

// Obj is a filesystem object's identity in the truth (a file handle, an
// on-disk inode number). None is "no object": the name is absent.
type Obj uint64

// None is the absent object.
const None Obj = 0

// Stamp is a point of the run: the world's step count.
type Stamp = int64

type key struct {
	dir  Obj
	name string
}

// binding is one value of a name, from a step on.
type binding struct {
	from Stamp
	obj  Obj
	by   string // who made the change, for reports
}

// Truth is the history of a filesystem's own namespace: for every
// (directory, name) the sequence of objects it named and since when.
// Recording is not a scheduling point: the model calls Set inside the
// step that changes its namespace (the server's reply, the disk write).
type Truth struct {
	w     *sim.World
	name  string
	hist  map[key][]binding
	names map[Obj]string // for reports: a path-like name of each object
	fold  func(string) string
}

// New returns an empty truth for the filesystem called name.
func New(w *sim.World, name string) *Truth {
	return &Truth{w: w, name: name, hist: map[key][]binding{}, names: map[Obj]string{}}
}

// SetFold makes names compare after fold (a case-insensitive
// filesystem's ->d_compare), so that "A" and "a" are one name.
func (tr *Truth) SetFold(fold func(string) string) { tr.fold = fold }

// Now is the current stamp.
func (tr *Truth) Now() Stamp { return tr.w.Steps() }

func (tr *Truth) key(dir Obj, name string) key {
	if tr.fold != nil {
		name = tr.fold(name)
	}
	return key{dir, name}
}

// Set records that (dir, name) names obj (None: nothing) from now on.
// by names who changed it ("server", a task's name) for reports.
func (tr *Truth) Set(dir Obj, name string, obj Obj, by string) {
	k := tr.key(dir, name)
	h := tr.hist[k]
	if n := len(h); n > 0 && h[n-1].obj == obj {
		return
	}
	tr.hist[k] = append(h, binding{from: tr.Now(), obj: obj, by: by})
	if obj != None {
		if _, ok := tr.names[obj]; !ok {
			tr.names[obj] = fmt.Sprintf("%s#%d", name, obj)
		}
	}
}

// NameObj gives obj a name for reports ("/d/a", "fh 7").
func (tr *Truth) NameObj(obj Obj, name string) { tr.names[obj] = name }

// At is what (dir, name) names now.
func (tr *Truth) At(dir Obj, name string) Obj {
	h := tr.hist[tr.key(dir, name)]
	if len(h) == 0 {
		return None
	}
	return h[len(h)-1].obj
}

// During lists the objects (dir, name) named at some instant of
// [from, to], in the order they held, None included when the name was
// absent at some instant.
func (tr *Truth) During(dir Obj, name string, from, to Stamp) []Obj {
	h := tr.hist[tr.key(dir, name)]
	var out []Obj
	add := func(o Obj) {
		if len(out) == 0 || out[len(out)-1] != o {
			out = append(out, o)
		}
	}
	// A change made in the step of a stamp may come before or after the
	// stamp was read: count both values, so that no correct result is
	// reported.
	cur := None // before the first binding the name was absent
	for _, b := range h {
		if b.from >= from {
			break
		}
		cur = b.obj
	}
	add(cur)
	for _, b := range h {
		if b.from >= from && b.from <= to {
			add(b.obj)
		}
	}
	return out
}

// HadDuring reports whether (dir, name) named obj at some instant of
// [from, to].
func (tr *Truth) HadDuring(dir Obj, name string, obj Obj, from, to Stamp) bool {
	return slices.Contains(tr.During(dir, name, from, to), obj)
}

// CreatedDuring reports whether (dir, name) went from absent to present
// within [from, to].
func (tr *Truth) CreatedDuring(dir Obj, name string, from, to Stamp) bool {
	prev := None
	for _, b := range tr.hist[tr.key(dir, name)] {
		if b.from >= from && b.from <= to && prev == None && b.obj != None {
			return true
		}
		prev = b.obj
	}
	return false
}

// History describes (dir, name)'s values for a report, one per line.
func (tr *Truth) History(dir Obj, name string) string {
	h := tr.hist[tr.key(dir, name)]
	if len(h) == 0 {
		return fmt.Sprintf("  %s: %q never existed\n", tr.name, name)
	}
	var b strings.Builder
	for _, x := range h {
		fmt.Fprintf(&b, "  step %d: %q -> %s (%s)\n", x.from, name, tr.ObjString(x.obj), x.by)
	}
	return b.String()
}

// ObjString names obj for reports.
func (tr *Truth) ObjString(obj Obj) string {
	if obj == None {
		return "nothing"
	}
	if n, ok := tr.names[obj]; ok {
		return n
	}
	return fmt.Sprintf("object %d", obj)
}
