package nfs

import (
	"fmt"
	"slices"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// FH is a file handle: the server's name for an object, never reused.
// 0 is no object.
type FH uint64

// snode is one object of the server's namespace.
type snode struct {
	fh     FH
	mode   dcache.Mode
	nlink  int
	change uint64        // the change attribute (directories)
	names  map[string]FH // a directory's entries
}

// Server is the NFS server: its own namespace of file handles, a change
// attribute per directory, and the history of every name for the
// consistency oracle. Its methods are the server's side of one RPC and
// run inside one step of the calling task (the request's arrival, see
// FS.rpc); server-side tasks playing other clients call them through
// Other.
//
// Divergence: an object is destroyed (its handle answers -ESTALE) when
// its last name goes, as an NFSv3 server does; NFSv4 open state keeping
// an unlinked file alive is not modeled, which is why the client
// silly-renames busy files.
type Server struct {
	sim.Object
	nodes  map[FH]*snode
	nextFH FH
	Root   FH
	// Truth is the history of every name, the consistency oracle's
	// feed: objects are file handles.
	Truth *oracle.Truth
	// Perturb lists, per procedure, the replies other than the true one
	// the decision log may choose (see Reply).
	Perturb map[string][]Reply
}

// NewServer makes a server with an empty root directory.
func NewServer(w *sim.World) *Server {
	srv := &Server{nodes: map[FH]*snode{}, Perturb: map[string][]Reply{}, Truth: oracle.New(w, "the NFS server")}
	w.NewStatic(&srv.Object, "nfs server")
	srv.Root = srv.newNode(dcache.S_IFDIR)
	srv.Truth.NameObj(oracle.Obj(srv.Root), "/")
	return srv
}

func (srv *Server) newNode(mode dcache.Mode) FH {
	srv.nextFH++
	n := &snode{fh: srv.nextFH, mode: mode, nlink: 1}
	if mode.IsDir() {
		n.names = map[string]FH{}
		n.nlink = 2
		n.change = 1
	}
	srv.nodes[n.fh] = n
	return n.fh
}

func (srv *Server) node(fh FH) *snode { return srv.nodes[fh] }

// Mode is the type of the object fh (0 when it does not exist).
func (srv *Server) Mode(fh FH) dcache.Mode {
	if n := srv.nodes[fh]; n != nil {
		return n.mode
	}
	return 0
}

// At is what name in dir names now (0: nothing).
func (srv *Server) At(dir FH, name string) FH {
	if d := srv.nodes[dir]; d != nil && d.names != nil {
		return d.names[name]
	}
	return 0
}

// changeOf is the change attribute in a reply's attributes of fh.
func (srv *Server) changeOf(fh FH) uint64 {
	if n := srv.nodes[fh]; n != nil {
		return n.change
	}
	return 0
}

// Exists reports whether fh is a live object.
func (srv *Server) Exists(fh FH) bool { return srv.nodes[fh] != nil }

func (srv *Server) set(d *snode, name string, fh FH, by string) {
	if fh == 0 {
		delete(d.names, name)
	} else {
		d.names[name] = fh
	}
	d.change++
	srv.Truth.Set(oracle.Obj(d.fh), name, oracle.Obj(fh), by)
}

func (srv *Server) dir(fh FH) (*snode, int) {
	d := srv.nodes[fh]
	if d == nil {
		return nil, -int(sim.ESTALE)
	}
	if d.names == nil {
		return nil, -int(sim.ENOTDIR)
	}
	return d, 0
}

// Cinfo is NFSv4 change_info4: the directory's change attribute before
// and after an operation, atomically.
type Cinfo struct{ Before, After uint64 }

// lookup is LOOKUP: the handle and type under name.
func (srv *Server) lookup(dir FH, name string) (FH, dcache.Mode, int) {
	d, err := srv.dir(dir)
	if err != 0 {
		return 0, 0, err
	}
	fh := d.names[name]
	if fh == 0 {
		return 0, 0, -int(sim.ENOENT)
	}
	return fh, srv.nodes[fh].mode, 0
}

// getattr is GETATTR: the object's type and change attribute.
func (srv *Server) getattr(fh FH) (dcache.Mode, uint64, int) {
	n := srv.nodes[fh]
	if n == nil {
		return 0, 0, -int(sim.ESTALE)
	}
	return n.mode, n.change, 0
}

// create is CREATE / OPEN(create): with excl, -EEXIST for an existing
// name; without, an existing regular file is opened. created says which.
func (srv *Server) create(dir FH, name string, mode dcache.Mode, excl bool, by string) (fh FH, created bool, ci Cinfo, err int) {
	d, err := srv.dir(dir)
	if err != 0 {
		return 0, false, ci, err
	}
	ci.Before = d.change
	if old := d.names[name]; old != 0 {
		if excl || mode.IsDir() {
			return 0, false, ci, -int(sim.EEXIST)
		}
		if srv.nodes[old].mode.IsDir() {
			return 0, false, ci, -int(sim.EISDIR)
		}
		ci.After = d.change
		return old, false, ci, 0
	}
	fh = srv.newNode(mode)
	if mode.IsDir() {
		d.nlink++
	}
	srv.set(d, name, fh, by)
	ci.After = d.change
	return fh, true, ci, 0
}

// open is OPEN without create: the file under name.
func (srv *Server) open(dir FH, name string) (FH, dcache.Mode, int) {
	return srv.lookup(dir, name)
}

// drop takes one link off n, destroying it at zero.
func (srv *Server) drop(n *snode) {
	n.nlink--
	if n.mode.IsDir() || n.nlink <= 0 {
		delete(srv.nodes, n.fh)
	}
}

// remove is REMOVE (and RMDIR: -ENOTEMPTY for a non-empty directory).
func (srv *Server) remove(dir FH, name string, by string) (Cinfo, int) {
	var ci Cinfo
	d, err := srv.dir(dir)
	if err != 0 {
		return ci, err
	}
	ci.Before = d.change
	fh := d.names[name]
	if fh == 0 {
		return ci, -int(sim.ENOENT)
	}
	n := srv.nodes[fh]
	if n.mode.IsDir() {
		if len(n.names) != 0 {
			return ci, -int(sim.ENOTEMPTY)
		}
		d.nlink--
	}
	srv.set(d, name, 0, by)
	srv.drop(n)
	ci.After = d.change
	return ci, 0
}

// link is LINK: a new name for fh.
func (srv *Server) link(fh, dir FH, name string, by string) (Cinfo, int) {
	var ci Cinfo
	n := srv.nodes[fh]
	if n == nil {
		return ci, -int(sim.ESTALE)
	}
	d, err := srv.dir(dir)
	if err != 0 {
		return ci, err
	}
	ci.Before = d.change
	if d.names[name] != 0 {
		return ci, -int(sim.EEXIST)
	}
	n.nlink++
	srv.set(d, name, fh, by)
	ci.After = d.change
	return ci, 0
}

// rename is RENAME: a target of the same kind is replaced.
func (srv *Server) rename(odir FH, oname string, ndir FH, nname string, by string) int {
	od, err := srv.dir(odir)
	if err != 0 {
		return err
	}
	nd, err := srv.dir(ndir)
	if err != 0 {
		return err
	}
	fh := od.names[oname]
	if fh == 0 {
		return -int(sim.ENOENT)
	}
	if od == nd && oname == nname {
		return 0
	}
	if old := nd.names[nname]; old != 0 {
		on := srv.nodes[old]
		if on.mode.IsDir() != srv.nodes[fh].mode.IsDir() {
			return -int(sim.EEXIST)
		}
		if on.mode.IsDir() && len(on.names) != 0 {
			return -int(sim.ENOTEMPTY)
		}
		srv.drop(on)
	}
	srv.set(od, oname, 0, by)
	srv.set(nd, nname, fh, by)
	return 0
}

// Entry is one READDIRPLUS entry: name, handle and type.
type Entry struct {
	Name   string
	FH     FH
	Mode   dcache.Mode
	Change uint64
}

// readdir is READDIRPLUS of the whole directory, by name.
func (srv *Server) readdir(dir FH) ([]Entry, int) {
	d, err := srv.dir(dir)
	if err != 0 {
		return nil, err
	}
	names := make([]string, 0, len(d.names))
	for n := range d.names {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]Entry, 0, len(names))
	for _, n := range names {
		fh := d.names[n]
		out = append(out, Entry{n, fh, srv.nodes[fh].mode, srv.nodes[fh].change})
	}
	return out, 0
}

