package examplecheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// goIn runs the go command in the example module, offline, with the
// module cache this module's build filled, and returns its output.
func goIn(t *testing.T, goBin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = "../../example"
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOSUMDB=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in example/: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestExampleModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests the example module with the go command (seconds)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build the example module")
	}
	out := goIn(t, goBin, "test", "-short", "-count=1", "./...")
	if !strings.Contains(out, "ok  \texample.com/foldfs/foldfs") {
		t.Errorf("the example's tests did not run:\n%s", out)
	}
}
