package dcache_test

// Tests of d_ancestor, __d_move, d_move and d_exchange (dcache/move.go),
// and the helpers the tests of helper A's files share (prefix ha).

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/sim"
)

// haVersion is a named patch set a test runs under.
type haVersion struct {
	name string
	p    variant.Variant
}

// haVersions are mainline, the patches that change the functions under
// test one at a time, and the whole series.
var haVersions = []haVersion{
	{"mainline", variant.BaseToday},
	{"02", variant.BaseToday.WithPatch(variant.P02SpliceHashed)},
	{"04", variant.BaseToday.WithPatch(variant.P04WaitVarEvent)},
	{"v3", variant.V3Today},
}

// haMainV3 is mainline and the whole series, for the explorations.
var haMainV3 = []haVersion{{"mainline", variant.BaseToday}, {"v3", variant.V3Today}}

// haQ is the qstr of name in parent, hashed as full_name_hash does.
func haQ(parent *dcache.Dentry, name string) *dcache.Qstr {
	return &dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
}

// haAdd makes a hashed child of parent with d_alloc and d_add: positive
// with a new inode of mode, negative for mode 0. The caller gets d_alloc's
// reference.
func haAdd(t *sim.Task, parent *dcache.Dentry, name string, mode dcache.Mode) *dcache.Dentry {
	d := dcache.DAlloc(t, parent, haQ(parent, name))
	var inode *dcache.Inode
	if mode != 0 {
		inode = parent.DSb.NewInode(t, mode)
	}
	dcache.DAdd(t, d, inode)
	return d
}

// haOwnLookup is the first half of __lookup_slow: d_alloc_parallel with
// an on-stack queue in mainline. The queue (nil in v3) must be released
// after d_lookup_done.
func haOwnLookup(t *sim.Task, c *dcache.Cache, parent *dcache.Dentry, q *dcache.Qstr) (*dcache.Dentry, *dcache.WaitQueue) {
	var wq *dcache.WaitQueue
	if !c.Has(variant.P04WaitVarEvent) {
		wq = dcache.NewOnStackWaitQueue(t)
	}
	return dcache.DAllocParallel(t, parent, q, wq), wq
}

// haRelease ends an on-stack queue's lifetime (nil in v3).
func haRelease(t *sim.Task, wq *dcache.WaitQueue) {
	if wq != nil {
		wq.Release(t)
	}
}

// haAssert fails the run (as an invariant report) when cond is false, so
// that explorers report the schedule.
func haAssert(t *sim.Task, cond bool, format string, args ...any) {
	if !cond {
		t.Violation(sim.KindInvariant, "test", fmt.Sprintf(format, args...), "")
	}
}

// haEnv is one run's dcache and what its end checks need.
type haEnv struct {
	c      *dcache.Cache
	sb     *dcache.SuperBlock
	root   *dcache.Dentry
	inodes []*dcache.Inode // inodes whose i_count must equal their aliases at the end
	pinned map[*dcache.Dentry]int
}

// haNewEnv makes the cache and a superblock (with dop as its default
// dentry operations) and registers the end checks: the invariants, and
// the umount check of haUmount.
func haNewEnv(w *sim.World, p variant.Variant, dop *dcache.DentryOperations) *haEnv {
	c := dcache.NewCache(w, p)
	sb := c.NewSuperBlock("t", dop)
	e := &haEnv{c: c, sb: sb, root: sb.SRoot, pinned: map[*dcache.Dentry]int{}}
	w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
	w.AtEnd(func(w *sim.World) { e.umount(w) })
	return e
}

// umount is what umount_check (R39) would find once every task has given
// its references back: in Dump, each dentry's count is the number of its
// children (plus one for the root, and plus what the test pinned on
// purpose), nothing is in-lookup; each tracked inode's i_count is its
// number of aliases.
func (e *haEnv) umount(w *sim.World) {
	if msg := haCheckCounts(e.sb.Dump(), e.pinnedByName()); msg != "" {
		w.Violation(sim.KindInvariant, "R39", msg, e.sb.Dump())
		return
	}
	for _, i := range e.inodes {
		if n := i.ICount.Value(); n != int64(len(i.Aliases())) {
			w.Violation(sim.KindInvariant, "R39", fmt.Sprintf("inode %s: i_count %d but %d aliases", i, n, len(i.Aliases())), e.sb.Dump())
			return
		}
	}
}

