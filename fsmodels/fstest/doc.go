// Package fstest is the shared harness for programs that run on the
// filesystem models: a tmpfs namespace (Tmpfs) and an overlay over two
// tmpfs layers (Overlay), each with the end-of-run checks every such run
// wants registered: the dcache invariants, the leak walker and the umount
// check (UmountCheck, rule R39). The scenario catalog, the tests of vfs,
// shmem and ovl, and a user's own programs build their worlds from it;
// syscalls are driven with vfs/vfstest.
package fstest
