package explore

import (
	"sync"
	"sync/atomic"

	"github.com/dcsim/dcsim/sim"
)

// The DFS on several goroutines (Options.Workers > 1), with the result of
// the DFS on one: the same runs, distinct runs, steps, marks, first
// violation, exhaustion and cut flags.
//
// The DFS is stateless between runs: the next run's prefix follows from
// the last run's decision log alone (nextPrefix). So a part of the tree is
// a task (prefix, floor): run the prefix, then go on as the DFS does but
// never back up to a decision below floor. The whole tree is ([], 0). A
// worker splits its task when another worker is idle: it hands over the
// shallowest alternative it has not tried, (p, a), as the task
// (log[:p]+a, floor), and keeps only the decisions deeper than p for
// itself (floor p+1). Everything it keeps comes before the handed-over
// part in the DFS's order, and a later split hands over a deeper
// alternative, which comes before the earlier handed-over part: so a
// task's output is its own runs, then its handed-over parts in the
// reverse order of handing over. The fold walks these outputs in that
// order (pre-order), which is the DFS's order whatever the workers did.
//
// What the workers cannot know is where the fold stops (a violation, the
// budget): their runs past it are wasted, and the result is the same.
// Runs that report travel as their decision logs and the fold executes
// them again, so that no World waits for the fold.

// dfsTask is a part of the tree and the stream its output goes to.
type dfsTask struct {
	prefix []sim.Decision
	floor  int
	out    *dfsStream
}

// dfsStream is a task's output, in the DFS's order: sums of runs that
// report nothing, runs that report (as decision logs), and the streams of
// handed-over parts.
type dfsStream struct {
	items  []dfsItem
	closed bool
	// complete says the task covered its part of the tree; a task cut
	// short by the fold's stop had more to run.
	complete bool
}

type dfsItem struct {
	plain *segment
	whole []sim.Decision
	rc    *sim.Report
	part  *dfsStream
}

// dfsPool is the state shared by the workers and the fold of one bound.
type dfsPool struct {
	mu      sync.Mutex
	changed sync.Cond // an item, a closed stream, a task or an idle worker
	queue   []*dfsTask
	idle    int
	workers int
	stop    atomic.Bool
	// cutBound and cutFaults are the workers' cut flags, or-ed.
	cutBound, cutFaults bool
}

// dfsBoundParallel is dfsBound on e.opts.Workers goroutines.
func (e *explorer) dfsBoundParallel(bound int) (exhausted, more bool) {
	pool := &dfsPool{workers: e.opts.Workers}
	pool.changed.L = &pool.mu
	root := &dfsStream{}
	pool.queue = append(pool.queue, &dfsTask{out: root})
	var wg sync.WaitGroup
	for range pool.workers {
		wg.Go(func() { pool.work(e, bound) })
	}
	f := &dfsFold{e: e, pool: pool}
	more = f.stream(root)
	if !more {
		pool.stop.Store(true)
		pool.mu.Lock()
		pool.changed.Broadcast()
		pool.mu.Unlock()
	}
	wg.Wait()
	e.cutBound = e.cutBound || pool.cutBound
	e.cutFaults = e.cutFaults || pool.cutFaults
	if more {
		return true, true
	}
	// The fold stopped. As in dfsBound, the tree counts as exhausted if
	// the run that stopped it was the tree's last.
	return f.nothingAfter(), false
}

// work runs tasks until the tree is done or the fold stops.
func (pool *dfsPool) work(e *explorer, bound int) {
	w := &explorer{prog: e.prog, opts: e.opts}
	ran := 0
	for {
		pool.mu.Lock()
		for len(pool.queue) == 0 && !pool.stop.Load() {
			pool.idle++
			if pool.idle == pool.workers {
				// Every worker idle and nothing queued: the tree is done.
				pool.changed.Broadcast()
				pool.mu.Unlock()
				pool.finish(w)
				return
			}
			pool.changed.Wait()
			if pool.idle == pool.workers {
				pool.mu.Unlock()
				pool.finish(w)
				return
			}
			pool.idle--
		}
		if pool.stop.Load() {
			// Tasks never started had work left: close them as cut short.
			for _, t := range pool.queue {
				t.out.closed = true
			}
			pool.queue = nil
			pool.changed.Broadcast()
			pool.mu.Unlock()
			pool.finish(w)
			return
		}
		t := pool.queue[len(pool.queue)-1]
		pool.queue = pool.queue[:len(pool.queue)-1]
		pool.mu.Unlock()
		pool.run(w, t, bound, &ran)
	}
}

// finish or-s a worker's cut flags into the pool's.
func (pool *dfsPool) finish(w *explorer) {
	pool.mu.Lock()
	pool.cutBound = pool.cutBound || w.cutBound
	pool.cutFaults = pool.cutFaults || w.cutFaults
	pool.mu.Unlock()
}

