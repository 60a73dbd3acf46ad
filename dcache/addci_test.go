package dcache_test

// Tests of d_add_ci (dcache/addci.go): mainline v6.18, v3 04/19 (no wait
// queue) and v3 08/19 (the parent's i_rwsem dropped around
// d_alloc_parallel / d_alloc).
//
// d_add_ci is for case-insensitive filesystems whose dcache keeps only the
// case-exact name (ntfs): most tests use no ->d_compare, so "FOO" and
// "foo" are different dcache names. TestDAddCIFoldingDCompare covers a
// filesystem whose ->d_hash/->d_compare fold case.

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// haCIVersions adds 08/19 alone and with 04/19 to haVersions.
var haCIVersions = append(append([]haVersion{}, haVersions...),
	haVersion{"08", variant.BaseToday.WithPatch(variant.P08AddCIDropLock)},
	haVersion{"04+08", variant.BaseToday.WithPatch(variant.P04WaitVarEvent).WithPatch(variant.P08AddCIDropLock)},
)

// haFoldOps are ->d_hash and ->d_compare that fold ASCII case, as a
// case-insensitive filesystem's (xfs ascii-ci, casefolded ext4).
var haFoldOps = &dcache.DentryOperations{
	DHash: func(t *sim.Task, d *dcache.Dentry, name *dcache.Qstr) int {
		name.Hash = dcache.FullNameHash(d, strings.ToLower(name.Name))
		return 0
	},
	DCompare: func(t *sim.Task, d *dcache.Dentry, length int, str string, name *dcache.Qstr) int {
		if strings.EqualFold(str, name.Name) {
			return 0
		}
		return 1
	},
}

// haCILookup is lookup_slow (v3 07/19: LOOKUP_SHARED) of name in parent
// whose ->lookup finds inode under the case-exact name exact and calls
// d_add_ci, as ntfs_lookup and xfs_vn_ci_lookup do. It returns what
// __lookup_slow returns: the dentry to use, with a reference, or an
// ERR_PTR.
func haCILookup(t *sim.Task, e *haEnv, parent *dcache.Dentry, name, exact string, inode *dcache.Inode) *dcache.Dentry {
	dir := parent.DInode
	dir.IRwsem.DownRead(t)
	defer dir.IRwsem.UpRead(t)
	q := haQ(parent, name)
	if parent.DOp != nil && parent.DOp.DHash != nil {
		parent.DOp.DHash(t, parent, q)
	}
	d, wq := haOwnLookup(t, e.c, parent, q)
	defer haRelease(t, wq)
	if sim.IsErr(d) || !dcache.DInLookup(t, d) {
		return d
	}
	dcache.Ihold(t, inode) // the filesystem's iget
	old := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: exact}, true)
	dcache.DLookupDone(t, d)
	if old != nil {
		dcache.Dput(t, d)
		return old
	}
	return d
}

// The case-exact dentry is already hashed: it is returned with a new
// reference, the inode reference is dropped, and the lock is never
// dropped; the looked-up dentry stays the caller's to end.
func TestDAddCIExisting(tt *testing.T) {
	for _, v := range haCIVersions {
		tt.Run(v.name, func(tt *testing.T) {
			e := haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				foo := haAdd(t, e.root, "foo", dcache.S_IFREG)
				inode := foo.DInode
				e.inodes = append(e.inodes, inode)
				dcache.Dput(t, foo)
				res := haCILookup(t, e, e.root, "FOO", "foo", inode)
				haAssert(t, res == foo && foo.DLockref.Count() == 1, "d_add_ci = %v", res)
				haAssert(t, inode.ICount.Value() == 1, "i_count %d", inode.ICount.Value())
				dcache.Dput(t, res)
			})
			if want := "/ [dir#1] count=2\n  foo [hashed reg#2] count=0\n"; e.sb.Dump() != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", e.sb.Dump(), want)
			}
		})
	}
}

