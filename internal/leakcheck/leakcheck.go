// Package leakcheck is the goroutine leak check every package's tests
// run at exit: a task coroutine left suspended after its run is a leak,
// but the runtime's pool of idle task coroutines (package sim reuses
// them across runs) is not.
package leakcheck

import (
	"testing"

	"go.uber.org/goleak"
)

// idleCoroutine is the function an idle pooled coroutine is parked in.
const idleCoroutine = "github.com/dcsim/dcsim/sim.(*coro).idle"

// VerifyTestMain runs the tests, then fails if goroutines other than idle
// task coroutines are left.
func VerifyTestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(idleCoroutine))
}
