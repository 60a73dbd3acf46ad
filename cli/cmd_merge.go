package cli

import (
	"encoding/json"
	"os"
	"strings"
)

const mergeUsage = `merge [--json] [-o FILE] SHARD.json...

Joins the --json outputs of the shards of one check (dcsim check --shard
i/n --json, one file per shard, every shard of the n present once) into
the result one check of all the cells gives: the same cells in the same
order, the same summary and exit code; only times differ (the total is
the slowest shard's). The shards must agree on filters, budget scale and
strategy. Exit codes as for check.`

// cmdMerge is dcsim merge.
func cmdMerge(e *env, args []string) error {
	fs := newFlags("merge", mergeUsage, e.stdout)
	asJSON := fs.Bool("json", false, "print the merged result as JSON (docs/json.md)")
	output := fs.String("o", "", "also write the merged result to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("merge needs the shards' JSON files")
	}
	var shards []*checkReport
	for _, name := range fs.Args() {
		rep, err := readCheckJSON(name)
		if err != nil {
			return err
		}
		shards = append(shards, rep)
	}
	rep, err := mergeShards(shards, fs.Args())
	if err != nil {
		return err
	}
	f, err := createOutput(*output)
	if err != nil {
		return err
	}
	if *asJSON {
		err = writeJSON(e.stdout, rep)
	} else {
		printCheck(e.stdout, rep)
	}
	if f != nil && err == nil {
		if *asJSON {
			err = writeJSON(f, rep)
		} else {
			printCheck(f, rep)
		}
	}
	if err == nil && rep.Summary.ExitCode != 0 {
		err = errViolation
	}
	return closeOutput(e.stdout, f, err)
}

// readCheckJSON reads one shard's output, rejecting unknown fields.
func readCheckJSON(name string) (*checkReport, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, usagef("%v", err)
	}
	var rep checkReport
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return nil, usagef("%s: not the JSON of dcsim check --json: %v", name, err)
	}
	if rep.Schema != checkSchema {
		return nil, usagef("%s: schema %q, want %q", name, rep.Schema, checkSchema)
	}
	return &rep, nil
}

// mergeShards joins the shards into the report of one check: the rows go
// back to their place in the selection (shard i's j-th cell is cell
// i+j·n) and the summary is counted again.
func mergeShards(shards []*checkReport, names []string) (*checkReport, error) {
	first := shards[0]
	n := first.ShardTotal
	if first.ShardIndex == nil || n < 1 {
		return nil, usagef("%s: not a shard (no shard_index; run check with --shard i/n --json)", names[0])
	}
	byIndex := make([]*checkReport, n)
	selected := 0
	interrupted := false
	var slowest *float64
	for k, s := range shards {
		switch {
		case s.ShardIndex == nil || s.ShardTotal != n:
			return nil, usagef("%s: not a shard of %d", names[k], n)
		case s.Scenario != first.Scenario || s.Variant != first.Variant || s.BudgetScale != first.BudgetScale ||
			s.Strategy != first.Strategy || !sameSeed(s.Seed, first.Seed) || s.Depth != first.Depth:
			return nil, usagef("%s: a shard of another check (filters, budget scale or strategy differ from %s)", names[k], names[0])
		case byIndex[*s.ShardIndex] != nil:
			return nil, usagef("%s: shard %d/%d given twice", names[k], *s.ShardIndex, n)
		}
		byIndex[*s.ShardIndex] = s
		selected += s.Summary.Selected
		interrupted = interrupted || s.Summary.Interrupted || s.Summary.Checked < s.Summary.Selected
		if t := s.Summary.Seconds; t != nil && (slowest == nil || *t > *slowest) {
			slowest = t
		}
	}
	for i, s := range byIndex {
		if s == nil {
			return nil, usagef("shard %d/%d is missing", i, n)
		}
	}
	rep := &checkReport{Schema: checkSchema, Scenario: first.Scenario, Variant: first.Variant,
		BudgetScale: first.BudgetScale, Strategy: first.Strategy, Seed: first.Seed, Depth: first.Depth,
		MaxTime: first.MaxTime, CellTime: first.CellTime, Cells: []cellResult{}}
	// Deal the rows back: cell k of the selection is row k/n of shard
	// k mod n. An interrupted shard may lack rows; the merge then stops
	// at the first gap, as one interrupted check lists the cells done.
	for k := 0; k < selected; k++ {
		s := byIndex[k%n]
		j := k / n
		if j >= len(s.Cells) {
			interrupted = true
			break
		}
		rep.Cells = append(rep.Cells, s.Cells[j])
	}
	rep.summarize(selected, interrupted)
	rep.Summary.Seconds = slowest
	return rep, nil
}

func sameSeed(a, b *uint64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
