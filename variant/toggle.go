package variant

import (
	"fmt"
	"slices"
	"strings"
)

// ToggleKind says what a toggle is.
type ToggleKind uint8

const (
	// KindFix is a fixed variant of posted code in which a checker found
	// a bug. It is not kernel code: the posted code stays beside it.
	KindFix ToggleKind = iota + 1
	// KindMutant switches a protective step off, for mutation testing.
	KindMutant
	// KindChange is a change of a user's own, modeled in Go.
	KindChange
)

func (k ToggleKind) prefix() string {
	switch k {
	case KindFix:
		return "fix="
	case KindMutant:
		return "mut="
	}
	return ""
}

func (k ToggleKind) String() string {
	switch k {
	case KindFix:
		return "fix"
	case KindMutant:
		return "mutant"
	}
	return "change"
}

// Toggle is a registered fix, mutant or change: one bit of a ToggleSet.
// The zero Toggle is none: switching it on changes nothing.
type Toggle uint8

// NoToggle is the zero Toggle.
const NoToggle Toggle = 0

// ToggleInfo describes a registered toggle.
type ToggleInfo struct {
	Toggle Toggle
	Kind   ToggleKind
	// Name is the toggle's name in the text form, without its kind
	// prefix: lower case, digits, '-' and '_'.
	Name string
	// Doc says in a line what the toggle changes.
	Doc string
	// Package is the Go package that registered it.
	Package string
}

// toggles is indexed by Toggle; entry 0 is NoToggle.
var toggles = []ToggleInfo{{Name: "none"}}

// NewFix registers a fixed variant of posted code. pkg names the package
// whose code it changes. Call it from a package-level var initialiser.
func NewFix(pkg, name, doc string) Toggle { return register(KindFix, pkg, name, doc) }

// NewMutant registers a protective step that mutation tests switch off.
func NewMutant(pkg, name, doc string) Toggle { return register(KindMutant, pkg, name, doc) }

// NewChange registers a change of a user's own, modeled in Go.
func NewChange(pkg, name, doc string) Toggle { return register(KindChange, pkg, name, doc) }

func register(k ToggleKind, pkg, name, doc string) Toggle {
	if !validName(name) {
		panic(fmt.Sprintf("variant: bad toggle name %q (lower case, digits, '-', '_')", name))
	}
	if _, ok := lookupToggle(k, name); ok {
		panic(fmt.Sprintf("variant: %s %q registered twice", k, name))
	}
	if len(toggles) >= 64 {
		panic("variant: more than 63 toggles")
	}
	t := Toggle(len(toggles)) // 1..63
	toggles = append(toggles, ToggleInfo{Toggle: t, Kind: k, Name: name, Doc: doc, Package: pkg})
	return t
}

func validName(s string) bool {
	if s == "" || s == "fix" || s == "mut" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func lookupToggle(k ToggleKind, name string) (Toggle, bool) {
	for _, t := range toggles[1:] {
		if t.Kind == k && t.Name == name {
			return t.Toggle, true
		}
	}
	return 0, false
}

// Info describes t.
func (t Toggle) Info() ToggleInfo { return toggles[t] }

// String is the toggle in the text form: "fix=NAME", "mut=NAME", "NAME".
func (t Toggle) String() string {
	i := toggles[t]
	return i.Kind.prefix() + i.Name
}

// Toggles lists the registered toggles of kind k (all kinds for 0),
// sorted by their text form.
func Toggles(k ToggleKind) []ToggleInfo {
	var out []ToggleInfo
	for _, t := range toggles[1:] {
		if k == 0 || t.Kind == k {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b ToggleInfo) int { return strings.Compare(a.Toggle.String(), b.Toggle.String()) })
	return out
}

// ToggleSet is a set of toggles.
type ToggleSet uint64

// Has reports whether t is in the set (never for NoToggle).
func (s ToggleSet) Has(t Toggle) bool { return t != NoToggle && s&(1<<t) != 0 }

// With returns s with t added.
func (s ToggleSet) With(t Toggle) ToggleSet {
	if t == NoToggle {
		return s
	}
	return s | 1<<t
}

// AllFixes is the set of every registered fix.
func AllFixes() ToggleSet {
	var s ToggleSet
	for _, t := range toggles[1:] {
		if t.Kind == KindFix {
			s = s.With(t.Toggle)
		}
	}
	return s
}
