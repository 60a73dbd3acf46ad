package scenarios

import (
	"embed"
	"io/fs"
	"path"
	"sync"
)

// The catalog's scenario files (docs/scenarios.md), compiled in.
//
//go:embed catalog/*.dcs
var catalogFiles embed.FS

// catalogErrs are the errors of registering the embedded files: a broken
// file fails TestCatalogFiles instead of panicking at init.
var catalogErrs []error

var catalogOnce sync.Once

// loadCatalog registers the embedded files, once, on the first look at
// the registry: after every Go scenario's init, so that a file reusing a
// Go scenario's name is a reported error, not a panic.
func loadCatalog() {
	catalogOnce.Do(func() {
		for _, err := range addFiles(catalogFiles) {
			catalogErrs = append(catalogErrs, err)
		}
	})
}

// addFiles registers every scenario file in fsys's catalog directory.
func addFiles(fsys fs.FS) []error {
	var errs []error
	names, _ := fs.Glob(fsys, "catalog/*"+FileExt)
	for _, name := range names {
		data, _ := fs.ReadFile(fsys, name)
		scs, err := ParseFile(path.Join("scenarios", name), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range scs {
			if err := add(s); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// CatalogErrors are the errors of the embedded scenario files: parse
// errors (FILE:LINE:COL) and names registered twice. The catalog's
// tests require none.
func CatalogErrors() []error {
	loadCatalog()
	return catalogErrs
}
