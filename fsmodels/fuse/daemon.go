package fuse

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// Node is one node of the daemon's own namespace (what a libfuse
// low-level filesystem keeps per inode).
type Node struct {
	ID       uint64
	Mode     dcache.Mode
	Name     string
	Parent   *Node
	children map[string]*Node
	// Nlookup counts the lookups the daemon answered that the kernel
	// has not FORGOTten.
	Nlookup  uint64
	Unlinked bool
}

// Hook is the daemon's choice, in a serving thread, of notifications to
// send before and after it replies to a request: re-entry into the
// kernel from the thread that serves the request. It decides through
// Task.Choose.
type Hook func(t *sim.Task, d *Daemon, op Opcode, in In) (before, after []Notify)

// Daemon is the userspace filesystem behind a fuse mount: its
// namespace, its serving threads, and the log of what it wrote to
// /dev/fuse and when (its own clock: the start and the return of each
// write).
type Daemon struct {
	sim.Object
	fs     *FS
	nodes  map[uint64]*Node
	root   *Node
	nextID uint64
	nextFh uint64
	clock  int64

	// NegativeTimeout is entry_valid of a negative LOOKUP reply (node id
	// 0); 0 makes the daemon answer -ENOENT instead, which the kernel
	// does not cache.
	NegativeTimeout uint64
	// EntryTimeout is entry_valid of a positive entry.
	EntryTimeout uint64
	// Hook, if set, is asked by the serving thread for every request.
	Hook Hook

	sends []sendRecord
	// Truth is the history of the namespace for the consistency oracle
	// (objects are node ids).
	Truth *oracle.Truth
}

// sendRecord is one write of the daemon to /dev/fuse.
type sendRecord struct {
	notify     bool
	op         Opcode
	code       NotifyCode
	nodeid     uint64 // OPEN, CREATE: the node opened; INVAL_FILES: the node
	fh         uint64 // OPEN, CREATE: the handle
	parent     uint64 // INVAL_ENTRY
	name       string // INVAL_ENTRY
	start, end int64  // the daemon's clock at the write's start and return (end 0: not returned)
	startStep  int64  // the world's step at the start
}

// NewDaemon makes the daemon of fs with a namespace given as paths
// relative to the mount ("d/" a directory, "d/f" a file, parents
// first) and starts threads serving threads. Call it in setup.
func NewDaemon(w *sim.World, fs *FS, tree []string, threads int) *Daemon {
	d := &Daemon{fs: fs, nodes: map[uint64]*Node{}, nextID: FUSE_ROOT_ID,
		NegativeTimeout: TimeForever, EntryTimeout: TimeForever}
	w.NewStatic(&d.Object, "fuse daemon")
	d.Truth = oracle.New(w, "the fuse daemon")
	d.root = d.newNode(nil, "", dcache.S_IFDIR)
	d.root.Nlookup = 1 // the root's lookup count is implicit
	for _, p := range tree {
		mode := dcache.S_IFREG
		if strings.HasSuffix(p, "/") {
			mode, p = dcache.S_IFDIR, strings.TrimSuffix(p, "/")
		}
		dir, name := d.root, p
		if i := strings.LastIndex(p, "/"); i >= 0 {
			dir, name = d.Path(p[:i]), p[i+1:]
		}
		d.newNode(dir, name, mode)
	}
	fs.daemon = d
	for i := range threads {
		w.Daemon(fmt.Sprintf("fuse daemon %d", i), d.serve)
	}
	return d
}

func (d *Daemon) newNode(parent *Node, name string, mode dcache.Mode) *Node {
	n := &Node{ID: d.nextID, Mode: mode, Name: name, Parent: parent}
	d.nextID++
	if mode.IsDir() {
		n.children = map[string]*Node{}
	}
	if parent != nil {
		parent.children[name] = n
		d.Truth.Set(oracle.Obj(parent.ID), name, oracle.Obj(n.ID), "daemon")
		d.Truth.NameObj(oracle.Obj(n.ID), fmt.Sprintf("node %d (%s)", n.ID, name))
	}
	d.nodes[n.ID] = n
	return n
}

// Path is the node at a path relative to the mount ("" is the root), or
// nil.
func (d *Daemon) Path(p string) *Node {
	n := d.root
	for _, c := range strings.Split(p, "/") {
		if c == "" {
			continue
		}
		if n == nil || n.children == nil {
			return nil
		}
		n = n.children[c]
	}
	return n
}

// Child is the node named name in the directory node dir, or nil.
func (d *Daemon) Child(dir uint64, name string) *Node {
	if n := d.nodes[dir]; n != nil && n.children != nil {
		return n.children[name]
	}
	return nil
}

// tick advances the daemon's clock.
func (d *Daemon) tick() int64 { d.clock++; return d.clock }