// No case-exact dentry: from an in-lookup dentry, d_add_ci makes one with
// d_alloc_parallel and splices the inode into it; the looked-up "FOO" is
// ended by the caller and goes away.
func TestDAddCINew(tt *testing.T) {
	for _, v := range haCIVersions {
		tt.Run(v.name, func(tt *testing.T) {
			e := haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				inode := e.sb.NewInode(t, dcache.S_IFREG)
				e.inodes = append(e.inodes, inode)
				dcache.Iput(t, inode) // only the "disk" knows it
				res := haCILookup(t, e, e.root, "FOO", "foo", inode)
				haAssert(t, !sim.IsErrOrNull(res) && res.DName.Name == "foo" && res.DInode == inode, "d_add_ci = %v", res)
				haAssert(t, !dcache.DInLookup(t, res) && !dcache.DUnhashed(t, res), "result not hashed")
				haAssert(t, !e.root.DInode.IRwsem.IsLocked(), "parent lock still held")
				dcache.Dput(t, res)
			})
			if want := "/ [dir#1] count=2\n  foo [hashed reg#2] count=0\n"; e.sb.Dump() != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", e.sb.Dump(), want)
			}
		})
	}
}

// From a dentry that is not in-lookup (lookup_one_qstr_excl's d_alloc,
// the parent locked exclusive): d_add_ci uses d_alloc. In 08/19 it does so
// with the parent unlocked and relocks it with inode_lock_nested.
func TestDAddCINotInLookup(tt *testing.T) {
	for _, v := range haCIVersions {
		tt.Run(v.name, func(tt *testing.T) {
			e := haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				inode := e.sb.NewInode(t, dcache.S_IFREG)
				e.inodes = append(e.inodes, inode)
				e.root.DInode.IRwsem.DownWrite(t)
				d := dcache.DAlloc(t, e.root, haQ(e.root, "FOO"))
				res := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: "foo"}, false)
				haAssert(t, !sim.IsErrOrNull(res) && res.DName.Name == "foo" && res.DInode == inode && !dcache.DUnhashed(t, res), "d_add_ci = %v", res)
				haAssert(t, e.root.DInode.IRwsem.IsWriteLocked(), "parent lock not held for write on return")
				e.root.DInode.IRwsem.UpWrite(t)
				dcache.Dput(t, d)
				dcache.Dput(t, res)
			})
			if want := "/ [dir#1] count=2\n  foo [hashed reg#2] count=0\n"; e.sb.Dump() != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", e.sb.Dump(), want)
			}
		})
	}
}

// A directory with an IS_ROOT alias: d_splice_alias returns the alias, so
// d_add_ci ends and drops its own new dentry (d_lookup_done, dput) and
// returns the alias.
func TestDAddCIDirAlias(tt *testing.T) {
	for _, v := range haCIVersions {
		tt.Run(v.name, func(tt *testing.T) {
			e := haClean(tt, v.p, nil, func(t *sim.Task, e *haEnv) {
				anon := haAnonDir(t, e)
				res := haCILookup(t, e, e.root, "FOO", "foo", anon.DInode)
				haAssert(t, res == anon && anon.DName.Name == "foo" && anon.DParent == e.root, "d_add_ci = %v", res)
				dcache.Dput(t, res)
				dcache.Dput(t, anon)
			})
			if want := "/ [dir#1] count=2\n  foo [hashed dir#2] count=0\n"; e.sb.Dump() != want {
				tt.Errorf("dcache:\n%s\nwant:\n%s", e.sb.Dump(), want)
			}
		})
	}
}

// haFailAllocs fails every allocation while *armed (Config.Faults must be
// on); otherwise it takes the defaults.
type haFailAllocs struct{ armed *bool }

func (s haFailAllocs) Decide(w *sim.World, d *sim.Decision) int {
	if d.Kind == sim.DecideFault && *s.armed {
		return 1
	}
	return d.Default()
}

// haRunFailing runs body with allocations failing while it sets *armed.
func haRunFailing(p variant.Variant, body func(t *sim.Task, e *haEnv, armed *bool)) *sim.Outcome {
	armed := false
	prog := sim.Program{Name: "ha/enomem", Setup: func(w *sim.World) {
		e := haNewEnv(w, p, nil)
		w.Go("main", func(t *sim.Task) { body(t, e, &armed) })
	}}
	return sim.Execute(prog, sim.Config{Faults: true}, haFailAllocs{&armed})
}

