package scenarios_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// d_add_ci waiting on its own in-lookup dentry is still reported with the
// nested annotation, as a self-wait, and the report says that lockdep in
// a kernel would not print it (issue 8 defects 3 and 5).
func TestAddCISelfWaitReport(t *testing.T) {
	sc, err := scenarios.Lookup("dcache/add-ci-self-wait")
	if err != nil {
		t.Fatal(err)
	}
	out := sim.Execute(sc.Program(variant.BaseToday), sc.Config, nil)
	r := out.Report
	if out.Err != nil || r == nil || r.Rule != "recursive" || !strings.Contains(r.Message, "waits for itself") ||
		!strings.Contains(r.Message, "note: lockdep in a kernel would not print this report: in-lookup dentry is dcsim's own lock map") {
		t.Fatalf("want a recursive self-wait with the lockdep note, got %v %+v", out.Err, r)
	}
}
