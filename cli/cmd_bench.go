package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/internal/native"
)

func cmdBench(e *env, args []string) error {
	out := e.stdout
	fs := newFlags("bench", "bench [--scenario NAME] [--variant V] [--runs N] | bench --races [--scenario GLOB[,GLOB...]] [--cap N] [--runs N] [--native=false] [--native-time D] [--native-execs N] [--native-repeat N]", out)
	var rf runFlags
	rf.register(fs)
	runs := fs.Int("runs", 20000, "random-walk runs to time (with --races: 2000 unless set)")
	races := fs.Bool("races", false, "the race table: every race case of the catalog under each strategy, throughput, 1 and 2 workers, and the native baseline (internal/native)")
	sampleCap := fs.Int("cap", 5000, "with --races: run budget of random, PCT and POS on each case")
	withNative := fs.Bool("native", true, "with --races: measure the native baseline (its hung executions' goroutines stay blocked until exit)")
	nativeTime := fs.Duration("native-time", 2*time.Second, "with --races: cap on each native measurement")
	nativeExecs := fs.Int("native-execs", 1_000_000, "with --races: cap on each native measurement's executions")
	nativeRepeat := fs.Int("native-repeat", 1, "with --races: measurements per native mode (median and range over them)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *runs < 1 {
		return usagef("--runs must be positive")
	}
	if *races {
		if *nativeTime <= 0 || *nativeExecs < 1 || *sampleCap < 1 || *nativeRepeat < 1 {
			return usagef("--cap, --native-time, --native-execs and --native-repeat must be positive")
		}
		n, only := 2000, ""
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "runs":
				n = *runs
			case "scenario":
				only = rf.scenario
			}
		})
		for _, p := range strings.Split(only, ",") {
			if _, err := matchGlob(p, ""); err != nil {
				return usagef("--scenario %q: %v", p, err)
			}
		}
		return benchRaces(out, e.stderr, raceLimits{cap: *sampleCap, runs: n, noNative: !*withNative, nativeRepeat: *nativeRepeat, only: only,
			native: native.Limits{MaxExecs: *nativeExecs, MaxTime: *nativeTime, Hang: 100 * time.Millisecond, Confirm: nativeConfirm()}})
	}
	tg, err := rf.resolve()
	if err != nil {
		return err
	}
	// Exploration stops at the first violation; bench keeps going.
	start := time.Now()
	r := explore.Random(tg.program(), explore.Options{Seed: 1, Budget: *runs, Config: tg.cfg, KeepGoing: true, Context: e.ctx})
	el := time.Since(start)
	if r.Stopped == explore.StopCancelled {
		fmt.Fprintln(out, "interrupted")
	}
	fmt.Fprintf(out, "scenario %s: %d runs, %d steps in %v\n", tg.title(), r.Runs, r.Steps, el.Round(time.Millisecond))
	fmt.Fprintf(out, "  %.0f runs/s, %.1f ns/step (random walk, checkers on, tracing off)\n",
		float64(r.Runs)/el.Seconds(), float64(el.Nanoseconds())/float64(max(r.Steps, 1)))
	return nil
}
