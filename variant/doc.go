// Package variant names everything that selects which code a run
// executes: the patches of a posted series, fixed variants of posted code,
// mutants (protective steps switched off), changes a user models in Go,
// and the directory-locking regime.
//
// A Variant has one canonical text form, read by Parse and written by
// String:
//
//	mainline/today
//	v3/pdirops
//	01-09/today
//	01-09+fix/today                 every registered fix
//	v3+fix=add-ci-relock/today      one fix
//	v3+mut=no-lock-waiter/today     one mutant
//	v3+my-change/today              a change registered by a user
//
// The regime may be left out when parsing ("v3" is "v3/today").
//
// "mainline" names the empty patch set: the code of the tree the v3 series
// applies to (torvalds/linux 254f49634ee1, named by the syzbot ci report
// on the series, <69ef2169.a00a0220.316485.000b.GAE@google.com>), not
// v6.18. Every variant is that base plus its patches; docs/versions.md
// lists where the base differs from v6.18.
//
// # The pdirops regime is RFC 51-53
//
// The regime is not a separate axis: it is the order the patches give.
// "pdirops" means RFC 51/53, 52/53 and 53/53 as posted (RFC 00/53,
// <20260312214330.3885211-1-neilb@ownmail.net>) applied on top of the
// patch set: "v3/pdirops" is base + v3 + RFC 51-53, and its text is also
// "v3,51-53". Variant.Regime is Pdirops exactly when RFC 52/53
// (d_alloc_parallel before inode_lock) is applied. Parse of "X/pdirops"
// adds 51-53 to X when X names none of them, and refuses a regime that
// contradicts patches X names ("v3,51/pdirops", "v3,51-53/today"); a part
// of them is written as patches ("v3,51/today": lookup_one_qstr_excl on
// d_alloc_parallel under today's order). "mainline/pdirops" and
// "01-09/pdirops" stay meaningful: the RFC's order applied before (all
// of) the v3 preparation, with the divergences docs/fidelity.md lists.
//
// Fixes, mutants and changes are registered by the package whose code
// they change (NewFix, NewMutant, NewChange), from package-level var
// initialisers, so a user's own module registers its own the same way.
package variant
