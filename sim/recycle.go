package sim

import "sync/atomic"

// Recycling of model objects across runs.
//
// Once the runtime's own allocations were gone (docs/performance.md, "The
// hot path"), most of a run's heap allocations were the model's objects:
// dentries, inodes, superblocks, hash chains, each made anew in every one
// of the thousands of runs an exploration makes. A Pool or a Slices hands
// them out from the World instead, keeping them for the World's next run.
//
// Lifetimes stay per run. Nothing handed out during a run is reused
// during that run: a freed dentry keeps its memory and its lifetime state,
// so a use after free is still caught (sim/object.go). Only recycling the
// World (Outcome.Release) makes the run's objects available again, zeroed,
// to the World's next run: a recycled object is unborn until the model
// allocates it (Task.Alloc), with a new id and a fresh lifetime. A
// released World belongs to no one (its outcome may not be used again), so
// nothing from the previous run can reach the recycled objects.

// poolCount numbers the pools of a program; each World keeps one free list
// per pool, indexed by that number.
var poolCount atomic.Int32

// recycler is one World's free list of one pool.
type recycler interface {
	// reset zeroes everything handed out in the run just over and makes
	// it available again.
	reset()
}

// pool returns w's free list number id, made by mk on first use.
func (w *World) pool(id int32, mk func() recycler) recycler {
	for int(id) >= len(w.pools) {
		w.pools = append(w.pools, nil)
	}
	r := w.pools[id]
	if r == nil {
		r = mk()
		w.pools[id] = r
	}
	return r
}

// resetPools empties every free list for the World's next run.
func (w *World) resetPools() {
	for _, r := range w.pools {
		if r != nil {
			r.reset()
		}
	}
}

// Pool hands out zeroed values of type T that belong to a World's run.
// Make pools in package-level vars (NewPool).
//
// A *T that is a Recycler is reset by its Recycle method instead of being
// zeroed: a harness record may keep the closure it bound to itself (a
// task's body) for the next run, and must zero everything else.
type Pool[T any] struct{ id int32 }

// Recycler is a pooled value that says itself how to forget a run.
type Recycler interface {
	// Recycle zeroes every field but the ones bound to the value itself.
	Recycle()
}

// NewPool makes a pool of T.
func NewPool[T any]() *Pool[T] { return &Pool[T]{id: poolCount.Add(1) - 1} }

type objPool[T any] struct {
	items []*T
	used  int
}

func (p *objPool[T]) reset() {
	var zero T
	for _, x := range p.items[:p.used] {
		if r, ok := any(x).(Recycler); ok {
			r.Recycle()
		} else {
			*x = zero
		}
	}
	p.used = 0
}

// New returns a zeroed *T for this run of w: one the World's earlier runs
// used (reset by Recycle if it is a Recycler), or a new one. It stays the
// run's until w is recycled.
func (p *Pool[T]) New(w *World) *T {
	s := w.pool(p.id, func() recycler { return &objPool[T]{} }).(*objPool[T])
	if s.used == len(s.items) {
		s.items = append(s.items, new(T))
	}
	x := s.items[s.used]
	s.used++
	return x
}

// Slices hands out slices of T that belong to a World's run, carved from
// arenas the World keeps. A model list that is copied on write (an RCU
// hash chain, whose readers keep the version they loaded) stays copied on
// write: each Make is new memory for the rest of the run. Make them in
// package-level vars (NewSlices).
type Slices[T any] struct{ id int32 }

// NewSlices makes a slice arena of T.
func NewSlices[T any]() *Slices[T] { return &Slices[T]{id: poolCount.Add(1) - 1} }

// sliceChunk is how many elements an arena block holds; a larger slice
// is allocated on its own.
const sliceChunk = 512

type slicePool[T any] struct {
	chunks [][]T
	cur    int // the chunk being carved
	off    int // first free element of chunks[cur]
}

func (p *slicePool[T]) reset() {
	for i := 0; i <= p.cur && i < len(p.chunks); i++ {
		clear(p.chunks[i])
	}
	p.cur, p.off = 0, 0
}

// Make is make([]T, n, capacity) for this run of w.
func (p *Slices[T]) Make(w *World, n, capacity int) []T {
	if capacity > sliceChunk {
		return make([]T, n, capacity)
	}
	s := w.pool(p.id, func() recycler { return &slicePool[T]{} }).(*slicePool[T])
	if len(s.chunks) == 0 {
		s.chunks = append(s.chunks, make([]T, sliceChunk))
	}
	if s.off+capacity > sliceChunk {
		s.cur++
		s.off = 0
		if s.cur == len(s.chunks) {
			s.chunks = append(s.chunks, make([]T, sliceChunk))
		}
	}
	out := s.chunks[s.cur][s.off : s.off+n : s.off+capacity]
	s.off += capacity
	return out
}

// Append is the built-in append of one element for this run of w: in
// place when s has room, else into a new slice from the arena with twice
// the room. Like append, it shares s's memory only while s has room.
func (p *Slices[T]) Append(w *World, s []T, x T) []T {
	if len(s) < cap(s) {
		return append(s, x)
	}
	ns := p.Make(w, len(s), max(2*len(s), 4))
	copy(ns, s)
	return append(ns, x)
}

// Prepend returns a new slice of x followed by s (hlist_add_head on a list
// kept newest first), never sharing s's memory.
func (p *Slices[T]) Prepend(w *World, x T, s []T) []T {
	ns := p.Make(w, 1, len(s)+1)
	ns[0] = x
	return append(ns, s...)
}
