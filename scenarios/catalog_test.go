package scenarios

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestCatalogFiles: every embedded scenario file parses and registers.
func TestCatalogFiles(t *testing.T) {
	for _, err := range CatalogErrors() {
		t.Error(err)
	}
	n := 0
	for _, s := range All() {
		if strings.HasPrefix(s.Source, "scenarios/catalog/") {
			n++
		}
	}
	if n < 6 {
		t.Errorf("%d scenarios come from catalog files, want at least 6", n)
	}
}

// TestCatalogFileErrors: a broken file and a file that reuses a Go
// scenario's name are errors to report, not panics.
func TestCatalogFileErrors(t *testing.T) {
	errs := addFiles(fstest.MapFS{
		"catalog/broken.dcs": {Data: []byte("scenario x\ndoc d\ntask t\n  stat a\n")},
		"catalog/dup.dcs":    {Data: []byte("scenario demo/abba\ndoc d\ntask t\n  stat /a\n")},
	})
	if len(errs) != 2 {
		t.Fatalf("got %d errors, want 2: %v", len(errs), errs)
	}
	if got := errs[0].Error(); got != `scenarios/catalog/broken.dcs:4:8: path "a" is not absolute` {
		t.Errorf("broken file: %q", got)
	}
	if got := errs[1].Error(); !strings.Contains(got, "duplicate scenario demo/abba (go and scenarios/catalog/dup.dcs:1)") {
		t.Errorf("duplicate name: %q", got)
	}
}
