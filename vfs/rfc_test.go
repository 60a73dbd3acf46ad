package vfs_test

// Tests of the RFC 51-53 hunks (docs/versions.md "RFC NN/53"), one per
// modeled hunk or posted statement kept as posted.

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/explore"
	"github.com/dcsim/dcsim/fsmodels/shmem"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

var (
	v3RFC51   = variant.V3Today.WithPatch(variant.P51LookupOneQstrExclParallel)
	v3RFC5152 = v3RFC51.WithPatch(variant.P52LiftDAllocParallel)
)

// rfcProgram is a tmpfs world under v whose tasks body adds.
func rfcProgram(name string, v variant.Variant, body func(w *sim.World, s *vfs.System)) sim.Program {
	return sim.Program{Name: "vfs/rfc/" + name + "/" + v.String(), Setup: func(w *sim.World) {
		c := dcache.NewCache(w, v)
		s := vfs.NewSystem(w, c)
		s.Root = shmem.New(s, "tmp").Root()
		w.AtEnd(func(w *sim.World) { c.CheckInvariants(nil) })
		body(w, s)
	}}
}

func rfcExplore(t *testing.T, p sim.Program, bound int, marks ...string) *explore.Result {
	t.Helper()
	budget := 20000
	if testing.Short() {
		budget = 3000
	}
	return explore.DFS(p, explore.Options{MaxPreemptions: bound, Budget: budget, RequireMarks: marks})
}

// TestRFC51RenameTargetNextToInLookup: rename /a /b racing stat /b.
// lookup_one_qstr_excl on d_alloc_parallel (RFC 51) waits for or reuses
// the lookup's in-lookup "b" instead of d_alloc'ing a second one, under
// today's order (v3,51) and under RFC 52's (v3/pdirops): no R1 or R3.
func TestRFC51RenameTargetNextToInLookup(t *testing.T) {
	for _, v := range []variant.Variant{v3RFC51, variant.V3Pdirops} {
		p := rfcProgram("rename-vs-stat", v, func(w *sim.World, s *vfs.System) {
			w.Go("setup", func(t *sim.Task) {
				if fd := s.Open(t, "/a", vfs.O_CREAT|vfs.O_RDWR); fd >= 0 {
					s.Close(t, fd)
				}
				t.Spawn("rename", func(t *sim.Task) { s.Rename(t, "/a", "/b", 0) })
				t.Spawn("stat", func(t *sim.Task) { s.Stat(t, "/b") })
			})
		})
		res := rfcExplore(t, p, 1)
		if !res.Clean() {
			t.Fatalf("%s: %s\n%v", v, res.Status(), res.First)
		}
	}
}

// TestRFC51EndDiropEndsLookup: start_creating may hand back an in-lookup
// dentry only if ->lookup left it so; tmpfs never does, and end_dirop's
// d_lookup_done (RFC 51) is then a no-op: a create of a new name ends
// with the dentry hashed and no invariant broken.
func TestRFC51EndDiropEndsLookup(t *testing.T) {
	for _, v := range []variant.Variant{v3RFC51, variant.V3Pdirops} {
		var got int
		p := rfcProgram("mknod", v, func(w *sim.World, s *vfs.System) {
			w.Go("mknod", func(t *sim.Task) { got = s.Mknod(t, "/f", dcache.S_IFREG) })
		})
		if out := sim.Execute(p, sim.Config{}, nil); out.Report != nil || got != 0 {
			t.Fatalf("%s: mknod = %d, report %v", v, got, out.Report)
		}
	}
}

// TestRFC52OpenAllocBeforeLock: with RFC 52 open_last_lookups no longer
// locks the parent: lookup_open owns its in-lookup dentry before it takes
// the lock. A task that holds the directory exclusive and calls lookup_one
// (today's order) against open(O_CREAT) is clean under v3 and a lockdep
// cycle under v3/pdirops.
func TestRFC52OpenAllocBeforeLock(t *testing.T) {
	for _, c := range []struct {
		v    variant.Variant
		want sim.Kind
	}{{variant.V3Today, ""}, {variant.V3Pdirops, sim.KindLockdep}} {
		p := rfcProgram("open-vs-locked-lookup_one", c.v, func(w *sim.World, s *vfs.System) {
			w.Go("lookup_one", func(t *sim.Task) {
				root := s.Root
				vfs.InodeLock(t, root.DInode)
				q := dcache.Qstr{Name: "f", Hash: dcache.FullNameHash(root, "f")}
				if d := s.LookupOne(t, &q, root); !sim.IsErr(d) {
					dcache.Dput(t, d)
				}
				vfs.InodeUnlock(t, root.DInode)
			})
			w.Go("open", func(t *sim.Task) {
				if fd := s.Open(t, "/f", vfs.O_CREAT|vfs.O_RDWR); fd >= 0 {
					s.Close(t, fd)
				}
			})
		})
		res := rfcExplore(t, p, 1)
		var got sim.Kind
		if res.First != nil {
			got = res.First.Kind
		}
		if got != c.want {
			t.Fatalf("%s: got %q, want %q\n%v", c.v, got, c.want, res.First)
		}
	}
}

