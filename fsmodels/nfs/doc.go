// Package nfs models the NFSv4 client's dcache side (fs/nfs/dir.c,
// fs/nfs/unlink.c and the parts of fs/nfs/nfs4proc.c and
// fs/nfs/nfs4file.c that touch dentries) as the series base of the v3
// lift-lookup series has it, with v3 13/19-19/19 selected per run by the
// variant's patches (variant.P13NfsAtomicOpen ... P19NfsRenameDuplicate),
// against a simulated server.
//
// # The server
//
// Server is not kernel code: a namespace of file handles with a change
// attribute per directory, and the history of every name (an
// oracle.Truth, the consistency oracle's feed: objects are handles).
// Other is its side of another client: the create, remove, rename and
// replace that scenario "server" lines make, in setup or as steps of a
// server-side task.
//
// # RPCs
//
// Every RPC (FS.rpc) is one step of the calling task at which the server
// does the operation: a scheduling point. The reply is the server's true
// answer unless the scenario lists alternatives for the procedure
// (Server.Perturb): then the decision log chooses among the true answer,
// a delayed one (everyone may run before the caller sees it), -ESTALE,
// -EIO or -ENOENT without the operation, and a fatal signal that ends
// the caller's wait after the server did it (-ERESTARTSYS). The REMOVE
// of a silly-renamed file runs on a task of its own (rpciod), which ends
// the in-lookup state of the silly name when it completes.
//
// # Lock order
//
// The VFS takes the parent's i_rwsem (package vfs); NFS takes only
// dentry and inode spinlocks beneath it, and waits for an unlink in
// progress (NFS_FSDATA_BLOCKED, wait_var_event) in ->d_revalidate. The
// attribute cache is always expired (as with actimeo=0): every
// revalidation asks the server, so every revalidated lookup must agree
// with it, which is what the oracle checks.
//
// Fixes (not kernel code) of the findings on the posted patches are
// FixNegOpen, FixNegCreate, FixSillyLookupError and FixRenameDuplicate;
// MutNoRevalidate and MutExclIgnored are mutants for the oracle's tests.
package nfs