func (e *haEnv) pinnedByName() map[string]int {
	m := map[string]int{}
	for d, n := range e.pinned {
		if d.Live() {
			m[d.DName.Name] += n
		}
	}
	return m
}

// haCheckCounts checks a Dump: every count equals the number of children
// listed under it (the root one more) plus pinned[name], and no line is
// in-lookup. It returns a description of the first mismatch.
func haCheckCounts(dump string, pinned map[string]int) string {
	lines := strings.Split(strings.TrimRight(dump, "\n"), "\n")
	depth := func(l string) int { return (len(l) - len(strings.TrimLeft(l, " "))) / 2 }
	for i, l := range lines {
		if strings.Contains(l, "in-lookup") {
			return "still in-lookup at the end: " + strings.TrimSpace(l)
		}
		kids := 0
		for j := i + 1; j < len(lines) && depth(lines[j]) > depth(l); j++ {
			if depth(lines[j]) == depth(l)+1 {
				kids++
			}
		}
		if i == 0 {
			kids++
		}
		name := strings.Fields(strings.TrimSpace(l))[0]
		kids += pinned[name]
		var got int
		fmt.Sscanf(l[strings.LastIndex(l, "count=")+len("count="):], "%d", &got)
		if got != kids {
			return fmt.Sprintf("dentry %q still in use: count %d, %d expected", name, got, kids)
		}
	}
	return ""
}

// haRun executes one run of a single-task program under the default
// strategy and returns its outcome.
func haRun(p variant.Variant, dop *dcache.DentryOperations, body func(t *sim.Task, e *haEnv)) (*sim.Outcome, *haEnv) {
	var env *haEnv
	prog := sim.Program{Name: "ha", Setup: func(w *sim.World) {
		env = haNewEnv(w, p, dop)
		w.Go("main", func(t *sim.Task) { body(t, env) })
	}}
	return sim.Execute(prog, sim.Config{}, nil), env
}

// haClean runs body and fails the test on any report.
func haClean(tt *testing.T, p variant.Variant, dop *dcache.DentryOperations, body func(t *sim.Task, e *haEnv)) *haEnv {
	tt.Helper()
	out, env := haRun(p, dop, body)
	if out.Err != nil {
		tt.Fatalf("%v", out.Err)
	}
	if out.Report != nil {
		tt.Fatalf("unexpected report:\n%s\ndcache:\n%s", out.Report.Format(), env.sb.Dump())
	}
	return env
}

// haFires runs body and requires a report of kind and rule.
func haFires(tt *testing.T, p variant.Variant, dop *dcache.DentryOperations, kind sim.Kind, rule string, body func(t *sim.Task, e *haEnv)) *sim.Report {
	tt.Helper()
	out, _ := haRun(p, dop, body)
	if out.Report == nil {
		tt.Fatalf("want a %s [%s] report, the run was clean", kind, rule)
	}
	if out.Report.Kind != kind || out.Report.Rule != rule {
		tt.Fatalf("want a %s [%s] report, got:\n%s", kind, rule, out.Report.Format())
	}
	return out.Report
}

// haExplore explores prog for each version by DFS within two preemptions
// (one under -short) and fails on a report, an unexhausted tree or a
// required mark never hit.
func haExplore(tt *testing.T, name string, versions []haVersion, marks []string, setup func(w *sim.World, p variant.Variant)) {
	tt.Helper()
	bound := 2
	if testing.Short() {
		bound = 1
	}
	for _, v := range versions {
		prog := sim.Program{Name: name, Setup: func(w *sim.World) { setup(w, v.p) }}
		start := time.Now()
		r := explore.DFS(prog, explore.Options{MaxPreemptions: bound, Budget: 1_000_000, RequireMarks: marks, RecheckEvery: 64})
		tt.Logf("%s %s: bound %d, %d runs (%d distinct), exhausted=%v, %v",
			name, v.name, bound, r.Runs, r.Distinct, r.Exhausted, time.Since(start).Round(time.Millisecond))
		if r.Err != nil {
			tt.Fatalf("%s %s: %v", name, v.name, r.Err)
		}
		if r.First != nil {
			tt.Fatalf("%s %s: %s", name, v.name, r.First.Format())
		}
		if !r.Exhausted {
			tt.Errorf("%s %s: not exhausted after %d runs", name, v.name, r.Runs)
		}
		if len(r.MissingMarks) > 0 {
			tt.Errorf("%s %s: marks never hit: %v (hit: %v)", name, v.name, r.MissingMarks, r.Marks)
		}
	}
}