// serve is a serving thread: read a request, answer it, forever.
func (d *Daemon) serve(t *sim.Task) {
	for {
		req := d.fs.Conn.DevRead(t)
		d.handle(t, &req)
	}
}

// handle answers one request, with the hook's notifications around the
// reply.
func (d *Daemon) handle(t *sim.Task, req *Req) {
	if req.Opcode == FUSE_FORGET {
		d.forget(t, req.In.Nodeid, req.In.Nlookup)
		d.fs.Conn.ForgetDone(t, req.Unique)
		return
	}
	var before, after []Notify
	if d.Hook != nil {
		before, after = d.Hook(t, d, req.Opcode, req.In)
	}
	out := d.answer(t, req.Opcode, req.In)
	for _, n := range before {
		d.Notify(t, n)
	}
	rec := sendRecord{op: req.Opcode, fh: out.Open.Fh, nodeid: out.Entry.Nodeid, start: d.tick(), startStep: t.World().Steps()}
	if req.Opcode == FUSE_OPEN {
		rec.nodeid = req.In.Nodeid
	}
	i := len(d.sends)
	d.sends = append(d.sends, rec)
	d.fs.Conn.DevWriteReply(t, req.Unique, out)
	d.sends[i].end = d.tick()
	for _, n := range after {
		d.Notify(t, n)
	}
}

// Notify writes a notification to /dev/fuse, from whichever daemon
// thread calls it, and logs it.
func (d *Daemon) Notify(t *sim.Task, n Notify) int {
	rec := sendRecord{notify: true, code: n.Code, nodeid: n.Ino, parent: n.Parent, name: n.Name,
		start: d.tick(), startStep: t.World().Steps()}
	i := len(d.sends)
	d.sends = append(d.sends, rec)
	err := d.fs.Conn.DevWriteNotify(t, n)
	d.sends[i].end = d.tick()
	return err
}

// node is the node a request names; the kernel naming a node the
// daemon has forgotten (or never had) is a violation.
func (d *Daemon) node(t *sim.Task, op Opcode, id uint64) *Node {
	n := d.nodes[id]
	if n == nil {
		t.Violation(sim.KindConsistency, "fuse-nodeid",
			fmt.Sprintf("the kernel sent %s for node %d, which the daemon does not have", op, id),
			"A node id is valid from the reply that gave it until the FORGET that drops its last lookup (fuse_lowlevel.h).")
	}
	return n
}

// answer applies a request to the namespace and returns the reply.
func (d *Daemon) answer(t *sim.Task, op Opcode, in In) Out {
	n := d.node(t, op, in.Nodeid)
	if n == nil {
		return Out{Error: -int(sim.ESTALE)}
	}
	switch op {
	case FUSE_LOOKUP:
		t.Read(&d.Object, "namespace")
		if c := n.child(in.Name); c != nil {
			c.Nlookup++
			return Out{Entry: d.entry(c)}
		}
		if d.NegativeTimeout == 0 {
			return Out{Error: -int(sim.ENOENT)}
		}
		return Out{Entry: EntryOut{EntryValid: d.NegativeTimeout}}
	case FUSE_MKDIR, FUSE_CREATE:
		return d.create(t, n, op, in)
	case FUSE_UNLINK, FUSE_RMDIR:
		return Out{Error: d.remove(t, n, in.Name, op == FUSE_RMDIR)}
	case FUSE_RENAME:
		return Out{Error: d.rename(t, n, in)}
	case FUSE_OPEN:
		d.nextFh++
		return Out{Open: OpenOut{Fh: d.nextFh}}
	case FUSE_READDIRPLUS:
		t.Read(&d.Object, "namespace")
		var out Out
		for _, name := range sortedKeys(n.children) {
			out.Dirents = append(out.Dirents, DirentPlus{Name: name})
		}
		out.Dirents = out.Dirents[min(in.Flags, len(out.Dirents)):]
		for i := range out.Dirents {
			c := n.children[out.Dirents[i].Name]
			c.Nlookup++
			out.Dirents[i].Entry = d.entry(c)
		}
		return out
	}
	return Out{Error: -int(sim.EINVAL)} // ENOSYS: an opcode the daemon does not implement
}

func (n *Node) child(name string) *Node {
	if n.children == nil {
		return nil
	}
	return n.children[name]
}

func (d *Daemon) entry(n *Node) EntryOut {
	return EntryOut{Nodeid: n.ID, Mode: uint32(n.Mode), EntryValid: d.EntryTimeout}
}

