package ovl_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/fsmodels/ovl"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
)

// expectStat checks a Stat's errno.
func expectStat(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any), path string, want int) uint64 {
	ino, _, err := e.S.Stat(t, path)
	if err != want {
		errf("stat %s = %s, want %s", path, sim.ErrnoString(err), sim.ErrnoString(want))
	}
	return ino
}

// expectDir checks a directory's listing (sorted names) and that each
// entry's d_ino is the st_ino stat gives it.
func expectDir(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any), path, want string) {
	ents, err := readdir(t, e.S, path)
	if err != 0 {
		errf("readdir %s = %s", path, sim.ErrnoString(err))
		return
	}
	if got := names(ents); got != want {
		errf("readdir %s = [%s], want [%s]", path, got, want)
	}
	for _, d := range ents {
		ino, _, err := e.S.Lstat(t, strings.TrimSuffix(path, "/")+"/"+d.Name)
		if err != 0 {
			errf("stat %s/%s after readdir: %s", path, d.Name, sim.ErrnoString(err))
		} else if ino != d.Ino {
			errf("%s/%s: d_ino %#x, st_ino %#x", path, d.Name, d.Ino, ino)
		}
	}
}

func expectRet(errf func(string, ...any), what string, got, want int) {
	if got != want {
		errf("%s = %s, want %s", what, sim.ErrnoString(got), sim.ErrnoString(want))
	}
}

// expectUpper compares the upper layer's tree (hashed positive dentries
// below "upper/") with want.
func expectUpper(e *fstest.OverlayEnv, errf func(string, ...any), want map[string]string) {
	got := e.UpperTree(ovl.UpperDirName)
	if !maps.Equal(got, want) {
		errf("upper layer:\n got  %s\n want %s", fstest.FormatTree(got), fstest.FormatTree(want))
	}
}

// expectWorkClean checks the workdir holds nothing but whiteouts (the
// shared whiteout ovl_whiteout keeps there).
func expectWorkClean(e *fstest.OverlayEnv, errf func(string, ...any)) {
	for p, typ := range e.UpperTree(ovl.WorkDirName) {
		if typ != "wht" {
			errf("workdir not clean: %s:%s", p, typ)
		}
	}
}

var fixtureUpperTree = map[string]string{
	"d": "dir", "d/c": "reg", "w": "wht", "op": "dir", "op/vis": "reg",
	"up": "dir", "up/u": "reg", "m": "dir", "m/c": "reg",
}

func TestSeqLookupReaddir(t *testing.T) {
	seq(t, "lookup-readdir", func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)) {
		expectStat(t, e, errf, "/d/a", 0)
		expectStat(t, e, errf, "/d/c", 0)
		expectStat(t, e, errf, "/d/sub/s", 0)
		expectStat(t, e, errf, "/w", -int(sim.ENOENT))
		expectStat(t, e, errf, "/op/hidden", -int(sim.ENOENT))
		expectStat(t, e, errf, "/op/vis", 0)
		expectStat(t, e, errf, "/lo/x", 0)
		expectStat(t, e, errf, "/up/u", 0)
		expectStat(t, e, errf, "/nope", -int(sim.ENOENT))
		expectDir(t, e, errf, "/", "d f lo m op up")
		expectDir(t, e, errf, "/d", "a b c sub")
		expectDir(t, e, errf, "/op", "vis")
		expectDir(t, e, errf, "/lo", "x")
		expectDir(t, e, errf, "/up", "u")
		expectDir(t, e, errf, "/d/sub", "s")
		// A lower-only file keeps its (remapped) lower inode number.
		ino, _, _ := e.S.Stat(t, "/d/a")
		if ino>>ovl.XinoShift != ovl.LowerFsid {
			errf("/d/a st_ino %#x: not a remapped lower inode", ino)
		}
	}, func(w *sim.World, e *fstest.OverlayEnv, errf func(string, ...any)) {
		expectUpper(e, errf, fixtureUpperTree) // lookups and readdir copy nothing up
	})
}

// TestSeqReaddirUncached reads merged directories before any lookup, so
// every ovl_cache_update looks up an uncached name.
func TestSeqReaddirUncached(t *testing.T) {
	seq(t, "readdir-uncached", func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)) {
		expectDir(t, e, errf, "/d", "a b c sub")
		expectDir(t, e, errf, "/", "d f lo m op up")
		expectDir(t, e, errf, "/m", "a c")
	}, nil)
}

