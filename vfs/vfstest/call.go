// Package vfstest is the shared harness for programs that drive the VFS
// by syscalls: a parser for one-line syscall calls, with column-accurate
// errors, and an executor that renders each result as text. The scenario
// files, the tests of every filesystem model and a user's own tests use
// the same calls:
//
//	open PATH [FLAGS]      fdN or -errno (FLAGS: rdonly, wronly, rdwr, creat, excl, directory, nofollow joined by |)
//	close fdN              0 or -errno
//	close $                the session's last open; "skip" if it failed
//	stat PATH              TYPE#INO or -errno
//	lstat PATH             TYPE#INO or -errno, a trailing symlink not followed
//	mkdir PATH, rmdir PATH, unlink PATH
//	link OLD NEW, symlink TARGET PATH, mknod PATH TYPE (reg, chr, wht)
//	rename OLD NEW [FLAGS] (noreplace, exchange, whiteout joined by |)
//	ls PATH                name:TYPE,... (open O_DIRECTORY, getdents, close) or -errno
//	pressure N [PATH]      the shrinker scans N dentries of the LRU of PATH's superblock (default /)
//	dropcaches [PATH]      echo 2 > drop_caches, for PATH's superblock (default /)
//
// rename's flags also take "invalid", an undefined flag bit, to reach
// the -EINVAL check.
package vfstest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// Call is one parsed syscall.
type Call struct {
	Op   string
	Path string // the first path (open, stat, mkdir, ..., OLD of link and rename, PATH of symlink)
	Arg  string // the second path (NEW of link and rename), or symlink's TARGET
	// Flags are open's O_* flags or rename's RENAME_* flags.
	Flags int
	Mode  dcache.Mode // mknod
	FD    int         // close; -1 is "$", the session's last open
	N     int         // pressure
}

