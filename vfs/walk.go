package vfs

import (
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// The path walk of fs/namei.c (6.18; lookup_fast as in v6.18.38, the
// rest unchanged in structure since the nd->next_seq rework of 6.2):
// path_init, link_path_walk, walk_component, step_into, pick_link and
// the RCU-walk to ref-walk transitions (try_to_unlazy,
// try_to_unlazy_next, complete_walk), with filename_lookup's restart in
// ref-walk on -ECHILD.
//
// In RCU-walk (LOOKUP_RCU) the walk holds rcu_read_lock from path_init
// to leave_rcu and takes no reference: nd.path and the links on the
// stack are bare pointers validated by their d_seq samples (nd.seq,
// nd.nextSeq, saved.seq). Leaving RCU-walk legitimizes them (a
// reference taken with lockref_get_not_dead, then the d_seq sample
// rechecked); if that fails the whole walk is redone in ref-walk.
//
// Divergence: struct path's vfsmount is not modeled (one namespace, no
// mounts): handle_mounts only rejects a negative dentry, __legitimize_mnt
// and the mount_lock sample (nd->m_seq) are absent. The cwd is the
// namespace root, so a relative path starts there. Permissions
// (may_lookup, may_follow_link), atime (touch_atime, whose update forces
// try_to_unlazy in RCU-walk), security hooks, LOOKUP_IS_SCOPED (and the
// rename_lock sample nd->r_seq only it reads), LOOKUP_CACHED and
// ->d_weak_revalidate are not modeled. ->get_link's delayed_call is not
// modeled: bodies are strings the model never frees.

// MAXSYMLINKS is the limit on symlinks followed in one lookup
// (include/linux/namei.h), nested or not.
const MAXSYMLINKS = 40

// EMBEDDED_LEVELS is the depth of nd->internal: deeper nesting moves the
// link stack to an allocation (nd_alloc_stack).
const EMBEDDED_LEVELS = 2

// walk_component flags.
const (
	WALK_TRAILING = 1 << 0
	WALK_MORE     = 1 << 1
	WALK_NOFOLLOW = 1 << 2
)

// last_type values.
const (
	LAST_NORM = iota
	LAST_ROOT
	LAST_DOT
	LAST_DOTDOT
)

// nd->state bits.
const (
	ND_ROOT_PRESET  = 1
	ND_ROOT_GRABBED = 2
	ND_JUMPED       = 4
)

// MutNoWalkRestart switches off filename_lookup's restart in ref-walk: a
// walk that fails to leave RCU-walk returns -ECHILD to its caller.
var MutNoWalkRestart = variant.NewMutant("vfs", "no-walk-restart",
	"filename_lookup does not redo an RCU-walk that failed with -ECHILD in ref-walk")

// saved is struct saved: a symlink being followed and where the walk
// resumes after its body.
type saved struct {
	link *dcache.Dentry // link.dentry
	seq  uint32
	name string
}

// nameidata is struct nameidata.
type nameidata struct {
	path  *dcache.Dentry // path.dentry
	last  dcache.Qstr
	root  *dcache.Dentry // root.dentry; nil is "root.mnt == NULL"
	inode *dcache.Inode
	flags LookupFlags
	state int
	// seq is nd.path's d_seq sample, nextSeq the one of the dentry
	// being stepped into (RCU-walk only).
	seq, nextSeq uint32
	lastType     int
	// lastSlash is nd->last.name[nd->last.len] != 0: the last component
	// had slashes after it.
	lastSlash      bool
	depth          int
	totalLinkCount int
	stack          []saved
	allocated      bool // nd->stack != nd->internal
	rootSeq        uint32
}

func (nd *nameidata) rcu() bool { return nd.flags&LOOKUP_RCU != 0 }

// hashName is hash_name plus the ->d_hash call of link_path_walk.
func hashName(t *sim.Task, parent *dcache.Dentry, name string) (dcache.Qstr, int) {
	q := dcache.Qstr{Name: name, Hash: dcache.FullNameHash(parent, name)}
	if parent.DFlags&dcache.DCACHE_OP_HASH != 0 {
		// Only a name that goes through ->d_hash moves to the heap.
		hq := new(dcache.Qstr)
		*hq = q
		if err := parent.DOp.DHash(t, parent, hq); err < 0 {
			return *hq, err
		}
		return *hq, 0
	}
	return q, 0
}

// dCanLookup is d_can_lookup: a directory with ->lookup.
func dCanLookup(d *dcache.Dentry) bool {
	return d.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_DIRECTORY_TYPE
}

// dIsSymlink is d_is_symlink.
func dIsSymlink(d *dcache.Dentry) bool {
	return d.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_SYMLINK_TYPE
}

// leaveRCU is leave_rcu.
func leaveRCU(t *sim.Task, nd *nameidata) {
	nd.flags &^= LOOKUP_RCU
	nd.seq, nd.nextSeq = 0, 0
	sim.RCUReadUnlock(t)
}

// terminateWalk is terminate_walk: drop what the walk holds (ref-walk)
// or leave RCU-walk.
func terminateWalk(t *sim.Task, nd *nameidata) {
	if !nd.rcu() {
		dcache.Dput(t, nd.path)
		for i := 0; i < nd.depth; i++ {
			dcache.Dput(t, nd.stack[i].link)
		}
		if nd.state&ND_ROOT_GRABBED != 0 {
			dcache.Dput(t, nd.root)
			nd.state &^= ND_ROOT_GRABBED
		}
	} else {
		leaveRCU(t, nd)
	}
	nd.depth = 0
	nd.path = nil
}

// legitimizePath is __legitimize_path: take a reference on *path and
// check its d_seq sample. The reference (if taken) is the caller's to
// put whatever the result; *path is cleared when none was taken.
func legitimizePath(t *sim.Task, path **dcache.Dentry, seq uint32) bool {
	if !(*path).DLockref.GetNotDead(t) {
		*path = nil
		return false
	}
	return !(*path).DSeq.Retry(t, seq)
}

// legitimizeLinks is legitimize_links.
func legitimizeLinks(t *sim.Task, nd *nameidata) bool {
	for i := 0; i < nd.depth; i++ {
		last := &nd.stack[i]
		if !legitimizePath(t, &last.link, last.seq) {
			nd.depth = i + 1 // drop_links: nothing to call
			return false
		}
	}
	return true
}

// legitimizeRoot is legitimize_root.
func legitimizeRoot(t *sim.Task, nd *nameidata) bool {
	if nd.root == nil || nd.state&ND_ROOT_PRESET != 0 {
		return true
	}
	nd.state |= ND_ROOT_GRABBED
	return legitimizePath(t, &nd.root, nd.rootSeq)
}

// tryToUnlazy is try_to_unlazy: leave RCU-walk with nd.path, the links
// and the root legitimized. On failure the walk must be terminated and
// redone in ref-walk (-ECHILD).
func tryToUnlazy(t *sim.Task, nd *nameidata) bool {
	parent := nd.path
	t.BugOn(!nd.rcu(), "!(nd->flags & LOOKUP_RCU)")
	if !legitimizeLinks(t, nd) {
		nd.path = nil
		leaveRCU(t, nd)
		t.Mark("try_to_unlazy: failed")
		return false
	}
	if !legitimizePath(t, &nd.path, nd.seq) || !legitimizeRoot(t, nd) {
		leaveRCU(t, nd)
		t.Mark("try_to_unlazy: failed")
		return false
	}
	leaveRCU(t, nd)
	t.BugOn(nd.inode != parent.DInode, "nd->inode != parent->d_inode")
	return true
}

// tryToUnlazyNext is try_to_unlazy_next: like tryToUnlazy, and also
// legitimize dentry, the next step, whose d_seq sample (nd.nextSeq)
// validates the parent's reference too.
func tryToUnlazyNext(t *sim.Task, nd *nameidata, dentry *dcache.Dentry) bool {
	t.BugOn(!nd.rcu(), "!(nd->flags & LOOKUP_RCU)")
	if !legitimizeLinks(t, nd) || !nd.path.DLockref.GetNotDead(t) {
		nd.path = nil
		leaveRCU(t, nd)
		return false
	}
	if !dentry.DLockref.GetNotDead(t) {
		leaveRCU(t, nd)
		return false
	}
	if dentry.DSeq.Retry(t, nd.nextSeq) || !legitimizeRoot(t, nd) {
		leaveRCU(t, nd)
		dcache.Dput(t, dentry)
		return false
	}
	leaveRCU(t, nd)
	return true
}

// completeWalk is complete_walk: leave RCU-walk at the end of a
// successful walk. -ECHILD if the result cannot be legitimized.
func completeWalk(t *sim.Task, nd *nameidata) int {
	if nd.rcu() {
		if nd.state&ND_ROOT_PRESET == 0 {
			nd.root = nil // not taken: nobody needs it any more
		}
		if !tryToUnlazy(t, nd) {
			return -int(sim.ECHILD)
		}
	}
	return 0
}

// setRoot is set_root: the namespace root (current->fs->root).
func (s *System) setRoot(t *sim.Task, nd *nameidata) {
	if nd.rcu() {
		nd.root = s.Root
		nd.rootSeq = nd.root.DSeq.ReadBegin(t)
	} else {
		nd.root = dcache.Dget(t, s.Root)
		nd.state |= ND_ROOT_GRABBED
	}
}

// ndJumpRoot is nd_jump_root: continue from the root (an absolute path
// or symlink body).
func (s *System) ndJumpRoot(t *sim.Task, nd *nameidata) int {
	if nd.root == nil {
		s.setRoot(t, nd)
	}
	if nd.rcu() {
		nd.path = nd.root
		d := nd.path
		nd.inode = d.DInode
		nd.seq = nd.rootSeq
		if d.DSeq.Retry(t, nd.seq) {
			return -int(sim.ECHILD)
		}
	} else {
		dcache.Dput(t, nd.path)
		nd.path = dcache.Dget(t, nd.root)
		nd.inode = nd.path.DInode
	}
	nd.state |= ND_JUMPED
	return 0
}

// putLink is put_link: done with the innermost symlink.
func putLink(t *sim.Task, nd *nameidata) {
	nd.depth--
	last := nd.stack[nd.depth]
	if !nd.rcu() {
		dcache.Dput(t, last.link)
	}
}

// lookupFast is lookup_fast (fs/namei.c, v6.18.38): the dcache lookup
// of nd.last in nd.path. In RCU-walk the dentry comes back without a
// reference and with its d_seq sample in nd.nextSeq; a miss leaves
// RCU-walk (try_to_unlazy) for lookup_slow, and an invalid dentry
// leaves it with both legitimized (try_to_unlazy_next). NULL: not
// cached (or invalidated); -ECHILD: redo the walk in ref-walk.
func (s *System) lookupFast(t *sim.Task, nd *nameidata) *dcache.Dentry {
	parent := nd.path
	var dentry *dcache.Dentry
	var status int
	if nd.rcu() {
		dentry = dcache.DLookupRCU(t, parent, &nd.last, &nd.nextSeq)
		if dentry == nil {
			if !tryToUnlazy(t, nd) {
				return errPtr(sim.ECHILD)
			}
			t.Mark("lookup_fast: RCU-walk miss, on in ref-walk")
			return nil
		}
		// The parent had no changes while we looked the dentry up.
		if parent.DSeq.Retry(t, nd.seq) {
			return errPtr(sim.ECHILD)
		}
		status = DRevalidate(t, nd.inode, &nd.last, dentry, nd.flags)
		if status > 0 {
			return dentry
		}
		if !tryToUnlazyNext(t, nd, dentry) {
			return errPtr(sim.ECHILD)
		}
		if status == -int(sim.ECHILD) {
			// we'd been told to redo it in non-rcu mode
			status = DRevalidate(t, nd.inode, &nd.last, dentry, nd.flags)
		}
	} else {
		dentry = dcache.DLookupLocked(t, parent, &nd.last)
		if dentry == nil {
			return nil
		}
		status = DRevalidate(t, nd.inode, &nd.last, dentry, nd.flags)
	}
	return revalidated(t, dentry, status)
}

// lookupFastRef is lookup_fast in ref-walk on a counted parent, for
// open_last_lookups: __d_lookup (which may miss during a rename: the
// caller falls back to the slow path) and ->d_revalidate; d_invalidate on
// 0 is done without the parent's lock.
func (s *System) lookupFastRef(t *sim.Task, parent *dcache.Dentry, name *dcache.Qstr, flags LookupFlags) *dcache.Dentry {
	nd := nameidataPool.New(t.World())
	*nd = nameidata{path: parent, inode: parent.DInode, last: *name, flags: flags &^ LOOKUP_RCU}
	return s.lookupFast(t, nd)
}

// reserveStack is reserve_stack: count the link against MAXSYMLINKS and
// make room for one more level.
func reserveStack(t *sim.Task, nd *nameidata, link **dcache.Dentry) int {
	if nd.totalLinkCount >= MAXSYMLINKS {
		nd.totalLinkCount++
		return -int(sim.ELOOP)
	}
	nd.totalLinkCount++
	if nd.depth != EMBEDDED_LEVELS || nd.allocated {
		return 0
	}
	if ndAllocStack(t, nd) {
		return 0
	}
	if nd.rcu() {
		// we need to grab link before we do unlazy. And we can't skip
		// unlazy even if we fail to grab the link - cleanup needs it
		grabbedLink := legitimizePath(t, link, nd.nextSeq)
		if !tryToUnlazy(t, nd) || !grabbedLink {
			return -int(sim.ECHILD)
		}
		if ndAllocStack(t, nd) {
			return 0
		}
	}
	return -int(sim.ENOMEM)
}

// ndAllocStack is nd_alloc_stack: the kmalloc_array of MAXSYMLINKS
// levels (GFP_ATOMIC in RCU-walk), which may fail.
func ndAllocStack(t *sim.Task, nd *nameidata) bool {
	if t.Fault("nd_alloc_stack: kmalloc_array") {
		return false
	}
	nd.allocated = true
	return true
}

// pickLink is pick_link: push the symlink on the stack and return its
// body to walk ("" when it was a pure jump to the root, or on error).
func (s *System) pickLink(t *sim.Task, nd *nameidata, link *dcache.Dentry, inode *dcache.Inode, flags int) (string, int) {
	if err := reserveStack(t, nd, &link); err != 0 {
		if !nd.rcu() {
			dcache.Dput(t, link)
		}
		return "", err
	}
	nd.stack = append(nd.stack[:nd.depth], saved{link: link, seq: nd.nextSeq})
	nd.depth++
	t.Read(&inode.Object, "i_link")
	res := inode.ILink
	if res == "" {
		get := Iop(inode).GetLink
		if get == nil {
			return "", -int(sim.EINVAL)
		}
		var err int
		if nd.rcu() {
			res, err = get(t, nil, inode)
			if err == -int(sim.ECHILD) && tryToUnlazy(t, nd) {
				res, err = get(t, link, inode)
			}
		} else {
			res, err = get(t, link, inode)
		}
		if err != 0 {
			return "", err
		}
	}
	if strings.HasPrefix(res, "/") {
		if err := s.ndJumpRoot(t, nd); err != 0 {
			return "", err
		}
		res = strings.TrimLeft(res, "/")
	}
	if res != "" {
		return res, 0
	}
	putLink(t, nd) // pure jump
	return "", 0
}

// stepInto is step_into: make dentry (counted in ref-walk, sampled in
// nd.nextSeq in RCU-walk) the walk's position, or, for a symlink to
// follow, push it and return its body.
func (s *System) stepInto(t *sim.Task, nd *nameidata, flags int, dentry *dcache.Dentry) (string, int) {
	// handle_mounts: no mounts; traverse_mounts' fast path rejects a
	// negative dentry in ref-walk.
	t.Read(&dentry.Object, "d_flags,d_inode")
	if !nd.rcu() && dentry.DFlags&dcache.DCACHE_ENTRY_TYPE == dcache.DCACHE_MISS_TYPE {
		dcache.Dput(t, dentry)
		return "", -int(sim.ENOENT)
	}
	inode := dentry.DInode
	if !dIsSymlink(dentry) || (flags&WALK_TRAILING != 0 && nd.flags&LOOKUP_FOLLOW == 0) || flags&WALK_NOFOLLOW != 0 {
		// not a symlink or should not follow
		if nd.rcu() {
			if dentry.DSeq.Retry(t, nd.nextSeq) {
				return "", -int(sim.ECHILD)
			}
			if inode == nil {
				return "", -int(sim.ENOENT)
			}
		} else {
			dcache.Dput(t, nd.path)
		}
		nd.path = dentry
		nd.inode = inode
		nd.seq = nd.nextSeq
		return "", 0
	}
	if nd.rcu() {
		// make sure that d_is_symlink above matches inode
		if dentry.DSeq.Retry(t, nd.nextSeq) {
			return "", -int(sim.ECHILD)
		}
	}
	return s.pickLink(t, nd, dentry, inode, flags)
}

// followDotdotRCU is follow_dotdot_rcu.
func followDotdotRCU(t *sim.Task, nd *nameidata) *dcache.Dentry {
	if nd.path == nd.root {
		nd.nextSeq = nd.seq // in_root
		return nd.path
	}
	old := nd.path
	t.Read(&old.Object, "d_parent")
	parent := old.DParent
	nd.nextSeq = parent.DSeq.ReadBegin(t)
	// makes sure that non-RCU pathwalk could reach this state
	if old.DSeq.Retry(t, nd.seq) {
		return errPtr(sim.ECHILD)
	}
	return parent
}

// followDotdot is follow_dotdot.
func followDotdot(t *sim.Task, nd *nameidata) *dcache.Dentry {
	if nd.path == nd.root {
		return dcache.Dget(t, nd.path) // in_root
	}
	return dcache.DgetParent(t, nd.path) // rare case of legitimate dget_parent()...
}

// handleDots is handle_dots: "." stays, ".." steps to the parent (not
// above the root).
func (s *System) handleDots(t *sim.Task, nd *nameidata, typ int) (string, int) {
	if typ != LAST_DOTDOT {
		return "", 0
	}
	if nd.root == nil {
		s.setRoot(t, nd)
	}
	var parent *dcache.Dentry
	if nd.rcu() {
		parent = followDotdotRCU(t, nd)
	} else {
		parent = followDotdot(t, nd)
	}
	if sim.IsErr(parent) {
		return "", sim.PtrErr(parent)
	}
	return s.stepInto(t, nd, WALK_NOFOLLOW, parent)
}

// walkComponent is walk_component: look nd.last up in nd.path (fast,
// else slow) and step into it. A non-empty string is a symlink body to
// walk.
func (s *System) walkComponent(t *sim.Task, nd *nameidata, flags int) (string, int) {
	// "." and ".." are special - ".." especially so because it has to be
	// able to know about the current root directory and parent
	// relationships.
	if nd.lastType != LAST_NORM {
		if flags&WALK_MORE == 0 && nd.depth > 0 {
			putLink(t, nd)
		}
		return s.handleDots(t, nd, nd.lastType)
	}
	dentry := s.lookupFast(t, nd)
	if sim.IsErr(dentry) {
		return "", sim.PtrErr(dentry)
	}
	if dentry == nil {
		dentry = s.LookupSlow(t, &nd.last, nd.path, nd.flags)
		if sim.IsErr(dentry) {
			return "", sim.PtrErr(dentry)
		}
	}
	if flags&WALK_MORE == 0 && nd.depth > 0 {
		putLink(t, nd)
	}
	return s.stepInto(t, nd, flags, dentry)
}

// linkPathWalk is link_path_walk: walk every component of name but the
// last, following symlinks (their bodies are walked in full, the
// trailing component included, before the walk resumes), and leave the
// last in nd.last.
func (s *System) linkPathWalk(t *sim.Task, nd *nameidata, name string) int {
	depth := 0 // depth <= nd.depth
	nd.lastType = LAST_ROOT
	nd.flags |= LOOKUP_PARENT
	name = strings.TrimLeft(name, "/")
	if name == "" {
		return 0
	}
	for {
		comp, rest, _ := strings.Cut(name, "/")
		typ := LAST_NORM
		switch comp {
		case "..":
			typ = LAST_DOTDOT
			nd.state |= ND_JUMPED
		case ".":
			typ = LAST_DOT
		}
		q := dcache.Qstr{Name: comp, Hash: dcache.FullNameHash(nd.path, comp)}
		if typ == LAST_NORM {
			nd.state &^= ND_JUMPED
			var err int
			if q, err = hashName(t, nd.path, comp); err != 0 {
				return err
			}
		}
		nd.last, nd.lastType = q, typ
		var link string
		var err int
		if next := strings.TrimLeft(rest, "/"); next == "" {
			// pathname or trailing symlink, done
			if depth == 0 {
				nd.lastSlash = len(name) > len(comp)
				nd.flags &^= LOOKUP_PARENT
				return 0
			}
			// last component of nested symlink
			depth--
			name = nd.stack[depth].name
			link, err = s.walkComponent(t, nd, 0)
		} else {
			// not the last component
			name = next
			link, err = s.walkComponent(t, nd, WALK_MORE)
		}
		if err != 0 {
			return err
		}
		if link != "" {
			// a symlink to follow
			nd.stack[depth].name = name
			depth++
			name = link
			continue
		}
		if !dCanLookup(nd.path) {
			if nd.rcu() && !tryToUnlazy(t, nd) {
				return -int(sim.ECHILD)
			}
			return -int(sim.ENOTDIR)
		}
	}
}

// pathInit is path_init: start at the root (absolute path) or the cwd,
// which the model has at the root too. In RCU-walk it enters the RCU
// read-side section that leaveRCU ends.
func (s *System) pathInit(t *sim.Task, nd *nameidata, name string, flags LookupFlags) (string, int) {
	if flags&LOOKUP_RCU != 0 {
		sim.RCUReadLock(t)
	} else {
		nd.seq, nd.nextSeq = 0, 0
	}
	nd.flags = flags
	nd.state |= ND_JUMPED
	nd.root = nil
	if strings.HasPrefix(name, "/") {
		return name, s.ndJumpRoot(t, nd)
	}
	// Divergence: relative pathname from current->fs->pwd, which is the
	// namespace root.
	if flags&LOOKUP_RCU != 0 {
		nd.path = s.Root
		nd.inode = nd.path.DInode
		nd.seq = nd.path.DSeq.ReadBegin(t)
	} else {
		nd.path = dcache.Dget(t, s.Root)
		nd.inode = nd.path.DInode
	}
	return name, 0
}

// lookupLast is lookup_last: the trailing component, followed if it is a
// symlink and LOOKUP_FOLLOW is set (or a slash follows it).
func (s *System) lookupLast(t *sim.Task, nd *nameidata) (string, int) {
	if nd.lastType == LAST_NORM && nd.lastSlash {
		nd.flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY
	}
	return s.walkComponent(t, nd, WALK_TRAILING)
}

// pathLookupat is path_lookupat: a counted reference to what name
// resolves to.
func (s *System) pathLookupat(t *sim.Task, nd *nameidata, name string, flags LookupFlags) (*dcache.Dentry, int) {
	name, err := s.pathInit(t, nd, name, flags)
	for err == 0 {
		if err = s.linkPathWalk(t, nd, name); err != 0 {
			break
		}
		if name, err = s.lookupLast(t, nd); name == "" {
			break
		}
	}
	if err == 0 {
		err = completeWalk(t, nd)
	}
	if err == 0 && nd.flags&LOOKUP_DIRECTORY != 0 && !dCanLookup(nd.path) {
		err = -int(sim.ENOTDIR)
	}
	var res *dcache.Dentry
	if err == 0 {
		res, nd.path = nd.path, nil
	}
	terminateWalk(t, nd)
	return res, err
}

// pathParentat is path_parentat: a counted reference to the parent of
// name's last component, which is left in nd.last.
func (s *System) pathParentat(t *sim.Task, nd *nameidata, name string, flags LookupFlags) (*dcache.Dentry, int) {
	name, err := s.pathInit(t, nd, name, flags)
	if err == 0 {
		err = s.linkPathWalk(t, nd, name)
	}
	if err == 0 {
		err = completeWalk(t, nd)
	}
	var res *dcache.Dentry
	if err == 0 {
		res, nd.path = nd.path, nil
	}
	terminateWalk(t, nd)
	return res, err
}

// retryWalk is the retry ladder of filename_lookup, __filename_parentat
// and do_filp_open: RCU-walk, then ref-walk on -ECHILD, then ref-walk
// with LOOKUP_REVAL on -ESTALE. The nameidata (and its count of links
// followed) is shared by the tries, as set_nameidata makes it once.
func (s *System) retryWalk(t *sim.Task, flags LookupFlags, walk func(nd *nameidata, flags LookupFlags) int) int {
	nd := nameidataPool.New(t.World())
	err := walk(nd, flags|LOOKUP_RCU)
	if err == -int(sim.ECHILD) && !s.C.On(MutNoWalkRestart) {
		t.Mark("path walk: -ECHILD, redo in ref mode")
		err = walk(nd, flags)
	}
	if err == -int(sim.ESTALE) {
		err = walk(nd, flags|LOOKUP_REVAL)
	}
	return err
}

// retryEstale is retry_estale (include/linux/namei.h): an -ESTALE that
// came without LOOKUP_REVAL sends the syscall round its retry: loop.
func retryEstale(err int, flags LookupFlags) bool {
	return err == -int(sim.ESTALE) && flags&LOOKUP_REVAL == 0
}

// retryOnEstale is the "retry: ... if (retry_estale(error, lookup_flags))
// { lookup_flags |= LOOKUP_REVAL; goto retry; }" of the fs/namei.c
// syscalls (7.0). op is one try with lookupFlags; tested says whether it
// reached the retry_estale() test (its early returns skip it).
func retryOnEstale(t *sim.Task, flags LookupFlags, op func(lookupFlags LookupFlags) (err int, tested bool)) int {
	for {
		err, tested := op(flags)
		if !tested || !retryEstale(err, flags) {
			return err
		}
		t.Mark("retry_estale: -ESTALE, retry with LOOKUP_REVAL")
		flags |= LOOKUP_REVAL
	}
}

// pathWalk is filename_lookup (or, with parentOnly, filename_parentat):
// a counted reference to the result, and with parentOnly the last
// component's name ("." or ".." for those).
//
// Divergence: with parentOnly, "/" (LAST_ROOT) fails with -EEXIST for
// every caller, where the kernel's callers pick -EEXIST or -EBUSY.
func (s *System) pathWalk(t *sim.Task, path string, parentOnly bool, flags LookupFlags) (*dcache.Dentry, string, int) {
	if path == "" {
		return nil, "", -int(sim.ENOENT) // getname: the empty path
	}
	var res *dcache.Dentry
	var last string
	err := s.retryWalk(t, flags, func(nd *nameidata, flags LookupFlags) int {
		var err int
		if !parentOnly {
			res, err = s.pathLookupat(t, nd, path, flags)
			return err
		}
		res, err = s.pathParentat(t, nd, path, flags)
		last = nd.last.Name
		if err == 0 && nd.lastType == LAST_ROOT {
			dcache.Dput(t, res)
			res, err = nil, -int(sim.EEXIST)
		}
		return err
	})
	return res, last, err
}

// Lookup resolves a path to a counted dentry reference (kern_path with
// LOOKUP_FOLLOW).
func (s *System) Lookup(t *sim.Task, path string) (*dcache.Dentry, int) {
	return s.KernPath(t, path, LOOKUP_FOLLOW)
}

// KernPath is kern_path with lookup flags.
func (s *System) KernPath(t *sim.Task, path string, flags LookupFlags) (*dcache.Dentry, int) {
	d, _, err := s.pathWalk(t, path, false, flags)
	return d, err
}

// VfsGetLink is vfs_get_link: a symlink's body, from i_link or
// ->get_link.
func VfsGetLink(t *sim.Task, dentry *dcache.Dentry) (string, int) {
	inode := dentry.DInode
	t.Read(&inode.Object, "i_link")
	if inode.ILink != "" {
		return inode.ILink, 0
	}
	if op := Iop(inode); op != nil && op.GetLink != nil {
		return op.GetLink(t, dentry, inode)
	}
	return "", -int(sim.EINVAL)
}
