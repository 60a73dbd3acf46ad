package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dcsim/dcsim/scenarios"
)

func cmdList(args []string, out io.Writer) error {
	fs := newFlags("list", "list [--file SCENARIO-FILE]", out)
	file := fs.String("file", "", "list the scenarios of this scenario file instead of the catalog")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	all := scenarios.All()
	if *file != "" {
		var err error
		if all, err = scenarios.LoadFile(*file); err != nil {
			return usagef("%v", err)
		}
	}
	for _, s := range all {
		fmt.Fprintf(out, "%s  (%s)\n%s\n", s.Name, s.Source, wrap(s.Doc, 76, "    "))
		for _, c := range s.Cells {
			fmt.Fprintf(out, "    @%-34s expects %s\n", c.Variant, c.Expect)
		}
		fmt.Fprintln(out)
	}
	return nil
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
