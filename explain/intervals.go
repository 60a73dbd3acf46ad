package explain

import (
	"slices"
	"strings"
)

// hold is a lock held by a task over steps [from, to).
type hold struct {
	task     int
	lock     string
	from, to int64
}

// holds derives lock holds from the per-line states: a lock appears in
// a task's held list at one line and leaves it at a later one.
func (r *Run) holds() []hold {
	var out []hold
	open := map[[2]string]int64{} // (task, lock) -> from
	var order [][2]string
	at := func(i int) int64 {
		if i+1 < len(r.Lines) {
			return r.Lines[i+1].N
		}
		return r.Steps + 1
	}
	for i, l := range r.Lines {
		for k, t := range l.State.Tasks {
			for _, h := range t.Held {
				key := [2]string{r.Tasks[k], h}
				if _, ok := open[key]; !ok {
					open[key] = l.N
					order = append(order, key)
				}
			}
		}
		for _, key := range slices.Clone(order) {
			k := slices.Index(r.Tasks, key[0])
			if !slices.Contains(l.State.Tasks[k].Held, key[1]) {
				out = append(out, hold{k, key[1], open[key], at(i - 1)})
				delete(open, key)
				order = slices.DeleteFunc(order, func(o [2]string) bool { return o == key })
			}
		}
	}
	for _, key := range order {
		out = append(out, hold{slices.Index(r.Tasks, key[0]), key[1], open[key], r.Steps + 1})
	}
	slices.SortStableFunc(out, func(a, b hold) int { return int(a.from - b.from) })
	return out
}

// block is a period a task spent blocked.
type block struct {
	task     int
	what     string
	why      string
	from, to int64
}

// blocks derives blocked periods from the per-line task states.
func (r *Run) blocks(end int64) []block {
	var out []block
	cur := map[int]*block{}
	for _, l := range r.Lines {
		for k, t := range l.State.Tasks {
			b := cur[k]
			blocked := strings.HasPrefix(t.State, "blocked")
			if blocked && b == nil {
				what := strings.TrimPrefix(strings.TrimPrefix(t.State, "blocked"), " on ")
				why := strings.Join(append(holdersLine(t.Holders), t.Wakers...), "; ")
				cur[k] = &block{task: k, what: what, why: why, from: l.N}
			} else if !blocked && b != nil {
				b.to = l.N
				out = append(out, *b)
				delete(cur, k)
			}
		}
	}
	for k := range r.Tasks {
		if b := cur[k]; b != nil {
			b.to = end
			out = append(out, *b)
		}
	}
	slices.SortStableFunc(out, func(a, b block) int { return int(a.from - b.from) })
	return out
}

func holdersLine(h []string) []string {
	if len(h) == 0 {
		return nil
	}
	return []string{"held by " + strings.Join(h, ", ")}
}
