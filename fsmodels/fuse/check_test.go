package fuse_test

import (
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/fuse"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// Each check of a fuse run both ways: a run where it fires and the same
// program's run, under the fixed or changed variant, where it stays
// quiet. Schedules are prefixes (the rest of the run takes defaults);
// "" is the default run.

// run executes p under v with the decisions of sched and returns the
// report (nil: clean).
func run(t *testing.T, p fstest.FuseProgram, v variant.Variant, sched string) *sim.Report {
	t.Helper()
	s, err := sim.ParseSchedule("v2:t@x:-:00000000:" + sched)
	if sched == "" {
		s, err = &sim.Schedule{}, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	prog := sim.Program{Name: t.Name(), Setup: func(w *sim.World) { p.Setup(w, v) }}
	out := sim.Execute(prog, sim.Config{}, sim.NewPrefixReplay(s))
	defer out.Release()
	if r := out.Report; r != nil {
		c := *r
		return &c
	}
	return nil
}

func expectRule(t *testing.T, r *sim.Report, kind sim.Kind, rule string) {
	t.Helper()
	switch {
	case rule == "" && r != nil:
		t.Errorf("want clean, got %s [%s]: %s", r.Kind, r.Rule, r.Title)
	case rule != "" && r == nil:
		t.Errorf("want %s [%s], got clean", kind, rule)
	case rule != "" && (r.Kind != kind || r.Rule != rule):
		t.Errorf("want %s [%s], got %s [%s]: %s", kind, rule, r.Kind, r.Rule, r.Title)
	}
}

var (
	base  = variant.BaseToday
	fixed = variant.BaseToday.With(fuse.FixInvalEntryRetry)
	seq   = variant.BaseToday.With(fuse.ChangeWriteSeq)
)

// The seed program of the stale negative dentry (fuse/inval-entry-negative).
var staleNegative = fstest.FuseProgram{
	Pre:     []string{"stat /x"},
	Workers: map[string]fstest.FuseWorker{"daemon": fstest.DaemonCreates("x")},
}

func TestStaleDentryOracle(t *testing.T) {
	expectRule(t, run(t, staleNegative, base, ""), sim.KindConsistency, oracle.RuleStaleDentry)
	expectRule(t, run(t, staleNegative, base.In(variant.Pdirops), ""), sim.KindConsistency, oracle.RuleStaleDentry)
	expectRule(t, run(t, staleNegative, fixed, ""), "", "")
	expectRule(t, run(t, staleNegative, fixed.In(variant.Pdirops), ""), "", "")
}

// A daemon that changes its namespace and does not notify may leave the
// kernel stale: the oracle allows it (MayBeStale).
func TestStaleDentryAllowedWithoutNotification(t *testing.T) {
	p := fstest.FuseProgram{
		Pre: []string{"stat /x"},
		Workers: map[string]fstest.FuseWorker{"daemon": func(t *sim.Task, e *fstest.FuseEnv) {
			e.D.Create(t, "", "x", 1)
		}},
	}
	expectRule(t, run(t, p, base, ""), "", "")
}

// openProgram is fuse/open-vs-inval-files.
var openProgram = fstest.FuseProgram{
	Tree: []string{"f"}, Hook: fstest.InvalFilesAroundOpen, Pre: []string{"stat /f"},
	Workers: map[string]fstest.FuseWorker{"open": fstest.FuseCalls("open /f")},
}

// The schedules of docs/findings.md's FUSE section: the daemon's choice
// (c0: notification first, c1: reply first) and, for c1, the work
// finishing before the opener links its file.
const (
	notifyFirst = "0*4.1*2.0*4.2*2.c0"
	replyFirst  = "0*4.1*2.0*4.2*2.c1.0*13.3*9"
)

func TestOpenOrderChecks(t *testing.T) {
	expectRule(t, run(t, openProgram, base, notifyFirst), sim.KindConsistency, fuse.RuleFreshFailed)
	expectRule(t, run(t, openProgram, base, replyFirst), sim.KindConsistency, fuse.RuleStaleOpen)
	expectRule(t, run(t, openProgram, seq, notifyFirst), "", "")
	expectRule(t, run(t, openProgram, seq, "0*4.1*2.0*4.2*2.c1"), "", "")
}

// readdirStat is fuse/readdirplus-vs-stat; the schedule has the stat own
// the in-lookup /a while readdir links it.
var readdirStat = fstest.FuseProgram{
	Tree: []string{"a"}, Pre: []string{"open / directory"},
	Workers: map[string]fstest.FuseWorker{"ls": fstest.Getdents(0), "stat": fstest.FuseCalls("stat /a")},
}

const readdirDuringLookup = "0*4.2*6.0*16.3*28.0*16.2*42"

func TestNlookupCheck(t *testing.T) {
	rfc43 := variant.V3Today.With(fuse.ChangeDirentplusNoblock)
	expectRule(t, run(t, readdirStat, rfc43, readdirDuringLookup), sim.KindConsistency, fuse.RuleNlookup)
	expectRule(t, run(t, readdirStat, rfc43.With(fuse.FixDirentplusForget), readdirDuringLookup), "", "")
	expectRule(t, run(t, readdirStat, variant.V3Today, readdirDuringLookup), "", "")
}
