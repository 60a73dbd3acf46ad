package sim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dcsim/dcsim/sim"
)

// Lockdep self-tests in the manner of lib/locking-selftest.c: every case is
// a sequence of lock operations run by ONE task, in program order, with
// fresh lockdep state per case (the kernel's dotest resets the graph the
// same way; here each case is a new World). A FAILURE case must be reported
// by lockdep on that single sequential run: no second task, no
// interleaving and no deadlock are needed, which is the point of lockdep.
// A SUCCESS case must leave lockdep silent. Expected results are those
// lib/locking-selftest.c gives each case (its dotest() calls with
// FAILURE or SUCCESS).

// The self-test lock classes. X1 and X2 are two instances of class X (and
// likewise Y, Z); A, B, C and D are classes of their own.
var (
	ldClassX = sim.NewLockClass("X")
	ldClassY = sim.NewLockClass("Y")
	ldClassZ = sim.NewLockClass("Z")
	ldClassA = sim.NewLockClass("A")
	ldClassB = sim.NewLockClass("B")
	ldClassC = sim.NewLockClass("C")
	ldClassD = sim.NewLockClass("D")
)

// ldLock names one lock instance of the fixture.
type ldLock int

const (
	lX1 ldLock = iota
	lX2
	lY1
	lY2
	lZ1
	lZ2
	lA
	lB
	lC
	lD
	ldNumLocks
)

var (
	ldLockNames = [ldNumLocks]string{"X1", "X2", "Y1", "Y2", "Z1", "Z2", "A", "B", "C", "D"}
	ldClassOf   = [ldNumLocks]*sim.LockClass{ldClassX, ldClassX, ldClassY, ldClassY, ldClassZ, ldClassZ,
		ldClassA, ldClassB, ldClassC, ldClassD}
)

// ldFixture holds every self-test lock in each flavour. A case uses the
// flavours it needs; locks of one name share a class across flavours (a
// spinlock X1 and an rwlock X1 are the same lockdep node), which the mixed
// cases use to model one rwlock_t taken by a writer and by readers.
type ldFixture struct {
	sim.Object
	spin [ldNumLocks]sim.SpinLock // spin_lock / spin_lock_nested / spin_trylock
	sem  [ldNumLocks]sim.RWSem    // down_read (read 1) / down_write; also the "mutex" of the selftest
	rw   [ldNumLocks]sim.LockMap  // rwlock_t: read_lock as read 2 (recursive), write_lock as read 0
}

func newLDFixture(w *sim.World) *ldFixture {
	f := &ldFixture{}
	w.NewStatic(&f.Object, "selftest") // the first allocation: selftest#1
	for i := range ldNumLocks {
		n, c := ldLockNames[i], ldClassOf[i]
		f.spin[i].Init(&f.Object, "spin."+n, c)
		f.sem[i].Init(&f.Object, "rwsem."+n, c)
		f.rw[i].Init(&f.Object, "rwlock."+n, c)
	}
	return f
}

// ldCtx gives a case body the selftest's macro vocabulary.
type ldCtx struct {
	t *sim.Task
	f *ldFixture
}

// spin_lock, spin_unlock, spin_lock_nested, spin_trylock.
func (c ldCtx) L(l ldLock)                { c.f.spin[l].Lock(c.t) }
func (c ldCtx) U(l ldLock)                { c.f.spin[l].Unlock(c.t) }
func (c ldCtx) LN(l ldLock, subclass int) { c.f.spin[l].LockNested(c.t, subclass) }
func (c ldCtx) TL(l ldLock) {
	c.t.BugOn(!c.f.spin[l].TryLock(c.t), "!spin_trylock("+ldLockNames[l]+")")
}

// write_lock / read_lock (recursive, as with force_read_lock_recursive) on
// an rwlock_t, modeled by a lockdep map: lock_map_acquire and
// lock_map_acquire_read.
func (c ldCtx) WL(l ldLock) { c.f.rw[l].Acquire(c.t, false) }
func (c ldCtx) WU(l ldLock) { c.f.rw[l].Release(c.t) }
func (c ldCtx) RL(l ldLock) { c.f.rw[l].Acquire(c.t, true) }
func (c ldCtx) RU(l ldLock) { c.f.rw[l].Release(c.t) }

