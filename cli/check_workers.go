package cli

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// runCells explores the cells on cf.workers goroutines and returns their
// rows in the cells' order, whatever order they finished in: every cell
// is explored the same way on any worker (each run is confined to the
// goroutine that executes it), so only the times depend on the number of
// workers. An interrupt (ctx cancelled) lets the cells under way finish,
// cut short, and starts no more; the rows are those of the cells done.
func runCells(ctx context.Context, cells []checkCell, cf *checkFlags, start time.Time, prog *progress) []cellResult {
	rows := make([]*cellResult, len(cells))
	var (
		next, done atomic.Int64
		mu         sync.Mutex // serialises afterCell
		wg         sync.WaitGroup
	)
	for range max(1, min(cf.workers, len(cells))) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(cells) {
					return
				}
				c := cells[i]
				cctx, cancel := cellContext(ctx, cf, start, len(cells), i)
				prog.cell(i, c, budgetOf(c.cell, cf.budgetScale))
				res := checkOne(cctx, c, cf, prog.runs)
				cancel()
				if cf.noTimes {
					res.Seconds = nil
				}
				rows[i] = &res
				if cf.afterCell != nil {
					mu.Lock()
					cf.afterCell(int(done.Add(1)))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	out := []cellResult{}
	for _, r := range rows {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out
}

// describe records in the report how the cells were explored, where that
// is not the default: the strategy and its seed, and the shard.
func (cf *checkFlags) describe(rep *checkReport) {
	if cf.strategy != "" && cf.strategy != "dfs" {
		rep.Strategy = cf.strategy
		seed := uint64(cf.seed)
		rep.Seed = &seed
		if cf.strategy == "pct" {
			rep.Depth = cf.depth
		}
	}
	if cf.shard != nil {
		i := cf.shard.index
		rep.ShardIndex, rep.ShardTotal = &i, cf.shard.total
	}
}
