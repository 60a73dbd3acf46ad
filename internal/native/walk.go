package native

// vfs/rcu-walk-vs-kill (tmpfs): a stat of /d/e/f walks in RCU-walk,
// holding no reference, while another task unlinks /d/e/f and removes
// /d/e, whose last dput kills it (tmpfs's always_delete_dentry). The
// walk notices through d_seq or the dead lockref when it leaves RCU-walk
// and is redone in ref-walk, so the stat ends with the file or -ENOENT;
// with the restart switched off (vfs mutant no-walk-restart) the -ECHILD
// reaches the caller.
//
// Divergence: the changer's own path walks, rmdir's emptiness check and
// shrink_dcache_parent are left out, and a walk that finds a negative
// dentry or misses a name ends with -ENOENT (nobody creates names).

type walkTree struct {
	root      *ldentry
	noRestart bool // mut=no-walk-restart
	point     func()
}

// ldentryIn is a dentry with the directory whose hash it is on.
type ldentryIn struct {
	d  *ldentry
	in *ldir
}

func newWalkTree(point func(), noRestart bool) *walkTree {
	dir := func(in ...*ldentry) *ldir {
		x := newLdir(point, ldirMut{}, in...)
		x.alwaysDelete = true
		return x
	}
	// mkdir and mknod pin their dentries (count 1).
	f := newLdentry("f", false)
	f.inode.Store(4)
	e := newLdentry("e", false)
	e.inode.Store(3)
	e.dir = dir(f)
	d := newLdentry("d", false)
	d.inode.Store(2)
	d.dir = dir(e)
	root := newLdentry("/", false)
	root.inode.Store(1)
	root.dir = dir(d)
	return &walkTree{root: root, noRestart: noRestart, point: point}
}

// stat is filename_lookup: RCU-walk, then ref-walk on -ECHILD.
func (w *walkTree) stat(names ...string) string {
	if r := w.rcuWalk(names); r != "-ECHILD" || w.noRestart {
		return r
	}
	return w.refWalk(names)
}

// rcuWalk is path_lookupat with LOOKUP_RCU: lookup_fast on each
// component, checking the parent's d_seq, then complete_walk's
// legitimize of the last dentry (lockref_get_not_dead, then d_seq).
func (w *walkTree) rcuWalk(names []string) string {
	parent, in := w.root, (*ldir)(nil)
	pseq := parent.seq.Load() &^ 1
	for _, name := range names {
		x := parent.dir
		child := x.lookupRCU(name)
		if child == nil {
			return "-ENOENT"
		}
		w.point()
		seq := child.seq.Load() &^ 1 // raw_seqcount_begin in __d_lookup_rcu
		w.point()
		if parent.seq.Load() != pseq {
			return "-ECHILD"
		}
		w.point()
		if child.inode.Load() == 0 {
			return "-ENOENT"
		}
		parent, pseq, in = child, seq, x
	}
	if !in.getNotDead(parent) {
		return "-ECHILD"
	}
	w.point()
	if parent.seq.Load() != pseq {
		in.dput(parent)
		return "-ECHILD"
	}
	r := w.result(parent)
	in.dput(parent)
	return r
}

// refWalk is the walk redone with references: d_lookup, and on a miss
// lookup_slow under the directory's shared lock.
func (w *walkTree) refWalk(names []string) string {
	cur := ldentryIn{d: w.root}
	put := func() {
		if cur.in != nil {
			cur.in.dput(cur.d)
		}
	}
	defer put()
	for _, name := range names {
		x := cur.d.dir
		d := x.dLookup(name)
		if d == nil {
			w.point()
			x.rwsem.RLock()
			d = x.dLookup(name)
			x.rwsem.RUnlock()
		}
		if d == nil {
			return "-ENOENT"
		}
		put()
		cur = ldentryIn{d, x}
		if w.result(d) == "-ENOENT" {
			return "-ENOENT"
		}
	}
	return "reg"
}

func (w *walkTree) result(d *ldentry) string {
	w.point()
	if d.inode.Load() == 0 {
		return "-ENOENT"
	}
	return "reg"
}

// remove is unlink or rmdir of name in dir: lock the parent (and a
// directory's own inode), look it up, drop the pin (simple_unlink's
// dput), d_delete, unlock, dput.
func (w *walkTree) remove(dir *ldentry, name string) {
	x := dir.dir
	w.point()
	x.rwsem.Lock()
	d := x.dLookup(name)
	if d.dir != nil {
		w.point()
		d.dir.rwsem.Lock()
	}
	x.dput(d) // the pin
	x.dDelete(d)
	if d.dir != nil {
		d.dir.rwsem.Unlock()
	}
	x.rwsem.Unlock()
	x.dput(d)
}

// rcuWalkVsKill: stat /d/e/f against unlink /d/e/f; rmdir /d/e.
func rcuWalkVsKill(noRestart bool) func(point func()) bool {
	return func(point func()) bool {
		w := newWalkTree(point, noRestart)
		d := w.root.dir.lookupRCU("d")
		e := d.dir.lookupRCU("e")
		var r string
		run(func() { r = w.stat("d", "e", "f") }, func() {
			w.remove(e, "f")
			w.remove(d, "e")
		})
		return r == "reg" || r == "-ENOENT"
	}
}
