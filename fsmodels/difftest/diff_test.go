//go:build linux

package difftest

import (
	"testing"

	"pgregory.net/rapid"
)

// tmpfsTree compares every link count; overlayfs reports 1 for merged
// directories, so only the others' are compared there.
var (
	tmpfsTree = TreeOpts{Nlink: true, DirNlink: true}
	ovlTree   = TreeOpts{Nlink: true}
)

// TestTmpfsAgainstKernel runs generated sequences on a real tmpfs and on
// the model's and requires the same results and the same namespace.
func TestTmpfsAgainstKernel(t *testing.T) {
	k := NewKernel(t, false)
	gen := Gen(GenOpts{Symlinks: true, Links: true, Whiteouts: true, OpenWrite: true})
	rapid.Check(t, func(rt *rapid.T) {
		calls := gen.Draw(rt, "calls")
		kr, err := k.Tmpfs(calls, tmpfsTree)
		if err != nil {
			rt.Fatalf("kernel: %v", err)
		}
		mr, err := Model(nil, nil, false, calls, tmpfsTree)
		if err != nil {
			rt.Fatalf("%v", err)
		}
		if d := Diff(calls, kr, mr); d != "" {
			rt.Fatalf("tmpfs: the model disagrees with Linux:\n%s", d)
		}
	})
}

// TestOverlayAgainstKernel builds generated layers, runs generated
// sequences on a real overlay and on the model's, and requires the same
// results, namespace and upper layer.
func TestOverlayAgainstKernel(t *testing.T) {
	k := NewKernel(t, true)
	gen := Gen(GenOpts{Symlinks: true, Links: true, Whiteouts: true, OpenWrite: true})
	layers := GenLayers()
	rapid.Check(t, func(rt *rapid.T) {
		l := layers.Draw(rt, "layers")
		calls := gen.Draw(rt, "calls")
		kr, err := k.Overlay(l[0], l[1], calls, ovlTree)
		if err != nil {
			rt.Fatalf("kernel: %v", err)
		}
		mr, err := Model(l[0], l[1], true, calls, ovlTree)
		if err != nil {
			rt.Fatalf("%v", err)
		}
		if d := Diff(calls, kr, mr); d != "" {
			rt.Fatalf("overlay: the model disagrees with Linux:\n%s", d)
		}
	})
}
