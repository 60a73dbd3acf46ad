package explore

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/dcsim/dcsim/sim"
)

// sample explores with a fresh strategy per run: run i is mk(i)'s, and
// mk must depend on nothing but i (it is called from several
// goroutines). Runs spread over Options.Workers goroutines, each run
// confined to the goroutine that executes it (a World's coroutines are
// not to be shared). Workers take chunks of consecutive run indexes from
// a shared counter and the results are folded in index order, so the
// result — runs, distinct runs, steps, marks, and the first violation,
// the one with the lowest index — is the same for any number of workers.
// Only a time limit or an interrupt, which stop between chunks, can make
// it differ.
//
// Why chunks: a run takes 10-100 µs, and handing every outcome to the
// folding goroutine cost a channel send, a wake-up and a map entry per
// run, serialised on that goroutine. A worker now sums the runs that
// report nothing into a segment (runs, steps, marks, hashes) and hands
// back their Worlds at once; only runs that report, or that the caller
// wants to see (OnRun), travel whole.
func (e *explorer) sample(mk func(i int) sim.Strategy) *Result {
	workers := e.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, e.opts.budget())
	if workers <= 1 {
		for i := 0; ; i++ {
			out, more := e.run(mk(i))
			out.Release()
			if !more {
				break
			}
		}
		return e.finish()
	}
	chunk := chunkSize(e.opts.budget(), workers)
	var (
		next    atomic.Int64 // the next chunk to take
		stop    atomic.Bool
		wg      sync.WaitGroup
		results = make(chan *batch, 2*workers)
		// window bounds the chunks taken but not yet folded, so that a
		// slow chunk cannot make the others pile up outcomes behind it.
		window = make(chan struct{}, 2*workers)
	)
	ctx := e.opts.Context
	for range workers {
		wg.Go(func() {
			for {
				window <- struct{}{}
				lo := int(next.Add(1)-1) * chunk
				if stop.Load() || lo >= e.opts.budget() || (ctx != nil && ctx.Err() != nil) {
					<-window
					return
				}
				e.sampleChunk(mk, lo, min(lo+chunk, e.opts.budget()), &stop, results)
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	ready := map[int]*batch{}
	folded, folding := 0, true
	for b := range results {
		if !folding {
			b.release(window)
			continue
		}
		ready[b.lo] = b
		for folding {
			d, ok := ready[folded]
			if !ok {
				break
			}
			delete(ready, folded)
			folded = d.hi
			if !e.foldBatch(d) {
				folding = false
				stop.Store(true)
			}
			d.release(window)
		}
		if !folding {
			// Runs past the stop are not part of the result; their
			// tokens go back so that no worker waits for one.
			for lo, d := range ready {
				d.release(window)
				delete(ready, lo)
			}
		}
	}
	if folding && e.res.Stopped == StopNone && ctx != nil && ctx.Err() != nil {
		// The workers stopped before the fold noticed the context.
		e.res.Stopped = StopCancelled
		if ctx.Err() == context.DeadlineExceeded {
			e.res.Stopped = StopTime
		}
	}
	return e.finish()
}

// chunkSize is how many consecutive runs a worker takes at a time: large
// enough that handing a chunk over costs little against its runs, small
// enough that every worker gets many chunks (the last ones finish
// together) and that a violation found early is not kept waiting long.
func chunkSize(budget, workers int) int {
	return max(1, min(32, budget/(workers*16)))
}

// batch is a contiguous range [lo, hi) of runs, folded as one: a segment
// of runs that report nothing, then at most one run that travels whole.
// The last batch of a chunk gives its window token back when released.
type batch struct {
	lo, hi int
	plain  segment
	out    *sim.Outcome // the run at hi-1 when it travels whole
	rc     *sim.Report
	last   bool
}

// segment keeps the runs that report nothing, in the order fold sees
// them, as little as fold needs: a run's steps, its hash and its marks.
type segment struct {
	runs   int
	steps  []int64
	hashes []uint64
	marks  []runMarks
}

// runMarks are the marks of the segment's run i (runs without marks have
// no entry).
type runMarks struct {
	i     int
	marks map[string]int
}

// sampleChunk executes runs [lo, hi) and sends them in batches: one
// ends at every run that travels whole, so that a violation reaches the
// fold at once, and the last at hi (or where stop cut the chunk short).
func (e *explorer) sampleChunk(mk func(i int) sim.Strategy, lo, hi int, stop *atomic.Bool, results chan<- *batch) {
	b := &batch{lo: lo, hi: lo}
	for i := lo; i < hi; i++ {
		if stop.Load() {
			break
		}
		out := sim.Execute(e.prog, e.opts.Config, mk(i))
		var rc *sim.Report
		if e.recheckDue(i) && out.Err == nil {
			rc = e.recheck(out)
		}
		b.hi = i + 1
		if rc == nil && e.plain(out) {
			b.plain.add(out)
			out.Release()
			continue
		}
		b.out, b.rc = out, rc
		if i+1 == hi {
			break
		}
		results <- b
		b = &batch{lo: i + 1, hi: i + 1}
	}
	// The last batch is never an empty one after a whole run: its lo
	// would be the next chunk's.
	b.last = true
	results <- b
}

// plain reports whether a run can be folded as a sum: no error, no
// report the exploration must see, and no caller watching every run.
func (e *explorer) plain(out *sim.Outcome) bool {
	return out.Err == nil && e.opts.OnRun == nil &&
		(out.Report == nil || slices.Contains(e.opts.Ignore, out.Report.Rule))
}

func (s *segment) add(out *sim.Outcome) {
	if len(out.Marks) > 0 {
		m := make(map[string]int, len(out.Marks))
		for k, v := range out.Marks {
			m[k] = v
		}
		s.marks = append(s.marks, runMarks{s.runs, m})
	}
	s.runs++
	s.steps = append(s.steps, out.Steps)
	s.hashes = append(s.hashes, out.Hash)
}

// foldBatch folds a batch's segment and then its whole run, and reports
// whether the exploration goes on.
func (e *explorer) foldBatch(b *batch) bool {
	if s := &b.plain; s.runs > 0 {
		// A DFS worker cannot know where the budget ends: fold no run
		// past it.
		n := min(s.runs, e.opts.budget()-e.res.Runs)
		e.res.Runs += n
		for i := range n {
			e.res.Steps += s.steps[i]
			e.noteHash(s.hashes[i])
		}
		for _, rm := range s.marks {
			if rm.i < n {
				for k, v := range rm.marks {
					e.res.Marks[k] += v
				}
			}
		}
		if e.opts.Progress != nil {
			e.opts.Progress(e.res.Runs)
		}
		if !e.budgetLeft() {
			return false
		}
	}
	if b.out == nil {
		return true
	}
	return e.fold(b.out, b.rc)
}

// release hands back the batch's outcome and, for a chunk's last batch,
// its window token.
func (b *batch) release(window <-chan struct{}) {
	if b.out != nil {
		b.out.Release()
	}
	if b.last {
		<-window
	}
}
