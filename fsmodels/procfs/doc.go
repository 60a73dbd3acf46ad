// Package procfs models the parts of procfs (fs/proc, the v3 series base
// 254f49634ee1, docs/versions.md) that prime the dcache from
// ->iterate_shared: a /proc/<pid>/fd directory (fs/proc/fd.c:
// proc_readfd_common, proc_lookupfd_common, proc_fd_instantiate,
// tid_fd_revalidate) whose entries appear and vanish as the simulated
// process opens and closes files, and a /proc/sys directory
// (fs/proc/proc_sysctl.c: proc_sys_readdir, proc_sys_fill_cache,
// proc_sys_lookup, proc_sys_revalidate) whose entries come and go as
// sysctl tables are registered and unregistered. Both fill the dcache
// from readdir through proc_fill_cache / proc_sys_fill_cache, which call
// d_alloc_parallel with the directory's i_rwsem held shared: procfs
// inode numbers are synthetic (get_next_ino at inode creation), so the
// d_ino that getdents reports is only the st_ino a later stat sees if
// readdir puts the inode it reports into the dcache.
//
// procfs has ->lookup but no ->create, ->mkdir, ->unlink or
// ->atomic_open, and its ->lookup fails a missing name with -ENOENT
// instead of hashing a negative dentry, so O_CREAT, mkdir and unlink take
// the VFS's refusal paths (-ENOENT for a missing name, -EEXIST for
// mkdir of an existing one, -EPERM for unlink of one).
//
// # Versions
//
// The d_alloc_parallel callers change with the run's patches: mainline
// passes an on-stack wait queue; v3 04/19 drops it. RFC 52/53 (the
// pdirops regime) takes d_alloc_parallel before the directory lock in
// the VFS, which inverts the order proc_fill_cache keeps (i_rwsem shared,
// then an in-lookup dentry). NeilBrown's procfs patch "procfs: drop
// parent lock for d_alloc_parallel() in iterate_shared()", posted in his
// reply <177737546960.1474915.10696166841821338403@noble.neil.brown.name>
// to Al Viro's <20260428022245.GU3518998@ZenIV> (getdents + fstat must
// agree on st_ino even when a lookup races the getdents), is the change
// ChangeDropLock; the review question is Al Viro's
// <20260501033715.GB3518998@ZenIV>. FixNoblockOrder is that patch with
// proc_fill_cache's -EWOULDBLOCK test moved ahead of its IS_ERR test (not
// kernel code).
//
// # Lock order
//
//	proc directory Inode.IRwsem      [i_rwsem, shared: iterate_dir, lookup_slow]
//	  in-lookup dentry               [d_alloc_parallel in proc_fill_cache]
//	    Process.fileLock             [files->file_lock; RCU for readers]
//	      (dcache locks)
//
// Under pdirops the VFS owns the in-lookup dentry before it takes the
// directory's i_rwsem, the reverse of the first two lines.
package procfs
