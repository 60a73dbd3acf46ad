// Package difftest runs the same syscall calls (package vfs/vfstest) on
// the running kernel and on the model, and compares them: each call's
// result and, at the end, the namespace (names, types, inode identity
// and link counts) and, for overlayfs, the upper layer (whiteouts,
// opaque and origin xattrs, copied-up files).
//
// The kernel side mounts a tmpfs (or two tmpfs layers and an overlay
// with xino=on, the model's configuration) in a private directory and
// resolves every path relative to the mount root. The model side runs
// every call as one task under the deterministic scheduler, on the base
// variant: differential tests referee the kernel as it is, not the posted
// series.
//
// Results are normalised so that only what the two sides can agree on
// is compared: a successful open is "fdK" with K its rank among the
// sequence's successful opens, and "close fdK" closes that one ("-EBADF"
// without a syscall if it was never opened or is closed already); an
// inode number is "#K" with K the order in which the sequence first saw
// it; ls lists sorted; a character device 0/0 is "wht" (a whiteout).
//
// Gen and GenLayers are rapid generators over a small name space (three
// names at the root, two beneath, and a root name only links create) so
// that calls collide.
package difftest
