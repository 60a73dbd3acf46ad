//go:build linux

package difftest

import (
	"slices"
	"strings"
	"testing"
)

// known are the disagreements found by the differential tests
// (docs/fidelity.md, "Disagreements with Linux 6.18"), each as its
// minimal sequence with what Linux 6.18 did and what the model does. A
// fixed one has the same answer on both sides; the others stay recorded
// so that a change to the model, or to the kernel, shows here.
var known = []struct {
	name         string
	overlay      bool
	lower, upper Layer
	calls        []string
	opts         TreeOpts
	kernel       string // the results, then the upper layer, joined by " | "
	model        string
}{
	{name: "open-creat-directory", calls: []string{"open / creat|directory"},
		kernel: "-EINVAL", model: "-EINVAL"},
	{name: "open-whiteout", calls: []string{"mknod /a wht", "open /a"},
		kernel: "0 | -ENXIO", model: "0 | -ENXIO"},
	{name: "symlink-walk", calls: []string{"mkdir /a", "symlink a /b", "mknod /a/x reg", "stat /b/x"},
		kernel: "0 | 0 | 0 | reg#0", model: "0 | 0 | 0 | reg#0"},
	{name: "ovl-link", overlay: true, lower: Layer{"a"}, calls: []string{"link /a /b"},
		kernel: "0 | /upper/a reg#0 nlink=2 origin | /upper/b reg#0 nlink=2 origin",
		model:  "0 | /upper/a reg#0 nlink=2 origin | /upper/b reg#0 nlink=2 origin"},
	{name: "ovl-open-write-copy-up", overlay: true, lower: Layer{"a"}, calls: []string{"open /a wronly"},
		kernel: "fd0 | /upper/a reg#0 nlink=1 origin", model: "fd0 | /upper/a reg#0 nlink=1 origin"},
	{name: "ovl-merge-dir-origin", overlay: true, lower: Layer{"c/"}, upper: Layer{"c/"}, calls: []string{"stat /c"},
		opts:   TreeOpts{Xattrs: true, DirOrigin: true},
		kernel: "dir#0 | /upper/c dir#0 nlink=2 origin", model: "dir#0 | /upper/c dir#0 nlink=2"},
}

func render(r Result) string {
	return strings.Join(slices.Concat(r.Calls, r.Upper), " | ")
}

// TestKnownModel checks the model's side of every recorded disagreement
// (no root needed).
func TestKnownModel(t *testing.T) {
	for _, k := range known {
		r, err := Model(k.lower, k.upper, k.overlay, Calls(k.calls...), k.opts)
		if err != nil {
			t.Fatalf("%s: %v", k.name, err)
		}
		if got := render(r); got != k.model {
			t.Errorf("%s: the model now gives %q, docs/fidelity.md records %q", k.name, got, k.model)
		}
	}
}

// TestKnownKernel checks the kernel's side of every recorded
// disagreement, where mounting is possible.
func TestKnownKernel(t *testing.T) {
	k := NewKernel(t, true)
	for _, c := range known {
		var r Result
		var err error
		if c.overlay {
			r, err = k.Overlay(c.lower, c.upper, Calls(c.calls...), c.opts)
		} else {
			r, err = k.Tmpfs(Calls(c.calls...), c.opts)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := render(r); got != c.kernel {
			t.Errorf("%s: this kernel gives %q, docs/fidelity.md records %q for Linux 6.18", c.name, got, c.kernel)
		}
	}
}