// haFind explores prog by DFS (two preemptions) and returns the first
// report, failing the test if there is none.
func haFind(tt *testing.T, name string, p variant.Variant, setup func(w *sim.World, p variant.Variant)) *sim.Report {
	tt.Helper()
	prog := sim.Program{Name: name, Setup: func(w *sim.World) { setup(w, p) }}
	r := explore.DFS(prog, explore.Options{MaxPreemptions: 2, Budget: 1_000_000})
	if r.Err != nil {
		tt.Fatalf("%s: %v", name, r.Err)
	}
	if r.First == nil {
		tt.Fatalf("%s: no report in %d runs (exhausted=%v)", name, r.Runs, r.Exhausted)
	}
	tt.Logf("%s %s: first report after %d runs, %d preemptions: %s", name, p, r.Runs, r.FirstPreemptions, r.First.Title)
	return r.First
}

// haReplay replays a schedule string of prog with full tracing.
func haReplay(tt *testing.T, prog sim.Program, schedule string) *sim.Outcome {
	tt.Helper()
	s, err := sim.ParseSchedule(schedule)
	if err != nil {
		tt.Fatalf("bad schedule %q: %v", schedule, err)
	}
	return sim.Execute(prog, sim.Config{Trace: sim.TraceFull}, sim.NewPrefixReplay(s))
}

func TestDAncestor(tt *testing.T) {
	haClean(tt, variant.BaseToday, nil, func(t *sim.Task, e *haEnv) {
		a := haAdd(t, e.root, "a", dcache.S_IFDIR)
		b := haAdd(t, a, "b", dcache.S_IFDIR)
		c := haAdd(t, b, "c", dcache.S_IFREG)
		anon := dcache.DAllocAnon(t, e.sb)
		x := haAdd(t, anon, "x", 0)
		for _, k := range []struct {
			p1, p2, want *dcache.Dentry
		}{
			{e.root, c, a}, {a, c, b}, {b, c, c}, {c, a, nil}, {a, a, nil}, {e.root, e.root, nil},
			{e.root, a, a}, {anon, x, x}, {e.root, x, nil}, {a, anon, nil},
		} {
			got := dcache.DAncestor(k.p1, k.p2)
			haAssert(t, got == k.want, "d_ancestor(%s, %s) = %s, want %s", k.p1, k.p2, got, k.want)
		}
		for _, d := range []*dcache.Dentry{x, anon, c, b, a} {
			dcache.Dput(t, d)
		}
	})
}

// A rename in one directory: the source takes the negative target's name
// and hash; the target is unhashed but keeps its name and parent until
// its last reference goes. The parent's count is unchanged.
func TestDMoveSameDir(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			var during, after string
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				a := haAdd(t, e.root, "a", dcache.S_IFREG)
				b := haAdd(t, e.root, "b", 0)
				e.inodes = append(e.inodes, a.DInode)
				seq := e.c.RenameLock.Seq.Sequence()
				dcache.DMove(t, a, b)
				haAssert(t, e.c.RenameLock.Seq.Sequence() == seq+2, "rename_lock not written once")
				haAssert(t, a.DName.Name == "b" && a.DName.Hash == dcache.FullNameHash(e.root, "b"), "a has name %q", a.DName.Name)
				haAssert(t, b.DName.Name == "b" && b.DParent == e.root, "target's name or parent changed")
				haAssert(t, !dcache.DUnhashed(t, a) && dcache.DUnhashed(t, b), "a unhashed or target hashed")
				during = e.sb.Dump()
				got := dcache.DLookup(t, e.root, haQ(e.root, "b"))
				haAssert(t, got == a, "d_lookup(b) = %s, want the moved dentry", got)
				dcache.Dput(t, got)
				haAssert(t, dcache.DLookup(t, e.root, haQ(e.root, "a")) == nil, "d_lookup(a) found something")
				dcache.Dput(t, b)
				dcache.Dput(t, a)
				after = e.sb.Dump()
			})
			wantDuring := "/ [dir#1] count=3\n  b [hashed reg#2] count=1\n  b [negative] count=1\n"
			wantAfter := "/ [dir#1] count=2\n  b [hashed reg#2] count=0\n"
			if during != wantDuring || after != wantAfter {
				tt.Errorf("dcache after d_move:\n%s\nwant:\n%s\nafter dput:\n%s\nwant:\n%s", during, wantDuring, after, wantAfter)
			}
		})
	}
}