// ENOMEM inside d_add_ci. Mainline returns ERR_PTR(-ENOMEM) with the
// parent still locked, and the caller's unlock balances. With 08/19 both
// ENOMEM returns (d_alloc_parallel's ERR_PTR and d_alloc's NULL) come back
// with the parent lock dropped, as posted: the caller's inode_unlock_shared
// / inode_unlock then releases a lock it no longer holds (FINDING: lockdep
// "bad unlock balance").
func TestDAddCIENOMEM(tt *testing.T) {
	cases := []struct {
		name     string
		inLookup bool
	}{{"in-lookup", true}, {"d_alloc", false}}
	for _, v := range haCIVersions {
		for _, k := range cases {
			tt.Run(v.name+"/"+k.name, func(tt *testing.T) {
				out := haRunFailing(v.p, func(t *sim.Task, e *haEnv, armed *bool) {
					inode := e.sb.NewInode(t, dcache.S_IFREG)
					e.inodes = append(e.inodes, inode)
					dir := e.root.DInode
					var d *dcache.Dentry
					var wq *dcache.WaitQueue
					if k.inLookup {
						dir.IRwsem.DownRead(t) // lookup_slow
						d, wq = haOwnLookup(t, e.c, e.root, haQ(e.root, "FOO"))
					} else {
						dir.IRwsem.DownWrite(t) // lookup_one_qstr_excl
						d = dcache.DAlloc(t, e.root, haQ(e.root, "FOO"))
					}
					*armed = true
					res := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: "foo"}, k.inLookup)
					*armed = false
					haAssert(t, sim.IsErr(res) && sim.PtrErr(res) == -int(sim.ENOMEM), "d_add_ci = %v, want ERR_PTR(-ENOMEM)", res)
					haAssert(t, inode.ICount.Value() == 0, "inode reference not dropped")
					dcache.DLookupDone(t, d)
					if k.inLookup {
						dir.IRwsem.UpRead(t)
					} else {
						dir.IRwsem.UpWrite(t)
					}
					dcache.Dput(t, d)
					haRelease(t, wq)
				})
				if !v.p.Has(variant.P08AddCIDropLock) {
					if out.Report != nil {
						tt.Fatalf("unexpected report:\n%s", out.Report.Format())
					}
					return
				}
				want := "unbalanced-up_read"
				if !k.inLookup {
					want = "unbalanced-up_write"
				}
				if out.Report == nil || out.Report.Kind != sim.KindLockdep || out.Report.Rule != want {
					tt.Fatalf("want lockdep [%s] (posted 08/19 returns with the parent unlocked), got %v", want, out.Report)
				}
				tt.Logf("FINDING (v3 08/19, %s): %s", k.name, out.Report.Title)
			})
		}
	}
}

// haGate lets a task wait until another opens it (a test device).
type haGate struct {
	sim.Object
	open bool
}

func haNewGate(w *sim.World) *haGate {
	g := &haGate{}
	w.NewStatic(&g.Object, "gate")
	return g
}

func (g *haGate) Open(t *sim.Task) {
	t.Write(&g.Object, "open")
	g.open = true
	sim.WakeUpVar(t, &g.Object, "open")
}

func (g *haGate) Wait(t *sim.Task) {
	sim.WaitVarEvent(t, &g.Object, "open", func() bool {
		t.Read(&g.Object, "open")
		return g.open
	})
}

