package sim

import (
	"fmt"
	"math/bits"
	"strings"
)

// CPUs. By default every task has a CPU of its own, so any runnable task
// may run next. Tasks bound to the same CPU with BindCPU share it as a
// fixed-priority scheduler does: a switch to a task of the same CPU at a
// scheduling point is a preemption by a higher-priority task (an RT
// reader woken on the writer's CPU), which the preempted task must wait
// out; and a task that runs with preemption disabled keeps its CPU until
// it enables preemption again, sleeps or exits.
//
// The rules, for a runnable task u bound to CPU c whose current task is
// cur (the task that last ran on c and has not slept or exited since):
//
//   - u may run if c has no current task, if u is it, or if cur is
//     preemptible (preempt_count 0); running u then preempts cur;
//   - a preempted task may not run until the task that preempted it
//     sleeps or exits, whatever the state of c: it has the lower priority.
//
// A task that spins (Task.CPURelax) SpinLimit times in a row while it is
// the only task that can get a CPU, and some runnable task cannot, spins
// for ever: nothing but the tasks kept off their CPU can change what it
// waits for. (One spin alone proves nothing: a "goto retry" after a
// failed recheck relaxes once and then succeeds on its own.) So will a
// seqcount reader spinning on an odd count (it waits blocked, but keeps
// its CPU) when no runnable task can get a CPU. Both are reported at once
// as a livelock (rule spin-on-preempted), rather than after the step
// bound or as a deadlock.
//
// Divergence: the spinner of a contended spinlock is modeled as a
// sleeping task and so leaves its CPU to others (its holder cannot be a
// preempted task of the same CPU: holding it disables preemption, or
// under PREEMPT_RT the waiter sleeps); priorities are not ordered beyond
// "the preempter outranks the preempted", so every task a sleep releases
// is eligible again.

// MaxCPUs is the number of CPUs tasks may be bound to.
const MaxCPUs = 8

// SpinLimit is how many spins in a row, with no other task able to run,
// make a livelock.
const SpinLimit = 8

// noteSpin counts t's spins while it is the only task of the eligible set
// r and some runnable task is kept off its CPU, and reports the livelock
// at SpinLimit.
func (w *World) noteSpin(t *Task, r uint64) {
	if r != 1<<uint(t.id) || w.runnable == r {
		w.spinner = nil
		return
	}
	if w.spinner != t {
		w.spinner, w.spins = t, 0
	}
	if w.spins++; w.spins >= SpinLimit {
		w.spinStarves(t)
	}
}

// BindCPU binds the task to CPU cpu (kthread_bind; a task pinned with
// sched_setaffinity). Call it before the run starts.
func (t *Task) BindCPU(cpu int) {
	if cpu < 0 || cpu >= MaxCPUs {
		panic(fmt.Sprintf("sim: BindCPU(%d): CPUs are 0-%d", cpu, MaxCPUs-1))
	}
	t.cpu = int8(cpu + 1)
	t.w.pinned |= 1 << uint(t.id)
}

// CPU is the CPU the task is bound to, or -1.
func (t *Task) CPU() int { return int(t.cpu) - 1 }

// eligible is the set of runnable tasks that can get a CPU now.
func (w *World) eligible() uint64 {
	if w.pinned == 0 {
		return w.runnable
	}
	m := w.runnable
	for p := w.runnable & w.pinned; p != 0; p &= p - 1 {
		if u := w.tasks[bits.TrailingZeros64(p)]; w.cpuBlocker(u) != nil {
			m &^= 1 << uint(u.id)
		}
	}
	return m
}

// cpuBlocker is the task that keeps the bound task u off its CPU, or nil.
func (w *World) cpuBlocker(u *Task) *Task {
	cur := w.cpus[u.cpu-1]
	switch {
	case cur == nil || cur == u:
		return nil
	case u.preempted || cur.preempt > 0:
		return cur
	}
	return nil
}

// onCPU is t starting to run: on a shared CPU it preempts the task there.
func (w *World) onCPU(t *Task) {
	if t.cpu == 0 {
		return
	}
	c := &w.cpus[t.cpu-1]
	if *c != nil && *c != t {
		(*c).preempted = true
	}
	*c = t
}

// offCPU is t sleeping or exiting: its CPU is free for every task bound
// to it, the ones t preempted included.
func (w *World) offCPU(t *Task) {
	if t.cpu == 0 || w.cpus[t.cpu-1] != t {
		return
	}
	w.cpus[t.cpu-1] = nil
	for p := w.pinned; p != 0; p &= p - 1 {
		if u := w.tasks[bits.TrailingZeros64(p)]; u.cpu == t.cpu {
			u.preempted = false
		}
	}
}

// spinStarves reports the livelock of a task t that spins while every
// other runnable task is kept off its CPU; t nil: no runnable task can get
// a CPU, and the spinner is the task blocked in a spin that holds one.
func (w *World) spinStarves(t *Task) {
	var b strings.Builder
	title := "livelock: no runnable task can get a CPU"
	spinner, how := t, "cpu_relax"
	if t == nil {
		for _, u := range w.tasks {
			if u.spinning && u.cpu != 0 && w.cpus[u.cpu-1] == u {
				spinner, how = u, u.waitWhat()
				break
			}
		}
	}
	if spinner != nil {
		title = fmt.Sprintf("livelock: %s spins on CPU %d waiting for a task it keeps off that CPU", spinner, spinner.CPU())
		if how == "cpu_relax" {
			how = fmt.Sprintf("cpu_relax, %d times in a row", SpinLimit)
		}
		fmt.Fprintf(&b, "%s spins (%s) and is the only task that could run;\n", spinner, how)
	}
	for _, u := range w.tasks {
		if u.state != taskRunnable || w.runnable&(1<<uint(u.id)) == 0 || u == t {
			continue
		}
		if by := w.cpuBlocker(u); by != nil {
			why := "preempted by"
			if !u.preempted {
				why = "waiting for preemption to be enabled by"
			}
			fmt.Fprintf(&b, "  %s is runnable on CPU %d, %s %s\n", u, u.CPU(), why, by)
		}
	}
	if t == nil {
		w.cur = nil
		if w.running == spinner { // it blocked just now: report from it
			t = spinner
		}
	}
	w.raise(t, &Report{Kind: KindLivelock, Rule: "spin-on-preempted", Title: title, Message: b.String()})
}
