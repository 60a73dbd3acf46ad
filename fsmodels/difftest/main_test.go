//go:build linux

package difftest

import (
	"flag"
	"os"
	"testing"
)

// TestMain makes 500 the default number of rapid checks per property
// (100 with -short, as rapid divides by 5); -rapid.checks overrides it.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if !set {
		flag.Set("rapid.checks", "500")
	}
	os.Exit(m.Run())
}