func TestSeqCreate(t *testing.T) {
	seq(t, "create", func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)) {
		fd := e.S.Open(t, "/d/new", vfs.O_CREAT|vfs.O_WRONLY)
		if fd < 0 {
			errf("create /d/new = %s", sim.ErrnoString(fd))
		} else {
			e.S.Close(t, fd)
		}
		expectRet(errf, "mkdir /lo/nd", e.S.Mkdir(t, "/lo/nd"), 0) // copies /lo up first
		expectRet(errf, "mkdir /d/sub", e.S.Mkdir(t, "/d/sub"), -int(sim.EEXIST))
		expectRet(errf, "mknod /w (over whiteout)", e.S.Mknod(t, "/w", dcache.S_IFREG), 0)
		expectRet(errf, "mknod whiteout", e.S.Mknod(t, "/wh", dcache.S_IFWHT), -int(sim.EPERM))
		expectRet(errf, "unlink /f", e.S.Unlink(t, "/f"), 0)
		expectRet(errf, "mkdir /f (over whiteout)", e.S.Mkdir(t, "/f"), 0)
		expectRet(errf, "symlink /up/l", e.S.Symlink(t, "u", "/up/l"), 0)
		expectDir(t, e, errf, "/d", "a b c new sub")
		expectDir(t, e, errf, "/lo", "nd x")
		expectDir(t, e, errf, "/", "d f lo m op up w")
		expectDir(t, e, errf, "/f", "")
		expectDir(t, e, errf, "/up", "l u")
	}, func(w *sim.World, e *fstest.OverlayEnv, errf func(string, ...any)) {
		want := maps.Clone(fixtureUpperTree)
		want["d/new"] = "reg"
		want["lo"] = "dir"
		want["lo/nd"] = "dir"
		want["w"] = "reg"
		want["f"] = "dir"
		want["up/l"] = "lnk"
		expectUpper(e, errf, want)
		expectWorkClean(e, errf)
		for _, p := range []string{"lo/nd", "f"} {
			d := fstest.Lookup(e.FS.Upperdir(), p)
			if d == nil || !e.FS.IsOpaque(d.DInode) {
				errf("upper %s: not an opaque directory", p)
			}
		}
		if d := fstest.Lookup(e.FS.Upperdir(), "lo"); d == nil || e.FS.IsOpaque(d.DInode) {
			errf("upper lo: a copied-up directory must not be opaque")
		}
	})
}

func TestSeqRemove(t *testing.T) {
	seq(t, "remove", func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)) {
		expectRet(errf, "unlink /d/a (lower)", e.S.Unlink(t, "/d/a"), 0)
		expectRet(errf, "unlink /d/c (upper)", e.S.Unlink(t, "/d/c"), 0)
		expectRet(errf, "unlink /d/a again", e.S.Unlink(t, "/d/a"), -int(sim.ENOENT))
		expectRet(errf, "rmdir /lo", e.S.Rmdir(t, "/lo"), -int(sim.ENOTEMPTY))
		expectRet(errf, "unlink /lo/x", e.S.Unlink(t, "/lo/x"), 0)
		expectRet(errf, "rmdir /lo (whiteouts only)", e.S.Rmdir(t, "/lo"), 0)
		expectRet(errf, "rmdir /up", e.S.Rmdir(t, "/up"), -int(sim.ENOTEMPTY))
		expectRet(errf, "unlink /up/u", e.S.Unlink(t, "/up/u"), 0)
		expectRet(errf, "rmdir /up (pure upper)", e.S.Rmdir(t, "/up"), 0)
		expectRet(errf, "rmdir /op/vis", e.S.Rmdir(t, "/op/vis"), -int(sim.ENOTDIR))
		expectStat(t, e, errf, "/d/a", -int(sim.ENOENT))
		expectStat(t, e, errf, "/lo", -int(sim.ENOENT))
		expectDir(t, e, errf, "/d", "b sub")
		expectDir(t, e, errf, "/", "d f m op")
		expectRet(errf, "mkdir /lo again", e.S.Mkdir(t, "/lo"), 0)
		expectDir(t, e, errf, "/lo", "")
	}, func(w *sim.World, e *fstest.OverlayEnv, errf func(string, ...any)) {
		want := maps.Clone(fixtureUpperTree)
		delete(want, "d/c")
		delete(want, "up")
		delete(want, "up/u")
		want["d/a"] = "wht"
		want["lo"] = "dir" // whiteout, then the opaque directory made over it
		expectUpper(e, errf, want)
		expectWorkClean(e, errf)
		if d := fstest.Lookup(e.FS.Upperdir(), "lo"); d == nil || !e.FS.IsOpaque(d.DInode) {
			errf("upper lo: not opaque after mkdir over its whiteout")
		}
	})
}