// down_write / up_write / down_read / up_read and the _nested forms.
func (c ldCtx) WSL(l ldLock)                { c.f.sem[l].DownWrite(c.t) }
func (c ldCtx) WSU(l ldLock)                { c.f.sem[l].UpWrite(c.t) }
func (c ldCtx) RSL(l ldLock)                { c.f.sem[l].DownRead(c.t) }
func (c ldCtx) RSU(l ldLock)                { c.f.sem[l].UpRead(c.t) }
func (c ldCtx) WSLN(l ldLock, subclass int) { c.f.sem[l].DownWriteNested(c.t, subclass) }
func (c ldCtx) RSLN(l ldLock, subclass int) { c.f.sem[l].DownReadNested(c.t, subclass) }
func (c ldCtx) WSTL(l ldLock) {
	c.t.BugOn(!c.f.sem[l].DownWriteTrylock(c.t), "!down_write_trylock("+ldLockNames[l]+")")
}

// ML/MU: the selftest's mutex. The runtime has no mutex; down_write is
// the same to lockdep (exclusive, read 0) and to might_sleep.
func (c ldCtx) ML(l ldLock) { c.WSL(l) }
func (c ldCtx) MU(l ldLock) { c.WSU(l) }

// ldWant is a case's expected verdict: the zero value is SUCCESS (lockdep
// silent); otherwise the exact rule and title of the lockdep report, and
// substrings its message must contain.
type ldWant struct {
	rule, title string
	msg         []string
}

var (
	ldSuccess   = ldWant{}
	ldRecursive = ldWant{rule: "recursive", title: "possible recursive locking detected"}
	ldCircular  = ldWant{rule: "circular", title: "possible circular locking dependency detected"}
	ldBadUnlock = ldWant{rule: "bad-unlock", title: "bad unlock balance detected!"}
)

func (w ldWant) with(msg ...string) ldWant {
	w.msg = append(append([]string(nil), w.msg...), msg...)
	return w
}

type ldCase struct {
	name string
	body func(c ldCtx)
	want ldWant
}

func ldProgram(name string, body func(c ldCtx)) sim.Program {
	return sim.Program{Name: "lockdep-selftest/" + name, Setup: func(w *sim.World) {
		f := newLDFixture(w)
		w.Go("selftest", func(t *sim.Task) { body(ldCtx{t, f}) })
	}}
}

// runLDCase runs one self-test case and checks its verdict.
func runLDCase(t *testing.T, tc ldCase) {
	t.Helper()
	prog := ldProgram(tc.name, tc.body)
	out := sim.Execute(prog, sim.Config{}, nil)
	if out.Err != nil {
		t.Fatalf("%s: input error: %v", tc.name, out.Err)
	}
	// One task: the scheduler never had a choice to make, so the run is
	// the program order and nothing else.
	if len(out.Decisions) != 0 {
		t.Fatalf("%s: a single-task run made %d scheduling decisions", tc.name, len(out.Decisions))
	}
	rep := out.Report
	if tc.want.rule == "" {
		if rep != nil {
			t.Fatalf("%s: want SUCCESS (lockdep silent), got:\n%s", tc.name, rep.Format())
		}
		return
	}
	if rep == nil {
		t.Fatalf("%s: want FAILURE [%s] %q, but the run was clean", tc.name, tc.want.rule, tc.want.title)
	}
	if rep.Kind != sim.KindLockdep || rep.Rule != tc.want.rule || rep.Title != tc.want.title {
		t.Fatalf("%s: want lockdep [%s] %q, got %s [%s] %q\n%s", tc.name, tc.want.rule, tc.want.title,
			rep.Kind, rep.Rule, rep.Title, rep.Format())
	}
	if rep.Task != 0 {
		t.Errorf("%s: reported by task %d, want the self-test task 0", tc.name, rep.Task)
	}
	for _, s := range tc.want.msg {
		if !strings.Contains(rep.Message, s) {
			t.Errorf("%s: message lacks %q:\n%s", tc.name, s, rep.Message)
		}
	}
	assertReplays(t, prog, sim.Config{}, rep)
}