// create is MKDIR and CREATE: -EEXIST for an existing name (CREATE
// without O_EXCL opens it).
func (d *Daemon) create(t *sim.Task, dir *Node, op Opcode, in In) Out {
	t.Read(&d.Object, "namespace")
	if dir.children == nil {
		return Out{Error: -int(sim.ENOTDIR)}
	}
	c := dir.children[in.Name]
	if c != nil && (op == FUSE_MKDIR || in.Flags&vfs.O_EXCL != 0 || c.Mode.IsDir()) {
		return Out{Error: -int(sim.EEXIST)}
	}
	if c == nil {
		t.Write(&d.Object, "namespace")
		c = d.newNode(dir, in.Name, modeOf(in.Mode))
	}
	c.Nlookup++
	out := Out{Entry: d.entry(c)}
	if op == FUSE_CREATE {
		d.nextFh++
		out.Open.Fh = d.nextFh
	}
	return out
}

// remove is UNLINK and RMDIR.
func (d *Daemon) remove(t *sim.Task, dir *Node, name string, isDir bool) int {
	t.Read(&d.Object, "namespace")
	c := dir.child(name)
	switch {
	case c == nil:
		return -int(sim.ENOENT)
	case isDir && !c.Mode.IsDir():
		return -int(sim.ENOTDIR)
	case !isDir && c.Mode.IsDir():
		return -int(sim.EISDIR)
	case isDir && len(c.children) > 0:
		return -int(sim.ENOTEMPTY)
	}
	t.Write(&d.Object, "namespace")
	d.unlink(c)
	return 0
}

// unlink takes c out of its directory; the node lives on until its
// last lookup is forgotten.
func (d *Daemon) unlink(c *Node) {
	delete(c.Parent.children, c.Name)
	d.Truth.Set(oracle.Obj(c.Parent.ID), c.Name, oracle.None, "daemon")
	c.Unlinked = true
	d.maybeDrop(c)
}

func (d *Daemon) maybeDrop(n *Node) {
	if n.Unlinked && n.Nlookup == 0 {
		delete(d.nodes, n.ID)
	}
}

// rename is RENAME: the target, if any, is replaced.
func (d *Daemon) rename(t *sim.Task, dir *Node, in In) int {
	t.Read(&d.Object, "namespace")
	src := dir.child(in.Name)
	newDir := d.node(t, FUSE_RENAME, in.NewDir)
	if src == nil || newDir == nil {
		return -int(sim.ENOENT)
	}
	if dst := newDir.child(in.Name2); dst != nil {
		if dst == src {
			return 0
		}
		if len(dst.children) > 0 {
			return -int(sim.ENOTEMPTY)
		}
		d.unlink(dst)
	}
	t.Write(&d.Object, "namespace")
	delete(dir.children, src.Name)
	d.Truth.Set(oracle.Obj(dir.ID), src.Name, oracle.None, "daemon")
	src.Name, src.Parent = in.Name2, newDir
	newDir.children[in.Name2] = src
	d.Truth.Set(oracle.Obj(newDir.ID), in.Name2, oracle.Obj(src.ID), "daemon")
	return 0
}

// forget is FORGET: drop n lookups of the node.
func (d *Daemon) forget(t *sim.Task, id, n uint64) {
	node := d.node(t, FUSE_FORGET, id)
	if node == nil {
		return
	}
	if node.Nlookup < n {
		t.Violation(sim.KindConsistency, "fuse-nlookup",
			fmt.Sprintf("FORGET of %d lookups of node %d, which has %d", n, id, node.Nlookup),
			"The kernel forgets exactly the lookups the daemon answered.")
		return
	}
	node.Nlookup -= n
	d.maybeDrop(node)
}

// Create makes a node in the daemon's namespace on the daemon's own
// account (another client of a network filesystem, say): the kernel is
// not told until a notification. It returns the new node.
func (d *Daemon) Create(t *sim.Task, dirPath, name string, mode dcache.Mode) *Node {
	t.Write(&d.Object, "namespace")
	return d.newNode(d.Path(dirPath), name, mode)
}

// Remove unlinks a node on the daemon's own account.
func (d *Daemon) Remove(t *sim.Task, path string) {
	t.Write(&d.Object, "namespace")
	if n := d.Path(path); n != nil && n != d.root {
		d.unlink(n)
	}
}

// Dump is the daemon's namespace, one path per line, for reports.
func (d *Daemon) Dump() string {
	var out []string
	var walk func(n *Node, p string)
	walk = func(n *Node, p string) {
		for _, name := range sortedKeys(n.children) {
			c := n.children[name]
			q := p + "/" + name
			out = append(out, fmt.Sprintf("%s (node %d, %s, nlookup %d)", q, c.ID, c.Mode, c.Nlookup))
			if c.children != nil {
				walk(c, q)
			}
		}
	}
	walk(d.root, "")
	slices.Sort(out)
	return strings.Join(out, "\n")
}
