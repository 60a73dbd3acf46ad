package procfs

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

var fileLockClass = sim.NewLockClass("&newf->file_lock")

// Process is the simulated process whose /proc/<pid>/fd the fd directory
// shows: its files table (struct files_struct). Its fds open and close
// as scenario tasks call OpenFd and CloseFd.
//
// Divergence: an open file is the path it was opened by (what
// proc_fd_link would jump to); struct file and its modes are not
// modeled.
type Process struct {
	sim.Object
	fileLock sim.SpinLock // files->file_lock
	fds      []string     // the fd table: a path, or "" for a free slot
}

func newProcess(s *vfs.System) *Process {
	p := &Process{}
	s.C.W.NewStatic(&p.Object, "files_struct")
	p.fileLock.Init(&p.Object, "file_lock", fileLockClass)
	return p
}

// OpenFd installs a file opened by path in the lowest free slot
// (alloc_fd + fd_install under file_lock) and returns the fd. In setup
// (t == nil) no step is taken.
func (p *Process) OpenFd(t *sim.Task, path string) int {
	if t != nil {
		p.fileLock.Lock(t)
		t.Write(&p.Object, "fdt")
	}
	fd := len(p.fds)
	for i, f := range p.fds {
		if f == "" {
			fd = i
			break
		}
	}
	if fd == len(p.fds) {
		p.fds = append(p.fds, path)
	} else {
		p.fds[fd] = path
	}
	if t != nil {
		p.fileLock.Unlock(t)
	}
	return fd
}

// CloseFd is close_fd: clear the slot under file_lock. -EBADF for a fd
// that is not open.
func (p *Process) CloseFd(t *sim.Task, fd int) int {
	p.fileLock.Lock(t)
	t.Write(&p.Object, "fdt")
	ret := -int(sim.EBADF)
	if fd >= 0 && fd < len(p.fds) && p.fds[fd] != "" {
		p.fds[fd] = ""
		ret = 0
	}
	p.fileLock.Unlock(t)
	return ret
}

// lookupFdRCU is task_lookup_fd_rcu under the caller's rcu_read_lock:
// the file at fd, or "".
func (p *Process) lookupFdRCU(t *sim.Task, fd int) string {
	t.Read(&p.Object, "fdt")
	if fd < 0 || fd >= len(p.fds) {
		return ""
	}
	return p.fds[fd]
}

// tidFdMode is tid_fd_mode (fs/proc/fd.c): whether fd is open, read
// under RCU.
func (p *Process) tidFdMode(t *sim.Task, fd int) bool {
	sim.RCUReadLock(t)
	f := p.lookupFdRCU(t, fd)
	sim.RCUReadUnlock(t)
	return f != ""
}

// lookupNextFdRCU is task_lookup_next_fd_rcu: the first open fd at or
// after fd, or -1.
func (p *Process) lookupNextFdRCU(t *sim.Task, fd int) int {
	t.Read(&p.Object, "fdt")
	for ; fd < len(p.fds); fd++ {
		if p.fds[fd] != "" {
			return fd
		}
	}
	return -1
}
