module github.com/dcsim/dcsim

go 1.26

require (
	github.com/cockroachdb/datadriven v1.0.3
	github.com/google/go-cmp v0.7.0
	go.uber.org/goleak v1.3.0
	pgregory.net/rapid v1.3.0
)

require (
	github.com/hanwen/go-fuse/v2 v2.12.1
	golang.org/x/sys v0.43.0
)

require github.com/pmezard/go-difflib v1.0.0 // indirect