// ldFlavour is one column of the selftest's DO_TESTCASE_6R tables: how
// LOCK and UNLOCK are spelled. The mutex column is the wsem column here.
type ldFlavour struct {
	name         string
	lock, unlock func(c ldCtx, l ldLock)
}

var ldFlavours = []ldFlavour{
	{"spin", ldCtx.L, ldCtx.U},
	{"wlock", ldCtx.WL, ldCtx.WU},
	{"rlock", ldCtx.RL, ldCtx.RU},
	{"wsem", ldCtx.WSL, ldCtx.WSU},
	{"rsem", ldCtx.RSL, ldCtx.RSU},
}

// ldFamily is one row: a body written with LOCK/UNLOCK, and the verdict
// per flavour.
type ldFamily struct {
	name string
	body func(lock, unlock func(ldLock))
	want map[string]ldWant
}

// ld6R is the usual verdict row: FAILURE for every flavour but the
// recursive read lock, whose reader-only cycles cannot deadlock.
func ld6R(fail ldWant) map[string]ldWant {
	return map[string]ldWant{"spin": fail, "wlock": fail, "rlock": ldSuccess, "wsem": fail, "rsem": fail}
}

func ldLU2(lock, unlock func(ldLock), a, b ldLock) {
	lock(a)
	lock(b)
	unlock(b)
	unlock(a)
}

var ldFamilies = []ldFamily{
	{"AA", func(lock, unlock func(ldLock)) {
		lock(lX1)
		lock(lX2)
		unlock(lX2)
		unlock(lX1)
	}, ld6R(ldRecursive.with("1 lock(s) held by T0 selftest:\n #0: (X){"))},
	{"ABBA", func(lock, unlock func(ldLock)) {
		ldLU2(lock, unlock, lA, lB)
		ldLU2(lock, unlock, lB, lA)
	}, ld6R(ldCircular.with(" *** DEADLOCK ***", "1 lock(s) held by T0 selftest:\n #0: (B){"))},
	{"ABBCCA", func(lock, unlock func(ldLock)) {
		ldLU2(lock, unlock, lA, lB)
		ldLU2(lock, unlock, lB, lC)
		ldLU2(lock, unlock, lC, lA)
	}, ld6R(ldCircular.with("Chain exists of:\n  A --> B --> C\n"))},
	{"ABCABC", func(lock, unlock func(ldLock)) {
		ldLU2(lock, unlock, lA, lB)
		ldLU2(lock, unlock, lC, lA)
		ldLU2(lock, unlock, lB, lC)
	}, ld6R(ldCircular.with("Chain exists of:\n  C --> A --> B\n"))},
	{"ABBCCDDA", func(lock, unlock func(ldLock)) {
		ldLU2(lock, unlock, lA, lB)
		ldLU2(lock, unlock, lB, lC)
		ldLU2(lock, unlock, lC, lD)
		ldLU2(lock, unlock, lD, lA)
	}, ld6R(ldCircular.with("Chain exists of:\n  A --> B --> C --> D\n"))},
	{"ABCDBDDA", func(lock, unlock func(ldLock)) {
		ldLU2(lock, unlock, lA, lB)
		ldLU2(lock, unlock, lC, lD)
		ldLU2(lock, unlock, lB, lD)
		ldLU2(lock, unlock, lD, lA)
	}, ld6R(ldCircular.with("Chain exists of:\n  A --> B --> D\n"))},
	{"ABCDBCDA", func(lock, unlock func(ldLock)) {
		ldLU2(lock, unlock, lA, lB)
		ldLU2(lock, unlock, lC, lD)
		ldLU2(lock, unlock, lB, lC)
		ldLU2(lock, unlock, lD, lA)
	}, ld6R(ldCircular.with("Chain exists of:\n  A --> B --> C --> D\n"))},
	{"double_unlock", func(lock, unlock func(ldLock)) {
		lock(lA)
		unlock(lA)
		unlock(lA)
	}, map[string]ldWant{
		"spin":  ldBadUnlock.with("no more locks to release"),
		"wlock": ldBadUnlock,
		"rlock": ldBadUnlock,
		// The rwsem reports the imbalance itself, naming the operation.
		"wsem": {rule: "unbalanced-up_write", title: "bad unlock balance: up_write(selftest#1.rwsem.A) while not held"},
		"rsem": {rule: "unbalanced-up_read", title: "bad unlock balance: up_read(selftest#1.rwsem.A) while not held"},
	}},
	// Not in the kernel's table: lockdep does not require LIFO release.
	{"unlock_out_of_order", func(lock, unlock func(ldLock)) {
		lock(lA)
		lock(lB)
		unlock(lA)
		unlock(lB)
		ldLU2(lock, unlock, lA, lB)
	}, map[string]ldWant{"spin": ldSuccess, "wlock": ldSuccess, "rlock": ldSuccess, "wsem": ldSuccess, "rsem": ldSuccess}},
}

