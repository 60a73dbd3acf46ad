package dcache

import (
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

func allocDentryObject(w *sim.World, t *sim.Task, d *Dentry) {
	if t == nil {
		w.Alloc(&d.Object, "dentry")
	} else {
		t.Alloc(&d.Object, "dentry")
	}
}

// initDentry sets the fields __d_alloc sets after the allocation.
func initDentry(d *Dentry, sb *SuperBlock, name *Qstr) {
	d.c = sb.c
	d.DName = *name
	d.SetName(name.Name)
	d.DFlags = 0
	d.DLockref.Init(&d.Object, "d_lock", dLockClass, 1) // lockref_init: count 1, the caller's
	d.DSeq.InitLocked(&d.Object, "d_seq", d.DLock())    // seqcount_spinlock_init(&dentry->d_seq, &dentry->d_lock)
	d.DInode = nil
	d.DParent = d
	d.DSb = sb
	d.DOp = sb.SDOp
	d.DFlags = sb.SDFlags
	d.DFsdata = nil
	d.lookupMap.Init(&d.Object, "in-lookup", sb.Type.inLookupClass)
}

// DAllocInternal is __d_alloc (fs/dcache.c, v6.18): a new, unhashed,
// negative dentry that is its own parent, with one reference. NULL when
// the allocation (or the external name's) fails or ->d_init refuses.
func DAllocInternal(t *sim.Task, sb *SuperBlock, name *Qstr) *Dentry {
	if t.Fault("__d_alloc: kmem_cache_alloc_lru") {
		return nil
	}
	d := dentryPool.New(sb.c.W)
	allocDentryObject(sb.c.W, t, d)
	if name == nil {
		name = &Qstr{Name: "/"} // slash_name: anonymous dentries
	} else if name.Len() > dnameInlineLen-1 {
		if t.Fault("__d_alloc: kmalloc external_name") {
			t.Free(&d.Object)
			return nil
		}
	}
	initDentry(d, sb, name)
	if d.DOp != nil && d.DOp.DInit != nil {
		if err := d.DOp.DInit(t, d); err != 0 {
			t.Free(&d.Object)
			return nil
		}
	}
	return d
}

// DAlloc is d_alloc (fs/dcache.c, v6.18): a new dentry child of parent,
// unhashed and negative, pinning its parent. NULL on allocation failure.
// It gives no protection against a concurrent creation of the same name.
func DAlloc(t *sim.Task, parent *Dentry, name *Qstr) *Dentry {
	d := DAllocInternal(t, parent.DSb, name)
	if d == nil {
		return nil
	}
	parent.DLock().Lock(t)
	// d_alloc makes the child hold a reference on its parent (R24).
	if parent.c.On(MutNoParentDget) {
		d.DParent = parent
	} else {
		d.DParent = DgetDlock(t, parent)
	}
	addChild(t, parent, d)
	parent.DLock().Unlock(t)
	return d
}

// addChild is hlist_add_head(&d->d_sib, &parent->d_children); the caller
// holds parent's d_lock.
func addChild(t *sim.Task, parent, d *Dentry) {
	t.Write(&parent.Object, "d_children")
	parent.children = dentrySlices.Prepend(parent.c.W, d, parent.children)
	d.onParent = true
}

// DAllocAnon is d_alloc_anon (fs/dcache.c, v6.18): an IS_ROOT dentry named
// "/" with no parent.
func DAllocAnon(t *sim.Task, sb *SuperBlock) *Dentry { return DAllocInternal(t, sb, nil) }

// DAllocName is d_alloc_name (fs/dcache.c): mainline v6.18 hashes the name
// with the standard hash only; v3 03/19 applies the parent's ->d_hash too
// and returns NULL (with a WARN) when it fails. NULL also on ENOMEM.
func DAllocName(t *sim.Task, parent *Dentry, name string) *Dentry {
	q := Qstr{Name: name, Hash: FullNameHash(parent, name)}
	if parent.c.Has(variant.P03AllocNameHash) && parent.DFlags&DCACHE_OP_HASH != 0 {
		if err := parent.DOp.DHash(t, parent, &q); t.WarnOnOnce(err != 0, "d_alloc_name: ->d_hash failed") {
			return nil
		}
	}
	return DAlloc(t, parent, &q)
}

// DgetDlock is dget_dlock (include/linux/dcache.h, v6.18): take a
// reference with d_lock held.
func DgetDlock(t *sim.Task, d *Dentry) *Dentry {
	d.DLockref.SetCount(t, d.DLockref.Count()+1)
	return d
}

// Dget is dget (include/linux/dcache.h, v6.18): take another reference on
// a dentry the caller already holds one on. NULL passes through.
func Dget(t *sim.Task, d *Dentry) *Dentry {
	if d != nil {
		d.DLockref.Get(t)
	}
	return d
}
