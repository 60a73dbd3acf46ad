package cli

import (
	"fmt"
	"io"
	"strings"
)

// checkSchema names the JSON layout of `dcsim check --json`
// (docs/json.md); it changes when a field changes meaning or goes away.
const checkSchema = "dcsim-check/1"

// checkReport is the result of `dcsim check`, printed as a table or as
// JSON. docs/json.md documents every field; a test holds the two
// together.
type checkReport struct {
	Schema      string       `json:"schema"`
	Scenario    string       `json:"scenario_filter"`
	Variant     string       `json:"variant_filter"`
	BudgetScale float64      `json:"budget_scale"`
	Strategy    string       `json:"strategy,omitempty"`
	Seed        *uint64      `json:"seed,omitempty"`
	Depth       int          `json:"depth,omitempty"`
	ShardIndex  *int         `json:"shard_index,omitempty"`
	ShardTotal  int          `json:"shard_total,omitempty"`
	MaxTime     *float64     `json:"max_time_seconds,omitempty"`
	CellTime    *float64     `json:"cell_time_seconds,omitempty"`
	Cells       []cellResult `json:"cells"`
	Summary     checkSummary `json:"summary"`
}

// cellResult is one row: a scenario under one variant.
type cellResult struct {
	Scenario     string        `json:"scenario"`
	Variant      string        `json:"variant"`
	Regime       string        `json:"regime"`
	Ignore       []string      `json:"ignore,omitempty"`
	Expected     string        `json:"expected"`
	Found        string        `json:"found"`
	Status       string        `json:"status"`
	Met          bool          `json:"met"`
	Runs         int           `json:"runs"`
	Distinct     int           `json:"distinct"`
	Steps        int64         `json:"steps"`
	Bound        int           `json:"bound"`
	BoundReached int           `json:"bound_reached"`
	Budget       int           `json:"budget"`
	MaxFaults    int           `json:"max_faults"`
	Coverage     string        `json:"coverage"`
	CoverageText string        `json:"coverage_text"`
	MissingMarks []string      `json:"missing_marks"`
	Report       *reportResult `json:"report,omitempty"`
	Replay       string        `json:"replay,omitempty"`
	Error        string        `json:"error,omitempty"`
	Seconds      *float64      `json:"seconds,omitempty"`
}

// reportResult is the first violation a cell found.
type reportResult struct {
	Kind        string `json:"kind"`
	Rule        string `json:"rule"`
	Title       string `json:"title"`
	Schedule    string `json:"schedule"`
	Preemptions int    `json:"preemptions"`
}

// checkSummary counts the rows.
type checkSummary struct {
	Selected    int      `json:"selected"`
	Checked     int      `json:"checked"`
	Met         int      `json:"met"`
	NotMet      int      `json:"not_met"`
	Complete    int      `json:"complete"`
	Bounded     int      `json:"bounded"`
	Budget      int      `json:"budget"`
	Time        int      `json:"time"`
	Interrupted bool     `json:"interrupted"`
	ExitCode    int      `json:"exit_code"`
	Seconds     *float64 `json:"seconds,omitempty"`
}

func (rep *checkReport) summarize(selected int, interrupted bool) {
	s := &rep.Summary
	s.Selected, s.Checked, s.Interrupted = selected, len(rep.Cells), interrupted
	for _, c := range rep.Cells {
		if c.Met {
			s.Met++
		} else {
			s.NotMet++
		}
		if c.Status != "clean" {
			continue
		}
		switch c.Coverage {
		case "complete":
			s.Complete++
		case "bounded":
			s.Bounded++
		case "budget":
			s.Budget++
		case "time":
			s.Time++
		}
	}
	if s.NotMet > 0 || interrupted || s.Checked < s.Selected {
		s.ExitCode = 1
	}
}

// printCheck prints the table, then the summary. Only the time column
// and the total time depend on anything but the catalog.
func printCheck(w io.Writer, rep *checkReport) {
	times := rep.Summary.Seconds != nil
	head := []string{"", "scenario", "variant", "expected", "found", "runs"}
	if times {
		head = append(head, "time")
	}
	head = append(head, "coverage")
	rows := [][]string{head}
	for _, c := range rep.Cells {
		mark := "ok"
		if !c.Met {
			mark = "FAIL"
		}
		name := c.Variant
		if len(c.Ignore) > 0 {
			name += " ignore=" + strings.Join(c.Ignore, ",")
		}
		row := []string{mark, c.Scenario, name, c.Expected, c.Found, fmt.Sprint(c.Runs)}
		if times {
			row = append(row, fmt.Sprintf("%.1fs", deref(c.Seconds)))
		}
		rows = append(rows, append(row, rowCoverage(&c)))
	}
	width := make([]int, len(head))
	for _, r := range rows {
		for i, f := range r {
			width[i] = max(width[i], len(f))
		}
	}
	right := map[int]bool{5: true, 6: times}
	for i, r := range rows {
		var b strings.Builder
		for j, f := range r {
			if j > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[j]-len(f))
			if right[j] {
				b.WriteString(pad + f)
			} else if j == len(r)-1 {
				b.WriteString(f)
			} else {
				b.WriteString(f + pad)
			}
		}
		fmt.Fprintln(w, b.String())
		if i == 0 {
			continue
		}
		c := rep.Cells[i-1]
		if c.Replay != "" {
			fmt.Fprintf(w, "      replay: %s\n", c.Replay)
		}
		for _, m := range c.MissingMarks {
			if c.Report != nil {
				break // the search stopped at the violation: marks say nothing
			}
			fmt.Fprintf(w, "      required mark never reached: %q\n", m)
		}
		if c.Error != "" {
			fmt.Fprintf(w, "      error: %s\n", capLine(c.Error))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, summaryLine(rep))
}

// rowCoverage says how much of the tree a cell covered; a violation
// says after how many preemptions it was found.
func rowCoverage(c *cellResult) string {
	if c.Report != nil {
		return fmt.Sprintf("found with %d preemption(s)", c.Report.Preemptions)
	}
	return c.CoverageText
}

// summaryLine is the last line: the counts, and never "clean" without
// how much was covered.
func summaryLine(rep *checkReport) string {
	s := rep.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d cells met their expectation", s.Met, s.Checked)
	if s.NotMet > 0 {
		fmt.Fprintf(&b, ", %d did not", s.NotMet)
	}
	fmt.Fprintf(&b, "; clean cells: %d exhausted (all interleavings), %d exhausted within their bounds, %d stopped at the budget, %d stopped at the time limit",
		s.Complete, s.Bounded, s.Budget, s.Time)
	if s.Interrupted || s.Checked < s.Selected {
		fmt.Fprintf(&b, "\ninterrupted: %d of %d cells checked", s.Checked, s.Selected)
	}
	if s.Seconds != nil {
		fmt.Fprintf(&b, "\ntotal time %.1fs", *s.Seconds)
	}
	return b.String()
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
