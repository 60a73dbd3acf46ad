package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/dcsim/dcsim/internal/native"
)

// nativeRow is the native baseline of one race case: each mode's
// measurements (plain, jitter, and jitter under -race in a -race build),
// taken lim.nativeRepeat times.
type nativeRow struct {
	c     native.Case
	modes [][]native.Stats
}

func measureNative(c native.Case, lim raceLimits) *nativeRow {
	modes := []native.Mode{native.Plain, native.Jitter}
	if native.RaceDetector {
		modes = append(modes, native.Jitter)
	}
	r := &nativeRow{c: c}
	for _, m := range modes {
		var sts []native.Stats
		for range max(lim.nativeRepeat, 1) {
			sts = append(sts, native.Measure(c, m, lim.native))
		}
		r.modes = append(r.modes, sts)
	}
	return r
}

// cell is column i (plain, jitter, -race) of the table.
func (r *nativeRow) cell(i int) string {
	switch {
	case r == nil:
		return "-"
	case i >= len(r.modes):
		return "(-race build)"
	}
	s := nativeSummary(r.modes[i])
	if r.c.Invisible != "" {
		return "not detectable natively: " + s
	}
	return s
}

// nativeSummary is one measurement as before ("7 in 171µs (wrong
// result)"), or over repeats the median with [min-max] of executions and
// of wall time (a repeat that found nothing counts at its cap) and how
// many repeats found the bug.
func nativeSummary(sts []native.Stats) string {
	found, slow := 0, 0
	var verdict native.Verdict
	execs := make([]int, len(sts))
	times := make([]time.Duration, len(sts))
	for i, st := range sts {
		execs[i], times[i] = st.Execs, st.Elapsed
		slow += st.Slow
		if st.Found != native.OK {
			found++
			verdict = st.Found
		}
	}
	slowNote := ""
	if slow > 0 {
		slowNote = fmt.Sprintf("; %d slow, not hung", slow)
	}
	if len(sts) == 1 {
		if found == 0 {
			return fmt.Sprintf("none in %d (%s%s)", execs[0], fmtDur(times[0]), slowNote)
		}
		return fmt.Sprintf("%d in %s (%s%s)", execs[0], fmtDur(times[0]), verdict, slowNote)
	}
	slices.Sort(execs)
	slices.Sort(times)
	n := len(sts)
	what := "none"
	if found > 0 {
		what = verdict.String()
	}
	return fmt.Sprintf("%d [%d-%d] in %s [%s-%s] (%s %d/%d%s)", execs[n/2], execs[0], execs[n-1],
		fmtDur(times[n/2]), fmtDur(times[0]), fmtDur(times[n-1]), what, found, n, slowNote)
}

// printNativeNotes says, under the table, why a case's bug is invisible
// to a native test, and for the others how the wall time to the first
// violation of dcsim's DFS and random walk compares with the native
// jitter's median.
func printNativeNotes(out io.Writer, rows []raceRow) {
	for _, r := range rows {
		if r.native == nil {
			continue
		}
		if r.native.c.Invisible != "" {
			fmt.Fprintf(out, "not detectable natively: %s: %s.\n", r.cell, r.native.c.Invisible)
			continue
		}
		if r.native.c.Rare != "" {
			fmt.Fprintf(out, "rare natively: %s: %s.\n", r.cell, r.native.c.Rare)
		}
		jit := medianTime(r.native.modes[1])
		if jit < 0 {
			continue
		}
		dfs, rnd := r.strategies[slices.Index(raceStrategies, "dfs")], r.strategies[slices.Index(raceStrategies, "random")]
		fmt.Fprintf(out, "native jitter vs dcsim: %s (pre %d): native jitter %s; DFS %s (%s); random %s (%s).\n", r.cell, r.preempts,
			fmtDur(jit), dfs, ratio(jit, dfs), rnd, ratio(jit, rnd))
	}
}

// medianTime is the median wall time of the measurements that found the
// bug, or -1 if none did.
func medianTime(sts []native.Stats) time.Duration {
	var ts []time.Duration
	for _, st := range sts {
		if st.Found != native.OK {
			ts = append(ts, st.Elapsed)
		}
	}
	if len(ts) == 0 {
		return -1
	}
	slices.Sort(ts)
	return ts[len(ts)/2]
}

func ratio(nativeTime time.Duration, s searchStat) string {
	if !s.found || s.time <= 0 {
		return "not found"
	}
	if r := float64(nativeTime) / float64(s.time); r >= 1 {
		return fmt.Sprintf("dcsim %.3gx faster", r)
	}
	return fmt.Sprintf("dcsim %.3gx slower", float64(s.time)/float64(nativeTime))
}

func repeatNote(n int) string {
	if n <= 1 {
		return "one measurement per mode"
	}
	return fmt.Sprintf("each native mode measured %d times: median [min-max] of executions and of wall time, and repeats that found the bug", n)
}

// matchAnyGlob says whether name matches one of the comma-separated
// globs of pats (bench --races --scenario).
func matchAnyGlob(pats, name string) bool {
	for _, p := range strings.Split(pats, ",") {
		if ok, _ := matchGlob(p, name); ok {
			return true
		}
	}
	return false
}

// nativeConfirm is how long a timed-out native execution is given before
// its hang is believed: the race detector slows executions five- to
// tenfold, and a loaded machine stalls goroutines for a second or more.
func nativeConfirm() time.Duration {
	if native.RaceDetector {
		return 5 * time.Second
	}
	return 2 * time.Second
}
