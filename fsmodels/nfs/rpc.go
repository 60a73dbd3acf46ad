package nfs

import (
	"github.com/dcsim/dcsim/sim"
)

// Reply is what the client gets back from an RPC, when it is not simply
// the server's true answer.
type Reply uint8

const (
	// ReplyTrue is the server's answer, at once (always choice 0).
	ReplyTrue Reply = iota
	// ReplyDelayed is the true answer arriving late: the server has
	// done the operation, and everyone else may run before the caller
	// sees the reply.
	ReplyDelayed
	// ReplyStale is -ESTALE without the operation being done (the
	// server lost the handle, e.g. it restarted).
	ReplyStale
	// ReplyIO is -EIO without the operation being done.
	ReplyIO
	// ReplySignalled is a fatal signal ending the caller's wait: the
	// server does the operation, the caller gets -ERESTARTSYS and never
	// sees the reply (rpc_wait_for_completion_task, killable).
	ReplySignalled
	// ReplyNoent is -ENOENT without the operation being done (an OPEN
	// with create in a directory a server-side agent is removing).
	// The truth does not change, so use it only for calls the oracle
	// does not judge (open with O_CREAT).
	ReplyNoent
)

var replyNames = [...]string{"true", "delayed", "-ESTALE", "-EIO", "signalled", "-ENOENT"}

func (r Reply) String() string { return replyNames[r] }

// ERESTARTSYS is the kernel-internal "interrupted" status a killed RPC
// wait returns; the syscall layer reports it as -EINTR.
const ERESTARTSYS = -int(sim.EINTR)

// rpc is one synchronous RPC of proc: the request reaches the server in
// one step of t (a scheduling point), the server runs op there, and the
// reply is the one the decision log chooses among the true answer and
// the server's Perturb list for proc.
func (fs *FS) rpc(t *sim.Task, proc string, op func() int) int {
	srv := fs.srv
	alts := srv.Perturb[proc]
	choice := ReplyTrue
	if len(alts) > 0 {
		if i := t.Choose("nfs "+proc+" reply", len(alts)+1); i > 0 {
			choice = alts[i-1]
		}
	}
	t.Write(&srv.Object, proc)
	switch choice {
	case ReplyStale:
		return -int(sim.ESTALE)
	case ReplyIO:
		return -int(sim.EIO)
	case ReplyNoent:
		return -int(sim.ENOENT)
	}
	err := op()
	switch choice {
	case ReplyDelayed:
		t.Mark("nfs: reply delayed")
		t.Read(&srv.Object, proc+" reply")
	case ReplySignalled:
		t.Mark("nfs: caller signalled before the reply")
		return ERESTARTSYS
	}
	return err
}