// TestLockdepSelftestTable is DO_TESTCASE_6R over the generic families:
// AA, ABBA, the longer cycles and double_unlock, for every flavour.
func TestLockdepSelftestTable(t *testing.T) {
	for _, fam := range ldFamilies {
		for _, fl := range ldFlavours {
			want, ok := fam.want[fl.name]
			if !ok {
				t.Fatalf("%s: no verdict for %s", fam.name, fl.name)
			}
			name := fam.name + "_" + fl.name
			t.Run(name, func(t *testing.T) {
				runLDCase(t, ldCase{name: name, want: want, body: func(c ldCtx) {
					fam.body(func(l ldLock) { fl.lock(c, l) }, func(l ldLock) { fl.unlock(c, l) })
				}})
			})
		}
	}
}

// TestLockdepSelftestReadLocks is the recursive/mixed read table: rlock
// (read 2) against rsem/rwsem (read 1, never recursive).
func TestLockdepSelftestReadLocks(t *testing.T) {
	cases := []ldCase{
		// "recursive read-lock"
		{"rlock_AA1", func(c ldCtx) { c.RL(lX1); c.RL(lX1); c.RU(lX1); c.RU(lX1) }, ldSuccess},
		{"rsem_AA1", func(c ldCtx) { c.RSL(lX1); c.RSL(lX1); c.RSU(lX1); c.RSU(lX1) },
			ldRecursive.with("rlock(X);\n  rlock(X);", "May be due to missing lock nesting notation")},
		// "recursive read-lock #2"
		{"rlock_AA1B", func(c ldCtx) { c.RL(lX1); c.RL(lX2); c.RU(lX2); c.RU(lX1) }, ldSuccess},
		{"rsem_AA1B", func(c ldCtx) { c.RSL(lX1); c.RSL(lX2); c.RSU(lX2); c.RSU(lX1) }, ldRecursive},
		// "mixed read-write-lock"
		{"rlock_AA2", func(c ldCtx) { c.RL(lX1); c.WL(lX2); c.WU(lX2); c.RU(lX1) }, ldRecursive},
		{"rsem_AA2", func(c ldCtx) { c.RSL(lX1); c.WSL(lX2); c.WSU(lX2); c.RSU(lX1) }, ldRecursive},
		// "mixed write-read-lock"
		{"rlock_AA3", func(c ldCtx) { c.WL(lX1); c.RL(lX2); c.RU(lX2); c.WU(lX1) }, ldRecursive},
		{"rsem_AA3", func(c ldCtx) { c.WSL(lX1); c.RSL(lX2); c.RSU(lX2); c.WSU(lX1) }, ldRecursive},

		// "mixed read-lock/lock-write ABBA": X-(SN)->Y, then Y->X with X a writer.
		{"rlock_ABBA1", func(c ldCtx) {
			c.RL(lX1)
			c.L(lY1)
			c.U(lY1)
			c.RU(lX1)

			c.L(lY1)
			c.WL(lX1)
			c.WU(lX1)
			c.U(lY1)
		}, ldCircular},
		{"rwsem_ABBA1", func(c ldCtx) {
			c.RSL(lX1)
			c.ML(lY1)
			c.MU(lY1)
			c.RSU(lX1)

			c.ML(lY1)
			c.WSL(lX1)
			c.WSU(lX1)
			c.MU(lY1)
		}, ldCircular},
		// "mixed read-lock/lock-read ABBA": the recursive reader X entered
		// from Y cannot leave over X's SN edge, so no strong cycle; the
		// rwsem reader (read 1) can.
		{"rlock_ABBA2", func(c ldCtx) {
			c.RL(lX1)
			c.L(lY1)
			c.U(lY1)
			c.RU(lX1)

			c.L(lY1)
			c.RL(lX1)
			c.RU(lX1)
			c.U(lY1)
		}, ldSuccess},
		{"rwsem_ABBA2", func(c ldCtx) {
			c.RSL(lX1)
			c.ML(lY1)
			c.MU(lY1)
			c.RSU(lX1)

			c.ML(lY1)
			c.RSL(lX1)
			c.RSU(lX1)
			c.MU(lY1)
		}, ldCircular.with("rlock(X)", "lock(Y)")},
		// "mixed write-lock/lock-write ABBA"
		{"rlock_ABBA3", func(c ldCtx) {
			c.WL(lX1)
			c.L(lY1)
			c.U(lY1)
			c.WU(lX1)

			c.L(lY1)
			c.WL(lX1)
			c.WU(lX1)
			c.U(lY1)
		}, ldCircular},
		{"rwsem_ABBA3", func(c ldCtx) {
			c.WSL(lX1)
			c.ML(lY1)
			c.MU(lY1)
			c.WSU(lX1)

			c.ML(lY1)
			c.WSL(lX1)
			c.WSU(lX1)
			c.MU(lY1)
		}, ldCircular},
		// "chain cached mixed R-L/L-W ABBA": the silent [Y, RL X] does not
		// hide the later [Y, WL X], which differs only in X's read value.
		{"rlock_chaincache_ABBA1", func(c ldCtx) {
			c.RL(lX1)
			c.L(lY1)
			c.U(lY1)
			c.RU(lX1)

			c.L(lY1)
			c.RL(lX1)
			c.RU(lX1)
			c.U(lY1)

			c.L(lY1)
			c.WL(lX1)
			c.WU(lX1)
			c.U(lY1)
		}, ldCircular},

		// rwsem readers are not recursive: two down_read orders are an
		// ABBA (SN edges both ways: each reader can be stuck behind a
		// queued writer of the other lock).
		{"rsem_read_read_ABBA", func(c ldCtx) {
			c.RSL(lA)
			c.RSL(lB)
			c.RSU(lB)
			c.RSU(lA)

			c.RSL(lB)
			c.RSL(lA)
			c.RSU(lA)
			c.RSU(lB)
		}, ldCircular.with("rlock(A)", "rlock(B)")},
		// ... while recursive readers in both orders are fine.
		{"rlock_read_read_ABBA", func(c ldCtx) {
			c.RL(lA)
			c.RL(lB)
			c.RU(lB)
			c.RU(lA)

			c.RL(lB)
			c.RL(lA)
			c.RU(lA)
			c.RU(lB)
		}, ldSuccess},

		// downgrade_write turns the held entry into a reader (read 1).
		{"rsem_downgrade_then_up_read", func(c ldCtx) {
			c.WSL(lA)
			c.f.sem[lA].DowngradeWrite(c.t)
			c.f.sem[lA].LockdepAssertHeldRead(c.t)
			c.RSU(lA)
		}, ldSuccess},
		{"rsem_downgrade_then_down_read", func(c ldCtx) {
			c.WSL(lA)
			c.f.sem[lA].DowngradeWrite(c.t)
			c.RSL(lA)
		}, ldRecursive.with("rlock(A);\n  rlock(A);")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runLDCase(t, tc) })
	}
}

