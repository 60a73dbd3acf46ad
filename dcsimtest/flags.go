package dcsimtest

import (
	"flag"
	"fmt"
	"os"
	"strconv"
)

// flags are the test binary's -dcsim.* flags, registered on the
// command line's flag set as rapid registers -rapid.*.
var flags struct {
	schedule   string
	seed       uint64
	strategy   string
	noFailFile bool
}

func init() {
	flag.StringVar(&flags.schedule, "dcsim.schedule", os.Getenv("DCSIM_SCHEDULE"),
		"dcsim: replay this schedule (v2:...) instead of exploring, in the checks of its program")
	flag.Uint64Var(&flags.seed, "dcsim.seed", envUint("DCSIM_SEED"),
		"dcsim: seed of the sampling strategies (0: the check's own, default 1)")
	flag.StringVar(&flags.strategy, "dcsim.strategy", os.Getenv("DCSIM_STRATEGY"),
		"dcsim: exploration strategy: dfs, dpor, dpor-conservative, random, pct or pos (default: the check's own, dfs)")
	flag.BoolVar(&flags.noFailFile, "dcsim.nofailfile", os.Getenv("DCSIM_NOFAILFILE") != "",
		"dcsim: do not write fail files under testdata/dcsim")
}

// envUint reads a seed from the environment; a malformed one is a usage
// error of the test run, said at once.
func envUint(key string) uint64 {
	v, ok := os.LookupEnv(key)
	if !ok || v == "" {
		return 0
	}
	n, err := strconv.ParseUint(v, 0, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dcsimtest: %s=%q is not a non-negative integer; ignored\n", key, v)
		return 0
	}
	return n
}