// TestRFC52StartDiropRetries: __start_dirop (RFC 52) looks up before it
// locks; an unlink that races another unlink of the same name finds its
// dentry dropped under the lock, looks again, and gets -ENOENT. Exactly
// one unlink succeeds.
func TestRFC52StartDiropRetries(t *testing.T) {
	var r [2]int
	p := rfcProgram("unlink-unlink", variant.V3Pdirops, func(w *sim.World, s *vfs.System) {
		w.Go("setup", func(t *sim.Task) {
			s.Mknod(t, "/f", dcache.S_IFREG)
			t.Spawn("u0", func(t *sim.Task) { r[0] = s.Unlink(t, "/f") })
			t.Spawn("u1", func(t *sim.Task) { r[1] = s.Unlink(t, "/f") })
		})
		w.AtEnd(func(w *sim.World) {
			if (r[0] == 0) == (r[1] == 0) {
				w.Violation(sim.KindInvariant, "outcome", "unlink results", "")
			}
		})
	})
	if res := rfcExplore(t, p, 2, "__start_dirop: dentry moved or dropped before the lock, retry"); !res.Clean() {
		t.Fatalf("%s, missing marks %v\n%v", res.Status(), res.MissingMarks, res.First)
	}
}

// TestRFC52StartRenamingDentryLookupError: __start_renaming_dentry as RFC
// 52 posts it sends a failed target lookup to out_unlock, which unlocks
// the parents it has not locked yet (and then puts the ERR_PTR). One task,
// no race: RENAME_NOREPLACE onto an existing name. With RFC 51 alone the
// same call returns -EEXIST cleanly.
func TestRFC52StartRenamingDentryLookupError(t *testing.T) {
	for _, c := range []struct {
		v    variant.Variant
		rule string
	}{{v3RFC51, ""}, {variant.V3Pdirops, "unbalanced-up_write"}} {
		var got int
		p := rfcProgram("rename-dentry-noreplace", c.v, func(w *sim.World, s *vfs.System) {
			w.Go("rename", func(t *sim.Task) {
				s.Mknod(t, "/x", dcache.S_IFREG)
				s.Mknod(t, "/y", dcache.S_IFREG)
				x, _ := s.Lookup(t, "/x")
				rd := &vfs.RenameData{NewParent: s.Root, Flags: vfs.RENAME_NOREPLACE}
				got = s.StartRenamingDentry(t, rd, x, &dcache.Qstr{Name: "y", Hash: dcache.FullNameHash(s.Root, "y")})
				if got == 0 {
					s.EndRenaming(t, rd)
				}
				dcache.Dput(t, x)
			})
		})
		out := sim.Execute(p, sim.Config{}, nil)
		switch {
		case c.rule == "" && (out.Report != nil || got != -int(sim.EEXIST)):
			t.Errorf("%s: got %d, report %v; want -EEXIST, clean", c.v, got, out.Report)
		case c.rule != "" && (out.Report == nil || out.Report.Rule != c.rule):
			t.Errorf("%s: report %v, want %s", c.v, out.Report, c.rule)
		}
	}
}

// TestRFC53NoLookupShared: ->lookup is told LOOKUP_SHARED under RFC 52
// (v3,51-52) and no longer once RFC 53 removes the flag (v3/pdirops).
func TestRFC53NoLookupShared(t *testing.T) {
	for _, c := range []struct {
		v    variant.Variant
		want vfs.LookupFlags
	}{{v3RFC5152, vfs.LOOKUP_SHARED}, {variant.V3Pdirops, 0}} {
		var flags vfs.LookupFlags
		p := rfcProgram("lookup-flags", c.v, func(w *sim.World, s *vfs.System) {
			op := *vfs.Iop(s.Root.DInode) // a copy: the filesystem's table stays as it is
			lookup := op.Lookup
			op.Lookup = func(t *sim.Task, dir *dcache.Inode, d *dcache.Dentry, f vfs.LookupFlags) *dcache.Dentry {
				flags |= f
				return lookup(t, dir, d, f)
			}
			s.Root.DInode.IOp = &op
			w.Go("stat", func(t *sim.Task) { s.Stat(t, "/n") })
		})
		if out := sim.Execute(p, sim.Config{}, nil); out.Report != nil {
			t.Fatalf("%s: %v", c.v, out.Report)
		}
		if flags&vfs.LOOKUP_SHARED != c.want {
			t.Errorf("%s: ->lookup flags %#x, want LOOKUP_SHARED %#x", c.v, flags, c.want)
		}
	}
}
