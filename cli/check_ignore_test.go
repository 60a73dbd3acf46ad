package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// A cell with ignore= finds the report past the ignored rule; the
// variant's cell without finds the first. The JSON carries the rules, the
// table shows them after the variant.
func TestCheckIgnoreCells(t *testing.T) {
	args := []string{"check", "--no-times", "--scenario", "eventfs/lookup-vs-prune", "--variant", "mainline/today"}
	code, out, _ := dcsim(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("check --json: exit %d\n%s", code, out)
	}
	var rep checkReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Cells) != 2 {
		t.Fatalf("%d cells, want the WARN cell and the one past it:\n%s", len(rep.Cells), out)
	}
	first, past := rep.Cells[0], rep.Cells[1]
	if first.Ignore != nil || first.Found != "warn WARN_ON_ONCE" || !first.Met {
		t.Errorf("cell without ignore: ignore %q, found %q, met %v", first.Ignore, first.Found, first.Met)
	}
	if !slices.Equal(past.Ignore, []string{"WARN_ON_ONCE"}) || past.Found != "kasan use-after-free" || !past.Met {
		t.Errorf("cell ignoring WARN_ON_ONCE: ignore %q, found %q, met %v", past.Ignore, past.Found, past.Met)
	}
	if strings.Count(out, `"ignore"`) != 1 {
		t.Errorf("want one ignore field (omitted when empty):\n%s", out)
	}
	code, table, _ := dcsim(t, args...)
	if code != 0 || !strings.Contains(table, "mainline/today ignore=WARN_ON_ONCE") {
		t.Errorf("check: exit %d, no cell named with its ignore=:\n%s", code, table)
	}
}
