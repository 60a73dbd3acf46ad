package fidelitycheck

import (
	"go/token"
	"os"
	"strings"
	"testing"
)

// modelDirs are the packages whose modeled functions need a row: dcache,
// vfs and every filesystem model under fsmodels/ (not the harnesses
// fstest and difftest). sim is read only so that rows may cite its
// primitives.
func modelDirs(t *testing.T) map[string]string {
	dirs := map[string]string{"dcache": "../../dcache", "vfs": "../../vfs"}
	ents, err := os.ReadDir("../../fsmodels")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() && e.Name() != "fstest" && e.Name() != "difftest" {
			dirs[e.Name()] = "../../fsmodels/" + e.Name()
		}
	}
	return dirs
}

// TestFidelityTableComplete fails when a model function naming a kernel
// function has no row in docs/fidelity.md, when a row cites a Go name
// that does not exist, or when a row says "none" for a function marked
// "Divergence:".
func TestFidelityTableComplete(t *testing.T) {
	fset := token.NewFileSet()
	var funcs []Func
	var problems []string
	for pkg, dir := range modelDirs(t) {
		fs, p, err := ReadPackage(fset, dir, pkg, os.ReadFile)
		if err != nil {
			t.Fatal(err)
		}
		funcs = append(funcs, fs...)
		problems = append(problems, p...)
	}
	simFuncs, _, err := ReadPackage(fset, "../../sim", "sim", os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range simFuncs {
		f.Kernel = ""
		funcs = append(funcs, f)
	}
	doc, err := os.ReadFile("../../docs/fidelity.md")
	if err != nil {
		t.Fatal(err)
	}
	problems = append(problems, Check(funcs, string(doc), "docs/fidelity.md")...)
	for _, p := range problems {
		t.Error(p)
	}
}

const src = `package m

// DAdd is d_add (fs/dcache.c, v6.18): hash it.
//
// Divergence: no fsnotify.
func DAdd() {}

// Dput is dput: drop a reference.
func Dput() {}

// helper is a thing with no kernel name.
func helper() {}

// other is d_drop; its doc names the wrong function.
func renamed() {}
`

// TestCheckBothWays runs the check on a small package: quiet when every
// modeled function has a row, and each kind of problem reported.
func TestCheckBothWays(t *testing.T) {
	funcs, problems, err := Parse(token.NewFileSet(), "dcache", map[string]string{"m.go": src})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], `starts "other is "`) {
		t.Errorf("doc subject problems = %q", problems)
	}
	good := "| Go | kernel | divergences |\n|---|---|---|\n" +
		"| `dcache.DAdd` | `d_add` | no fsnotify \\| none |\n" +
		"| `dcache.Dput`, `dcache.helper` | `dput` | none |\n"
	if got := Check(funcs, good, "f.md"); len(got) != 0 {
		t.Errorf("complete table: %q", got)
	}
	bad := "| Go | kernel | divergences |\n|---|---|---|\n" +
		"| `dcache.DAdd` | `d_add` | none |\n" +
		"| `dcache.Gone` | `d_gone` | none |\n"
	got := strings.Join(Check(funcs, bad, "f.md"), "\n")
	for _, want := range []string{
		"f.md:3: dcache.DAdd has a Divergence: comment",
		"f.md:4: dcache.Gone is no function or type",
		"dcache.Dput (dput) has no row in f.md",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "helper") {
		t.Errorf("helper (no kernel name) reported:\n%s", got)
	}
}
