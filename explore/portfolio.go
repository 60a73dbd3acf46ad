package explore

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dcsim/dcsim/sim"
)

// sample explores with a fresh strategy per run: run i is mk(i)'s, and
// mk must depend on nothing but i (it is called from several
// goroutines). Runs spread over Options.Workers goroutines, each run
// confined to the goroutine that executes it (a World's coroutines are
// not to be shared). Workers take run indexes from a shared counter and
// the results are folded in index order, so the result — runs, distinct
// runs, steps, marks, and the first violation, the one with the lowest
// index — is the same for any number of workers. Only a time limit or an
// interrupt, which stop between runs, can make it differ.
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
	type done struct {
		i   int
		out *sim.Outcome
		rc  *sim.Report
	}
	var (
		next    atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
		results = make(chan done, workers)
		// window bounds the runs taken but not yet folded, so that a slow
		// run cannot make the others pile up outcomes behind it.
		window = make(chan struct{}, 4*workers)
	)
	ctx := e.opts.Context
	for range workers {
		wg.Go(func() {
			for {
				window <- struct{}{}
				i := int(next.Add(1) - 1)
				if stop.Load() || i >= e.opts.budget() || (ctx != nil && ctx.Err() != nil) {
					<-window
					return
				}
				out := sim.Execute(e.prog, e.opts.Config, mk(i))
				var rc *sim.Report
				if e.recheckDue(i) && out.Err == nil {
					rc = e.recheck(out)
				}
				results <- done{i, out, rc}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	ready := map[int]done{}
	folded, folding := 0, true
	for r := range results {
		if !folding {
			r.out.Release()
			<-window
			continue
		}
		ready[r.i] = r
		for folding {
			d, ok := ready[folded]
			if !ok {
				break
			}
			delete(ready, folded)
			folded++
			if !e.fold(d.out, d.rc) {
				folding = false
				stop.Store(true)
			}
			d.out.Release()
			<-window
		}
		if !folding {
			// Runs past the stop are not part of the result; their
			// tokens go back so that no worker waits for one.
			for i, d := range ready {
				d.out.Release()
				delete(ready, i)
				<-window
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
