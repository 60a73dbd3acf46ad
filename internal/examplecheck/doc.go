// Package examplecheck holds the test that builds and tests the example
// module (example/, a module of its own that models a filesystem and a
// patch outside dcsim) against this module's source, so that what the
// built-in models do stays possible through the public API alone: an
// outside module cannot import dcsim's internal packages or unexported
// names.
package examplecheck
