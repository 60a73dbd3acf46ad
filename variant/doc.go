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
// Fixes, mutants and changes are registered by the package whose code
// they change (NewFix, NewMutant, NewChange), from package-level var
// initialisers, so a user's own module registers its own the same way.
package variant