// SyntaxError is a call that does not parse; Col is 1-based.
type SyntaxError struct {
	Col int
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// arity is the number of operands each call takes: required, optional.
var arity = map[string][2]int{
	"open": {1, 1}, "close": {1, 0}, "stat": {1, 0}, "lstat": {1, 0}, "mkdir": {1, 0}, "rmdir": {1, 0},
	"unlink": {1, 0}, "link": {2, 0}, "symlink": {2, 0}, "mknod": {2, 0}, "rename": {2, 1}, "ls": {1, 0},
	"pressure": {1, 1}, "dropcaches": {0, 1},
}

// Ops lists the calls ParseCall knows, sorted.
func Ops() []string {
	var ops []string
	for k := range arity {
		ops = append(ops, k)
	}
	slices.Sort(ops)
	return ops
}

var openFlagNames = map[string]int{"rdonly": vfs.O_RDONLY, "wronly": vfs.O_WRONLY, "rdwr": vfs.O_RDWR,
	"creat": vfs.O_CREAT, "excl": vfs.O_EXCL, "directory": vfs.O_DIRECTORY, "nofollow": vfs.O_NOFOLLOW}

var renameFlagNames = map[string]int{"noreplace": vfs.RENAME_NOREPLACE, "exchange": vfs.RENAME_EXCHANGE,
	"whiteout": vfs.RENAME_WHITEOUT, "invalid": 1 << 7}

var modeNames = map[string]dcache.Mode{"reg": dcache.S_IFREG, "chr": dcache.S_IFCHR, "wht": dcache.S_IFWHT}

// Word is a blank-separated word of a line with its 1-based column.
type Word struct {
	S   string
	Col int
}

// Words splits a line at spaces and tabs, keeping each word's column
// (scenario files share it for column-accurate errors).
func Words(line string) []Word {
	var out []Word
	for i := 0; i < len(line); {
		if line[i] == ' ' || line[i] == '\t' {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		out = append(out, Word{line[i:j], i + 1})
		i = j
	}
	return out
}

// ParseCall parses one call. Errors are *SyntaxError with the column of
// the offending word.
func ParseCall(line string) (*Call, error) {
	f := Words(line)
	if len(f) == 0 {
		return nil, &SyntaxError{1, "empty call (want one of " + strings.Join(Ops(), ", ") + ")"}
	}
	op := f[0]
	ar, ok := arity[op.S]
	if !ok {
		return nil, &SyntaxError{op.Col, fmt.Sprintf("unknown call %q (want one of %s)", op.S, strings.Join(Ops(), ", "))}
	}
	n := len(f) - 1
	if n < ar[0] || n > ar[0]+ar[1] {
		want := strconv.Itoa(ar[0])
		if ar[1] > 0 {
			want = fmt.Sprintf("%d or %d", ar[0], ar[0]+ar[1])
		}
		col := len(line) + 1
		if n > ar[0]+ar[1] {
			col = f[ar[0]+ar[1]+1].Col
		}
		return nil, &SyntaxError{col, fmt.Sprintf("%s takes %s operand(s), got %d", op.S, want, n)}
	}
	c := &Call{Op: op.S}
	path := func(x Word) (string, error) {
		if !strings.HasPrefix(x.S, "/") {
			return "", &SyntaxError{x.Col, fmt.Sprintf("path %q is not absolute", x.S)}
		}
		return x.S, nil
	}
	var err error
	switch op.S {
	case "close":
		if f[1].S == "$" {
			c.FD = -1
			return c, nil
		}
		num, ok := strings.CutPrefix(f[1].S, "fd")
		fd, cerr := strconv.Atoi(num)
		if !ok || cerr != nil || fd < 0 {
			return nil, &SyntaxError{f[1].Col, fmt.Sprintf("want fdN, got %q", f[1].S)}
		}
		c.FD = fd
		return c, nil
	case "symlink":
		c.Arg = f[1].S
		c.Path, err = path(f[2])
		return c, err
	case "pressure":
		nr, cerr := strconv.Atoi(f[1].S)
		if cerr != nil || nr < 1 {
			return nil, &SyntaxError{f[1].Col, fmt.Sprintf("want a positive count of dentries, got %q", f[1].S)}
		}
		c.N, c.Path = nr, "/"
		if n == 2 {
			c.Path, err = path(f[2])
		}
		return c, err
	case "dropcaches":
		c.Path = "/"
		if n == 1 {
			c.Path, err = path(f[1])
		}
		return c, err
	case "mknod":
		m, ok := modeNames[f[2].S]
		if !ok {
			return nil, &SyntaxError{f[2].Col, fmt.Sprintf("unknown type %q (want reg, chr or wht)", f[2].S)}
		}
		c.Mode = m
	}
	if c.Path, err = path(f[1]); err != nil {
		return nil, err
	}
	switch op.S {
	case "link", "rename":
		if c.Arg, err = path(f[2]); err != nil {
			return nil, err
		}
	}
	switch {
	case op.S == "open" && n == 2:
		c.Flags, err = parseFlags(f[2], openFlagNames)
	case op.S == "rename" && n == 3:
		c.Flags, err = parseFlags(f[3], renameFlagNames)
	}
	return c, err
}

func parseFlags(x Word, names map[string]int) (int, error) {
	fl, col := 0, x.Col
	for _, w := range strings.Split(x.S, "|") {
		v, ok := names[w]
		if !ok {
			var known []string
			for k := range names {
				known = append(known, k)
			}
			slices.Sort(known)
			return 0, &SyntaxError{col, fmt.Sprintf("unknown flag %q (want %s joined by |)", w, strings.Join(known, ", "))}
		}
		fl |= v
		col += len(w) + 1
	}
	return fl, nil
}

// Session runs calls for one task, remembering its last open for
// "close $".
type Session struct {
	S    *vfs.System
	last int
}

// NewSession starts a task's session on s.
func NewSession(s *vfs.System) *Session {
	ss := sessionPool.New(s.C.W) // the run's memory (sim/recycle.go)
	ss.S, ss.last = s, -1
	return ss
}

var sessionPool = sim.NewPool[Session]()

// Run executes the call as task t in a session of its own.
func (c *Call) Run(t *sim.Task, s *vfs.System) string { return NewSession(s).Run(t, c) }

// Run executes the call as task t and renders its result.
func (ss *Session) Run(t *sim.Task, c *Call) string {
	s := ss.S
	rv := sim.ErrnoString
	switch c.Op {
	case "open":
		fd := s.Open(t, c.Path, c.Flags)
		ss.last = fd
		if fd >= 0 {
			return fmt.Sprintf("fd%d", fd)
		}
		return rv(fd)
	case "close":
		fd := c.FD
		if fd < 0 {
			if fd = ss.last; fd < 0 {
				return "skip"
			}
			ss.last = -1
		}
		return rv(s.Close(t, fd))
	case "pressure", "dropcaches":
		d, err := s.Lookup(t, c.Path)
		if err != 0 {
			return rv(err)
		}
		sb := d.DSb
		dcache.Dput(t, d)
		if c.Op == "dropcaches" {
			s.DropCaches(t, sb)
			return "0"
		}
		return strconv.Itoa(s.MemoryPressure(t, sb, c.N))
	case "stat", "lstat":
		stat := s.Stat
		if c.Op == "lstat" {
			stat = s.Lstat
		}
		ino, mode, err := stat(t, c.Path)
		if err != 0 {
			return rv(err)
		}
		return fmt.Sprintf("%s#%d", mode, ino)
	case "mkdir":
		return rv(s.Mkdir(t, c.Path))
	case "rmdir":
		return rv(s.Rmdir(t, c.Path))
	case "unlink":
		return rv(s.Unlink(t, c.Path))
	case "link":
		return rv(s.Link(t, c.Path, c.Arg))
	case "symlink":
		return rv(s.Symlink(t, c.Arg, c.Path))
	case "mknod":
		return rv(s.Mknod(t, c.Path, c.Mode))
	case "rename":
		return rv(s.Rename(t, c.Path, c.Arg, uint(c.Flags)))
	case "ls":
		return Ls(t, s, c.Path)
	}
	panic("vfstest: unknown call " + c.Op)
}

// String renders the call in the form ParseCall reads.
func (c *Call) String() string {
	switch c.Op {
	case "close":
		if c.FD < 0 {
			return "close $"
		}
		return fmt.Sprintf("close fd%d", c.FD)
	case "pressure":
		return fmt.Sprintf("pressure %d %s", c.N, c.Path)
	case "dropcaches":
		return "dropcaches " + c.Path
	case "symlink":
		return "symlink " + c.Arg + " " + c.Path
	case "mknod":
		for k, v := range modeNames {
			if v == c.Mode {
				return "mknod " + c.Path + " " + k
			}
		}
	case "link":
		return "link " + c.Path + " " + c.Arg
	case "open":
		return strings.TrimSpace("open " + c.Path + " " + flagString(c.Flags, openFlagNames))
	case "rename":
		return strings.TrimSpace("rename " + c.Path + " " + c.Arg + " " + flagString(c.Flags, renameFlagNames))
	}
	return c.Op + " " + c.Path
}

func flagString(fl int, names map[string]int) string {
	var out []string
	for k, v := range names {
		if v != 0 && fl&v == v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "|")
}

// MustParse parses a call written in a test; a line that does not parse
// is a bug in the test, and panics.
func MustParse(line string) *Call {
	c, err := ParseCall(line)
	if err != nil {
		panic(fmt.Sprintf("vfstest: %q: %v", line, err))
	}
	return c
}

// Exec parses and runs one call in the session.
func (ss *Session) Exec(t *sim.Task, line string) string { return ss.Run(t, parsed(line)) }

// parsed is MustParse of line, parsed once for all runs: programs run
// the same lines in every run, and Run never changes a Call.
func parsed(line string) *Call {
	parsedCalls.Lock()
	defer parsedCalls.Unlock()
	c := parsedCalls.m[line]
	if c == nil {
		c = MustParse(line)
		parsedCalls.m[line] = c
	}
	return c
}

var parsedCalls = struct {
	sync.Mutex
	m map[string]*Call
}{m: map[string]*Call{}}

// Exec parses and runs one call in a session of its own.
func Exec(t *sim.Task, s *vfs.System, line string) string { return NewSession(s).Exec(t, line) }

// Ls lists a directory the way ls -f does: open, getdents, close.
func Ls(t *sim.Task, s *vfs.System, path string) string {
	return ls(t, s, path, func(e vfs.Dirent) string { return fmt.Sprintf("%s:%s", e.Name, e.Mode) })
}

// LsIno is Ls with each entry's d_ino instead of its type: "name#ino,...".
func LsIno(t *sim.Task, s *vfs.System, path string) string {
	return ls(t, s, path, func(e vfs.Dirent) string { return fmt.Sprintf("%s#%d", e.Name, e.Ino) })
}

func ls(t *sim.Task, s *vfs.System, path string, format func(vfs.Dirent) string) string {
	fd := s.Open(t, path, vfs.O_DIRECTORY)
	if fd < 0 {
		return sim.ErrnoString(fd)
	}
	ents, err := s.Getdents(t, fd)
	s.Close(t, fd)
	if err != 0 {
		return sim.ErrnoString(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, format(e))
	}
	return strings.Join(out, ",")
}