func TestSeqRename(t *testing.T) {
	seq(t, "rename", func(t *sim.Task, e *fstest.OverlayEnv, errf func(string, ...any)) {
		lowerIno := expectStat(t, e, errf, "/d/a", 0)
		expectRet(errf, "rename /d/a /d/z (lower: whiteout)", e.S.Rename(t, "/d/a", "/d/z", 0), 0)
		expectStat(t, e, errf, "/d/a", -int(sim.ENOENT))
		if ino := expectStat(t, e, errf, "/d/z", 0); ino != lowerIno {
			errf("/d/z st_ino %#x after copy-up, want the origin's %#x", ino, lowerIno)
		}
		expectRet(errf, "rename /up/u /d/u2 (pure upper, cross-dir)", e.S.Rename(t, "/up/u", "/d/u2", 0), 0)
		expectRet(errf, "rename /lo /lo2 (lower dir)", e.S.Rename(t, "/lo", "/lo2", 0), -int(sim.EXDEV))
		expectRet(errf, "rename /up /d/up (pure upper dir into a merge dir)", e.S.Rename(t, "/up", "/d/up", 0), 0)
		expectRet(errf, "rename /d/b /d/z (over a copied-up file)", e.S.Rename(t, "/d/b", "/d/z", 0), 0)
		expectRet(errf, "renameat2 RENAME_WHITEOUT", e.S.Rename(t, "/d/z", "/d/y", vfs.RENAME_WHITEOUT), -int(sim.EINVAL))
		expectDir(t, e, errf, "/d", "c sub u2 up z")
		expectDir(t, e, errf, "/", "d f lo m op")
		expectStat(t, e, errf, "/d/b", -int(sim.ENOENT))
	}, func(w *sim.World, e *fstest.OverlayEnv, errf func(string, ...any)) {
		want := maps.Clone(fixtureUpperTree)
		delete(want, "up")
		delete(want, "up/u")
		want["d/a"] = "wht"
		want["d/b"] = "wht"
		want["d/z"] = "reg"
		want["d/u2"] = "reg"
		want["d/up"] = "dir"
		expectUpper(e, errf, want)
		expectWorkClean(e, errf)
		if d := fstest.Lookup(e.FS.Upperdir(), "d/up"); d == nil || !e.FS.IsOpaque(d.DInode) {
			errf("upper d/up: a pure upper dir moved into a merge dir must be opaque")
		}
		if d := fstest.Lookup(e.FS.Upperdir(), "d/z"); d == nil || !e.FS.HasOrigin(d.DInode) {
			errf("upper d/z: a copied-up file must have an origin")
		}
	})
}

// failAt fails the n-th fault decision (1-based) and no other; seen
// counts them.
type failAt struct{ n, seen int }

func (f *failAt) Decide(w *sim.World, d *sim.Decision) int {
	if d.Kind == sim.DecideFault {
		if f.seen++; f.seen == f.n {
			return 1
		}
	}
	return d.Default()
}

// TestSeqFaults runs creations, removals and a rename with one injected
// allocation failure at each fallible step after the mount in turn:
// every error path must leave the dcache, the layers and the reference
// counts consistent (no checker may fire), and at least one failure must
// reach an operation's return value.
func TestSeqFaults(t *testing.T) {
	var vs []variant.Variant
	for _, v := range []variant.Variant{variant.BaseToday, seqVersions[2]} {
		for _, r := range variant.Regimes {
			vs = append(vs, v.In(r))
			if r == variant.Pdirops {
				vs = append(vs, v.In(r).With(vfs.FixRFC52Renaming))
			}
		}
	}
	for _, v := range vs {
		// RFC 52/53's __start_renaming_dentry, as posted, unlocks what it
		// never locked when copy-up's lookup of the target fails
		// (docs/findings.md): the one report the sweep may find.
		posted52 := v.Has(variant.P52LiftDAllocParallel) && !v.On(vfs.FixRFC52Renaming)
		found52 := false
		{
			r := v.Regime()
			var rets []string
			ops := func(t *sim.Task, e *fstest.OverlayEnv) {
				rets = append(rets[:0],
					sim.ErrnoString(e.S.Mkdir(t, "/up/x")),
					sim.ErrnoString(e.S.Mknod(t, "/d/new", dcache.S_IFREG)),
					sim.ErrnoString(e.S.Unlink(t, "/d/a")),
					sim.ErrnoString(e.S.Rename(t, "/d/b", "/d/z", 0)),
					sim.ErrnoString(e.S.Mkdir(t, "/w")))
				ents, err := readdir(t, e.S, "/d")
				rets = append(rets, names(ents), sim.ErrnoString(err))
			}
			p := program("ovl/seq/faults", v.In(r), fixtureLower, fixtureUpper, ops, nil)
			// The build's fallible steps come first: count them with a
			// build-only program, and fail only the later ones.
			count := &failAt{}
			sim.Execute(program("setup-only", v.In(r), fixtureLower, fixtureUpper, nil, nil), sim.Config{Faults: true}, count).Release()
			failed, total := 0, 0
			for f := count.seen + 1; ; f++ {
				s := &failAt{n: f}
				out := sim.Execute(p, sim.Config{Faults: true}, s)
				if out.Report != nil && posted52 && out.Report.Rule == "unbalanced-up_write" {
					found52 = true
				} else if out.Report != nil {
					again := sim.Execute(p, sim.Config{Faults: true, Trace: sim.TraceFull}, &failAt{n: f})
					t.Fatalf("%s/%s, fault %d: %s", p.Name, v.In(r), f, again.Report.Format())
				}
				out.Release()
				if s.seen < f {
					break // no f-th fallible step: all done
				}
				total++
				if strings.Join(rets, " ") != "0 0 0 0 0 b c new sub z 0" {
					failed++
				}
			}
			t.Logf("%s/%s: %d fallible steps failed one at a time, %d reached a return value", p.Name, v.In(r), total, failed)
			if failed == 0 {
				t.Errorf("%s/%s: no injected failure reached a return value", p.Name, v.In(r))
			}
			if posted52 && !found52 {
				t.Errorf("%s/%s: RFC 52/53's __start_renaming_dentry error path was not reached", p.Name, v)
			}
		}
	}
}
