package dcache_test

// A rapid state-machine test of the dcache against a reference model of
// the namespace. rapid draws a sequence of operations on three names in
// two directories (the root and its subdirectory "sub"), keeping the
// reference model up to date as it goes; the sequence then runs as one
// sim task, which records after each operation its result and a canonical
// snapshot of the dcache. Each is compared with the model (go-cmp); a
// difference, or a report from a checker, fails the test, and rapid
// shrinks the sequence to a minimal one.
//
// The model: every dentry the test has seen is an entity with its
// directory, name, hashed-ness, in-lookup state, inode number and the
// references the test holds. A dentry's count is those references plus
// one per child (the root's also one for the superblock). A dentry whose
// last reference goes is kept (count 0, on the LRU) while hashed and
// killed otherwise. Operations are drawn only where the kernel allows
// them (no dput of the last reference of an in-lookup dentry, no second
// hashed dentry for a name, no lookup of a name whose in-lookup dentry
// the task itself owns, which would wait forever).

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/dcache/dcachetest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

var smNames = []string{"a", "b", "c"}

// smDirs label the two directories in operation names: the root and the
// subdirectory, entity 0, first called "sub" (d_splice_alias may rename
// it).
var smDirs = []string{"", "d1"}

// smEnt is one dentry of the reference model.
type smEnt struct {
	dir      int // 0: root, 1: sub
	name     string
	hashed   bool
	inLookup bool
	ino      uint64 // 0: negative
	held     int    // references the test holds
	dead     bool
}

// smOp is one operation of the sequence, with what the model expects
// after it.
type smOp struct {
	Kind string
	Ent  int // the entity operated on (-1: none)
	Ent2 int // the second entity (move, exchange)
	Dir  int
	Name string
	How  string // lookup: how ->lookup ends
	Keep bool   // lookups: keep the reference

	want smResult
}

// Op kinds.
const (
	smLookup       = "lookup"
	smDAlloc       = "d_alloc"
	smDLookup      = "d_lookup"
	smDAdd         = "d_add"
	smDLookupDone  = "d_lookup_done"
	smDDrop        = "d_drop"
	smDRehash      = "d_rehash"
	smDput         = "dput"
	smDInstantiate = "d_instantiate"
	smDDelete      = "d_delete"
	smDInvalidate  = "d_invalidate"
	smDMove        = "d_move"
	smDExchange    = "d_exchange"
	smSplice       = "d_splice_alias"
	smShrinkParent = "shrink_dcache_parent"
	smShrinkSb     = "shrink_dcache_sb"
	smPrune        = "prune_dcache_sb"
)

func (o smOp) String() string {
	switch o.Kind {
	case smLookup:
		return fmt.Sprintf("lookup(%s/%s, %s, keep=%v)", smDirs[o.Dir], o.Name, o.How, o.Keep)
	case smDLookup, smDAlloc:
		return fmt.Sprintf("%s(%s/%s, keep=%v)", o.Kind, smDirs[o.Dir], o.Name, o.Keep)
	case smDMove, smDExchange:
		return fmt.Sprintf("%s(e%d, e%d)", o.Kind, o.Ent, o.Ent2)
	case smDAdd, smSplice:
		return fmt.Sprintf("%s(e%d, %s)", o.Kind, o.Ent, o.How)
	case smShrinkParent:
		return fmt.Sprintf("%s(%s)", o.Kind, []string{"/", "d1"}[o.Dir])
	}
	if o.Ent >= 0 {
		return fmt.Sprintf("%s(e%d)", o.Kind, o.Ent)
	}
	return o.Kind
}

// smResult is what an operation returned (an entity, or -1 for NULL; -2
// for operations that return nothing; Err for an ERR_PTR) and the dcache
// after it.
type smResult struct {
	Ret  int
	Err  string
	Snap []smEntry
}

// smEntry is one line of the canonical snapshot: a dentry (by path) or an
// inode.
type smEntry struct {
	Path     string
	Hashed   bool
	InLookup bool
	Ino      uint64
	Count    int
}

