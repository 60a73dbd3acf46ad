package oracle

import (
	"fmt"

	"github.com/dcsim/dcsim/sim"
)

// Rules of the consistency checks (the Rule of their reports).
const (
	RuleLookup      = "oracle-lookup"
	RuleExclCreate  = "oracle-excl-create"
	RuleStaleDentry = "oracle-stale-dentry"
	RuleDangling    = "oracle-dangling"
)

// CheckLookup checks the result of a lookup of (dir, name) that began
// at from and ends now: got (None for a negative result) must be an
// object the truth had under that name at some instant of the call.
// what names the call for the report ("stat /d/a", "open /d/a").
// It reports whether the result was consistent.
func (tr *Truth) CheckLookup(t *sim.Task, what string, dir Obj, name string, got Obj, from Stamp) bool {
	to := tr.Now()
	if tr.HadDuring(dir, name, got, from, to) {
		return true
	}
	t.Violation(sim.KindConsistency, RuleLookup,
		fmt.Sprintf("%s returned %s, which %s never had under %q during the call", what, tr.ObjString(got), tr.name, name),
		fmt.Sprintf("the call ran from step %d to step %d; at every instant of it %s named %s\n%s",
			from, to, tr.objDesc(dir), tr.listString(tr.During(dir, name, from, to)), tr.History(dir, name)))
	return false
}

// CheckExclCreate checks an exclusive create of (dir, name) that began
// at from and reported success now: the name must have been created
// during the call.
func (tr *Truth) CheckExclCreate(t *sim.Task, what string, dir Obj, name string, from Stamp) bool {
	to := tr.Now()
	if tr.CreatedDuring(dir, name, from, to) {
		return true
	}
	t.Violation(sim.KindConsistency, RuleExclCreate,
		fmt.Sprintf("%s reported success, but %s did not create %q during the call", what, tr.name, name),
		fmt.Sprintf("the call ran from step %d to step %d\n%s", from, to, tr.History(dir, name)))
	return false
}

func (tr *Truth) objDesc(dir Obj) string {
	return fmt.Sprintf("the name in directory %s", tr.ObjString(dir))
}

func (tr *Truth) listString(objs []Obj) string {
	s := ""
	for i, o := range objs {
		if i > 0 {
			s += " then "
		}
		s += tr.ObjString(o)
	}
	return s
}