// haVsExact is two lookups in one directory, both holding it shared
// (lookup_slow): "FOO", case-inexact, whose ->lookup calls d_add_ci with
// "foo", and "foo", exact, whose ->lookup splices the inode itself. With
// hold, a ->d_init hook holds the "FOO" lookup inside d_add_ci's
// d_alloc_parallel("foo") (at __d_alloc) until the "foo" lookup has
// finished, so that d_alloc_parallel finds "foo" hashed. With writer, a
// third task takes the directory's i_rwsem for write (a mkdir in it).
func haVsExact(hold, writer bool) func(w *sim.World, p variant.Variant) {
	return func(w *sim.World, p variant.Variant) {
		var ciTask *sim.Task
		g := haNewGate(w)
		ops := &dcache.DentryOperations{DInit: func(t *sim.Task, d *dcache.Dentry) int {
			if hold && t == ciTask && d.DName.Name == "foo" {
				g.Wait(t)
			}
			return 0
		}}
		e := haNewEnv(w, p, ops)
		w.Go("setup", func(t *sim.Task) {
			inode := e.sb.NewInode(t, dcache.S_IFREG)
			e.inodes = append(e.inodes, inode)
			dcache.Iput(t, inode)
			ciTask = t.Spawn("lookup-FOO", func(t *sim.Task) {
				r := haCILookup(t, e, e.root, "FOO", "foo", inode)
				haAssert(t, !sim.IsErrOrNull(r) && r.DName.Name == "foo" && r.DInode == inode, "lookup FOO gave %v", r)
				dcache.Dput(t, r)
			})
			t.Spawn("lookup-foo", func(t *sim.Task) {
				dir := e.root.DInode
				dir.IRwsem.DownRead(t)
				d, wq := haOwnLookup(t, e.c, e.root, haQ(e.root, "foo"))
				if dcache.DInLookup(t, d) {
					dcache.Ihold(t, inode)
					if old := dcache.DSpliceAlias(t, inode, d); old != nil {
						haAssert(t, false, "d_splice_alias of a file returned %v", old)
					}
					dcache.DLookupDone(t, d)
				}
				dir.IRwsem.UpRead(t)
				haRelease(t, wq)
				haAssert(t, d.DName.Name == "foo" && d.DInode == inode, "lookup foo gave %v", d)
				dcache.Dput(t, d)
				g.Open(t)
			})
			if writer {
				t.Spawn("mkdir", func(t *sim.Task) {
					e.root.DInode.IRwsem.DownWrite(t)
					e.root.DInode.IRwsem.UpWrite(t)
				})
			}
		})
	}
}

// The case-exact name is looked up by another task while d_add_ci runs.
// In mainline every interleaving is clean: d_add_ci's d_alloc_parallel
// finds "foo" hashed and returns it with the parent still locked. With
// 08/19 that return (IS_ERR(found) || !d_in_lookup(found)) comes back with
// the parent lock dropped, and lookup_slow's inode_unlock_shared then
// releases a lock the task does not hold (FINDING). The exploration must
// be clean and exhausted in mainline and 04/19, and must report the
// unbalanced up_read in 08/19 and v3; the schedule it gives replays.
func TestDAddCIVsExactLookup(tt *testing.T) {
	setup := haVsExact(true, false)
	haExplore(tt, "ha/addci-vs-exact", []haVersion{{"mainline", variant.BaseToday}, {"04", variant.BaseToday.WithPatch(variant.P04WaitVarEvent)}}, nil, setup)
	for _, v := range []haVersion{{"08", variant.BaseToday.WithPatch(variant.P08AddCIDropLock)}, {"v3", variant.V3Today}} {
		r := haFind(tt, "ha/addci-vs-exact", v.p, setup)
		if r.Kind != sim.KindLockdep || r.Rule != "unbalanced-up_read" {
			tt.Fatalf("%s: want lockdep [unbalanced-up_read], got:\n%s", v.name, r.Format())
		}
		tt.Logf("FINDING (v3 08/19) %s: %s\nschedule: %s", v.name, r.Title, r.Schedule)
		prog := sim.Program{Name: "ha/addci-vs-exact", Setup: func(w *sim.World) { setup(w, v.p) }}
		again := haReplay(tt, prog, r.Schedule)
		if again.Report == nil || again.Report.Rule != r.Rule {
			tt.Fatalf("%s: the schedule does not replay the report: %v", v.name, again.Report)
		}
	}
}

// v3 08/19 retakes the directory's i_rwsem (inode_lock_shared) after
// d_alloc_parallel, while its task owns in-lookup dentries ("FOO", and the
// new "foo"). In the posted series lookup_slow still calls
// d_alloc_parallel with i_rwsem held shared, so the order R17 requires
// (i_rwsem, then waiting on an in-lookup dentry) is taken both ways. With
// a writer queued on the directory this is a deadlock: the exact lookup
// holds i_rwsem shared and waits on the in-lookup "foo"; the writer
// (mkdir, say) waits for the exact lookup's shared hold; d_add_ci's
// inode_lock_shared waits behind the queued writer; "foo" is never
// finished (FINDING). Lockdep reports the cycle when the second edge is
// added, before the tasks block for good.
func TestDAddCIRelockInversion(tt *testing.T) {
	for _, v := range []haVersion{{"08", variant.BaseToday.WithPatch(variant.P08AddCIDropLock)}, {"v3", variant.V3Today}} {
		r := haFind(tt, "ha/addci-relock", v.p, haVsExact(false, true))
		if r.Kind != sim.KindLockdep || r.Rule != "circular" || !strings.Contains(r.Message, "in-lookup dentry") ||
			!strings.Contains(r.Message, "i_mutex_dir_key") {
			tt.Fatalf("%s: want lockdep [circular] between i_rwsem and the in-lookup lock map, got:\n%s", v.name, r.Format())
		}
		tt.Logf("FINDING (v3 08/19) %s: %s\nschedule: %s", v.name, r.Title, r.Schedule)
	}
}

