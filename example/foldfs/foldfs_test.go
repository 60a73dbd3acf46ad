package foldfs_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/cli"
	"github.com/dcsim/dcsim/dcsimtest"
	"github.com/dcsim/dcsim/scenarios"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"

	"example.com/foldfs/foldfs"
)

const scenario = "foldfs/stat-two-cases"

// v1 of the patch: dcsim finds the in-lookup dentry dropped on the iget
// error path (R5).
func TestCaseFoldV1FreesInLookupDentry(t *testing.T) {
	for _, v := range []variant.Variant{foldfs.V1Today, foldfs.V1Pdirops} {
		dcsimtest.Check(t, scenario, v, dcsimtest.Expect(scenarios.FindsRule(sim.KindInvariant, "R5")))
	}
}

// With R5 set aside, the waiter on that dentry is the next thing found:
// the owner exits still owning it while the lookup of /foo sleeps on it.
func TestCaseFoldV1StrandsWaiter(t *testing.T) {
	dcsimtest.Check(t, scenario, foldfs.V1Today, dcsimtest.Ignore("R5"),
		dcsimtest.Expect(scenarios.FindsRule(sim.KindLockdep, "held-at-exit")))
}

// v2 is clean under both locking regimes and on v3, within the cells'
// bounds.
func TestCaseFoldV2(t *testing.T) {
	for _, v := range []variant.Variant{foldfs.V2Today, foldfs.V2Pdirops, foldfs.V2OnV3Pdirops} {
		dcsimtest.Check(t, scenario, v)
	}
}

// Every dcsim command works on foldfs: check meets the cells'
// expectations, and the schedule it prints for v1 replays to the same
// report.
func TestCommands(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"check", "--scenario", "foldfs/*", "--no-times"}
	if testing.Short() {
		args = append(args, "--variant", foldfs.V1Today.String()) // the cell that finds the bug
	}
	if code := cli.Run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("check: exit %d\n%s%s", code, out.String(), errb.String())
	}
	_, rest, ok := strings.Cut(out.String(), "replay: dcsim replay '")
	schedule, _, _ := strings.Cut(rest, "'")
	if !ok || !strings.HasPrefix(schedule, "v2:"+scenario+"@"+foldfs.V1Today.String()+":") {
		t.Fatalf("check printed no replay line for v1:\n%s", out.String())
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"replay", "-q", schedule}, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "=== dcsim: invariant [R5]") {
		t.Fatalf("replay: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"list", "--variants"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "foldfs-casefold-v2") {
		t.Fatalf("list --variants: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"run", "--scenario", scenario, "--variant", foldfs.V2Today.String(), "--faults", "-q"}, &out, &errb); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"explore", "--scenario", scenario, "--variant", foldfs.V1Today.String(), "--ignore", "R5"}, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "lockdep [held-at-exit]") {
		t.Fatalf("explore --ignore R5: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
