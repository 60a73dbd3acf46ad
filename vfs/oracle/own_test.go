package oracle_test

import (
	"testing"

	"github.com/dcsim/dcsim/vfs/oracle"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

func mustCall(t *testing.T, line string) *vfstest.Call {
	t.Helper()
	c, err := vfstest.ParseCall(line)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOwn: a lookup overlapping the client's own change of the name is
// exempt, one before or after it, or of another name, is not; a call
// never exempts itself.
func TestOwn(t *testing.T) {
	var o oracle.Own
	create := mustCall(t, "open /d/a creat")
	stat := mustCall(t, "stat /d/a")
	o.Begin(create, 10)
	o.Begin(stat, 12) // not a change: not recorded
	if !o.Overlaps(stat, "/d/a", 12, 15) {
		t.Error("a stat during the create of its name must be exempt")
	}
	if o.Overlaps(stat, "/d/b", 12, 15) {
		t.Error("a stat of another name must not be exempt")
	}
	if o.Overlaps(create, "/d/a", 10, 20) {
		t.Error("the create must not exempt itself")
	}
	o.End(create, 20)
	if !o.Overlaps(stat, "/d/a", 18, 25) || o.Overlaps(stat, "/d/a", 21, 25) || o.Overlaps(stat, "/d/a", 1, 9) {
		t.Error("only calls overlapping [10, 20] are exempt")
	}
	if got := oracle.Changed(mustCall(t, "rename /d/a /d/b")); len(got) != 2 {
		t.Errorf("rename changes both names, got %v", got)
	}
	if oracle.Changed(mustCall(t, "open /d/a")) != nil {
		t.Error("an open without O_CREAT changes no name")
	}
}
