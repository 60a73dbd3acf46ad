package cli

import (
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/variant"
)

func cmdList(e *env, args []string) error {
	out := e.stdout
	fs := newFlags("list", "list [--variants | --fs] [--file SCENARIO-FILE] [NAME|GLOB ...]", out)
	variants := fs.Bool("variants", false, "list the named variants and every registered fix, mutant and change instead")
	fsKinds := fs.Bool("fs", false, "list the filesystems scenario files can name (\"fs NAME\") with their layers and verbs instead")
	file := fs.String("file", "", "list the scenarios of this scenario file instead of the catalog")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *variants {
		if fs.NArg() > 0 {
			return usagef("--variants takes no scenario names")
		}
		listVariants(out)
		return nil
	}
	if *fsKinds {
		if fs.NArg() > 0 {
			return usagef("--fs takes no scenario names")
		}
		listFS(out)
		return nil
	}
	list, err := selectScenarios(fs.Args())
	if *file != "" {
		list, err = scenarios.LoadFile(*file)
		if err != nil {
			return usagef("%v", err)
		}
	}
	if err != nil {
		return err
	}
	for _, s := range list {
		fmt.Fprintf(out, "%s  (%s)\n%s\n", s.Name, s.Source, wrap(s.Doc, 76, "    "))
		for _, c := range s.Cells {
			past := ""
			if len(c.Ignore) > 0 {
				past = ", ignore=" + strings.Join(c.Ignore, ",")
			}
			fmt.Fprintf(out, "    @%-34s expects %s%s\n", c.Variant, c.Expect, past)
		}
		fmt.Fprintln(out)
	}
	return nil
}

// selectScenarios lists the scenarios the patterns name, in catalog
// order (all for none). A pattern is a name or a glob over names
// ("ovl/*", "*abba*", "*": all), or several separated by commas. One that
// matches nothing is bad input; a plain name gets the nearest names.
func selectScenarios(patterns []string) ([]*scenarios.Scenario, error) {
	var pats []string
	for _, p := range patterns {
		pats = append(pats, strings.Split(p, ",")...)
	}
	if len(pats) == 0 {
		return scenarios.All(), nil
	}
	hit := make([]bool, len(pats))
	var list []*scenarios.Scenario
	for _, s := range scenarios.All() {
		matched := false
		for i, p := range pats {
			ok, err := matchGlob(p, s.Name)
			if err != nil {
				return nil, usagef("bad pattern %q: %v", p, err)
			}
			if ok {
				hit[i], matched = true, true
			}
		}
		if matched {
			list = append(list, s)
		}
	}
	for i, p := range pats {
		if hit[i] {
			continue
		}
		if !strings.ContainsAny(p, `*?[\`) {
			_, err := scenarios.Lookup(p)
			return nil, usagef("%v", err)
		}
		return nil, usagef("no scenario matches %q (dcsim list shows the catalog)", p)
	}
	return list, nil
}

// matchGlob is path.Match except that '*' also matches '/': "ovl/*"
// and "*abba*" both mean what they say.
func matchGlob(pat, name string) (bool, error) {
	const sep = "\x00"
	return path.Match(strings.ReplaceAll(pat, "/", sep), strings.ReplaceAll(name, "/", sep))
}

// listVariants prints the named variants, then the toggles by kind.
func listVariants(out io.Writer) {
	fmt.Fprintln(out, "variants (PATCHES[+TOGGLE...]/REGIME; PATCHES is mainline, v3, NN-MM or a list):")
	for _, n := range variant.Known() {
		fmt.Fprintf(out, "  %-28s %s\n", n.Variant, n.Doc)
	}
	for _, k := range []struct {
		kind  variant.ToggleKind
		title string
	}{{variant.KindFix, "fixes"}, {variant.KindMutant, "mutants"}, {variant.KindChange, "changes"}} {
		ts := variant.Toggles(k.kind)
		if len(ts) == 0 {
			continue
		}
		fmt.Fprintf(out, "\n%s (+%s ...):\n", k.title, ts[0].Toggle)
		for _, t := range ts {
			fmt.Fprintf(out, "  %-28s %s (%s)\n", "+"+t.Toggle.String(), t.Doc, t.Package)
		}
	}
	fmt.Fprintln(out, "\n\"+fix\" switches every fix on; regimes: today, pdirops.")
}

func wrap(s string, width int, prefix string) string {
	var lines []string
	line := prefix
	for _, w := range strings.Fields(s) {
		if len(line)+len(w)+1 > width && line != prefix {
			lines = append(lines, line)
			line = prefix
		}
		if line != prefix {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// listFS prints the registered filesystem kinds of scenario files.
func listFS(out io.Writer) {
	for _, k := range scenarios.FSKinds() {
		fmt.Fprintf(out, "%s\n%s\n", k.Name, wrap(k.Doc, 76, "    "))
		if len(k.Layers) > 0 {
			fmt.Fprintf(out, "    layers: %s\n", strings.Join(k.Layers, ", "))
		}
		for _, v := range k.Verbs {
			where := ""
			if len(v.Layers) > 0 {
				where = " (init " + strings.Join(v.Layers, "|") + " only)"
			}
			fmt.Fprintf(out, "    %s%s\n", strings.TrimSpace(v.Name+" "+v.Usage), where)
		}
	}
}
