package variant

import (
	"fmt"
	"slices"
	"strings"
)

// Regime is the directory-locking regime of a run.
type Regime uint8

const (
	// Today: directory operations and lookups take the parent's i_rwsem
	// before d_alloc_parallel, as the series base does.
	Today Regime = iota
	// Pdirops: a lookup owns its in-lookup dentry before it takes the
	// parent's i_rwsem, the order the series prepares for.
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

// Variant selects the code a run executes.
type Variant struct {
	Patches PatchSet
	Toggles ToggleSet
	Regime  Regime
}

// Has reports whether patch p is applied.
func (v Variant) Has(p Patch) bool { return v.Patches.Has(p) }

// On reports whether toggle t is switched on.
func (v Variant) On(t Toggle) bool { return v.Toggles.Has(t) }

// With returns v with toggle t switched on.
func (v Variant) With(t Toggle) Variant { v.Toggles = v.Toggles.With(t); return v }

// In returns v under regime r.
func (v Variant) In(r Regime) Variant { v.Regime = r; return v }

// Of is the variant with patches p under today's regime.
func Of(p PatchSet) Variant { return Variant{Patches: p} }

// String is the canonical text form that Parse reads.
func (v Variant) String() string {
	var b strings.Builder
	b.WriteString(v.Patches.String())
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
	b.WriteString("/" + v.Regime.String())
	return b.String()
}

// Parse reads the text form: PATCHES[+TOGGLE]...[/REGIME], where PATCHES
// is "mainline", "v3" or numbers and ranges ("01-09,12"), a TOGGLE is
// "fix" (every fix), "fix=NAME", "mut=NAME" or a change's NAME, and
// REGIME is "today" (the default) or "pdirops".
func Parse(s string) (Variant, error) {
	var v Variant
	body, regime, hasRegime := strings.Cut(s, "/")
	if hasRegime {
		r, err := ParseRegime(regime)
		if err != nil {
			return v, fmt.Errorf("variant %q: %v", s, err)
		}
		v.Regime = r
	}
	parts := strings.Split(body, "+")
	p, err := ParsePatches(parts[0])
	if err != nil {
		return v, fmt.Errorf("variant %q: %v", s, err)
	}
	v.Patches = p
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
	BasePdirops = Define(Variant{Regime: Pdirops}, "the series base under the pdirops lock order")
	V3Today     = Define(Variant{Patches: V3}, "the v3 series as posted, today's locking")
	V3Pdirops   = Define(Variant{Patches: V3, Regime: Pdirops}, "the v3 series as posted, under the pdirops lock order")
)

// WithPatch returns v with patch p applied.
func (v Variant) WithPatch(p Patch) Variant { v.Patches = v.Patches.With(p); return v }

// WithoutPatch returns v without patch p.
func (v Variant) WithoutPatch(p Patch) Variant { v.Patches &^= 1 << p; return v }
