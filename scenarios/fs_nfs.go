package scenarios

import (
	"fmt"
	"strings"

	"github.com/dcsim/dcsim/fsmodels/nfs"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/oracle"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// The NFS kind: a client mount (fsmodels/nfs) of a simulated server.
// "server OP ..." lines are another client's changes on the server (in
// init lines, or as steps of a task: a server-side task), and "server
// reply PROC REPLY..." lets the decision log choose those replies for
// PROC besides the true one. Every stat and open is checked against the
// server's history (vfs/oracle).
func init() {
	RegisterFS(&FSKind{Name: "nfs", Doc: "an NFS client mount of a simulated server; server lines change the server's namespace as another client",
		Verbs: []Verb{{Name: "server", Usage: "create|mkdir|remove|replace PATH | rename FROM TO | reply PROC delayed|stale|eio|signalled|enoent...",
			Check: checkServerArgs, Results: true}},
		New: func(w *sim.World, s *vfs.System) FSRun {
			srv := nfs.NewServer(w)
			fs := nfs.New(s, srv, "nfs")
			s.Root = fs.Root()
			return &nfsRun{s: s, srv: srv, fs: fs}
		}})
}

var nfsReplies = map[string]nfs.Reply{"delayed": nfs.ReplyDelayed, "stale": nfs.ReplyStale, "eio": nfs.ReplyIO,
	"signalled": nfs.ReplySignalled, "enoent": nfs.ReplyNoent}

var nfsProcs = []string{"LOOKUP", "GETATTR", "OPEN", "CREATE", "REMOVE", "RENAME", "LINK", "READDIRPLUS"}

func checkServerArgs(args []string) (int, string) {
	if len(args) == 0 {
		return 0, "want an operation: create, mkdir, remove, replace, rename or reply"
	}
	want := map[string]int{"create": 1, "mkdir": 1, "remove": 1, "replace": 1, "rename": 2}
	switch op := args[0]; {
	case op == "reply":
		if len(args) < 3 {
			return len(args), "want \"server reply PROC REPLY...\""
		}
		if !strings.Contains(" "+strings.Join(nfsProcs, " ")+" ", " "+args[1]+" ") {
			return 1, fmt.Sprintf("unknown procedure %q (want one of %s)", args[1], strings.Join(nfsProcs, " "))
		}
		for i, r := range args[2:] {
			if _, ok := nfsReplies[r]; !ok {
				return i + 2, fmt.Sprintf("unknown reply %q (want delayed, stale, eio, signalled or enoent)", r)
			}
		}
	case want[op] == 0:
		return 0, fmt.Sprintf("unknown server operation %q", op)
	case len(args)-1 != want[op]:
		return min(len(args), want[op]+1), fmt.Sprintf("server %s takes %d path(s)", op, want[op])
	default:
		for i, p := range args[1:] {
			if !strings.HasPrefix(p, "/") {
				return i + 1, fmt.Sprintf("path %q is not absolute", p)
			}
		}
	}
	return -1, ""
}

// nfsRun is one run's server and mount.
type nfsRun struct {
	s   *vfs.System
	srv *nfs.Server
	fs  *nfs.FS
	own oracle.Own
}

func (r *nfsRun) Enter(*sim.Task, string) bool { return true }

// Do runs a server line.
func (r *nfsRun) Do(t *sim.Task, layer, verb string, args []string) string {
	if args[0] == "reply" {
		for _, a := range args[2:] {
			r.srv.Perturb[args[1]] = append(r.srv.Perturb[args[1]], nfsReplies[a])
		}
		return "0"
	}
	return sim.ErrnoString(r.srv.Other().Do(t, args[0], args[1:]))
}

// RewriteCall notes a call that changes names as it starts (oracle.Own).
func (r *nfsRun) RewriteCall(layer string, c *vfstest.Call) *vfstest.Call {
	r.own.Begin(c, r.srv.Truth.Now())
	return c
}

// CheckCall runs the consistency oracle on a completed call.
func (r *nfsRun) CheckCall(t *sim.Task, layer string, c *vfstest.Call, got string, from int64) {
	oracle.Calls{Tr: r.srv.Truth, S: r.s, M: nfs.Mapper{FS: r.fs}, Own: &r.own,
		Dir: func(p string) oracle.Obj { return oracle.Obj(r.srv.Walk(p)) },
		Ino: func(ino uint64) oracle.Obj { return oracle.Obj(r.fs.InoFH(ino)) },
	}.Check(t, c, got, from)
	r.own.End(c, r.srv.Truth.Now())
}
