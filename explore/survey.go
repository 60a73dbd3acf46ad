package explore

import (
	"encoding/binary"
	"hash/fnv"

	"github.com/dcsim/dcsim/sim"
)

// Survey is what an exploration covered, for checking a reduction against
// full enumeration: the distinct violations (GroupKey) and the
// Mazurkiewicz trace classes of its runs (TraceClass).
type Survey struct {
	Result  *Result
	Groups  map[string]int
	Classes map[uint64]bool
}

// SurveyOf runs explore (DFS or DPOR) on p with o, keeping going past
// violations, and gathers the groups and trace classes of its runs.
func SurveyOf(explore func(sim.Program, Options) *Result, p sim.Program, o Options) *Survey {
	s := &Survey{Groups: map[string]int{}, Classes: map[uint64]bool{}}
	o.All = true
	cfg := o.Config
	o.OnRun = func(out *sim.Outcome) {
		if out.Err == nil {
			s.Classes[TraceClass(p, cfg, out.Decisions)] = true
		}
	}
	s.Result = explore(p, o)
	for _, g := range s.Result.Groups {
		s.Groups[g.Key()] = g.Count
	}
	return s
}

var opRCUReclaim = "rcu reclaim"

// TraceClass identifies the Mazurkiewicz trace of the run that log gives:
// a hash of every task's sequence of steps (op, canonical object, access)
// with each step's happens-before vector clock, and the fault, signal and
// choice decisions each task took. Two runs that differ only in the
// order of independent steps have the same class. RCU reclaims are left
// out: which reader's exit triggers one is an order of reads.
func TraceClass(p sim.Program, cfg sim.Config, log []sim.Decision) uint64 {
	cfg.Trace = sim.TraceCompact
	out := sim.Execute(p, cfg, &sim.Replay{Log: log})
	defer out.Release()
	nt := 0
	for i := range out.Trace {
		nt = max(nt, out.Trace[i].Task+1)
	}
	for i := range log {
		nt = max(nt, int(log[i].Cur)+1)
	}
	type entry struct {
		st *sim.Step
		ev event
		vc []int32
	}
	var entries []entry
	last := make([][]int32, nt)
	count := make([]int32, nt)
	for t := range last {
		last[t] = make([]int32, nt)
	}
	type access struct {
		write []int32
		reads [][]int32
	}
	objs := map[sim.CanonKey]*access{}
	for i := range out.Trace {
		st := &out.Trace[i]
		if st.Task < 0 || st.Op.String() == opRCUReclaim {
			continue
		}
		ev := eventOf(out, st)
		t := ev.task
		c := append([]int32(nil), last[t]...)
		if ev.key.Obj != 0 {
			a := objs[ev.key]
			if a == nil {
				a = &access{}
				objs[ev.key] = a
			}
			if a.write != nil {
				join(c, a.write)
			}
			if ev.acc != sim.AccRead {
				for _, r := range a.reads {
					join(c, r)
				}
			}
			count[t]++
			c[t] = count[t]
			if ev.acc != sim.AccRead {
				a.write, a.reads = c, nil
			} else {
				a.reads = append(a.reads, c)
			}
		} else {
			count[t]++
			c[t] = count[t]
		}
		last[t] = c
		entries = append(entries, entry{st, ev, c})
	}
	// A run halted by a report made in a task is the steps that happen
	// before the reporting one: what the others did meanwhile is cut
	// off at an arbitrary point.
	var upTo []int32
	if r := out.Report; r != nil && r.Task >= 0 && r.Task < nt {
		upTo = last[r.Task]
	}
	perTask := make([][]byte, nt)
	for _, en := range entries {
		t := en.ev.task
		if upTo != nil && en.vc[t] > upTo[t] {
			continue
		}
		b := perTask[t]
		b = binary.LittleEndian.AppendUint16(b, uint16(en.st.Op))
		b = binary.LittleEndian.AppendUint64(b, en.ev.key.Obj)
		b = append(b, byte(en.ev.acc))
		for _, v := range en.vc {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		}
		perTask[t] = b
	}
	for i := range log {
		d := &log[i]
		if isSched(d) || d.Cur < 0 {
			continue
		}
		perTask[d.Cur] = append(perTask[d.Cur], 0xff, byte(d.Kind), byte(d.Value), byte(d.Value>>8))
	}
	h := fnv.New64a()
	for t := range perTask {
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(perTask[t]))))
		h.Write(perTask[t])
	}
	return h.Sum64()
}
