package procfs_test

import (
	"testing"

	"github.com/dcsim/dcsim/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }
