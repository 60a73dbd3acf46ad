package explore_test

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

var randomLock = sim.NewLockClass("random lock")

// Operations of randomProgram's tasks.
const (
	opReadX = iota
	opReadY
	opWriteX
	opWriteY
	opLockedIncX // lock; read x; write x+1; unlock
	opPrivate    // a step on the task's own object
	opKinds
)

// randomProgram builds a small program from seed: 2 or 3 tasks of 2 or 3
// operations on two shared variables, a lock and private objects. The
// last task to finish marks the run's outcome (the values each task
// read, and the final values), so the marks of an exploration are the
// outcomes it reached, and reports a quarter of the outcomes (by hash)
// as violations, each its own rule.
func randomProgram(seed uint64) sim.Program {
	r := rand.New(rand.NewPCG(seed, 0))
	tasks := make([][]int, 2+r.IntN(2))
	var desc []string
	for i := range tasks {
		for range 2 + r.IntN(2) {
			tasks[i] = append(tasks[i], r.IntN(opKinds))
		}
		desc = append(desc, fmt.Sprint(tasks[i]))
	}
	return sim.Program{Name: fmt.Sprintf("test/random-%d %s", seed, strings.Join(desc, " ")), Setup: func(w *sim.World) {
		x, y := &sim.Object{}, &sim.Object{}
		w.NewStatic(x, "x")
		w.NewStatic(y, "y")
		lo := &sim.Object{}
		w.NewStatic(lo, "lock")
		var l sim.SpinLock
		l.Init(lo, "lock", randomLock)
		vx, vy, running := 0, 0, len(tasks)
		seen := make([][]int, len(tasks))
		for i, ops := range tasks {
			own := &sim.Object{}
			w.NewStatic(own, "own")
			w.Go(fmt.Sprintf("t%d", i), func(t *sim.Task) {
				for k, op := range ops {
					switch op {
					case opReadX:
						t.Read(x, "v")
						seen[i] = append(seen[i], vx)
					case opReadY:
						t.Read(y, "v")
						seen[i] = append(seen[i], vy)
					case opWriteX:
						t.Write(x, "v")
						vx = 10*(i+1) + k
					case opWriteY:
						t.Write(y, "v")
						vy = 10*(i+1) + k
					case opLockedIncX:
						l.Lock(t)
						t.Read(x, "v")
						v := vx
						t.Write(x, "v")
						vx = v + 1
						l.Unlock(t)
					case opPrivate:
						t.Write(own, "v")
					}
				}
				t.Write(lo, "running") // the count is shared state too
				if running--; running == 0 {
					out := fmt.Sprintf("outcome %v x=%d y=%d", seen, vx, vy)
					t.Mark(out)
					h := fnv.New32a()
					h.Write([]byte(out))
					if h.Sum32()%4 == 0 {
						t.Violation(sim.KindInvariant, out, "a quarter of the outcomes", "")
					}
				}
			})
		}
	}}
}

// Coons et al.'s BPOR (DPOR with Options.ConservativeBound) is complete
// within the preemption bound: on random programs it reaches exactly the
// outcomes, the violations and the trace classes of the exhaustive
// bounded DFS at every bound 0..3. (The default DPOR, with bounded sleep sets and fewer
// conservative points, is not: docs/performance.md, "Bounded sleep
// sets".)
func TestBPORMatchesDFSOnRandomPrograms(t *testing.T) {
	const seeds = 60
	want, tested := seeds, 0
	if testing.Short() {
		want = 4
	}
	for seed := uint64(1); seed <= seeds && tested < want; seed++ {
		p := randomProgram(seed)
		// Only programs whose tree at bound 3 is small: the DFS's survey
		// re-executes every run to name its trace class.
		if r := explore.DFS(p, explore.Options{MaxPreemptions: 3, Budget: 300, KeepGoing: true, Workers: 1}); !r.Exhausted {
			continue
		}
		tested++
		for bound := range 4 {
			o := explore.Options{MaxPreemptions: bound, Budget: 1 << 20, Workers: 1}
			dfs := explore.SurveyOf(explore.DFS, p, o)
			o.ConservativeBound = true
			bpor := explore.SurveyOf(explore.DPOR, p, o)
			missing := 0
			for c := range dfs.Classes {
				if !bpor.Classes[c] {
					missing++
				}
			}
			if !bpor.Result.Exhausted || !maps.Equal(keys(dfs.Groups), keys(bpor.Groups)) ||
				!maps.Equal(keys(dfs.Result.Marks), keys(bpor.Result.Marks)) || missing > 0 {
				t.Errorf("%s bound %d: DFS %d outcomes, %d violations; BPOR %d, %d (%s); BPOR missed %d of %d trace classes",
					p.Name, bound, len(dfs.Result.Marks), len(dfs.Groups), len(bpor.Result.Marks), len(bpor.Groups),
					bpor.Result.Coverage(), missing, len(dfs.Classes))
			}
		}
	}
	if tested < min(want, seeds/4) {
		t.Errorf("only %d of %d random programs were small enough", tested, seeds)
	}
	t.Logf("%d random programs compared", tested)
}
