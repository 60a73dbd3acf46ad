// Package fusekernel is the real-kernel check of the fuse model: the
// same namespace served on a real FUSE mount by a daemon written with
// github.com/hanwen/go-fuse/v2 and by the model's daemon, the same
// calls and FUSE_NOTIFY_INVAL_ENTRY on both, and what each kernel shows
// afterwards compared, in the style of fsmodels/difftest. The test
// needs root and /dev/fuse and skips with the reason otherwise. The
// package has only tests.
package fusekernel
