package ovl

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// seqVersions are the versions the sequential tests run on: a posted v3
// 09/10 readdir fires on the first readdir (see TestPostedReaddirFires).
var seqVersions = []version{vMainline, v09Fixed, v10Fixed}

// seq runs body in the setup task after the mount, in every sequential
// version and regime; body reports mismatches through errs.
func seq(t *testing.T, name string, body func(t *sim.Task, e *env, errf func(string, ...any)), check func(w *sim.World, e *env, errf func(string, ...any))) {
	for _, v := range seqVersions {
		for _, r := range regimes {
			t.Run(fmt.Sprintf("%s/%s", v.name, r), func(tt *testing.T) {
				var errs []string
				errf := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
				var chk func(w *sim.World, e *env)
				if check != nil {
					chk = func(w *sim.World, e *env) { check(w, e, errf) }
				}
				p := program("ovl/seq/"+name, v, r, fixtureLower, fixtureUpper,
					func(t *sim.Task, e *env) { body(t, e, errf) }, nil, chk)
				out := runOnce(tt, p)
				if out.Report != nil {
					tt.Fatalf("checker fired:\n%s", out.Report.Format())
				}
				for _, e := range errs {
					tt.Error(e)
				}
			})
		}
	}
}

// expectStat checks a Stat's errno.
func expectStat(t *sim.Task, e *env, errf func(string, ...any), path string, want int) uint64 {
	ino, _, err := e.s.Stat(t, path)
	if err != want {
		errf("stat %s = %s, want %s", path, sim.ErrnoString(err), sim.ErrnoString(want))
	}
	return ino
}