// A rename across directories moves the parent reference from the old
// parent to the new one and the dentry between the d_children lists.
func TestDMoveCrossDir(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			var dump string
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				d1 := haAdd(t, e.root, "d1", dcache.S_IFDIR)
				d2 := haAdd(t, e.root, "d2", dcache.S_IFDIR)
				a := haAdd(t, d1, "a", dcache.S_IFREG)
				b := haAdd(t, d2, "b", 0)
				n1, n2 := d1.DLockref.Count(), d2.DLockref.Count()
				dcache.DMove(t, a, b)
				haAssert(t, a.DParent == d2 && b.DParent == d2, "parents: a in %s, target in %s", a.DParent, b.DParent)
				haAssert(t, d1.DLockref.Count() == n1-1 && d2.DLockref.Count() == n2+1,
					"parent counts %d,%d want %d,%d", d1.DLockref.Count(), d2.DLockref.Count(), n1-1, n2+1)
				haAssert(t, dcache.DLookup(t, d1, haQ(d1, "a")) == nil, "a still found in d1")
				got := dcache.DLookup(t, d2, haQ(d2, "b"))
				haAssert(t, got == a, "d_lookup(d2, b) = %s", got)
				for _, d := range []*dcache.Dentry{got, b, a, d2, d1} {
					dcache.Dput(t, d)
				}
				dump = e.sb.Dump()
			})
			want := "/ [dir#1] count=3\n  d1 [hashed dir#2] count=0\n  d2 [hashed dir#3] count=1\n    b [hashed reg#4] count=0\n"
			if dump != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", dump, want)
			}
		})
	}
}

// d_move onto the caller's own in-lookup dentry (what d_splice_alias
// does with a directory alias, and nfs_rename with d_duplicate in v3
// 19/19): the target leaves the in-lookup state inside an i_dir_seq write
// section.
func TestDMoveInLookupTarget(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			var dump string
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				a := haAdd(t, e.root, "a", dcache.S_IFREG)
				b, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "b"))
				haAssert(t, dcache.DInLookup(t, b), "not in-lookup")
				seq := e.root.DInode.IDirSeq.Value()
				dcache.DMove(t, a, b)
				haAssert(t, !dcache.DInLookup(t, b) && dcache.DUnhashed(t, b) && b.DInode == nil, "target state after the move")
				haAssert(t, e.root.DInode.IDirSeq.Value() == seq+2, "i_dir_seq %d, want %d", e.root.DInode.IDirSeq.Value(), seq+2)
				dcache.DLookupDone(t, b) // no-op now
				dcache.Dput(t, b)
				haRelease(t, wq)
				dcache.Dput(t, a)
				dump = e.sb.Dump()
			})
			want := "/ [dir#1] count=2\n  b [hashed reg#2] count=0\n"
			if dump != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", dump, want)
			}
		})
	}
}

