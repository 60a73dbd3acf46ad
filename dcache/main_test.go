package dcache_test

import (
	"testing"

	"github.com/dcsim/dcsim/internal/leakcheck"
	"github.com/dcsim/dcsim/variant"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// The variants most tests run under: mainline, the v3 patches that
// change the functions under test one at a time, and the whole series.
var (
	mainV3   = []variant.Variant{variant.BaseToday, variant.V3Today}
	versions = []variant.Variant{
		variant.BaseToday,
		variant.BaseToday.WithPatch(variant.P02SpliceHashed),
		variant.BaseToday.WithPatch(variant.P04WaitVarEvent),
		variant.V3Today,
	}
)
