package cli

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target when GOGC is not set.
// A run allocates its model objects afresh and the live heap stays near
// one megabyte, so the default target (100) collects every few
// milliseconds: 13% of the CPU of a check, and a lock the workers share.
// 400 takes a check of vfs/* from 8.5 s to 6.2 s on one worker and from
// 6.6 s to 4.4 s on two, for 25 MB of resident memory instead of 13 MB
// (docs/performance.md, "Garbage collection").
const gcPercent = 400

// tuneGC sets gcPercent unless the user chose GOGC.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
