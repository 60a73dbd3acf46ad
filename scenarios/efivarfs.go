package scenarios

import (
	"strings"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// efivarfs populated at mount through v3 11/19's d_alloc_name with its
// own ->d_hash (v3 03/19), and its variables created, removed and
// resynchronised (catalog/efivarfs-thaw.dcs) while other tasks look them up (docs/findings.md,
// "efivarfs").

// efiGUID is EFI_GLOBAL_VARIABLE_GUID as efi_guid_to_str writes it.
const efiGUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

// efiVar is the file name of variable name: "Name-GUID", the GUID lower
// case, or upper case with upper (the same file: efivarfs_d_compare
// folds the GUID).
func efiVar(name string, upper bool) string {
	g := efiGUID
	if upper {
		g = strings.ToUpper(g)
	}
	return name + "-" + g
}

// efivarfsProgram mounts efivarfs over a firmware holding vars (the
// setup task populates the root), then runs each racer. (The thaw race
// is the scenario file catalog/efivarfs-thaw.dcs.)
func efivarfsProgram(vars []string, racers ...racer) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		e := fstest.Efivarfs(w, v, vars...)
		w.Go("setup", func(t *sim.Task) {
			if e.FS.Mount(t) != 0 {
				return
			}
			for _, r := range racers {
				t.Spawn(r.name, func(t *sim.Task) {
					ss := vfstest.NewSession(e.S)
					for _, l := range r.calls {
						ss.Exec(t, l)
					}
				})
			}
		})
	}
}

// The variants efivarfs's population differs in: the base
// (efivarfs_alloc_dentry), 03/19 alone (d_alloc_name hashes with ->d_hash,
// efivarfs does not use it yet), 11/19 alone (d_alloc_name without
// ->d_hash) and the series (both).
var (
	efiP03 = variant.BaseToday.WithPatch(variant.P03AllocNameHash)
	efiP11 = variant.BaseToday.WithPatch(variant.P11EfivarfsAllocName)
)

// efiCells are the variants of efivarfs's population in both regimes,
// with expect's expectation (nil: clean).
func efiCells(vs []variant.Variant, expect func(v variant.Variant) Expect) []Cell {
	return capBudget(regimeCells(vs, 0, expect))
}

func init() {
	boot := efiVar("Boot0000", false)
	Register(&Scenario{
		Name: "efivarfs/mount-then-stat",
		Doc: "efivarfs mounted over one firmware variable, then stat of it with its GUID in upper " +
			"case. The base hashes the populated dentry with efivarfs_d_hash (efivarfs_alloc_dentry); " +
			"v3 11/19 calls d_alloc_name, which hashes with ->d_hash only with v3 03/19. 11/19 without " +
			"03/19 hashes the dentry with the plain string hash: lookups miss it, and lookup_slow's " +
			"in-lookup dentry sits beside the hashed one (R3): 11/19 depends on 03/19.",
		Cells: efiCells([]variant.Variant{variant.BaseToday, efiP03, efiP11, variant.V3Today}, func(v variant.Variant) Expect {
			if v.Has(variant.P11EfivarfsAllocName) && !v.Has(variant.P03AllocNameHash) {
				return FindsRule(sim.KindInvariant, "R3")
			}
			return Clean
		}),
		Setup: efivarfsProgram([]string{boot},
			racer{"stat", []string{"stat " + "/" + efiVar("Boot0000", true)}}),
	})
	Register(&Scenario{
		Name: "efivarfs/mount-enomem",
		Doc: "efivarfs/mount-then-stat with an allocation failure injected at each fallible step of " +
			"the mount's population (new_inode, __d_alloc): efivarfs_create_dentry's error paths " +
			"(fail_inode: iput) through efivarfs_alloc_dentry's ERR_PTR or d_alloc_name's NULL.",
		Config: sim.Config{Faults: true},
		Cells:  efiCells([]variant.Variant{variant.BaseToday, variant.V3Today}, nil),
		Setup: efivarfsProgram([]string{boot},
			racer{"stat", []string{"stat " + "/" + efiVar("Boot0000", true)}}),
	})
	Register(&Scenario{
		Name: "efivarfs/create-vs-stat",
		Doc: "After a mount with Boot0000, one task creates New (open O_CREAT: efivarfs_create's " +
			"d_make_persistent under the root's lock) while another stats it with its GUID in upper " +
			"case (simple_lookup hashes a negative dentry): the case-folded GUID makes both spellings " +
			"one dentry.",
		Cells: efiCells([]variant.Variant{variant.BaseToday, variant.V3Today}, nil),
		Setup: efivarfsProgram([]string{boot},
			racer{"creat", []string{"open /" + efiVar("New", false) + " creat", "close $"}},
			racer{"stat", []string{"stat /" + efiVar("New", true)}}),
	})
	Register(&Scenario{
		Name: "efivarfs/unlink-vs-stat",
		Doc: "After a mount with Boot0000 (populated through efivarfs_alloc_dentry, or d_alloc_name " +
			"from v3 11/19), one task unlinks it (efivar_entry_delete, simple_unlink) while another " +
			"stats it with its GUID in upper case.",
		Cells: efiCells([]variant.Variant{variant.BaseToday, variant.V3Today}, nil),
		Setup: efivarfsProgram([]string{boot},
			racer{"unlink", []string{"unlink /" + boot}},
			racer{"stat", []string{"stat /" + efiVar("Boot0000", true)}}),
	})
}
