package explain

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteDOT writes the lock-order graph lockdep built during the run as
// Graphviz DOT: a node per lock class (with subclass), an edge "held ->
// taken" labelled with lockdep's dependency type and who first took the
// pair in that order. Classes a lockdep kernel does not track are
// dashed. After a circular report, the dependency lockdep refused (the
// one that closes the cycle) is drawn in red. `dot -Tsvg` draws it.
func (r *Run) WriteDOT(w io.Writer) {
	fmt.Fprintf(w, "// lock-order graph of %s\n// replay: %s    # %s\n", r.Title, r.Replay, r.gives())
	fmt.Fprintln(w, "digraph lockdep {")
	fmt.Fprintln(w, "  rankdir=LR;")
	fmt.Fprintln(w, "  node [shape=box, fontname=\"monospace\"];")
	var nodes []string
	invisible := map[string]bool{}
	for _, d := range append(slices.Clone(r.Deps), r.Closing...) {
		for _, n := range []string{d.From, d.To} {
			if !contains(nodes, n) {
				nodes = append(nodes, n)
			}
		}
		for _, n := range d.Invisible {
			invisible[n] = true
		}
	}
	for _, n := range nodes {
		attr := ""
		if invisible[n] {
			attr = ", style=dashed"
		}
		fmt.Fprintf(w, "  %s [label=%s%s];\n", dotID(n), dotID(n), attr)
	}
	for _, d := range r.Deps {
		fmt.Fprintf(w, "  %s -> %s [label=%s];\n", dotID(d.From), dotID(d.To),
			dotID(fmt.Sprintf("%s, %s step %d", d.Type, d.Task, d.Step)))
	}
	for _, d := range r.Closing {
		fmt.Fprintf(w, "  %s -> %s [label=%s, color=red, fontcolor=red, style=bold];\n", dotID(d.From), dotID(d.To),
			dotID(fmt.Sprintf("refused: %s by %s step %d", d.Type, d.Task, d.Step)))
	}
	fmt.Fprintln(w, "}")
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// dotID quotes s as a DOT string.
func dotID(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
