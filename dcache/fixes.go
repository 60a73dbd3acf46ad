package dcache

// Fixes selects fixed variants of posted v3 code in which a checker found
// a bug (docs/findings.md). They are not kernel code: each is the smallest
// change that makes the finding's scenarios explore clean, kept beside the
// posted version, which stays as posted.
type Fixes uint32

const (
	// FixAddCIRelock: v3 08/19's d_add_ci retakes the parent's lock on
	// its early returns too, so that it always returns as it was called.
	FixAddCIRelock Fixes = 1 << iota
	// FixAddPublishLast: v3 02/19's __d_add hashes the dentry after
	// d_set_d_op and __d_instantiate, as mainline does, instead of before
	// them (skipping the hash when it is already hashed).
	FixAddPublishLast
	// FixShmemWhiteout: v3 12/19's shmem_whiteout tests d_duplicate's
	// result with IS_ERR and ends the twin's in-lookup state before
	// shmem_mknod instantiates it (used by fsmodels/shmem).
	FixShmemWhiteout
)

// Has reports whether fix f is selected.
func (f Fixes) Has(x Fixes) bool { return f&x != 0 }
