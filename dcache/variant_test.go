package dcache_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// A patch set the series cannot have (06/19 without 04/19's waiters) is
// refused when a run builds its dcache, not run with a quietly skipped
// wake_up_all on a NULL d_wait.
func TestNewCacheRefusesBrokenPatchSet(t *testing.T) {
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "patch 06 needs patch 04") {
			t.Errorf("NewCache with 06 alone: recover() = %v", r)
		}
	}()
	w := sim.NewWorld("broken", sim.Config{}, nil)
	dcache.NewCache(w, variant.BaseToday.WithPatch(variant.P06Duplicate))
}