// expectDir checks a directory's listing (sorted names) and that each
// entry's d_ino is the st_ino stat gives it.
func expectDir(t *sim.Task, e *env, errf func(string, ...any), path, want string) {
	ents, err := readdir(t, e.s, path)
	if err != 0 {
		errf("readdir %s = %s", path, sim.ErrnoString(err))
		return
	}
	if got := names(ents); got != want {
		errf("readdir %s = [%s], want [%s]", path, got, want)
	}
	for _, d := range ents {
		ino, _, err := e.s.Lstat(t, strings.TrimSuffix(path, "/")+"/"+d.Name)
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
func expectUpper(e *env, errf func(string, ...any), want map[string]string) {
	got := under(tree(e.upper.SB), UpperDirName)
	if !maps.Equal(got, want) {
		errf("upper layer:\n got  %s\n want %s", fmtTree(got), fmtTree(want))
	}
}

// expectWorkClean checks the workdir holds nothing but whiteouts (the
// shared whiteout ovl_whiteout keeps there).
func expectWorkClean(e *env, errf func(string, ...any)) {
	for p, typ := range under(tree(e.upper.SB), WorkDirName) {
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
	seq(t, "lookup-readdir", func(t *sim.Task, e *env, errf func(string, ...any)) {
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
		ino, _, _ := e.s.Stat(t, "/d/a")
		if ino>>xinoShift != lowerFsid {
			errf("/d/a st_ino %#x: not a remapped lower inode", ino)
		}
	}, func(w *sim.World, e *env, errf func(string, ...any)) {
		expectUpper(e, errf, fixtureUpperTree) // lookups and readdir copy nothing up
	})
}

// TestSeqReaddirUncached reads merged directories before any lookup, so
// every ovl_cache_update looks up an uncached name.
func TestSeqReaddirUncached(t *testing.T) {
	seq(t, "readdir-uncached", func(t *sim.Task, e *env, errf func(string, ...any)) {
		expectDir(t, e, errf, "/d", "a b c sub")
		expectDir(t, e, errf, "/", "d f lo m op up")
		expectDir(t, e, errf, "/m", "a c")
	}, nil)
}

func TestSeqCreate(t *testing.T) {
	seq(t, "create", func(t *sim.Task, e *env, errf func(string, ...any)) {
		fd := e.s.Open(t, "/d/new", vfs.O_CREAT|vfs.O_WRONLY)
		if fd < 0 {
			errf("create /d/new = %s", sim.ErrnoString(fd))
		} else {
			e.s.Close(t, fd)
		}
		expectRet(errf, "mkdir /lo/nd", e.s.Mkdir(t, "/lo/nd"), 0) // copies /lo up first
		expectRet(errf, "mkdir /d/sub", e.s.Mkdir(t, "/d/sub"), -int(sim.EEXIST))
		expectRet(errf, "mknod /w (over whiteout)", e.s.Mknod(t, "/w", dcache.S_IFREG), 0)
		expectRet(errf, "mknod whiteout", e.s.Mknod(t, "/wh", dcache.S_IFWHT), -int(sim.EPERM))
		expectRet(errf, "unlink /f", e.s.Unlink(t, "/f"), 0)
		expectRet(errf, "mkdir /f (over whiteout)", e.s.Mkdir(t, "/f"), 0)
		expectRet(errf, "symlink /up/l", e.s.Symlink(t, "u", "/up/l"), 0)
		expectDir(t, e, errf, "/d", "a b c new sub")
		expectDir(t, e, errf, "/lo", "nd x")
		expectDir(t, e, errf, "/", "d f lo m op up w")
		expectDir(t, e, errf, "/f", "")
		expectDir(t, e, errf, "/up", "l u")
	}, func(w *sim.World, e *env, errf func(string, ...any)) {
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
			d := lookupTree(e, e.fs.upperdir, p)
			if d == nil || !e.fs.IsOpaque(d.DInode) {
				errf("upper %s: not an opaque directory", p)
			}
		}
		if d := lookupTree(e, e.fs.upperdir, "lo"); d == nil || e.fs.IsOpaque(d.DInode) {
			errf("upper lo: a copied-up directory must not be opaque")
		}
	})
}

func TestSeqRemove(t *testing.T) {
	seq(t, "remove", func(t *sim.Task, e *env, errf func(string, ...any)) {
		expectRet(errf, "unlink /d/a (lower)", e.s.Unlink(t, "/d/a"), 0)
		expectRet(errf, "unlink /d/c (upper)", e.s.Unlink(t, "/d/c"), 0)
		expectRet(errf, "unlink /d/a again", e.s.Unlink(t, "/d/a"), -int(sim.ENOENT))
		expectRet(errf, "rmdir /lo", e.s.Rmdir(t, "/lo"), -int(sim.ENOTEMPTY))
		expectRet(errf, "unlink /lo/x", e.s.Unlink(t, "/lo/x"), 0)
		expectRet(errf, "rmdir /lo (whiteouts only)", e.s.Rmdir(t, "/lo"), 0)
		expectRet(errf, "rmdir /up", e.s.Rmdir(t, "/up"), -int(sim.ENOTEMPTY))
		expectRet(errf, "unlink /up/u", e.s.Unlink(t, "/up/u"), 0)
		expectRet(errf, "rmdir /up (pure upper)", e.s.Rmdir(t, "/up"), 0)
		expectRet(errf, "rmdir /op/vis", e.s.Rmdir(t, "/op/vis"), -int(sim.ENOTDIR))
		expectStat(t, e, errf, "/d/a", -int(sim.ENOENT))
		expectStat(t, e, errf, "/lo", -int(sim.ENOENT))
		expectDir(t, e, errf, "/d", "b sub")
		expectDir(t, e, errf, "/", "d f m op")
		expectRet(errf, "mkdir /lo again", e.s.Mkdir(t, "/lo"), 0)
		expectDir(t, e, errf, "/lo", "")
	}, func(w *sim.World, e *env, errf func(string, ...any)) {
		want := maps.Clone(fixtureUpperTree)
		delete(want, "d/c")
		delete(want, "up")
		delete(want, "up/u")
		want["d/a"] = "wht"
		want["lo"] = "dir" // whiteout, then the opaque directory made over it
		expectUpper(e, errf, want)
		expectWorkClean(e, errf)
		if d := lookupTree(e, e.fs.upperdir, "lo"); d == nil || !e.fs.IsOpaque(d.DInode) {
			errf("upper lo: not opaque after mkdir over its whiteout")
		}
	})
}

func TestSeqRename(t *testing.T) {
	seq(t, "rename", func(t *sim.Task, e *env, errf func(string, ...any)) {
		lowerIno := expectStat(t, e, errf, "/d/a", 0)
		expectRet(errf, "rename /d/a /d/z (lower: whiteout)", e.s.Rename(t, "/d/a", "/d/z", 0), 0)
		expectStat(t, e, errf, "/d/a", -int(sim.ENOENT))
		if ino := expectStat(t, e, errf, "/d/z", 0); ino != lowerIno {
			errf("/d/z st_ino %#x after copy-up, want the origin's %#x", ino, lowerIno)
		}
		expectRet(errf, "rename /up/u /d/u2 (pure upper, cross-dir)", e.s.Rename(t, "/up/u", "/d/u2", 0), 0)
		expectRet(errf, "rename /lo /lo2 (lower dir)", e.s.Rename(t, "/lo", "/lo2", 0), -int(sim.EXDEV))
		expectRet(errf, "rename /up /d/up (pure upper dir into a merge dir)", e.s.Rename(t, "/up", "/d/up", 0), 0)
		expectRet(errf, "rename /d/b /d/z (over a copied-up file)", e.s.Rename(t, "/d/b", "/d/z", 0), 0)
		expectRet(errf, "renameat2 RENAME_WHITEOUT", e.s.Rename(t, "/d/z", "/d/y", vfs.RENAME_WHITEOUT), -int(sim.EINVAL))
		expectDir(t, e, errf, "/d", "c sub u2 up z")
		expectDir(t, e, errf, "/", "d f lo m op")
		expectStat(t, e, errf, "/d/b", -int(sim.ENOENT))
	}, func(w *sim.World, e *env, errf func(string, ...any)) {
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
		if d := lookupTree(e, e.fs.upperdir, "d/up"); d == nil || !e.fs.IsOpaque(d.DInode) {
			errf("upper d/up: a pure upper dir moved into a merge dir must be opaque")
		}
		if d := lookupTree(e, e.fs.upperdir, "d/z"); d == nil || !e.fs.HasOrigin(d.DInode) {
			errf("upper d/z: a copied-up file must have an origin")
		}
	})
}

// lookupTree finds a hashed positive dentry below d by path, without
// steps (for end-of-run checks).
func lookupTree(e *env, d *dcache.Dentry, path string) *dcache.Dentry {
	for _, c := range strings.Split(path, "/") {
		var next *dcache.Dentry
		for _, ch := range d.Children() {
			if ch.DName.Name == c && ch.Hashed() && ch.DInode != nil {
				next = ch
			}
		}
		if next == nil {
			return nil
		}
		d = next
	}
	return d
}

// TestSeqFaults runs creations, removals and a rename with one injected
// allocation failure at each fallible step in turn: every error path
// must leave the dcache, the layers and the reference counts
// consistent (no checker may fire), and at least one failure must reach
// an operation's return value.
func TestSeqFaults(t *testing.T) {
	for _, v := range []version{vMainline, v10Fixed} {
		for _, r := range regimes {
			var rets []string
			p := program("ovl/seq/faults/"+v.name+"/"+r.String(), v, r, fixtureLower, fixtureUpper, nil,
				map[string]func(*sim.Task, *env){"ops": func(t *sim.Task, e *env) {
					rets = append(rets[:0],
						sim.ErrnoString(e.s.Mkdir(t, "/up/x")),
						sim.ErrnoString(e.s.Mknod(t, "/d/new", dcache.S_IFREG)),
						sim.ErrnoString(e.s.Unlink(t, "/d/a")),
						sim.ErrnoString(e.s.Rename(t, "/d/b", "/d/z", 0)),
						sim.ErrnoString(e.s.Mkdir(t, "/w")))
					ents, err := readdir(t, e.s, "/d")
					rets = append(rets, names(ents), sim.ErrnoString(err))
				}}, nil)
			// The setup task's fallible steps come first: count them with
			// a setup-only program, and fail only the later ones.
			count := &targeted{first: -1}
			sim.Execute(program("setup-only", v, r, fixtureLower, fixtureUpper, nil, nil, nil), sim.Config{Faults: true}, count)
			failed, total := 0, 0
			for f := count.nf + 1; ; f++ {
				s := &targeted{first: -1, faultAt: f}
				out := sim.Execute(p, sim.Config{Faults: true}, s)
				if out.Report != nil {
					out2 := sim.Execute(p, sim.Config{Faults: true, Trace: sim.TraceFull}, &targeted{first: -1, faultAt: f})
					t.Fatalf("%s, fault %d: %s", p.Name, f, out2.Report.Format())
				}
				if s.nf < f {
					break // no f-th fallible step: all done
				}
				total++
				if strings.Join(rets, " ") != "0 0 0 0 0 b c new sub z 0" {
					failed++
				}
			}
			t.Logf("%s: %d fallible steps failed one at a time, %d reached a return value", p.Name, total, failed)
			if failed == 0 {
				t.Errorf("%s: no injected failure reached a return value", p.Name)
			}
		}
	}
}
