package dcsimtest

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/sim"
)

// The fail files of a test live in FAILDIR/TEST/SUBTEST/HASH.fail: one
// schedule each, named by the hash of the schedule so that saving the
// same failure twice writes one file.

// failDir is the directory of test name's fail files.
func (c *check) failDir() string {
	root := c.st.failDir
	if root == "" {
		root = filepath.Join("testdata", "dcsim")
	}
	parts := strings.Split(c.t.Name(), "/")
	for i, p := range parts {
		parts[i] = safeName(p)
	}
	return filepath.Join(append([]string{root}, parts...)...)
}

// safeName keeps a test name's letters, digits, '-', '_' and '.' (not
// leading), and turns the rest into '_'.
func safeName(s string) string {
	b := []byte(s)
	for i, r := range b {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' && i > 0
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

// saveFailFile writes rep's schedule as a fail file and returns its path
// ("" when -dcsim.nofailfile, or when it could not be written: said in
// the log).
func (c *check) saveFailFile(rep *sim.Report) string {
	if flags.noFailFile || rep.Schedule == "" {
		return ""
	}
	dir := c.failDir()
	h := fnv.New32a()
	h.Write([]byte(rep.Schedule))
	path := filepath.Join(dir, fmt.Sprintf("%08x.fail", h.Sum32()))
	text := fmt.Sprintf("# dcsimtest fail file of %s: replayed before exploring until it is deleted\n# %s: %s\n%s\n",
		c.t.Name(), kindRule(rep), rep.Title, rep.Schedule)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.t.Logf("dcsimtest: cannot save the fail file: %v", err)
		return ""
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		c.t.Logf("dcsimtest: cannot save the fail file: %v", err)
		return ""
	}
	return path
}

// readFailFile returns the schedule line of a fail file: its first line
// that is neither blank nor a '#' comment.
func readFailFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l, nil
		}
	}
	return "", fmt.Errorf("%s: no schedule line", path)
}

// replayFailFiles replays the test's fail files of this program, in name
// order, and reports whether one decided the check (it failed again).
// A fail file replays as far as its decisions fit, so that it still
// says something about a program changed since (a fix); one that replays
// clean is logged and left for the user to delete.
func (c *check) replayFailFiles() bool {
	c.t.Helper()
	files, _ := filepath.Glob(filepath.Join(c.failDir(), "*.fail"))
	slices.Sort(files)
	for _, f := range files {
		line, err := readFailFile(f)
		if err != nil {
			c.t.Logf("dcsimtest: fail file %v", err)
			continue
		}
		s, err := sim.ParseSchedule(line)
		if err != nil {
			c.t.Logf("dcsimtest: fail file %s: %v", f, err)
			continue
		}
		if !c.names(s) {
			continue
		}
		rep, err := c.replay(s, false)
		switch {
		case err != nil:
			c.t.Logf("dcsimtest: fail file %s no longer replays (%v); delete it", f, err)
		case rep == nil:
			c.t.Logf("dcsimtest: fail file %s replays clean now; delete it once the fix is in", f)
		case !c.st.expect.Met(rep):
			c.judge(rep, "replaying the fail file "+f, "")
			return true
		}
	}
	return false
}
