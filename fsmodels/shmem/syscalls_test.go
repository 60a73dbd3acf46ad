package shmem_test

// Sequential tests of every syscall on tmpfs, in both locking regimes and
// on mainline and the v3 series (without patch 12, whose shmem_whiteout
// warns on the first whiteout: see TestWhiteoutV3Patch12Warns and
// docs/findings.md "v3 12/19"). One task runs a script of syscalls; each
// line's result (return value or -errno, and for stat the inode's type
// and number, for ls the getdents listing) must be exactly the one
// written, and the run must end with the dcache tree given, the dcache
// invariants intact, no leaked object and no checker report.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// V3No12 is the v3 series without patch 12 (shmem_whiteout with
// d_duplicate), which warns on every whiteout.
var V3No12 = variant.V3Today.WithoutPatch(variant.P12ShmemDuplicate)

var versions = []struct {
	name string
	p    variant.Variant
}{
	{"mainline", variant.BaseToday},
	{"v3-no12", V3No12},
}

// seqCase is a script: lines "CALL ARGS = RESULT", then the dcache tree
// (SuperBlock.Dump) the run must end with.
type seqCase struct {
	name   string
	script []string
	dump   string
}

var seqCases = []seqCase{
	{
		name: "open",
		script: []string{
			"open /f = -ENOENT",
			"open /f creat = fd0",
			"stat /f = reg#2",
			"open /f creat = fd1", // exists: opened, not created
			"open /f creat|excl = -EEXIST",
			"open /f rdonly = fd2",
			"open /f directory = -ENOTDIR",
			"open /f/x creat = -ENOTDIR",
			"open /nodir/f creat = -ENOENT",
			"mkdir /d = 0",
			"open /d directory = fd3",
			"open /d wronly = -EISDIR",
			"open /d creat = -EISDIR",
			"open /d/g creat|excl = fd4",
			"close fd0 = 0",
			"close fd0 = -EINVAL",
			"close fd9 = -EINVAL",
			"close fd1 = 0",
			"close fd2 = 0",
			"close fd3 = 0",
			"open /d/g rdonly = fd0", // the lowest free descriptor
			"close fd0 = 0",
			"close fd4 = 0",
			"ls / = f:reg,d:dir",
			"ls /d = g:reg",
		},
		dump: `/ [dir#1] count=3
  d [hashed dir#3] count=2
    g [hashed reg#4] count=1
  f [hashed reg#2] count=1
`,
	},
	{
		name: "mkdir-rmdir",
		script: []string{
			"mkdir /a = 0",
			"mkdir /a = -EEXIST",
			"mkdir /a/b = 0",
			"mkdir /x/y = -ENOENT",
			"stat /a/b = dir#3",
			"rmdir /a = -ENOTEMPTY",
			"rmdir /a/. = -EINVAL",
			"rmdir /a/.. = -EINVAL",
			"rmdir /a/b = 0",
			"rmdir /a/b = -ENOENT",
			"stat /a/b = -ENOENT",
			"open /a/f creat = fd0",
			"close fd0 = 0",
			"rmdir /a/f = -ENOTDIR",
			"rmdir /a = -ENOTEMPTY",
			"unlink /a/f = 0",
			"rmdir /a = 0",
			"stat /a = -ENOENT",
			"mkdir /a/c = -ENOENT",
			"ls / = ",
		},
		dump: "/ [dir#1] count=1\n",
	},
	{
		name: "unlink",
		script: []string{
			"mknod /f reg = 0",
			"unlink /f = 0",
			"unlink /f = -ENOENT",
			"stat /f = -ENOENT",
			"mkdir /d = 0",
			"unlink /d = -EISDIR",
			"unlink /d/. = -EISDIR",
			"unlink /nope/x = -ENOENT",
			"unlink /d/nope = -ENOENT",
			"open /g creat = fd0",
			"unlink /g = 0", // unlinked while open: the inode lives until close
			"stat /g = -ENOENT",
			"ls / = d:dir",
			"open /g creat|excl = fd1", // a new file under the old name
			"stat /g = reg#5",
			"close fd0 = 0",
			"close fd1 = 0",
		},
		dump: `/ [dir#1] count=3
  d [hashed dir#3] count=1
  g [hashed reg#5] count=1
`,
	},
	{
		name: "link",
		script: []string{
			"mknod /f reg = 0",
			"mkdir /d = 0",
			"link /f /d/g = 0",
			"stat /d/g = reg#2",
			"link /f /d/g = -EEXIST",
			"link /nope /h = -ENOENT",
			"link /f /nope/h = -ENOENT",
			"link /d /h = -EPERM",
			"unlink /f = 0",
			"stat /d/g = reg#2",
			"link /d/g /f = 0",
			"ls / = d:dir,f:reg",
			"ls /d = g:reg",
		},
		dump: `/ [dir#1] count=3
  d [hashed dir#3] count=2
    g [hashed reg#2] count=1
  f [hashed reg#2] count=1
`,
	},
	{
		name: "symlink-mknod",
		script: []string{
			"symlink /target /s = 0",
			"stat /s = -ENOENT", // a dangling symlink: stat follows it
			"symlink /other /s = -EEXIST",
			"mknod /c chr = 0",
			"stat /c = chr#3",
			"mknod /c reg = -EEXIST",
			"mknod /r reg = 0",
			"stat /r = reg#4",
			"mknod /nope/r reg = -ENOENT",
			"ls / = s:lnk,c:chr,r:reg",
			"unlink /s = 0",
			"unlink /c = 0",
			"ls / = r:reg",
		},
		dump: `/ [dir#1] count=2
  r [hashed reg#4] count=1
`,
	},
	{
		name: "rename-files",
		script: []string{
			"mknod /f reg = 0",
			"mknod /g reg = 0",
			"rename /f /h = 0",
			"stat /f = -ENOENT",
			"stat /h = reg#2",
			"rename /h /g noreplace = -EEXIST",
			"rename /h /g = 0", // replaces g: its inode is freed
			"stat /g = reg#2",
			"stat /h = -ENOENT",
			"rename /nope /x = -ENOENT",
			"rename /g /nope/x = -ENOENT",
			"rename /g /g = 0",
			"link /g /g2 = 0",
			"rename /g /g2 = 0", // the same inode: nothing happens
			"stat /g = reg#2",
			"rename /g /x invalid = -EINVAL",
			"rename /g /x exchange|noreplace = -EINVAL",
			"rename /g /x exchange|whiteout = -EINVAL",
			"rename /g /. = -EBUSY",
			"rename /g /.. noreplace = -EEXIST",
			"ls / = g:reg,g2:reg",
		},
		dump: `/ [dir#1] count=3
  g [hashed reg#2] count=1
  g2 [hashed reg#2] count=1
`,
	},
	{
		name: "rename-dirs",
		script: []string{
			"mkdir /a = 0",
			"mkdir /b = 0",
			"mknod /a/f reg = 0",
			"rename /a/f /b/f = 0", // cross-directory
			"stat /b/f = reg#4",
			"stat /a/f = -ENOENT",
			"mkdir /a/sub = 0",
			"rename /a /a/sub/x = -EINVAL", // a directory into its own subdirectory
			"rename /a/sub /a = -ENOTEMPTY",
			"rename /a /b/f = -ENOTDIR",
			"rename /b/f /a = -EISDIR",
			"rename /a /b = -ENOTEMPTY",
			"rename /a/sub /b/sub = 0",
			"stat /b/sub = dir#5",
			"rename /b/sub /a = 0", // over an empty directory: a's inode dies
			"stat /a = dir#5",
			"ls / = b:dir,a:dir",
			"ls /b = f:reg",
			"ls /a = ",
		},
		dump: `/ [dir#1] count=3
  a [hashed dir#5] count=1
  b [hashed dir#3] count=2
    f [hashed reg#4] count=1
`,
	},
	{
		name: "rename-exchange",
		script: []string{
			"mkdir /a = 0",
			"mknod /f reg = 0",
			"mknod /a/g reg = 0",
			"rename /f /a/g exchange = 0",
			"stat /f = reg#4",
			"stat /a/g = reg#3",
			"rename /f /a exchange = 0", // a file and a directory
			"stat /f = dir#2",
			"stat /a = reg#4",
			"stat /f/g = reg#3",
			"rename /a /nope exchange = -ENOENT",
			"ls / = a:reg,f:dir", // exchange swaps the inodes, the names keep their slots
			"ls /f = g:reg",
		},
		dump: `/ [dir#1] count=3
  a [hashed reg#4] count=1
  f [hashed dir#2] count=2
    g [hashed reg#3] count=1
`,
	},
	{
		name: "rename-whiteout",
		script: []string{
			"mkdir /a = 0",
			"open /a/f creat = fd0",
			"close fd0 = 0",
			"rename /a/f /a/x = 0",
			"rename /a/x /a/y whiteout = 0",
			"stat /a/x = wht#4",
			"stat /a/y = reg#3",
			"ls /a = x:wht,y:reg", // whiteouts are listed (DT_CHR in the kernel)
			"mkdir /b = 0",
			"rename /a/y /b/z whiteout = 0", // cross-directory: the whiteout stays behind
			"stat /a/y = wht#6",
			"stat /b/z = reg#3",
			"rename /b/z /b/x noreplace = 0",
			"ls /b = x:reg",
			"ls /a = x:wht,y:wht",
		},
		dump: `/ [dir#1] count=3
  a [hashed dir#2] count=3
    x [hashed wht#4] count=1
    y [hashed wht#6] count=1
  b [hashed dir#5] count=2
    x [hashed reg#3] count=1
`,
	},
}