// d_exchange swaps names, hashes and parents; parent counts stay.
func TestDExchange(tt *testing.T) {
	for _, v := range haVersions {
		tt.Run(v.name, func(tt *testing.T) {
			var dump string
			haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				d1 := haAdd(t, e.root, "d1", dcache.S_IFDIR)
				d2 := haAdd(t, e.root, "d2", dcache.S_IFDIR)
				a := haAdd(t, d1, "a", dcache.S_IFREG)
				b := haAdd(t, d2, "b", dcache.S_IFDIR)
				n1, n2 := d1.DLockref.Count(), d2.DLockref.Count()
				dcache.DExchange(t, a, b)
				haAssert(t, a.DParent == d2 && a.DName.Name == "b" && b.DParent == d1 && b.DName.Name == "a", "not exchanged")
				haAssert(t, d1.DLockref.Count() == n1 && d2.DLockref.Count() == n2, "parent counts changed")
				got := dcache.DLookup(t, d1, haQ(d1, "a"))
				haAssert(t, got == b, "d_lookup(d1, a) = %s", got)
				dcache.Dput(t, got)
				got = dcache.DLookup(t, d2, haQ(d2, "b"))
				haAssert(t, got == a, "d_lookup(d2, b) = %s", got)
				dcache.Dput(t, got)
				// Same directory: a swap of names only.
				dcache.DExchange(t, d1, d2)
				haAssert(t, d1.DName.Name == "d2" && d2.DName.Name == "d1", "same-dir exchange")
				for _, d := range []*dcache.Dentry{b, a, d2, d1} {
					dcache.Dput(t, d)
				}
				dump = e.sb.Dump()
			})
			want := "/ [dir#1] count=3\n  d1 [hashed dir#3] count=1\n    b [hashed reg#4] count=0\n" +
				"  d2 [hashed dir#2] count=1\n    a [hashed dir#5] count=0\n"
			if dump != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", dump, want)
			}
		})
	}
}

// The checks at the top of __d_move and d_exchange.
func TestDMoveWarnings(tt *testing.T) {
	tt.Run("negative source", func(tt *testing.T) {
		r := haFires(tt, variant.BaseToday, nil, sim.KindWarn, "WARN_ON", func(t *sim.Task, e *haEnv) {
			a := haAdd(t, e.root, "a", 0)
			b := haAdd(t, e.root, "b", 0)
			dcache.DMove(t, a, b)
		})
		if !strings.Contains(r.Title, "!dentry->d_inode") {
			tt.Errorf("title %q", r.Title)
		}
	})
	tt.Run("onto itself", func(tt *testing.T) {
		r := haFires(tt, variant.V3Today, nil, sim.KindWarn, "WARN_ON", func(t *sim.Task, e *haEnv) {
			a := haAdd(t, e.root, "a", dcache.S_IFREG)
			dcache.DMove(t, a, a)
		})
		if !strings.Contains(r.Title, "dentry == target") {
			tt.Errorf("title %q", r.Title)
		}
	})
	tt.Run("target is an ancestor", func(tt *testing.T) {
		r := haFires(tt, variant.BaseToday, nil, sim.KindBug, "BUG_ON", func(t *sim.Task, e *haEnv) {
			d := haAdd(t, e.root, "d", dcache.S_IFDIR)
			x := haAdd(t, d, "x", dcache.S_IFDIR)
			dcache.DMove(t, x, d)
		})
		if !strings.Contains(r.Title, "d_ancestor(target, dentry)") {
			tt.Errorf("title %q", r.Title)
		}
	})
	tt.Run("exchange with a negative", func(tt *testing.T) {
		r := haFires(tt, variant.V3Today, nil, sim.KindWarn, "WARN_ON", func(t *sim.Task, e *haEnv) {
			a := haAdd(t, e.root, "a", dcache.S_IFREG)
			b := haAdd(t, e.root, "b", 0)
			dcache.DExchange(t, a, b)
		})
		if !strings.Contains(r.Title, "!dentry2->d_inode") {
			tt.Errorf("title %q", r.Title)
		}
	})
	tt.Run("exchange with a root", func(tt *testing.T) {
		r := haFires(tt, variant.BaseToday, nil, sim.KindWarn, "WARN_ON", func(t *sim.Task, e *haEnv) {
			a := haAdd(t, e.root, "a", dcache.S_IFDIR)
			dcache.DExchange(t, a, e.root)
		})
		if !strings.Contains(r.Title, "IS_ROOT(dentry2)") {
			tt.Errorf("title %q", r.Title)
		}
	})
}

