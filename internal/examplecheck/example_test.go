package examplecheck

import (
	"flag"
	"os"
	"os/exec"
	"regexp"
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

var update = flag.Bool("update", false, "TestExtendingShowsTheExample: copy the example's files into docs/extending.md")

// TestExtendingShowsTheExample: every file docs/extending.md shows in
// full ("File `example/...`:" and a code block) is that file as it is;
// -update copies the files into the page.
func TestExtendingShowsTheExample(t *testing.T) {
	const page = "../../docs/extending.md"
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	blockRE := regexp.MustCompile("(?s)(File `(example/[^`]+)`:\n\n```[a-z]*\n)(.*?)```\n")
	if !blockRE.Match(data) {
		t.Fatal("docs/extending.md shows no file of example/")
	}
	text := blockRE.ReplaceAllStringFunc(string(data), func(block string) string {
		b := blockRE.FindStringSubmatch(block)
		got, err := os.ReadFile("../../" + b[2])
		switch {
		case err != nil:
			t.Errorf("docs/extending.md shows %s: %v", b[2], err)
		case string(got) != b[3] && !*update:
			t.Errorf("docs/extending.md shows %s other than it is (go test ./internal/examplecheck -run TestExtending -update)", b[2])
		case string(got) != b[3]:
			return b[1] + string(got) + "```\n"
		}
		return block
	})
	if *update && text != string(data) {
		if err := os.WriteFile(page, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