// TestLockdepSelftestThreeLockReads is the three-lock recursive-read
// table, each body run in all six orders of its three sequences. The
// writers are write_lock (lock_map_acquire) in the main rows; the _spin
// row takes the writer side with a spinlock of the same class instead,
// which must not matter: lockdep works on classes, not instances.
func TestLockdepSelftestThreeLockReads(t *testing.T) {
	type seq func(c ldCtx)
	two := func(first, second func(c ldCtx, l ldLock), a, b ldLock, ufirst, usecond func(c ldCtx, l ldLock)) seq {
		return func(c ldCtx) {
			first(c, a)
			second(c, b)
			usecond(c, b)
			ufirst(c, a)
		}
	}
	W, WU, R, RU := ldCtx.WL, ldCtx.WU, ldCtx.RL, ldCtx.RU
	S, SU := ldCtx.L, ldCtx.U
	rows := []struct {
		name       string
		e1, e2, e3 seq
		want       ldWant
	}{
		// X-(ER)->Y-(ER)->Z-(ER)->X is a strong cycle.
		{"W1R2_W2R3_W3R1", two(W, R, lX1, lY1, WU, RU), two(W, R, lY1, lZ1, WU, RU), two(W, R, lZ1, lX1, WU, RU), ldCircular},
		// The same with spinlock writers.
		{"W1R2_W2R3_W3R1_spin", two(S, R, lX1, lY1, SU, RU), two(S, R, lY1, lZ1, SU, RU), two(S, R, lZ1, lX1, SU, RU), ldCircular},
		// X-(EN)->Y-(SR)->Z-(ER)->X is a strong cycle.
		{"W1W2_R2R3_W3R1", two(W, W, lX1, lY1, WU, WU), two(R, R, lY1, lZ1, RU, RU), two(W, R, lZ1, lX1, WU, RU), ldCircular},
		// X-(ER)->Y-(SR)->Z-(EN)->X enters Y as R and leaves it as S: not strong.
		{"W1W2_R2R3_R3W1", two(W, R, lX1, lY1, WU, RU), two(R, R, lY1, lZ1, RU, RU), two(W, W, lZ1, lX1, WU, WU), ldSuccess},
		// X-(EN)->Y-(SR)->Z-(SN)->X enters Z as R and leaves it as S: not strong.
		{"W1R2_R2R3_W3W1", two(W, W, lX1, lY1, WU, WU), two(R, R, lY1, lZ1, RU, RU), two(R, W, lZ1, lX1, RU, WU), ldSuccess},
	}
	perms := [][3]int{{1, 2, 3}, {1, 3, 2}, {2, 1, 3}, {2, 3, 1}, {3, 1, 2}, {3, 2, 1}}
	for _, row := range rows {
		es := [4]seq{nil, row.e1, row.e2, row.e3}
		for _, p := range perms {
			name := fmt.Sprintf("rlock_%s_%d%d%d", row.name, p[0], p[1], p[2])
			t.Run(name, func(t *testing.T) {
				runLDCase(t, ldCase{name: name, want: row.want, body: func(c ldCtx) {
					for _, i := range p {
						es[i](c)
					}
				}})
			})
		}
	}
}

