package foldfs_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/cli"
)

// TestDocsSchedules replays the foldfs schedules of dcsim's
// docs/extending.md: each `foldsim replay` line says what it gives, as
// dcsim's own docs do ("invariant [R5]", or "clean"); dcsim's catalog
// does not have foldfs, so its docs test leaves them to this one.
func TestDocsSchedules(t *testing.T) {
	data, err := os.ReadFile("../../docs/extending.md")
	if err != nil {
		t.Skipf("dcsim's docs are not beside this module: %v", err)
	}
	schedRE := regexp.MustCompile(`v2:foldfs/[^' ]+`)
	stateRE := regexp.MustCompile(`\b([a-z]+) \[([^\]]+)\]|\bclean\b`)
	found := 0
	for i, line := range strings.Split(string(data), "\n") {
		s := schedRE.FindString(line)
		if s == "" || !strings.Contains(line, "foldsim replay") {
			continue // quoted output, not a command to run
		}
		found++
		state := stateRE.FindStringSubmatch(line[strings.Index(line, s)+len(s):])
		if state == nil {
			t.Errorf("extending.md:%d: %s without the report it gives", i+1, s)
			continue
		}
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), []string{"replay", "-q", s}, &out, &errb)
		want := "=== dcsim: " + state[1] + " [" + state[2] + "]"
		switch {
		case errb.Len() > 0:
			t.Errorf("extending.md:%d: %s: %s", i+1, s, errb.String())
		case state[0] == "clean" && code != 0, state[0] != "clean" && !strings.HasPrefix(out.String(), "scenario ") || state[0] != "clean" && !strings.Contains(out.String(), want):
			t.Errorf("extending.md:%d: %s says %s, replay exits %d:\n%s", i+1, s, state[0], code, out.String())
		}
	}
	if found == 0 {
		t.Error("no foldfs schedule in docs/extending.md")
	}
}
