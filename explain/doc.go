// Package explain turns one run into explanations for a learner: a
// narrated step list that says, after every step, which locks each task
// holds, which dentries are in-lookup and who waits on them, why a task
// blocked and who will wake it; a per-task column view of the
// interleaving; what each checker saw. It also draws the run: Chrome /
// Perfetto trace-event JSON (a track per task, slices for lock holds and
// waits, instants for marks and the violation), the lock-order graph
// lockdep built as Graphviz DOT, and a self-contained HTML report.
//
// A run is recorded once (Record) with full tracing and a sim.Observer
// that snapshots the state after every trace line: the runtime's (task
// states, held locks, what a blocked task waits for) and the model's
// through the sim.View each model package registers (the dcache's
// in-lookup dentries, owners, waiters and open i_dir_seq sections). The
// renderers only read the recorded Run, so every output is a pure
// function of the program and the schedule: byte-identical on replay.
//
// The package sits beside explore: it imports sim only. The command
// (cmd/dcsim explain) resolves a schedule to its catalog program.
package explain