// TestLockdepSubclasses: lock_class_key plus subclass is the lockdep
// node, so X then X/1 is an ordinary ordered pair and X/1 then X later is
// an ABBA.
func TestLockdepSubclasses(t *testing.T) {
	cases := []ldCase{
		{"wsem_nested_X0_X1", func(c ldCtx) {
			c.WSLN(lX1, 0)
			c.WSLN(lX2, 1)
			c.WSU(lX2)
			c.WSU(lX1)
		}, ldSuccess},
		{"wsem_nested_X1_X0_after_X0_X1", func(c ldCtx) {
			c.WSLN(lX1, 0)
			c.WSLN(lX2, 1)
			c.WSU(lX2)
			c.WSU(lX1)

			c.WSLN(lX2, 1)
			c.WSLN(lX1, 0)
			c.WSU(lX1)
			c.WSU(lX2)
		}, ldCircular.with("lock(X/1)", "lock(X)\n")},
		{"rsem_nested_X0_X1", func(c ldCtx) {
			c.RSLN(lX1, 0)
			c.RSLN(lX2, 1)
			c.RSU(lX2)
			c.RSU(lX1)
		}, ldSuccess},
		{"spin_nested_X0_X1", func(c ldCtx) {
			c.L(lX1)
			c.LN(lX2, 1)
			c.U(lX2)
			c.U(lX1)
		}, ldSuccess},
		{"spin_nested_X1_X0_after_X0_X1", func(c ldCtx) {
			c.L(lX1)
			c.LN(lX2, 1)
			c.U(lX2)
			c.U(lX1)

			c.LN(lX2, 1)
			c.L(lX1)
			c.U(lX1)
			c.U(lX2)
		}, ldCircular.with("lock(X/1)")},
		// The same subclass twice is recursion on the node X/1.
		{"spin_nested_same_subclass", func(c ldCtx) {
			c.LN(lX1, 1)
			c.LN(lX2, 1)
			c.U(lX2)
			c.U(lX1)
		}, ldRecursive.with("lock(X/1);\n  lock(X/1);")},
		// Three levels, as with I_MUTEX_PARENT / I_MUTEX_CHILD.
		{"wsem_nested_three_levels", func(c ldCtx) {
			c.WSLN(lX1, 0)
			c.WSLN(lX2, 1)
			c.WSLN(lY1, 0)
			c.WSU(lY1)
			c.WSU(lX2)
			c.WSU(lX1)
		}, ldSuccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runLDCase(t, tc) })
	}
}