// Other is the server side of another client: each method is one
// operation on the server's namespace, a step of the calling task,
// recorded in the history as done by "other". Results are 0 or -errno.
type Other struct {
	srv *Server
}

// Other returns the handle server-side tasks change the namespace with.
func (srv *Server) Other() Other { return Other{srv} }

// Walk resolves a slash-separated path from the root (0 if absent).
func (srv *Server) Walk(path string) FH {
	fh := srv.Root
	for _, c := range splitPath(path) {
		if fh = srv.At(fh, c); fh == 0 {
			return 0
		}
	}
	return fh
}

func splitPath(path string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(path); i++ {
		if i == len(path) || path[i] == '/' {
			if start >= 0 {
				out = append(out, path[start:i])
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}

// parentOf splits a path into its parent's handle and last name.
func (srv *Server) parentOf(path string) (FH, string) {
	cs := splitPath(path)
	if len(cs) == 0 {
		return 0, ""
	}
	dir := srv.Root
	for _, c := range cs[:len(cs)-1] {
		if dir = srv.At(dir, c); dir == 0 {
			return 0, ""
		}
	}
	return dir, cs[len(cs)-1]
}

// step makes one server-side operation a step of t.
func (o Other) step(t *sim.Task, what string) {
	if t != nil {
		t.Write(&o.srv.Object, "other client: "+what)
	}
}

// Create makes a regular file (or, with dir, a directory) at path.
func (o Other) Create(t *sim.Task, path string, dir bool) int {
	o.step(t, "create "+path)
	d, name := o.srv.parentOf(path)
	if d == 0 {
		return -int(sim.ENOENT)
	}
	mode := dcache.S_IFREG
	if dir {
		mode = dcache.S_IFDIR
	}
	_, _, _, err := o.srv.create(d, name, mode, true, "other client")
	return err
}

// Remove unlinks (or rmdirs) path.
func (o Other) Remove(t *sim.Task, path string) int {
	o.step(t, "remove "+path)
	d, name := o.srv.parentOf(path)
	if d == 0 {
		return -int(sim.ENOENT)
	}
	_, err := o.srv.remove(d, name, "other client")
	return err
}

// Rename renames from to to.
func (o Other) Rename(t *sim.Task, from, to string) int {
	o.step(t, fmt.Sprintf("rename %s %s", from, to))
	od, on := o.srv.parentOf(from)
	nd, nn := o.srv.parentOf(to)
	if od == 0 || nd == 0 {
		return -int(sim.ENOENT)
	}
	return o.srv.rename(od, on, nd, nn, "other client")
}

// Replace puts a new regular file in place of path in one step (a file
// written aside and renamed over the name, as editors do).
func (o Other) Replace(t *sim.Task, path string) int {
	o.step(t, "replace "+path)
	d, name := o.srv.parentOf(path)
	if d == 0 {
		return -int(sim.ENOENT)
	}
	dn := o.srv.nodes[d]
	old := dn.names[name]
	if old == 0 {
		return -int(sim.ENOENT)
	}
	fh := o.srv.newNode(dcache.S_IFREG)
	o.srv.drop(o.srv.nodes[old])
	o.srv.set(dn, name, fh, "other client")
	return 0
}

// Do runs one operation named as in a scenario's "server" line: create,
// mkdir, remove or replace PATH, or rename FROM TO. 0 or -errno; -EINVAL
// for an unknown operation or a wrong number of paths.
func (o Other) Do(t *sim.Task, op string, paths []string) int {
	want := map[string]int{"create": 1, "mkdir": 1, "remove": 1, "replace": 1, "rename": 2}
	if n, ok := want[op]; !ok || len(paths) != n {
		return -int(sim.EINVAL)
	}
	switch op {
	case "create", "mkdir":
		return o.Create(t, paths[0], op == "mkdir")
	case "remove":
		return o.Remove(t, paths[0])
	case "replace":
		return o.Replace(t, paths[0])
	}
	return o.Rename(t, paths[0], paths[1])
}