// A filesystem whose ->d_hash/->d_compare fold case. The hashed-name and
// d_alloc branches work; the in-lookup branch cannot: d_add_ci's
// d_alloc_parallel("foo") finds the caller's own in-lookup "FOO" (same
// folded hash, ->d_compare equal) on the in-lookup hash and waits for it,
// i.e. for itself. The model reports it as a recursive acquisition of the
// in-lookup dentry's lock map (a deadlock without lockdep), in mainline
// and in v3. This is not new with the series: it is the known hang of
// d_add_ci with a folding ->d_compare (Al Viro, 2021, on "fs: dcache:
// Handle case-exact lookup in d_alloc_parallel": d_add_ci is not meant to
// be mixed with a non-trivial ->d_compare).
func TestDAddCIFoldingDCompare(tt *testing.T) {
	fold := func(e *haEnv) { e.sb.Fold = strings.ToLower }
	for _, v := range haCIVersions {
		tt.Run(v.name+"/existing", func(tt *testing.T) {
			haClean(tt, v.p, haFoldOps, func(t *sim.Task, e *haEnv) {
				fold(e)
				q := haQ(e.root, "Foo")
				haFoldOps.DHash(t, e.root, q)
				foo := dcache.DAlloc(t, e.root, q)
				inode := e.sb.NewInode(t, dcache.S_IFREG)
				e.inodes = append(e.inodes, inode)
				dcache.DAdd(t, foo, inode)
				e.root.DInode.IRwsem.DownWrite(t)
				d := dcache.DAlloc(t, e.root, haQ(e.root, "FOO"))
				dcache.Ihold(t, inode)
				res := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: "foo"}, false)
				haAssert(t, res == foo, "d_add_ci = %v, want the hashed case variant", res)
				e.root.DInode.IRwsem.UpWrite(t)
				for _, x := range []*dcache.Dentry{res, d, foo} {
					dcache.Dput(t, x)
				}
			})
		})
		tt.Run(v.name+"/d_alloc", func(tt *testing.T) {
			haClean(tt, v.p, haFoldOps, func(t *sim.Task, e *haEnv) {
				fold(e)
				inode := e.sb.NewInode(t, dcache.S_IFREG)
				e.inodes = append(e.inodes, inode)
				e.root.DInode.IRwsem.DownWrite(t)
				d := dcache.DAlloc(t, e.root, haQ(e.root, "FOO"))
				res := dcache.DAddCI(t, d, inode, &dcache.Qstr{Name: "foo"}, false)
				haAssert(t, !sim.IsErrOrNull(res) && res.DName.Name == "foo" && res.DInode == inode, "d_add_ci = %v", res)
				e.root.DInode.IRwsem.UpWrite(t)
				dcache.Dput(t, d)
				dcache.Dput(t, res)
			})
		})
		tt.Run(v.name+"/in-lookup", func(tt *testing.T) {
			r := haFires(tt, v.p, haFoldOps, sim.KindLockdep, "recursive", func(t *sim.Task, e *haEnv) {
				fold(e)
				inode := e.sb.NewInode(t, dcache.S_IFREG)
				e.inodes = append(e.inodes, inode)
				dcache.Iput(t, inode)
				haCILookup(t, e, e.root, "FOO", "foo", inode)
			})
			if !strings.Contains(r.Message, "in-lookup dentry") {
				tt.Errorf("report does not name the in-lookup lock map:\n%s", r.Format())
			}
		})
	}
}