// seqProgram runs a script in one task and writes each line's result into
// got.
func seqProgram(name string, v variant.Variant, script []string, got []string, dump *string) sim.Program {
	return sim.Program{Name: name, Setup: func(w *sim.World) {
		e := fstest.Tmpfs(w, v)
		w.Go("sh", func(t *sim.Task) {
			ss := vfstest.NewSession(e.S)
			for i, line := range script {
				call, _, _ := strings.Cut(line, " = ")
				got[i] = ss.Exec(t, call)
			}
		})
		w.AtEnd(func(w *sim.World) { *dump = e.FS.SB.Dump() })
	}}
}

func TestSyscallsSequential(t *testing.T) {
	for _, c := range seqCases {
		for _, v := range versions {
			for _, r := range variant.Regimes {
				name := fmt.Sprintf("%s/%s/%s", c.name, r, v.name)
				t.Run(name, func(t *testing.T) {
					got := make([]string, len(c.script))
					var dump string
					out := sim.Execute(seqProgram("shmem/seq/"+name, v.p.In(r), c.script, got, &dump), sim.Config{}, nil)
					defer out.Release()
					if out.Report != nil {
						t.Fatalf("checker fired:\n%s", out.Report.Format())
					}
					for i, line := range c.script {
						call, want, _ := strings.Cut(line, " = ")
						if got[i] != want {
							t.Errorf("line %d: %s = %q, want %q", i+1, call, got[i], want)
						}
					}
					if dump != c.dump {
						t.Errorf("dcache at the end:\n%s\nwant:\n%s", dump, c.dump)
					}
				})
			}
		}
	}
}
