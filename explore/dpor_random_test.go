package explore_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

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

// randomProgram builds a small program from seed: 2 or 3 tasks of 2 to 4
// operations on two shared variables, a lock and private objects. Every
// run reports its outcome (the values each task read, and the final
// values) as the rule of an end-of-run violation, so the distinct
// violations of an exploration are the distinct outcomes it reached.
func randomProgram(seed uint64) sim.Program {
	r := rand.New(rand.NewPCG(seed, 0))
	tasks := make([][]int, 2+r.IntN(2))
	var desc []string
	for i := range tasks {
		for range 2 + r.IntN(3) {
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
		vx, vy := 0, 0
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
			})
		}
		w.AtEnd(func(w *sim.World) {
			w.Violation(sim.KindInvariant, fmt.Sprintf("outcome %v x=%d y=%d", seen, vx, vy), "the run's outcome", "")
		})
	}}
}
