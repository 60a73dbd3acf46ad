package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Progress intervals: a terminal line is redrawn often; a log (CI, a
// pipe) gets a plain line now and then.
var (
	progressRedraw = 200 * time.Millisecond
	progressEvery  = 5 * time.Second
)

// progress reports on stderr which cell check is on and how many runs
// it has done: one line redrawn in place on a terminal, a plain line
// every progressEvery otherwise. It only reads what the check loop
// publishes, so the results never depend on it.
type progress struct {
	out      io.Writer
	tty      bool
	n        int
	start    time.Time
	runsDone atomic.Int64
	mu       sync.Mutex
	label    string
	budget   int
	stopc    chan struct{}
	wg       sync.WaitGroup
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func startProgress(out io.Writer, n int, start time.Time) *progress {
	p := &progress{out: out, tty: isTerminal(out), n: n, start: start, stopc: make(chan struct{})}
	every := progressEvery
	if p.tty {
		every = progressRedraw
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stopc:
				return
			case <-t.C:
				p.print()
			}
		}
	}()
	return p
}

// cell publishes that cell i has begun.
func (p *progress) cell(i int, c checkCell, budget int) {
	p.mu.Lock()
	p.label = fmt.Sprintf("[%d/%d] %s@%s", i+1, p.n, c.sc.Name, c.cell.Variant)
	p.budget = budget
	p.mu.Unlock()
	p.runsDone.Store(0)
}

// runs is the explorer's progress callback.
func (p *progress) runs(n int) { p.runsDone.Store(int64(n)) }

func (p *progress) print() {
	p.mu.Lock()
	label, budget := p.label, p.budget
	p.mu.Unlock()
	line := fmt.Sprintf("check %s: %d/%d runs, %s elapsed", label, p.runsDone.Load(), budget,
		time.Since(p.start).Round(100*time.Millisecond))
	if p.tty {
		fmt.Fprintf(p.out, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.out, line)
	}
}

// stop ends the reports and clears the terminal line.
func (p *progress) stop() {
	close(p.stopc)
	p.wg.Wait()
	if p.tty {
		fmt.Fprint(p.out, "\r\033[K")
	}
}