// d_move of a file onto a hashed negative name, racing a d_alloc_parallel
// of that name (no directory lock on the lookup side, as lookups will run
// once the series lifts them out of i_rwsem). The lookup must find the
// old negative dentry or the moved one, never create a second "b".
func TestDMoveVsDAllocParallel(tt *testing.T) {
	marks := []string{"test: lookup got the old negative", "test: lookup got the moved file"}
	haExplore(tt, "ha/move-vs-dap", haMainV3, marks, func(w *sim.World, p variant.Variant) {
		e := haNewEnv(w, p, nil)
		w.Go("setup", func(t *sim.Task) {
			a := haAdd(t, e.root, "a", dcache.S_IFREG)
			b := haAdd(t, e.root, "b", 0)
			e.inodes = append(e.inodes, a.DInode)
			t.Spawn("rename", func(t *sim.Task) {
				e.root.DInode.IRwsem.DownWrite(t)
				dcache.DMove(t, a, b)
				e.root.DInode.IRwsem.UpWrite(t)
				dcache.Dput(t, b)
				dcache.Dput(t, a)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "b"))
				haAssert(t, !sim.IsErr(d), "d_alloc_parallel failed")
				haAssert(t, !dcache.DInLookup(t, d), "a second dentry for b was created in-lookup")
				haAssert(t, d == a || d == b, "d_alloc_parallel returned %s", d)
				if d == a {
					t.Mark("test: lookup got the moved file")
				} else {
					t.Mark("test: lookup got the old negative")
				}
				dcache.Dput(t, d)
				haRelease(t, wq)
			})
		})
	})
}

// The rename target is the renamer's own in-lookup dentry, and another
// lookup of that name waits on it: __d_move must wake the waiter (mainline:
// the owner's d_wait queue; v3 04/19: end_dir_add(dir, n, do_wake,
// target)), which then finds the target unhashed, retries and finds the
// moved dentry.
func TestDMoveWakesInLookupWaiters(tt *testing.T) {
	marks := []string{"d_alloc_parallel: waited on in-lookup", "d_alloc_parallel: mismatch after wait", "__d_move: in-lookup target"}
	haExplore(tt, "ha/move-wakes", haMainV3, marks, func(w *sim.World, p variant.Variant) {
		e := haNewEnv(w, p, nil)
		w.Go("setup", func(t *sim.Task) {
			a := haAdd(t, e.root, "a", dcache.S_IFREG)
			e.inodes = append(e.inodes, a.DInode)
			t.Spawn("rename", func(t *sim.Task) {
				b, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "b"))
				dcache.DMove(t, a, b)
				dcache.DLookupDone(t, b)
				dcache.Dput(t, b)
				haRelease(t, wq)
				dcache.Dput(t, a)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "b"))
				if dcache.DInLookup(t, d) { // it got there first: ->lookup finds nothing
					dcache.DAdd(t, d, nil)
				} else {
					haAssert(t, d == a || d.DInode == nil, "lookup found %s", d)
				}
				dcache.Dput(t, d)
				haRelease(t, wq)
			})
		})
	})
}

// d_exchange of two files in one directory racing d_lookup of one of the
// names: both names exist before and after, so d_lookup (which retries
// while rename_lock moved) must find one of the two dentries, never miss.
func TestDExchangeVsDLookup(tt *testing.T) {
	marks := []string{"test: found the original a", "test: found the exchanged b"}
	haExplore(tt, "ha/exchange-vs-lookup", haMainV3, marks, func(w *sim.World, p variant.Variant) {
		e := haNewEnv(w, p, nil)
		w.Go("setup", func(t *sim.Task) {
			a := haAdd(t, e.root, "a", dcache.S_IFREG)
			b := haAdd(t, e.root, "b", dcache.S_IFREG)
			e.inodes = append(e.inodes, a.DInode, b.DInode)
			t.Spawn("exchange", func(t *sim.Task) {
				e.root.DInode.IRwsem.DownWrite(t)
				dcache.DExchange(t, a, b)
				e.root.DInode.IRwsem.UpWrite(t)
				dcache.Dput(t, a)
				dcache.Dput(t, b)
			})
			t.Spawn("lookup", func(t *sim.Task) {
				d := dcache.DLookup(t, e.root, haQ(e.root, "a"))
				haAssert(t, d == a || d == b, "d_lookup(a) = %v", d)
				if d == a {
					t.Mark("test: found the original a")
				} else if d == b {
					t.Mark("test: found the exchanged b")
				}
				dcache.Dput(t, d)
			})
		})
	})
}
