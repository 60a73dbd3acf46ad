package explore

import (
	"github.com/dcsim/dcsim/sim"
)

// shrinkReplays caps the runs a Shrink may take.
const shrinkReplays = 400

// Shrink minimises the run that gave rep: fewest preemptions, then
// fewest steps, then fewest injected faults, keeping the report's kind,
// rule and location (GroupKey). It greedily tries each preemptive
// decision set to its default (with the rest of the log kept where it
// still fits, and with defaults after it) and each injected fault
// withdrawn, keeps a candidate that gives the same report and is
// smaller, and repeats until nothing helps. It returns the shrunk run's
// report, replayed strictly with full tracing (its schedule replays with
// `dcsim replay`), and its preemption count; nil when rep has no
// schedule that parses.
func Shrink(p sim.Program, cfg sim.Config, rep *sim.Report) (*sim.Report, int) {
	s, err := sim.ParseSchedule(rep.Schedule)
	if err != nil {
		return nil, 0
	}
	cfg.Trace = sim.TraceOff
	cfg.Faults, cfg.Signals = s.Faults, s.Signals
	if s.MaxSteps > 0 {
		cfg.MaxSteps = s.MaxSteps
	}
	want := GroupKey(rep)
	best := append([]sim.Decision(nil), s.Decisions...)
	bestScore := score{Preemptions(best), 1 << 62, faults(best)}
	runs := 0
	try := func(cand []sim.Decision, strict bool) bool {
		if runs >= shrinkReplays {
			return false
		}
		runs++
		out := sim.Execute(p, cfg, &sim.Replay{Log: cand, Strict: strict, Prefix: true})
		defer out.Release()
		if out.Err != nil || out.Report == nil || out.Report.Kind != rep.Kind || out.Report.Rule != rep.Rule {
			return false
		}
		sc := score{Preemptions(out.Decisions), out.Steps, faults(out.Decisions)}
		if !sc.less(bestScore) {
			return false
		}
		if traced := tracedReport(p, cfg, out); traced == nil || GroupKey(traced) != want {
			return false
		}
		best, bestScore = append(best[:0:0], out.Decisions...), sc
		return true
	}
	// The steps of the run as recorded.
	try(best, true)
	for improved := true; improved && runs < shrinkReplays; {
		improved = false
		for i := len(best) - 1; i >= 0 && !improved; i-- {
			d := best[i]
			alt := d
			switch {
			case d.Preempts():
				alt.Value = int32(d.Default())
			case isFault(&d):
				alt.Value = 0
			default:
				continue
			}
			keep := append(append([]sim.Decision(nil), best[:i]...), alt)
			drop := append(append([]sim.Decision(nil), best[:i]...), best[i+1:]...)
			improved = try(append(keep, best[i+1:]...), false) || try(drop, false) || try(keep, true)
		}
	}
	out := sim.Execute(p, cfg, &sim.Replay{Log: best, Strict: true})
	defer out.Release()
	final := tracedReport(p, cfg, out)
	if final == nil || GroupKey(final) != want {
		return nil, 0
	}
	return final, Preemptions(best)
}

type score struct {
	preemptions int
	steps       int64
	faults      int
}

func (a score) less(b score) bool {
	if a.preemptions != b.preemptions {
		return a.preemptions < b.preemptions
	}
	if a.steps != b.steps {
		return a.steps < b.steps
	}
	return a.faults < b.faults
}

func faults(log []sim.Decision) int {
	n := 0
	for i := range log {
		if isFault(&log[i]) {
			n++
		}
	}
	return n
}

// tracedReport replays out's log strictly with full tracing.
func tracedReport(p sim.Program, cfg sim.Config, out *sim.Outcome) *sim.Report {
	cfg.Trace = sim.TraceFull
	again := sim.Execute(p, cfg, sim.NewReplay(out.Schedule()))
	if again.Err != nil {
		return nil
	}
	return again.Report
}
