package dcache

import (
	"strings"

	"github.com/dcsim/dcsim/sim"
)

// DSameName is d_same_name (fs/dcache.c, v6.18): does dentry's name equal
// name, under the parent's ->d_compare if it has one?
func DSameName(t *sim.Task, dentry, parent *Dentry, name *Qstr) bool {
	if parent.DFlags&DCACHE_OP_COMPARE == 0 {
		return dentry.DName.Name == name.Name
	}
	return parent.DOp.DCompare(t, dentry, dentry.DName.Len(), dentry.DName.Name, name) == 0
}

// DLookupRCU is __d_lookup_rcu (fs/dcache.c, v6.18), with its
// __d_lookup_rcu_op_compare variant: a lockless walk of the hash chain.
// The caller holds rcu_read_lock and must validate the result with
// d_seq against *seqp; no reference is taken. It may miss a dentry that a
// rename is moving (a false negative).
func DLookupRCU(t *sim.Task, parent *Dentry, name *Qstr, seqp *uint32) *Dentry {
	b := parent.c.dHash(name.Hash)
	chain := b.chain // rcu_dereference of the chain head
	opCompare := parent.DFlags&DCACHE_OP_COMPARE != 0
	for _, dentry := range chain {
	seqretry:
		seq := dentry.DSeq.RawBegin(t)
		t.Read(&dentry.Object, "d_parent,d_hash,d_name")
		if dentry.DParent != parent || !dentry.hashed {
			continue
		}
		if opCompare {
			if dentry.DName.Hash != name.Hash {
				continue
			}
			tname := dentry.DName
			// We want a consistent (name, len) pair.
			if dentry.DSeq.Retry(t, seq) {
				t.CPURelax()
				goto seqretry
			}
			if parent.DOp.DCompare(t, dentry, tname.Len(), tname.Name, name) != 0 {
				continue
			}
		} else if dentry.DName.Hash != name.Hash || dentry.DName.Name != name.Name {
			continue
		}
		*seqp = seq
		return dentry
	}
	return nil
}

// DLookupLocked is __d_lookup (fs/dcache.c, v6.18): the ref-walk chain
// search, matching under each candidate's d_lock and taking a reference.
// It may give a false negative during a rename.
func DLookupLocked(t *sim.Task, parent *Dentry, name *Qstr) *Dentry {
	b := parent.c.dHash(name.Hash)
	var found *Dentry
	sim.RCUReadLock(t)
	for _, dentry := range b.chain {
		t.Read(&dentry.Object, "d_name.hash")
		if dentry.DName.Hash != name.Hash {
			continue
		}
		dentry.DLock().Lock(t)
		if dentry.DParent != parent || !dentry.hashed || !DSameName(t, dentry, parent, name) {
			dentry.DLock().Unlock(t)
			continue
		}
		DgetDlock(t, dentry)
		found = dentry
		dentry.DLock().Unlock(t)
		break
	}
	sim.RCUReadUnlock(t)
	return found
}

// DLookup is d_lookup (fs/dcache.c, v6.18): __d_lookup retried while a
// rename may have hidden the name. A counted reference or NULL.
func DLookup(t *sim.Task, parent *Dentry, name *Qstr) *Dentry {
	c := parent.c
	for {
		seq := c.RenameLock.ReadSeqBegin(t)
		dentry := DLookupLocked(t, parent, name)
		if dentry != nil {
			return dentry
		}
		if !c.RenameLock.ReadSeqRetry(t, seq) {
			return nil
		}
	}
}

// DHashAndLookup is d_hash_and_lookup (fs/dcache.c, v6.18): hash the name
// (with ->d_hash if the directory has one) and look it up. NULL on a
// miss, ERR_PTR when ->d_hash rejects the name.
func DHashAndLookup(t *sim.Task, dir *Dentry, name *Qstr) *Dentry {
	name.Hash = FullNameHash(dir, name.Name)
	if dir.DFlags&DCACHE_OP_HASH != 0 {
		if err := dir.DOp.DHash(t, dir, name); err < 0 {
			return sim.ErrPtr[Dentry](sim.Errno(-err))
		}
	}
	return DLookup(t, dir, name)
}

// LookupNopermCommon is lookup_noperm_common (fs/namei.c, v6.19): hash the
// name and reject ".", "..", empty names and names with '/' or NUL.
func LookupNopermCommon(t *sim.Task, q *Qstr, base *Dentry) int {
	q.Hash = FullNameHash(base, q.Name)
	if q.Name == "" || q.Name == "." || q.Name == ".." || strings.ContainsAny(q.Name, "/\x00") {
		return -int(sim.EACCES)
	}
	if base.DFlags&DCACHE_OP_HASH != 0 {
		if err := base.DOp.DHash(t, base, q); err < 0 {
			return err
		}
	}
	return 0
}

// TryLookupNoperm is try_lookup_noperm (fs/namei.c, v6.19): a dcache-only
// lookup needing just a counted reference on base. No ->d_revalidate.
// NULL on a miss, ERR_PTR on a bad name.
func TryLookupNoperm(t *sim.Task, name *Qstr, base *Dentry) *Dentry {
	if err := LookupNopermCommon(t, name, base); err != 0 {
		return sim.ErrPtr[Dentry](sim.Errno(-err))
	}
	return DLookup(t, base, name)
}

// DReallyIsNegative is d_really_is_negative (include/linux/dcache.h): no
// inode, read locklessly.
func DReallyIsNegative(t *sim.Task, d *Dentry) bool {
	t.Read(&d.Object, "d_inode")
	return d.DInode == nil
}

// DReallyIsPositive is d_really_is_positive.
func DReallyIsPositive(t *sim.Task, d *Dentry) bool { return !DReallyIsNegative(t, d) }
