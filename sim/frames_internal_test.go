package sim

import "testing"

// Frame names are the functions people wrote, never Go's closure symbols.
func TestCleanFunc(t *testing.T) {
	for _, tc := range []struct {
		in      string
		name    string
		closure bool
	}{
		{"github.com/dcsim/dcsim/scenarios.init.2.ovlReaddirVsLookup.func1.2.1", "scenarios.ovlReaddirVsLookup", true},
		{"github.com/dcsim/dcsim/scenarios.init.3.func2.1", "scenarios.init", true},
		{"github.com/dcsim/dcsim/scenarios.(*demoPair).lockAB", "scenarios.(*demoPair).lockAB", false},
		{"github.com/dcsim/dcsim/dcache.Dput", "dcache.Dput", false},
		{"github.com/dcsim/dcsim/vfs.(*System).IterateDir.func1", "vfs.(*System).IterateDir", true},
		{"github.com/dcsim/dcsim/scenarios.glob..func1", "scenarios.glob", true},
		{"github.com/dcsim/dcsim/scenarios.init.0", "scenarios.init", false},
	} {
		name, closure := cleanFunc(tc.in)
		if name != tc.name || closure != tc.closure {
			t.Errorf("cleanFunc(%q) = %q, %v; want %q, %v", tc.in, name, closure, tc.name, tc.closure)
		}
	}
}
