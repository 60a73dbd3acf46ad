package scenarios

import (
	"fmt"

	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// walkResult checks that a task's call ended with one of the results a
// kernel could give, reporting anything else (an -ECHILD leaking out of
// the walk, say) as a violation.
func walkResult(t *sim.Task, call, got string, ok ...string) {
	for _, o := range ok {
		if got == o {
			return
		}
	}
	t.Violation(sim.KindInvariant, "walk-result", fmt.Sprintf("%s = %s, want one of %q", call, got, ok), "")
}

// walkRace is the setup of a walk racing a namespace change on tmpfs:
// calls to make the tree, then a "walk" task making one call whose
// result must be one of ok, and a "change" task making the others.
func walkRace(tree []string, walk string, ok []string, change ...string) func(w *sim.World, v variant.Variant) {
	return func(w *sim.World, v variant.Variant) {
		s := fstest.Tmpfs(w, v).S
		w.Go("setup", func(t *sim.Task) {
			for _, c := range tree {
				vfstest.Exec(t, s, c)
			}
			t.Spawn("walk", func(t *sim.Task) { walkResult(t, walk, vfstest.Exec(t, s, walk), ok...) })
			t.Spawn("change", func(t *sim.Task) {
				for _, c := range change {
					vfstest.Exec(t, s, c)
				}
			})
		})
	}
}

func init() {
	Register(&Scenario{
		Name: "vfs/rcu-walk-vs-kill",
		Doc: "A stat of /d/e/f walks in RCU-walk, holding no reference on /d/e, while another task " +
			"unlinks /d/e/f and removes /d/e, whose last dput kills it (__dentry_kill, tmpfs's " +
			"DCACHE_DONTCACHE). The walk notices through d_seq or the dead lockref when it leaves " +
			"RCU-walk (try_to_unlazy at the lookup_fast miss, or complete_walk) and is redone in " +
			"ref-walk: the stat ends with the file or -ENOENT, and the killed dentry, freed after an " +
			"RCU grace period, is never touched after its free. With the restart switched off " +
			"(vfs mutant no-walk-restart) the -ECHILD reaches the caller.",
		Marks: []string{"path walk: -ECHILD, redo in ref mode", "try_to_unlazy: failed"},
		Cells: []Cell{
			{Variant: variant.BaseToday, Bound: 1},
			{Variant: variant.V3Today, Bound: 1},
			{Variant: variant.BaseToday.With(vfs.MutNoWalkRestart), Bound: 1, Expect: FindsRule(sim.KindInvariant, "walk-result")},
		},
		Setup: walkRace([]string{"mkdir /d", "mkdir /d/e", "mknod /d/e/f reg"},
			"stat /d/e/f", []string{"reg#4", "-ENOENT"}, "unlink /d/e/f", "rmdir /d/e"),
	})
	Register(&Scenario{
		Name: "vfs/rcu-walk-symlink-vs-rename",
		Doc: "A stat of /l/f follows the symlink /l -> /d in RCU-walk while another task renames " +
			"/d to /e. The symlink body is read from the inode's i_link and the walk restarts from " +
			"the root; the d_seq checks see the rename, and the stat ends with the file (before) " +
			"or -ENOENT (after), never with an -ECHILD or a stale dentry.",
		Cells: mainV3(1, 0),
		Setup: walkRace([]string{"mkdir /d", "mknod /d/f reg", "symlink /d /l"},
			"stat /l/f", []string{"reg#3", "-ENOENT"}, "rename /d /e"),
	})
}
