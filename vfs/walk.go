package vfs

import (
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// nameidata is the walk state: the current directory (with a counted
// reference), its d_seq sample in RCU mode, and the mode.
type nameidata struct {
	path  *dcache.Dentry
	seq   uint32
	rcu   bool
	flags LookupFlags
}

// hashName is hash_name plus the ->d_hash call of link_path_walk.
func hashName(t *sim.Task, parent *dcache.Dentry, name string) (dcache.Qstr, int) {
	q := dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
	if parent.DFlags&dcache.DCACHE_OP_HASH != 0 {
		if err := parent.DOp.DHash(t, parent, &q); err < 0 {
			return q, err
		}
	}
	return q, 0
}

// walkComponent is walk_component (fs/namei.c, 7.0) for a normal name:
// lookup_fast, then lookup_slow, then step into the result. It consumes
// nd.path's reference when it steps. Dots are handled by the caller.
func (s *System) walkComponent(t *sim.Task, nd *nameidata, name string, last bool) int {
	q, err := hashName(t, nd.path, name)
	if err != 0 {
		return err
	}
	var dentry *dcache.Dentry
	var seq uint32
	if nd.rcu {
		sim.RCUReadLock(t)
		dentry, seq = s.lookupFastRCU(t, nd.path, nd.seq, &q, nd.flags)
		if dentry == nil {
			nd.rcu = false // try_to_unlazy: the rest of the walk is ref-walk
		}
	} else {
		dentry = s.lookupFastRef(t, nd.path, &q, nd.flags)
	}
	if sim.IsErr(dentry) {
		return sim.PtrErr(dentry)
	}
	if dentry == nil {
		dentry = s.LookupSlow(t, &q, nd.path, nd.flags)
		if sim.IsErr(dentry) {
			return sim.PtrErr(dentry)
		}
	}
	// step_into: a negative dentry ends the walk with -ENOENT; an
	// intermediate component must be a directory (d_can_lookup).
	if dentry.DInode == nil {
		dcache.Dput(t, dentry)
		return -int(sim.ENOENT)
	}
	if !last && !dentry.DInode.IMode.IsDir() {
		dcache.Dput(t, dentry)
		return -int(sim.ENOTDIR)
	}
	dcache.Dput(t, nd.path)
	nd.path, nd.seq = dentry, seq
	return 0
}

// splitPath splits an absolute or root-relative path into components.
func splitPath(path string) []string {
	var out []string
	for _, c := range strings.Split(path, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// pathWalk is link_path_walk plus lookup_last (path_lookupat) from the
// namespace root: with parentOnly it stops before the last component
// and returns it (path_parentat). The walk runs in RCU mode first and is
// redone in ref mode on -ECHILD (filename_lookup).
func (s *System) pathWalk(t *sim.Task, path string, parentOnly bool, flags LookupFlags) (*dcache.Dentry, string, int) {
	comps := splitPath(path)
	last := ""
	if parentOnly {
		if len(comps) == 0 {
			return nil, "", -int(sim.EEXIST) // "/" has no last component
		}
		last = comps[len(comps)-1]
		comps = comps[:len(comps)-1]
	}
	for _, rcu := range []bool{true, false} {
		d, err := s.walkOnce(t, comps, rcu, flags, parentOnly)
		if err == -int(sim.ECHILD) {
			t.Mark("path walk: -ECHILD, redo in ref mode")
			continue
		}
		return d, last, err
	}
	return nil, "", -int(sim.ECHILD)
}

// walkOnce walks comps from the root. Every component but the path's
// last must be a directory (link_path_walk's d_can_lookup check); with
// parentOnly, comps stops before the last, so all of them must be.
func (s *System) walkOnce(t *sim.Task, comps []string, rcu bool, flags LookupFlags, parentOnly bool) (*dcache.Dentry, int) {
	nd := &nameidata{path: dcache.Dget(t, s.Root), rcu: rcu, flags: flags}
	if rcu {
		nd.seq = s.Root.DSeq.RawBegin(t)
	}
	for i, c := range comps {
		var err int
		switch c {
		case ".":
			continue
		case "..":
			if nd.path != s.Root {
				p := dcache.DgetParent(t, nd.path)
				dcache.Dput(t, nd.path)
				nd.path = p
				nd.rcu = false
			}
			continue
		default:
			err = s.walkComponent(t, nd, c, !parentOnly && i == len(comps)-1)
		}
		if err != 0 {
			dcache.Dput(t, nd.path)
			return nil, err
		}
	}
	return nd.path, 0
}

// Lookup resolves a path to a counted dentry reference (kern_path).
func (s *System) Lookup(t *sim.Task, path string) (*dcache.Dentry, int) {
	return s.KernPath(t, path, LOOKUP_FOLLOW)
}

// KernPath is kern_path with lookup flags.
func (s *System) KernPath(t *sim.Task, path string, flags LookupFlags) (*dcache.Dentry, int) {
	d, _, err := s.pathWalk(t, path, false, flags)
	return d, err
}