// run explores one task as dfsBound does, splitting it while another
// worker is idle.
func (pool *dfsPool) run(w *explorer, t *dfsTask, bound int, ran *int) {
	var (
		seg    segment
		parts  []*dfsStream // handed over, in the order handed over
		prefix = t.prefix
		floor  = t.floor
	)
	flush := func(item dfsItem) {
		pool.mu.Lock()
		if seg.runs > 0 {
			s := seg
			t.out.items = append(t.out.items, dfsItem{plain: &s})
			seg = segment{}
		}
		if item.whole != nil || item.part != nil {
			t.out.items = append(t.out.items, item)
		}
		pool.changed.Broadcast()
		pool.mu.Unlock()
	}
	complete := false
	for !pool.stop.Load() {
		out := sim.Execute(w.prog, w.opts.Config, &sim.Replay{Log: prefix})
		*ran++
		var rc *sim.Report
		// Every RecheckEvery-th run of this worker is replayed: which runs
		// those are depends on how the tree was split, so only a program
		// that is itself nondeterministic can get a different result.
		if w.recheckDue(*ran-1) && out.Err == nil {
			rc = w.recheck(out)
		}
		if rc == nil && w.plain(out) {
			seg.add(out)
			if seg.runs == 32 {
				flush(dfsItem{})
			}
		} else {
			flush(dfsItem{whole: append([]sim.Decision(nil), out.Decisions...), rc: rc})
		}
		next, found := w.nextPrefix(out.Decisions, bound)
		out.Release()
		if !found || len(next)-1 < floor {
			complete = true
			break
		}
		if p, alt, ok := pool.wantSplit(w, next, bound, floor); ok {
			part := &dfsStream{}
			pool.mu.Lock()
			pool.queue = append(pool.queue, &dfsTask{prefix: alt, floor: floor, out: part})
			pool.changed.Broadcast()
			pool.mu.Unlock()
			parts = append(parts, part)
			floor = p + 1
		}
		prefix = next
	}
	flush(dfsItem{})
	pool.mu.Lock()
	for i := len(parts) - 1; i >= 0; i-- {
		t.out.items = append(t.out.items, dfsItem{part: parts[i]})
	}
	t.out.closed, t.out.complete = true, complete
	pool.changed.Broadcast()
	pool.mu.Unlock()
}

// wantSplit finds, when a worker is idle and nothing is queued, the
// shallowest untried alternative at or above floor after next (which the
// task runs next): its position and the prefix that takes it. Handing
// over next itself would leave the task nothing, so a task whose only
// alternatives are at next's position does not split.
func (pool *dfsPool) wantSplit(w *explorer, next []sim.Decision, bound, floor int) (int, []sim.Decision, bool) {
	pool.mu.Lock()
	hungry := pool.idle > 0 && len(pool.queue) == 0
	pool.mu.Unlock()
	if !hungry {
		return 0, nil, false
	}
	var last []sim.Decision // the first alternative at the shallowest position
	for cand := next; ; {
		c, ok := w.nextPrefix(cand, bound)
		if !ok || len(c)-1 < floor {
			break
		}
		if last == nil || len(c) < len(last) {
			// The first alternative at a shallower position: the ones
			// after it at that position come after it in the order.
			last = c
		}
		cand = c
	}
	if last == nil || len(last) >= len(next) {
		return 0, nil, false
	}
	return len(last) - 1, last, true
}

// dfsFold walks the streams in the DFS's order and folds them.
type dfsFold struct {
	e    *explorer
	pool *dfsPool
	// path is where the walk is, or stopped: for each stream from the
	// root down, the index after its item being folded.
	path []dfsPos
	// cutInside says the budget ended the walk inside a sum of runs.
	cutInside bool
}

type dfsPos struct {
	s *dfsStream
	i int
}

// stream folds s and what it hands over, and reports whether to go on.
func (f *dfsFold) stream(s *dfsStream) bool {
	f.path = append(f.path, dfsPos{s: s})
	top := len(f.path) - 1
	for i := 0; ; i++ {
		item, ok := f.item(s, i)
		if !ok {
			f.path = f.path[:top]
			return true
		}
		f.path[top].i = i + 1
		switch {
		case item.part != nil:
			if !f.stream(item.part) {
				return false
			}
		case item.plain != nil:
			left := f.e.opts.budget() - f.e.res.Runs
			if !f.e.foldBatch(&batch{plain: *item.plain}) {
				f.cutInside = item.plain.runs > left
				return false
			}
		default:
			out := sim.Execute(f.e.prog, f.e.opts.Config, &sim.Replay{Log: item.whole})
			more := f.e.fold(out, item.rc)
			out.Release()
			if !more {
				return false
			}
		}
	}
}

// item waits for s's item i; false when s closed before it.
func (f *dfsFold) item(s *dfsStream, i int) (dfsItem, bool) {
	pool := f.pool
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for i >= len(s.items) && !s.closed {
		pool.changed.Wait()
	}
	if i < len(s.items) {
		return s.items[i], true
	}
	return dfsItem{}, false
}

// nothingAfter reports, once the workers are done, whether the walk's
// stopping point was the tree's last run: no run after it on the path,
// and every stream after it complete.
func (f *dfsFold) nothingAfter() bool {
	if f.cutInside {
		return false
	}
	for k := len(f.path) - 1; k >= 0; k-- {
		p := f.path[k]
		if !p.s.complete || !f.emptyFrom(p.s.items[p.i:]) {
			return false
		}
	}
	return true
}

func (f *dfsFold) emptyFrom(items []dfsItem) bool {
	for _, it := range items {
		switch {
		case it.whole != nil, it.plain != nil && it.plain.runs > 0:
			return false
		case it.part != nil:
			if !it.part.complete || !f.emptyFrom(it.part.items) {
				return false
			}
		}
	}
	return true
}
