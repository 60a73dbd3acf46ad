// Package sim is dcsim's deterministic kernel runtime: simulated kernel
// threads (tasks), a controlled scheduler, the kernel primitives model code
// is written against, and the checkers that turn a bad interleaving into a
// report that replays exactly.
//
// # Execution model
//
// A World runs N tasks. Exactly one task runs at a time; each is a
// coroutine (iter.Pull), so a switch costs two coroutine switches and no
// OS-thread hand-off. A task runs until its next scheduling point: every
// lock and unlock, atomic operation, wait and wake, RCU operation, and every
// modeled shared-field access (Task.Read / Task.Write). At a scheduling
// point the task itself asks the Strategy who runs next; when the answer is
// "me" nothing is switched, which keeps non-switching points cheap.
//
// # One source of nondeterminism
//
// Every choice — which task runs, whether an allocation fails, whether a
// fatal signal arrives, which of several replies a simulated server gives —
// is a Decision appended to the World's decision log. A log serialises to a
// Schedule string ("v1:<program>:<decisions>"); replaying it reproduces the
// run step for step, on any GOMAXPROCS. Model code must not use map
// iteration order, clocks or math/rand: it asks the task (Task.Fault,
// Task.Choose) instead.
//
// # Steps and accesses
//
// Each scheduling point records what it touches: an object id and an
// Access (read, write, acquire, release). Exploration uses these to decide
// which steps commute. Exploration runs with tracing off; when a run
// violates a check, the explorer replays its log with full tracing to
// build the report (recent steps per task, call stacks, replay line).
//
// # Checkers
//
// Reports come from: the deadlock detector (no runnable task while some
// are unfinished, with the wait-for graph), lockdep (lock classes, held
// stacks, a lock-order graph with lockdep's read/write rules, recursion,
// unbalanced releases, assertions, sleeping in atomic context), object
// lifetimes in the manner of KASAN (use after free, double free, leaks,
// ERR_PTR and NULL dereference), WARN_ON/BUG_ON, a livelock step bound, and
// captured Go panics. Model packages add their own invariants through
// World.AtEnd, Task.Violation and Task.WarnOn.
//
// # Observers and views
//
// A Config.Observer sees every line of a fully traced run as it is
// recorded, and model packages describe their own state to it (and to
// deadlock reports) through the View they register with World.AddView;
// package explain builds dcsim explain on them. Neither changes the run.
//
// # Lock order
//
// The runtime itself holds no locks that model code can observe; the
// primitives here model the kernel's. Packages built on sim (dcache, vfs)
// declare their lock orders in their own package documentation.
package sim
