package scenarios

// The disk filesystem programs (fsmodels/diskfs): a disk whose
// namespace the dcache only caches, its dentries evicted by memory
// pressure and looked up again from disk, its per-directory lock (the
// folio lock in ext2 style, &f->sem in jffs2 style) taken inside
// ->lookup and ->iterate_shared under the directory's i_rwsem. Every run
// ends with the consistency oracle's check that each hashed dentry
// agrees with the disk (a hashed negative dentry for a name on disk is
// stale: rule oracle-stale-dentry), and each program checks its workers'
// results against the outcomes some order of the calls gives.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/fsmodels/diskfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
)

// diskProgram is a disk filesystem program: the disk's tree, setup
// calls, named workers running vfstest calls, and a check of their
// results by worker name ("" when right).
type diskProgram struct {
	style   diskfs.Style
	tree    fstest.Tree
	pre     []string
	workers map[string][]string
	check   func(res map[string]string) string
}

func (p diskProgram) setup(w *sim.World, v variant.Variant) {
	e := fstest.Disk(w, v, p.style, p.tree)
	res := map[string]string{}
	w.Go("setup", func(t *sim.Task) {
		execAll(t, e.S, p.pre)
		spawnWorkers(t, p.workers, func(t *sim.Task, lines []string) string { return execJoined(t, e.S, lines) }, res)
	})
	if p.check != nil {
		checkAtEnd(w, "disk-result", func() string { return p.check(res) }, "")
	}
}

// resultIn checks that worker name's result is one of want.
func resultIn(name string, want ...string) func(res map[string]string) string {
	return func(res map[string]string) string {
		if !slices.Contains(want, res[name]) {
			return fmt.Sprintf("%s returned %q, want one of %q", name, res[name], want)
		}
		return ""
	}
}

var diskTree = fstest.Tree{"d/", "d/a"}

var (
	// A stat of /d/a while the shrinker evicts the cached, unused /d/a
	// and another stat looks it up again from disk.
	diskLookupVsPressure = diskProgram{
		tree: diskTree, pre: []string{"stat /d/a"},
		workers: map[string][]string{
			"lookup1": {"stat /d/a"},
			"lookup2": {"stat /d/a"},
			"shrink":  {"pressure 100 /"},
		},
		check: checkAll(resultIn("lookup1", "reg#4"), resultIn("lookup2", "reg#4")),
	}
	// unlink of /d/a against stats of it with the shrinker running: a
	// stat is the file or -ENOENT; at the end the dcache agrees with the
	// disk (no stale positive or negative "a").
	diskUnlinkVsLookup = diskProgram{
		tree: diskTree, pre: []string{"stat /d/a"},
		workers: map[string][]string{
			"unlink": {"unlink /d/a"},
			"lookup": {"stat /d/a", "stat /d/a"},
			"shrink": {"pressure 100 /"},
		},
		check: checkAll(resultIn("unlink", "0"), resultIn("lookup", "reg#4 reg#4", "reg#4 -ENOENT", "-ENOENT -ENOENT")),
	}
	// Two exclusive creates of one name: exactly one succeeds.
	diskExclCreate = diskProgram{
		tree: diskTree, pre: []string{"stat /d"},
		workers: map[string][]string{
			"c1": {"open /d/n creat|excl|wronly", "close $"},
			"c2": {"open /d/n creat|excl|wronly", "close $"},
		},
		check: func(res map[string]string) string {
			ok := func(r string) bool { return strings.HasPrefix(r, "fd") }
			if ok(res["c1"]) == ok(res["c2"]) {
				return fmt.Sprintf("O_EXCL creates returned %q and %q: want exactly one success", res["c1"], res["c2"])
			}
			return ""
		},
	}
	// rename /d/a /d/b against stats of both names (the old one cached,
	// evicted by the shrinker): some order of the calls explains them.
	diskRenameVsLookup = diskProgram{
		tree: diskTree, pre: []string{"stat /d/a", "stat /d/b"},
		workers: map[string][]string{
			"rename": {"rename /d/a /d/b"},
			"lookup": {"stat /d/a", "stat /d/b"},
			"shrink": {"pressure 100 /"},
		},
		check: checkAll(resultIn("rename", "0"),
			resultIn("lookup", "reg#4 -ENOENT", "reg#4 reg#4", "-ENOENT reg#4")),
	}
	// jffs2: getdents holds f->sem across every dir_emit while a create
	// adds an entry under the same f->sem; the listing has "a", and "n"
	// or not.
	diskReaddirVsCreate = diskProgram{
		style: diskfs.Jffs2, tree: diskTree, pre: []string{"stat /d"},
		workers: map[string][]string{
			"readdir": {"ls /d"},
			"create":  {"open /d/n creat|wronly", "close $", "stat /d/n"},
		},
		check: checkAll(resultIn("readdir", "a:reg", "a:reg,n:reg"), resultIn("create", "fd0 0 reg#5", "fd1 0 reg#5")),
	}
)

// diskCells: the whole series with every fix, both regimes, explored
// to one preemption (mainline runs the same diskfs code; its VFS
// differences are the tmpfs matrix's).
func diskCells(want map[string]Expect) []Cell {
	return ovlCells(1, []string{"v3+fix"}, want)
}

func init() {
	Register(&Scenario{
		Name:  "diskfs/lookup-vs-pressure",
		Doc:   "ext2-style disk filesystem: two stats of /d/a while the shrinker evicts its dentry; the second lookup reads it from disk again",
		Marks: []string{"diskfs: ->lookup reads the disk"},
		Cells: diskCells(nil),
		Setup: diskLookupVsPressure.setup,
	})
	Register(&Scenario{
		Name:  "diskfs/unlink-vs-lookup",
		Doc:   "ext2-style: unlink of /d/a against two stats of it and the shrinker; the dcache agrees with the disk at the end",
		Cells: diskCells(nil),
		Setup: diskUnlinkVsLookup.setup,
	})
	Register(&Scenario{
		Name:  "diskfs/excl-create",
		Doc:   "ext2-style: two open(O_CREAT|O_EXCL) of one name; exactly one creates it",
		Cells: diskCells(nil),
		Setup: diskExclCreate.setup,
	})
	Register(&Scenario{
		Name:  "diskfs/rename-vs-lookup",
		Doc:   "ext2-style: rename /d/a /d/b against stats of both names while the shrinker evicts the cached ones",
		Cells: diskCells(nil),
		Setup: diskRenameVsLookup.setup,
	})
	Register(&Scenario{
		Name:  "diskfs/jffs2-readdir-vs-create",
		Doc:   "jffs2-style: getdents of /d holds &f->sem across dir_emit while a create adds an entry under it",
		Cells: diskCells(nil),
		Setup: diskReaddirVsCreate.setup,
	})
}
