package difftest

import (
	"fmt"
	"slices"
	"strings"
)

// fdTable maps a sequence's logical file descriptors (the rank of each
// successful open) to one side's real ones.
type fdTable struct {
	real   []int
	closed []bool
}

// opened records a successful open and names it.
func (f *fdTable) opened(fd int) string {
	f.real = append(f.real, fd)
	f.closed = append(f.closed, false)
	return fmt.Sprintf("fd%d", len(f.real)-1)
}

// take returns the real descriptor of logical fd k and marks it closed,
// or false if k is not open.
func (f *fdTable) take(k int) (int, bool) {
	if k < 0 || k >= len(f.real) || f.closed[k] {
		return 0, false
	}
	f.closed[k] = true
	return f.real[k], true
}

// open lists the real descriptors still open.
func (f *fdTable) open() []int {
	var out []int
	for k, fd := range f.real {
		if !f.closed[k] {
			out = append(out, fd)
		}
	}
	return out
}

// inoMap names inode numbers by order of first appearance.
type inoMap map[uint64]int

func (m inoMap) name(ino uint64) string {
	k, ok := m[ino]
	if !ok {
		k = len(m)
		m[ino] = k
	}
	return fmt.Sprintf("#%d", k)
}

// sortList sorts an ls result's comma-separated entries (an errno is
// returned as is).
func sortList(s string) string {
	if s == "" || strings.HasPrefix(s, "-E") {
		return s
	}
	l := strings.Split(s, ",")
	slices.Sort(l)
	return strings.Join(l, ",")
}

// Entry is one object of a final namespace walk.
type Entry struct {
	Path  string
	Type  string // reg, dir, lnk, chr, wht
	Ino   uint64
	Nlink int
	// Opaque and Origin are the overlay's trusted.overlay.opaque and
	// trusted.overlay.origin xattrs (upper layer walks only).
	Opaque, Origin bool
}

// TreeOpts says what a rendered tree shows.
type TreeOpts struct {
	DirNlink bool // link counts of directories (overlayfs reports 1 for merged ones)
	Nlink    bool // link counts of the others
	Xattrs   bool // opaque, and origin of non-directories
	// DirOrigin shows the origin of directories in the upper layer too
	// (docs/fidelity.md: the model never sets a merge directory's).
	DirOrigin bool
}

// renderTree renders a walk sorted by path, naming inodes with m.
func renderTree(es []Entry, m inoMap, o TreeOpts) []string {
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	var out []string
	for _, e := range es {
		s := fmt.Sprintf("%s %s%s", e.Path, e.Type, m.name(e.Ino))
		if (e.Type == "dir" && o.DirNlink) || (e.Type != "dir" && o.Nlink) {
			s += fmt.Sprintf(" nlink=%d", e.Nlink)
		}
		if o.Xattrs && e.Opaque {
			s += " opaque"
		}
		if o.Xattrs && e.Origin && (e.Type != "dir" || o.DirOrigin) {
			s += " origin"
		}
		out = append(out, s)
	}
	return out
}
