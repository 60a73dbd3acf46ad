//go:build linux

package difftest

import (
	"flag"
	"os"
	"testing"
)

// TestMain makes 500 the default number of rapid checks per property
// (50 with -short; rapid divides by 5); -rapid.checks overrides it.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if !set {
		n := "500"
		if testing.Short() {
			n = "250"
		}
		flag.Set("rapid.checks", n)
	}
	os.Exit(m.Run())
}
