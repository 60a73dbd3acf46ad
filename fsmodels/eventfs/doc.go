// Package eventfs models the lookup side of tracefs's eventfs
// (fs/tracefs/event_inode.c), a virtual filesystem whose files are
// made up on ->lookup from a table of entries, in two versions chosen per
// run:
//
//   - as it stood in v6.8-rc2, the code the v6.8-rc3 series removed
//     ("tracefs: dentry lookup crapectomy", "eventfs: Get rid of dentry
//     pointers without refcounts"): the eventfs_inode caches the
//     dentries it made (ei->d_children[]) without a reference, reuses a
//     cached one on the next lookup (dget), and forgets it when the
//     dentry's inode is dropped (tracefs_dentry_iput ->
//     eventfs_set_ei_status_free);
//   - with ChangeGetEi, as v6.8 has it: no dentry pointers at all; each
//     dentry's d_fsdata holds a counted reference on its eventfs_inode
//     (get_ei at lookup), which ->d_release drops (eventfs_d_release ->
//     put_ei).
//
// Linus Torvalds explained on 28 Jan 2024 in the thread "[PATCH] eventfs:
// Have inodes have unique inode numbers" (Message-ID
// <CAHk-=whKJ6dzQJX27gvL4Xug5bFRKW7_Cx4XpngMKmWxOtb+Qg@mail.gmail.com>)
// why the first cannot work: memory pressure prunes an unused dentry d1
// and unhashes it, a new lookup of the same name makes d2, and only then
// does the filesystem hear of d1's end (->d_release or ->d_iput run after
// lockref_mark_dead and __d_drop). A cache keyed on the name still holds
// d1 when the lookup of d2 asks it, and hands out a dentry that is dead.
// Refcounting d_fsdata has no such window. The catalog's
// eventfs/lookup-vs-prune shows both.
//
// Divergence: only the events directory and its file entries are
// modeled, and the events directory is the root of the superblock:
// eventfs_create_events_dir under a tracefs root, child directories
// (eventfs_create_dir, create_dir_dentry), eventfs_remove_dir, SRCU,
// readdir and the entry callbacks' data are not. The eventfs_inode lives
// for the whole run.
//
// Lock order: the VFS holds the directory's i_rwsem (shared) around
// ->lookup, which takes eventfs_mutex; ->d_iput takes eventfs_mutex with
// no dcache lock held.
package eventfs
