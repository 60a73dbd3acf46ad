package explain

import (
	"fmt"
	"io"
	"strings"
)

// colWidth is the width of one task's column: the columns share about
// 120 characters, 30 to 60 each.
func colWidth(tasks int) int { return max(30, min(60, 120/max(tasks, 1))) }

// WriteColumns prints the interleaving with one column per task: each
// line of the trace in its task's column, so that who ran when, and what
// the others were doing meanwhile, reads across. Setup lines are folded
// unless opt.Verbose.
func (r *Run) WriteColumns(w io.Writer, opt TextOptions) {
	width := colWidth(len(r.Tasks))
	cell := func(s string) string { return cell(s, width) }
	var b strings.Builder
	b.WriteString(fmt.Sprintf("%8s ", "step"))
	for _, t := range r.Tasks {
		b.WriteString(cell(t))
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	b.Reset()
	b.WriteString(strings.Repeat("-", 8) + " ")
	for range r.Tasks {
		b.WriteString(cell(strings.Repeat("-", width-2)))
	}
	fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	for i := 0; i < len(r.Lines); i++ {
		l := &r.Lines[i]
		if l.Setup && !opt.Verbose {
			j := i
			for j < len(r.Lines) && r.Lines[j].Setup {
				j++
			}
			fmt.Fprintf(w, "%8s setup (%d lines folded)\n", stepRange(r.Lines[i:j]), j-i)
			i = j - 1
			continue
		}
		num := fmt.Sprint(l.N)
		if l.Event {
			num += "+"
		}
		if r.Report != nil && r.Report.Line == i {
			num = ">>" + num
		}
		b.Reset()
		fmt.Fprintf(&b, "%8s ", num)
		for k := range r.Tasks {
			if k == l.Task {
				what := l.Op + " " + l.Target
				if l.Event && l.Note != "" {
					what += " (" + l.Note + ")"
				}
				b.WriteString(cell(what))
			} else {
				b.WriteString(cell(""))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if r.Report != nil {
		fmt.Fprintf(w, ">> %s [%s]: %s\n", r.Report.Kind, r.Report.Rule, r.Report.Title)
	}
}

// cell pads or cuts s to a column of width.
func cell(s string, width int) string {
	if len(s) > width-2 {
		s = s[:width-4] + ".."
	}
	return s + strings.Repeat(" ", width-len(s))
}
