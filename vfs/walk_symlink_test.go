package vfs_test

// Symlinks in the path walk (pick_link, step_into, reserve_stack): a
// script of calls run by one task on tmpfs, each with the result the
// kernel gives.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// runWalkScript runs "CALL = WANT" lines in one task and reports every
// line whose result differs, and any checker report.
func runWalkScript(t *testing.T, v variant.Variant, script []string) {
	t.Helper()
	got := make([]string, len(script))
	prog := sim.Program{Name: "vfs/walk-script", Setup: func(w *sim.World) {
		s := fstest.Tmpfs(w, v).S
		w.Go("script", func(tk *sim.Task) {
			ss := vfstest.NewSession(s)
			for i, line := range script {
				call, _, _ := strings.Cut(line, " = ")
				got[i] = ss.Exec(tk, call)
			}
		})
	}}
	out := sim.Execute(prog, sim.Config{}, nil)
	defer out.Release()
	if out.Report != nil {
		t.Fatalf("checker fired:\n%s", out.Report.Format())
	}
	for i, line := range script {
		call, want, _ := strings.Cut(line, " = ")
		if got[i] != want {
			t.Errorf("%s = %s, want %s", call, got[i], want)
		}
	}
}

// chain makes /PREFIX1 -> /PREFIX0, ..., /PREFIXn -> /PREFIX(n-1), each
// an absolute symlink, with /PREFIX0 a regular file.
func chain(prefix string, n int) []string {
	out := []string{fmt.Sprintf("mknod /%s0 reg = 0", prefix)}
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("symlink /%s%d /%s%d = 0", prefix, i-1, prefix, i))
	}
	return out
}

func TestWalkSymlinks(t *testing.T) {
	script := []string{
		"mkdir /d = 0",
		"open /d/f creat = fd0",
		"close $ = 0",
		"symlink /d/f /abs = 0",    // absolute target
		"symlink f /d/rel = 0",     // relative to the link's directory
		"symlink ../d/f /d/up = 0", // relative with ..
		"symlink /d /dl = 0",       // a directory, followed as an intermediate component
		"symlink /nowhere /dangling = 0",
		"stat /abs = reg#3",
		"lstat /abs = lnk#4",
		"stat /d/rel = reg#3",
		"lstat /d/rel = lnk#5",
		"stat /d/up = reg#3",
		"stat /dl/f = reg#3",
		"stat /dl/rel = reg#3",
		"stat /dl = dir#2",
		"lstat /dl = lnk#7",
		"lstat /dl/rel = lnk#5",
		"stat /dangling = -ENOENT",
		"lstat /dangling = lnk#8",
		"stat /abs/x = -ENOTDIR",
		"open /abs rdonly = fd0",
		"close $ = 0",
		"open /dl/rel rdonly = fd0",
		"close $ = 0",
		"open /abs nofollow = -ELOOP",
		"open /dl/f nofollow = fd0", // O_NOFOLLOW is about the last component only
		"close $ = 0",
		"open /dl directory = fd0",
		"close $ = 0",
		// open O_CREAT through a dangling link creates its target.
		"symlink /d/new /mk = 0",
		"open /mk creat = fd0",
		"close $ = 0",
		"stat /d/new = reg#10",
		// O_CREAT|O_EXCL does not follow: the link exists.
		"open /abs creat|excl = -EEXIST",
		// The last component of mkdir, unlink, rename is not followed.
		"mkdir /abs = -EEXIST",
		"mkdir /dl/sub = 0",
		"stat /d/sub = dir#11",
		"unlink /abs = 0",
		"stat /d/f = reg#3",
		"stat /abs = -ENOENT",
		"rename /dl /dl2 = 0",
		"lstat /dl2 = lnk#7",
		"stat /dl2/f = reg#3",
	}
	runWalkScript(t, variant.BaseToday, script)
}

func TestWalkSymlinkLoops(t *testing.T) {
	script := []string{
		"symlink /loop /loop = 0",
		"stat /loop = -ELOOP",
		"lstat /loop = lnk#2",
		"open /loop rdonly = -ELOOP",
		"mkdir /d = 0",
		"symlink b /d/a = 0",
		"symlink a /d/b = 0",
		"stat /d/a = -ELOOP",
		"stat /d/a/x = -ELOOP",
		"mkdir /d/a/x = -ELOOP",
		"lstat /d/b = lnk#5",
		// A loop through an intermediate directory link.
		"symlink /d/self/self /d/self = 0",
		"stat /d/self = -ELOOP",
	}
	runWalkScript(t, variant.BaseToday, script)
}

// TestWalkSymlinkLimit: a lookup follows at most MAXSYMLINKS (40) links
// in all, trailing or nested.
func TestWalkSymlinkLimit(t *testing.T) {
	script := chain("c", 41)
	script = append(script,
		"stat /c40 = reg#2",
		"stat /c41 = -ELOOP",
		"lstat /c41 = lnk#43",
		"open /c40 rdonly = fd0",
		"close $ = 0",
		"open /c41 rdonly = -ELOOP",
	)
	runWalkScript(t, variant.BaseToday, script)
}

// TestWalkSymlinkNesting: links inside link bodies nest (nd->depth); the
// stack grows past EMBEDDED_LEVELS (2), and the 40-link total counts
// the links of every level.
func TestWalkSymlinkNesting(t *testing.T) {
	script := []string{
		"mkdir /d = 0",
		"mknod /d/f reg = 0",
		"symlink /d /n1 = 0",    // depth 1
		"symlink /n1/ /n2 = 0",  // n2 -> n1 -> d: depth 2
		"symlink /n2/. /n3 = 0", // depth 3: past the embedded stack
		"symlink /n3/f /n4 = 0",
		"stat /n4 = reg#3",
		"stat /n3/f = reg#3",
		"lstat /n3/f = reg#3",
		"stat /n3/../d/f = reg#3",
	}
	// /m1 -> /n4 and so on: 36 more links on top of n4's 4 make 40.
	for i := 1; i <= 37; i++ {
		prev := fmt.Sprintf("/m%d", i-1)
		if i == 1 {
			prev = "/n4"
		}
		script = append(script, fmt.Sprintf("symlink %s /m%d = 0", prev, i))
	}
	script = append(script, "stat /m36 = reg#3", "stat /m37 = -ELOOP")
	runWalkScript(t, variant.BaseToday, script)
}
