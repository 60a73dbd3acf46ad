package variant

import (
	"fmt"
	"slices"
	"strings"
)

// Regime is the directory-locking regime of a run.
type Regime uint8

// The regime is not chosen apart from the patches: it is the order the
// applied patches give (see the package doc).
const (
	// Today: directory operations and lookups take the parent's i_rwsem
	// before d_alloc_parallel, as the series base and v3 do.
	Today Regime = iota
	// Pdirops: RFC 51-53 applied: a lookup owns its in-lookup dentry
	// before it takes the parent's i_rwsem (RFC 52/53).
	Pdirops
)

// Regimes lists the regimes in order.
var Regimes = []Regime{Today, Pdirops}

func (r Regime) String() string {
	if r == Pdirops {
		return "pdirops"
	}
	return "today"
}

// ParseRegime reads "today" or "pdirops".
func ParseRegime(s string) (Regime, error) {
	switch s {
	case "today":
		return Today, nil
	case "pdirops":
		return Pdirops, nil
	}
	return 0, fmt.Errorf("unknown regime %q (want today or pdirops)", s)
}

// Variant selects the code a run executes. Its regime follows from its
// patches (Regime).
type Variant struct {
	Patches PatchSet
	Toggles ToggleSet
}

// Regime is the directory-locking regime the patches give: Pdirops once
// RFC 52/53 takes d_alloc_parallel before the directory lock.
func (v Variant) Regime() Regime {
	if v.Has(P52LiftDAllocParallel) {
		return Pdirops
	}
	return Today
}

// Has reports whether patch p is applied.
func (v Variant) Has(p Patch) bool { return v.Patches.Has(p) }

// On reports whether toggle t is switched on.
func (v Variant) On(t Toggle) bool { return v.Toggles.Has(t) }

// With returns v with toggle t switched on.
func (v Variant) With(t Toggle) Variant { v.Toggles = v.Toggles.With(t); return v }

// In returns v under regime r: with RFC 51-53 applied for Pdirops,
// without any of them for Today.
func (v Variant) In(r Regime) Variant {
	if r == Pdirops {
		v.Patches |= RFC
	} else {
		v.Patches &^= RFC
	}
	return v
}

// Of is the variant with patches p under today's regime.
func Of(p PatchSet) Variant { return Variant{Patches: p} }

// String is the canonical text form that Parse reads. RFC 51-53 all
// applied are written as the regime ("v3/pdirops"); a part of them is
// written as patches ("v3,51/today").
func (v Variant) String() string {
	var b strings.Builder
	if v.Patches&RFC == RFC {
		b.WriteString((v.Patches &^ RFC).String())
	} else {
		b.WriteString(v.Patches.String())
	}
	rest := v.Toggles
	if all := AllFixes(); all != 0 && rest&all == all {
		b.WriteString("+fix")
		rest &^= all
	}
	for _, t := range Toggles(0) {
		if rest.Has(t.Toggle) {
			b.WriteString("+" + t.Toggle.String())
		}
	}
	b.WriteString("/" + v.Regime().String())
	return b.String()
}

// Parse reads the text form: PATCHES[+TOGGLE]...[/REGIME], where PATCHES
// is "mainline", "v3" or numbers and ranges ("01-09,12", "v3,51-53"), a
// TOGGLE is "fix" (every fix), "fix=NAME", "mut=NAME" or a change's NAME,
// and REGIME is "today" or "pdirops". "/pdirops" applies RFC 51-53 on top
// of PATCHES when PATCHES names none of them; otherwise the regime must
// agree with the patches (pdirops exactly when RFC 52 is applied).
// Without a REGIME the patches decide it.
func Parse(s string) (Variant, error) {
	var v Variant
	body, regime, hasRegime := strings.Cut(s, "/")
	parts := strings.Split(body, "+")
	p, err := ParsePatches(parts[0])
	if err != nil {
		return v, fmt.Errorf("variant %q: %v", s, err)
	}
	v.Patches = p
	if hasRegime {
		r, err := ParseRegime(regime)
		if err != nil {
			return v, fmt.Errorf("variant %q: %v", s, err)
		}
		if r == Pdirops && p&RFC == 0 {
			v.Patches |= RFC
		} else if r != v.Regime() {
			return v, fmt.Errorf("variant %q: patches %s give the %s regime (RFC 52/53 is the pdirops order)", s, p, v.Regime())
		}
	}
	for _, tok := range parts[1:] {
		t, err := parseToggle(tok)
		if err != nil {
			return v, fmt.Errorf("variant %q: %v", s, err)
		}
		v.Toggles |= t
	}
	return v, nil
}

// MustParse is Parse for variants written in code; it panics on error.
func MustParse(s string) Variant {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func parseToggle(tok string) (ToggleSet, error) {
	if tok == "fix" {
		return AllFixes(), nil
	}
	kind, name := KindChange, tok
	if n, ok := strings.CutPrefix(tok, "fix="); ok {
		kind, name = KindFix, n
	} else if n, ok := strings.CutPrefix(tok, "mut="); ok {
		kind, name = KindMutant, n
	}
	if t, ok := lookupToggle(kind, name); ok {
		return ToggleSet(0).With(t), nil
	}
	var known []string
	for _, t := range Toggles(0) {
		known = append(known, t.Toggle.String())
	}
	if len(known) == 0 {
		return 0, fmt.Errorf("unknown toggle %q (none is registered)", tok)
	}
	return 0, fmt.Errorf("unknown toggle %q (known: fix, %s)", tok, strings.Join(known, ", "))
}

// Named is a variant the project knows by a description.
type Named struct {
	Variant Variant
	Doc     string
}

var named []Named

// Define registers a named variant with a line of description; the CLI
// lists them and scenarios use them. Defining the same variant twice
// keeps the first description.
func Define(v Variant, doc string) Variant {
	for _, n := range named {
		if n.Variant == v {
			return v
		}
	}
	named = append(named, Named{v, doc})
	return v
}

// Known lists the defined variants, sorted by text form.
func Known() []Named {
	out := slices.Clone(named)
	slices.SortFunc(out, func(a, b Named) int { return strings.Compare(a.Variant.String(), b.Variant.String()) })
	return out
}

// The variants every model comes in.
var (
	BaseToday   = Define(Variant{}, "the series base, today's locking")
	BasePdirops = Define(Variant{Patches: RFC}, "the series base with RFC 51-53 (the pdirops order) and without v3: the order flipped before the preparation")
	V3Today     = Define(Variant{Patches: V3}, "the v3 series as posted, today's locking")
	V3Pdirops   = Define(Variant{Patches: V3 | RFC}, "the v3 series and RFC 51-53 as posted: the pdirops order")
)

// WithPatch returns v with patch p applied.
func (v Variant) WithPatch(p Patch) Variant { v.Patches = v.Patches.With(p); return v }

// WithoutPatch returns v without patch p.
func (v Variant) WithoutPatch(p Patch) Variant { v.Patches &^= 1 << p; return v }