// TestLockdepSubclassOutOfRange: a subclass past MAX_LOCKDEP_SUBCLASSES is
// a bug in the model, caught as a panic report, not a crash.
func TestLockdepSubclassOutOfRange(t *testing.T) {
	prog := ldProgram("subclass_out_of_range", func(c ldCtx) { c.LN(lX1, sim.MaxSubclasses) })
	out := sim.Execute(prog, sim.Config{}, nil)
	rep := out.Report
	if rep == nil || rep.Kind != sim.KindPanic || rep.Rule != "go-panic" || rep.Title != "sim: subclass 8 out of range for X" {
		t.Fatalf("want a panic report for subclass 8, got %+v", rep)
	}
	assertReplays(t, prog, sim.Config{}, rep)
}

// TestLockdepTrylock: a trylock cannot wait, so lockdep adds no
// dependency INTO a trylocked lock and does not check it for recursion;
// but it is held, so a later blocking acquisition records edges FROM it,
// and the search for prev locks walks past it to the first blocking
// holder (check_prevs_add).
func TestLockdepTrylock(t *testing.T) {
	cases := []ldCase{
		// A; trylock B records no A->B, so B; A afterwards is no inversion.
		{"spin_trylock_no_edge_into", func(c ldCtx) {
			c.L(lA)
			c.TL(lB)
			c.U(lB)
			c.U(lA)

			c.L(lB)
			c.L(lA)
			c.U(lA)
			c.U(lB)
		}, ldSuccess},
		{"wsem_trylock_no_edge_into", func(c ldCtx) {
			c.WSL(lA)
			c.WSTL(lB)
			c.WSU(lB)
			c.WSU(lA)

			c.WSL(lB)
			c.WSL(lA)
			c.WSU(lA)
			c.WSU(lB)
		}, ldSuccess},
		// trylock B; A records B->A, so A; B afterwards is an ABBA.
		{"spin_trylock_edge_from", func(c ldCtx) {
			c.TL(lB)
			c.L(lA)
			c.U(lA)
			c.U(lB)

			c.L(lA)
			c.L(lB)
			c.U(lB)
			c.U(lA)
		}, ldCircular},
		// C; trylock B; A records B->A and C->A: the walk passes the
		// trylock to reach the blocking holder C.
		{"spin_trylock_walk_past", func(c ldCtx) {
			c.L(lC)
			c.TL(lB)
			c.L(lA)
			c.U(lA)
			c.U(lB)
			c.U(lC)

			c.L(lA)
			c.L(lC)
			c.U(lC)
			c.U(lA)
		}, ldCircular.with("lock(C)", "lock(A)")},
		// No recursion check for a trylock of a held class.
		{"spin_trylock_same_class", func(c ldCtx) {
			c.L(lX1)
			c.TL(lX2)
			c.U(lX2)
			c.U(lX1)
		}, ldSuccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runLDCase(t, tc) })
	}
}