func smSort(s []smEntry) []smEntry {
	slices.SortFunc(s, func(a, b smEntry) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	return s
}

// smModel is the rapid state machine: the reference model and the
// sequence drawn so far.
type smModel struct {
	p       variant.Variant
	ents    []*smEnt
	nextIno uint64
	ops     []smOp
}

func newSMModel(p variant.Variant) *smModel {
	// Entity 0 is "sub", looked up (positive directory, inode 2) in the
	// prologue and held until the teardown.
	return &smModel{p: p, ents: []*smEnt{{dir: 0, name: "sub", hashed: true, ino: 2, held: 1}}, nextIno: 3}
}

func (m *smModel) live(pred func(id int, e *smEnt) bool) []int {
	var ids []int
	for id, e := range m.ents {
		if id >= 1 && !e.dead && pred(id, e) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (m *smModel) find(dir int, name string, pred func(e *smEnt) bool) int {
	for id, e := range m.ents {
		if !e.dead && e.dir == dir && e.name == name && pred(e) {
			return id
		}
	}
	return -1
}

func (m *smModel) hashedAt(dir int, name string) int {
	return m.find(dir, name, func(e *smEnt) bool { return e.hashed })
}

func (m *smModel) inLookupAt(dir int, name string) int {
	return m.find(dir, name, func(e *smEnt) bool { return e.inLookup })
}

// pick draws one of ids, or skips the action if there is none.
func pick(rt *rapid.T, ids []int, label string) int {
	if len(ids) == 0 {
		rt.Skip("no candidate")
	}
	return rapid.SampledFrom(ids).Draw(rt, label)
}

func (m *smModel) newInode() uint64 {
	m.nextIno++
	return m.nextIno - 1
}

// put drops one of the test's references.
func (m *smModel) put(id int) {
	e := m.ents[id]
	e.held--
	if e.held == 0 && !e.hashed {
		e.dead = true
	}
}

// snapshot is the canonical dump the model expects.
func (m *smModel) snapshot() []smEntry {
	children := [2]int{}
	aliases := map[uint64]int{1: 1}
	for _, e := range m.ents {
		if !e.dead {
			children[e.dir]++
			if e.ino != 0 {
				aliases[e.ino]++
			}
		}
	}
	snap := []smEntry{{Path: "/", Hashed: false, Ino: 1, Count: 1 + children[0]}}
	for id, e := range m.ents {
		if e.dead {
			continue
		}
		n := e.held
		if id == 0 {
			n += children[1]
		}
		path := "/" + e.name
		if e.dir == 1 {
			path = "/" + m.ents[0].name + path
		}
		snap = append(snap, smEntry{Path: path, Hashed: e.hashed, InLookup: e.inLookup, Ino: e.ino, Count: n})
	}
	for ino := uint64(1); ino < m.nextIno; ino++ {
		snap = append(snap, smEntry{Path: fmt.Sprintf("inode#%d", ino), Count: aliases[ino], Ino: ino})
	}
	return smSort(snap)
}

func (m *smModel) push(op smOp, ret int) { m.pushErr(op, ret, "") }

func (m *smModel) pushErr(op smOp, ret int, err string) {
	op.want = smResult{Ret: ret, Err: err, Snap: m.snapshot()}
	m.ops = append(m.ops, op)
}

// Check keeps the model itself honest: at most one hashed and one
// in-lookup dentry per name, and in-lookup dentries negative, unhashed
// and held.
func (m *smModel) Check(rt *rapid.T) {
	for dir := range smDirs {
		for _, name := range smNames {
			h, l := 0, 0
			for _, e := range m.ents {
				if e.dead || e.dir != dir || e.name != name {
					continue
				}
				if e.hashed {
					h++
				}
				if e.inLookup {
					l++
					if e.hashed || e.ino != 0 || e.held == 0 {
						rt.Fatalf("model: bad in-lookup entity %+v", e)
					}
				}
			}
			if h > 1 || l > 1 || (h > 0 && l > 0) {
				rt.Fatalf("model: %s/%s has %d hashed and %d in-lookup", smDirs[dir], name, h, l)
			}
		}
	}
}

// Lookup is __lookup_slow: d_alloc_parallel, then ->lookup ending with
// d_add of a new inode or of NULL, failing (d_lookup_done alone), or left
// in-lookup for a later operation.
func (m *smModel) Lookup(rt *rapid.T) {
	dir := rapid.IntRange(0, 1).Draw(rt, "dir")
	name := rapid.SampledFrom(smNames).Draw(rt, "name")
	if m.inLookupAt(dir, name) >= 0 {
		rt.Skip("the task would wait on its own in-lookup dentry")
	}
	how := rapid.SampledFrom([]string{"add+", "add-", "fail", "in-lookup"}).Draw(rt, "how")
	keep := how == "in-lookup" || rapid.Bool().Draw(rt, "keep")
	op := smOp{Kind: "lookup", Ent: -1, Dir: dir, Name: name, How: how, Keep: keep}
	id := m.hashedAt(dir, name)
	if id >= 0 {
		m.ents[id].held++
	} else {
		e := &smEnt{dir: dir, name: name, inLookup: true, held: 1}
		id = len(m.ents)
		m.ents = append(m.ents, e)
		switch how {
		case "add+":
			e.ino = m.newInode()
			fallthrough
		case "add-":
			e.hashed, e.inLookup = true, false
		case "fail":
			e.inLookup = false
		}
	}
	if !keep {
		m.put(id)
	}
	m.push(op, id)
}

// DAlloc is d_alloc (the create path under an exclusive directory lock):
// a new unhashed negative dentry.
func (m *smModel) DAlloc(rt *rapid.T) {
	dir := rapid.IntRange(0, 1).Draw(rt, "dir")
	name := rapid.SampledFrom(smNames).Draw(rt, "name")
	id := len(m.ents)
	m.ents = append(m.ents, &smEnt{dir: dir, name: name, held: 1})
	m.push(smOp{Kind: "d_alloc", Ent: -1, Dir: dir, Name: name, Keep: true}, id)
}

// DLookup is d_lookup: the hashed dentry with a reference, or NULL.
func (m *smModel) DLookup(rt *rapid.T) {
	dir := rapid.IntRange(0, 1).Draw(rt, "dir")
	name := rapid.SampledFrom(smNames).Draw(rt, "name")
	keep := rapid.Bool().Draw(rt, "keep")
	id := m.hashedAt(dir, name)
	if id >= 0 {
		m.ents[id].held++
		if !keep {
			m.put(id)
		}
	}
	m.push(smOp{Kind: "d_lookup", Ent: -1, Dir: dir, Name: name, Keep: keep}, id)
}

// noOtherAt reports whether no dentry but id is hashed or in-lookup at
// id's name: hashing id then keeps R1 and R3.
func (m *smModel) noOtherAt(id int) bool {
	e := m.ents[id]
	h, l := m.hashedAt(e.dir, e.name), m.inLookupAt(e.dir, e.name)
	return (h < 0 || h == id) && (l < 0 || l == id)
}

// DAdd is d_add of a new inode or NULL on a held negative unhashed
// dentry, in-lookup or not.
func (m *smModel) DAdd(rt *rapid.T) {
	id := pick(rt, m.live(func(id int, e *smEnt) bool {
		return e.held > 0 && e.ino == 0 && !e.hashed && m.noOtherAt(id)
	}), "ent")
	positive := rapid.Bool().Draw(rt, "positive")
	e := m.ents[id]
	how := "NULL"
	if positive {
		e.ino = m.newInode()
		how = "inode"
	}
	e.hashed, e.inLookup = true, false
	m.push(smOp{Kind: "d_add", Ent: id, How: how}, -2)
}

// DLookupDone is d_lookup_done on a held in-lookup dentry.
func (m *smModel) DLookupDone(rt *rapid.T) {
	id := pick(rt, m.live(func(_ int, e *smEnt) bool { return e.inLookup }), "ent")
	m.ents[id].inLookup = false
	m.push(smOp{Kind: "d_lookup_done", Ent: id}, -2)
}

// DDrop is d_drop of a held dentry.
func (m *smModel) DDrop(rt *rapid.T) {
	id := pick(rt, m.live(func(_ int, e *smEnt) bool { return e.held > 0 }), "ent")
	m.ents[id].hashed = false
	m.push(smOp{Kind: "d_drop", Ent: id}, -2)
}

// DRehash is d_rehash of a held unhashed dentry that is not in-lookup.
func (m *smModel) DRehash(rt *rapid.T) {
	id := pick(rt, m.live(func(id int, e *smEnt) bool {
		return e.held > 0 && !e.hashed && !e.inLookup && m.noOtherAt(id)
	}), "ent")
	m.ents[id].hashed = true
	m.push(smOp{Kind: "d_rehash", Ent: id}, -2)
}

// Dput drops a held reference (not the last of an in-lookup dentry: R5;
// not the prologue's reference to the subdirectory).
func (m *smModel) Dput(rt *rapid.T) {
	ids := m.live(func(_ int, e *smEnt) bool {
		return e.held > 1 || (e.held == 1 && !e.inLookup)
	})
	if m.ents[0].held > 1 {
		ids = append(ids, 0)
	}
	id := pick(rt, ids, "ent")
	m.put(id)
	m.push(smOp{Kind: "dput", Ent: id}, -2)
}

// DInstantiate is d_instantiate of a new inode on a held negative dentry
// that is not in-lookup (hashed, as after a negative lookup, or not).
func (m *smModel) DInstantiate(rt *rapid.T) {
	id := pick(rt, m.live(func(_ int, e *smEnt) bool { return e.held > 0 && e.ino == 0 && !e.inLookup }), "ent")
	m.ents[id].ino = m.newInode()
	m.push(smOp{Kind: "d_instantiate", Ent: id}, -2)
}

// DDelete is d_delete (unlink) of a held positive dentry: made negative
// if the test's reference is the only one, else unhashed.
func (m *smModel) DDelete(rt *rapid.T) {
	id := pick(rt, m.live(func(_ int, e *smEnt) bool { return e.held > 0 && e.ino != 0 }), "ent")
	e := m.ents[id]
	if e.held == 1 {
		e.ino = 0
	} else {
		e.hashed = false
	}
	m.push(smOp{Kind: "d_delete", Ent: id}, -2)
}

// DInvalidate is d_invalidate of a held dentry (no children here, so it
// only unhashes).
func (m *smModel) DInvalidate(rt *rapid.T) {
	id := pick(rt, m.live(func(_ int, e *smEnt) bool { return e.held > 0 }), "ent")
	m.ents[id].hashed = false
	m.push(smOp{Kind: "d_invalidate", Ent: id}, -2)
}

// DMove is d_move (rename) of a held positive dentry onto a held target
// that is hashed or in-lookup: the source takes the target's place and
// the target is left unhashed (and no longer in-lookup).
func (m *smModel) DMove(rt *rapid.T) {
	src := pick(rt, m.live(func(_ int, e *smEnt) bool { return e.held > 0 && e.ino != 0 }), "src")
	tgt := pick(rt, m.live(func(id int, e *smEnt) bool {
		return id != src && e.held > 0 && (e.hashed || e.inLookup)
	}), "target")
	s, d := m.ents[src], m.ents[tgt]
	s.dir, s.name, s.hashed = d.dir, d.name, true
	d.hashed, d.inLookup = false, false
	m.push(smOp{Kind: "d_move", Ent: src, Ent2: tgt}, -2)
}

// DExchange is d_exchange (RENAME_EXCHANGE) of two held positive hashed
// dentries.
func (m *smModel) DExchange(rt *rapid.T) {
	ok := func(_ int, e *smEnt) bool { return e.held > 0 && e.ino != 0 && e.hashed }
	a := pick(rt, m.live(ok), "a")
	b := pick(rt, m.live(func(id int, e *smEnt) bool { return id != a && ok(id, e) }), "b")
	x, y := m.ents[a], m.ents[b]
	x.dir, x.name, y.dir, y.name = y.dir, y.name, x.dir, x.name
	m.push(smOp{Kind: "d_exchange", Ent: a, Ent2: b}, -2)
}

// DSpliceAlias is d_splice_alias on a held negative dentry, unhashed or
// in-lookup (v3 02/19: hashed too), with a new inode, NULL, or the
// subdirectory's inode: that directory already has an alias, which is
// moved to the dentry's place and returned (same parent: __d_unalias), or,
// when the dentry is inside it, ERR_PTR(-ELOOP). The dentry is left for
// the caller to d_lookup_done and dput in both of those cases.
func (m *smModel) DSpliceAlias(rt *rapid.T) {
	id := pick(rt, m.live(func(id int, e *smEnt) bool {
		return e.held > 0 && e.ino == 0 && (!e.hashed || m.p.Has(variant.P02SpliceHashed)) && m.noOtherAt(id)
	}), "ent")
	how := rapid.SampledFrom([]string{"inode", "NULL", "dir"}).Draw(rt, "inode")
	e := m.ents[id]
	op := smOp{Kind: smSplice, Ent: id, How: how}
	switch {
	case how == "inode":
		e.ino = m.newInode()
		fallthrough
	case how == "NULL":
		e.hashed, e.inLookup = true, false
		m.push(op, -1)
	case e.dir == 1:
		m.pushErr(op, -2, sim.ELOOP.String())
	default:
		sub := m.ents[0]
		sub.name = e.name
		sub.held++
		e.hashed, e.inLookup = false, false
		m.push(op, 0)
	}
}

// killUnused is what the shrinkers do here: every unused dentry in dirs
// is killed (unused ones are all hashed and on the LRU).
func (m *smModel) killUnused(dirs ...int) {
	for id, e := range m.ents {
		if id >= 1 && !e.dead && e.held == 0 && slices.Contains(dirs, e.dir) {
			e.dead = true
		}
	}
}

// ShrinkDcacheParent is shrink_dcache_parent of the root or the
// subdirectory.
func (m *smModel) ShrinkDcacheParent(rt *rapid.T) {
	dir := rapid.IntRange(0, 1).Draw(rt, "dir")
	if dir == 0 {
		m.killUnused(0, 1)
	} else {
		m.killUnused(1)
	}
	m.push(smOp{Kind: smShrinkParent, Ent: -1, Dir: dir}, -2)
}

// ShrinkDcacheSb is shrink_dcache_sb.
func (m *smModel) ShrinkDcacheSb(rt *rapid.T) {
	m.killUnused(0, 1)
	m.push(smOp{Kind: smShrinkSb, Ent: -1}, -2)
}

// PruneDcacheSb is prune_dcache_sb scanning enough of the LRU that every
// referenced dentry, rotated, is met again.
func (m *smModel) PruneDcacheSb(rt *rapid.T) {
	m.killUnused(0, 1)
	m.push(smOp{Kind: smPrune, Ent: -1}, -2)
}

// teardown ends every in-lookup dentry and gives back every reference,
// "sub" last.
func (m *smModel) teardown() {
	for id, e := range m.ents {
		if id >= 1 && !e.dead && e.inLookup {
			e.inLookup = false
			m.push(smOp{Kind: "d_lookup_done", Ent: id}, -2)
		}
	}
	for id, e := range m.ents {
		for id >= 1 && !e.dead && e.held > 0 {
			m.put(id)
			m.push(smOp{Kind: "dput", Ent: id}, -2)
		}
	}
	for m.ents[0].held > 0 {
		m.put(0)
		m.push(smOp{Kind: "dput", Ent: 0}, -2)
	}
}

// smSnapshot is the canonical dump of the dcache: every dentry in the
// tree and every inode of the superblock.
func smSnapshot(sb *dcache.SuperBlock) []smEntry {
	var snap []smEntry
	var rec func(d *dcache.Dentry, path string)
	rec = func(d *dcache.Dentry, path string) {
		var ino uint64
		if d.DInode != nil {
			ino = d.DInode.IIno
		}
		snap = append(snap, smEntry{Path: path, Hashed: dcache.Hashed(d),
			InLookup: d.DFlags&dcache.DCACHE_PAR_LOOKUP != 0 || dcache.OnInLookupHash(d), Ino: ino, Count: d.DLockref.Count()})
		for _, ch := range dcache.Children(d) {
			rec(ch, strings.TrimSuffix(path, "/")+"/"+ch.DName.Name)
		}
	}
	rec(sb.SRoot, "/")
	for _, i := range sb.Inodes() {
		snap = append(snap, smEntry{Path: fmt.Sprintf("inode#%d", i.IIno), Count: int(i.ICount.Value()), Ino: i.IIno})
	}
	return smSort(snap)
}

// smRun executes ops in one task and records each one's result.
func smRun(t *sim.Task, e *dcachetest.Env, ops []smOp, results *[]smResult) {
	var ents []*dcache.Dentry
	var wqs []*dcache.WaitQueue // mainline: the on-stack queue of each in-lookup dentry's lookup
	dirs := [2]*dcache.Dentry{e.Root(), nil}
	v3 := e.C.Has(variant.P04WaitVarEvent)
	// entity maps a returned dentry to its entity number.
	entity := func(d *dcache.Dentry) int {
		if d == nil {
			return -1
		}
		if i := slices.Index(ents, d); i >= 0 {
			return i
		}
		ents = append(ents, d)
		wqs = append(wqs, nil)
		return len(ents) - 1
	}
	// release frees the on-stack wait queues of lookups that are over.
	release := func() {
		for i, wq := range wqs {
			if wq != nil && ents[i].DFlags&dcache.DCACHE_PAR_LOOKUP == 0 {
				wq.Release(t)
				wqs[i] = nil
			}
		}
	}
	newWQ := func() *dcache.WaitQueue {
		if v3 {
			return nil
		}
		return dcache.NewOnStackWaitQueue(t)
	}

	sub := dcachetest.Lookup(t, e, e.Root(), "sub", false, dcachetest.AddDir)
	entity(sub)
	dirs[1] = sub
	for _, op := range ops {
		ret, errs := -2, ""
		var d, d2 *dcache.Dentry
		if op.Ent >= 0 {
			if op.Ent >= len(ents) {
				return // the run has diverged from the model already
			}
			d = ents[op.Ent]
		}
		if op.Kind == "d_move" || op.Kind == "d_exchange" {
			if op.Ent2 >= len(ents) {
				return
			}
			d2 = ents[op.Ent2]
		}
		switch op.Kind {
		case "lookup":
			parent := dirs[op.Dir]
			wq := newWQ()
			r := dcache.DAllocParallel(t, parent, dcachetest.Q(parent, op.Name), wq)
			if sim.IsErr(r) {
				t.Violation(sim.KindInvariant, "test", "d_alloc_parallel failed", "")
			}
			if dcache.DInLookup(t, r) {
				switch op.How {
				case "add+":
					dcache.DAdd(t, r, e.SB.NewInode(t, dcache.S_IFREG))
				case "add-":
					dcache.DAdd(t, r, nil)
				case "fail":
					dcache.DLookupDone(t, r)
				}
			}
			ret = entity(r)
			if wq != nil {
				wqs[ret] = wq
			}
			if !op.Keep {
				dcache.Dput(t, r)
			}
		case "d_alloc":
			ret = entity(dcache.DAlloc(t, dirs[op.Dir], dcachetest.Q(dirs[op.Dir], op.Name)))
		case "d_lookup":
			r := dcache.DLookup(t, dirs[op.Dir], dcachetest.Q(dirs[op.Dir], op.Name))
			ret = entity(r)
			if r != nil && !op.Keep {
				dcache.Dput(t, r)
			}
		case "d_add":
			var inode *dcache.Inode
			if op.How == "inode" {
				inode = e.SB.NewInode(t, dcache.S_IFREG)
			}
			dcache.DAdd(t, d, inode)
		case "d_lookup_done":
			dcache.DLookupDone(t, d)
		case "d_drop":
			dcache.DDrop(t, d)
		case "d_rehash":
			dcache.DRehash(t, d)
		case "dput":
			dcache.Dput(t, d)
		case "d_instantiate":
			dcache.DInstantiate(t, d, e.SB.NewInode(t, dcache.S_IFREG))
		case "d_delete":
			dcache.DDelete(t, d)
		case "d_invalidate":
			dcache.DInvalidate(t, d)
		case "d_move":
			dcache.DMove(t, d, d2)
		case "d_exchange":
			dcache.DExchange(t, d, d2)
		case smSplice:
			var inode *dcache.Inode
			switch op.How {
			case "inode":
				inode = e.SB.NewInode(t, dcache.S_IFREG)
			case "dir":
				inode = dirs[1].DInode
				dcache.Ihold(t, inode)
			}
			r := dcache.DSpliceAlias(t, inode, d)
			if sim.IsErr(r) {
				errs = sim.Errno(-sim.PtrErr(r)).String()
			} else {
				ret = entity(r)
			}
		case smShrinkParent:
			dcache.ShrinkDcacheParent(t, dirs[op.Dir])
		case smShrinkSb:
			dcache.ShrinkDcacheSb(t, e.SB)
		case smPrune:
			dcache.PruneDcacheSb(t, e.SB, 64)
		default:
			panic("unknown op " + op.Kind)
		}
		release()
		*results = append(*results, smResult{Ret: ret, Err: errs, Snap: smSnapshot(e.SB)})
	}
}

// smExecute runs the drawn sequence in the simulator and compares each
// step with the model.
func (m *smModel) smExecute(rt *rapid.T, p variant.Variant) {
	var results []smResult
	prog := func(trace sim.TraceMode) *sim.Outcome {
		results = nil
		return sim.Execute(sim.Program{Name: "dcache/statemachine", Setup: func(w *sim.World) {
			e := dcachetest.New(w, p)
			e.CheckUmount()
			w.Go("ops", func(t *sim.Task) { smRun(t, e, m.ops, &results) })
		}}, sim.Config{Trace: trace}, nil)
	}
	out := prog(sim.TraceOff)
	defer out.Release()
	var b strings.Builder
	for i, op := range m.ops {
		fmt.Fprintf(&b, "  %2d %s\n", i, op)
	}
	for i, op := range m.ops {
		if i >= len(results) {
			break
		}
		if diff := cmp.Diff(op.want, results[i]); diff != "" {
			rt.Fatalf("%s: after op %d %s the dcache differs from the model (-model +dcache):\n%s\nops:\n%s", p, i, op, diff, b.String())
		}
	}
	if out.Report != nil {
		again := prog(sim.TraceFull)
		defer again.Release()
		rt.Fatalf("%s: a checker fired after %d of %d ops:\n%s\nops:\n%s", p, len(results), len(m.ops), again.Report.Format(), b.String())
	}
	if len(results) != len(m.ops) {
		rt.Fatalf("%s: only %d of %d ops ran\nops:\n%s", p, len(results), len(m.ops), b.String())
	}
}

func TestStateMachine(t *testing.T) {
	for _, p := range mainV3 {
		t.Run(p.String(), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				m := newSMModel(p)
				rt.Repeat(rapid.StateMachineActions(m))
				m.teardown()
				m.smExecute(rt, p)
			})
		})
	}
}
