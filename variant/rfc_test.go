package variant_test

import (
	"strings"
	"testing"

	"github.com/dcsim/dcsim/variant"
)

// TestRFCPatchesText: RFC 51-53 in the text form, and the regime they
// give: all three are written as "/pdirops", a part of them as patches.
func TestRFCPatchesText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"v3,51-53", "v3/pdirops"},
		{"v3/pdirops", "v3/pdirops"},
		{"v3,51", "v3,51/today"},
		{"v3,51/today", "v3,51/today"},
		{"v3,51-52", "v3,51-52/pdirops"},
		{"v3,51-52/pdirops", "v3,51-52/pdirops"},
		{"01-09/pdirops", "01-09/pdirops"},
		{"01-09,51-53", "01-09/pdirops"},
		{"51-53", "mainline/pdirops"},
		{"mainline/pdirops", "mainline/pdirops"},
		{"01-19,51,52,53+fix/pdirops", "v3+fix/pdirops"},
	} {
		v, err := variant.Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if got := v.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRFCPatchesErrors: numbers between the series and the RFC patches,
// a regime that contradicts the patches, and a patch without the one it
// edits are refused.
func TestRFCPatchesErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"v3,20", "bad patch number"},
		{"v3,50", "bad patch number"},
		{"v3,54", "bad patch number"},
		{"19-51", "no patch 20"},
		{"v3,52", "patch 52 needs patch 51"},
		{"v3,51,53", "patch 53 needs patch 52"},
		{"v3,51-53/today", "give the pdirops regime"},
		{"v3,51/pdirops", "give the today regime"},
	} {
		_, err := variant.Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

// TestRegimeFollowsPatches: the regime is patch 52's, In adds or removes
// all three RFC patches, and the named pdirops variants are base + v3 (or
// not) + 51-53.
func TestRegimeFollowsPatches(t *testing.T) {
	if got := variant.V3Pdirops.Patches; got != variant.V3|variant.RFC {
		t.Errorf("V3Pdirops patches = %s, want v3,51-53", got)
	}
	if got := variant.BasePdirops.Patches; got != variant.RFC {
		t.Errorf("BasePdirops patches = %s, want 51-53", got)
	}
	if variant.V3Today.In(variant.Pdirops) != variant.V3Pdirops || variant.V3Pdirops.In(variant.Today) != variant.V3Today {
		t.Errorf("In does not move between V3Today and V3Pdirops")
	}
	for _, c := range []struct {
		v    variant.Variant
		want variant.Regime
	}{
		{variant.V3Today.WithPatch(variant.P51LookupOneQstrExclParallel), variant.Today},
		{variant.V3Today.WithPatch(variant.P51LookupOneQstrExclParallel).WithPatch(variant.P52LiftDAllocParallel), variant.Pdirops},
		{variant.V3Pdirops.WithoutPatch(variant.P53RemoveLookupShared), variant.Pdirops},
	} {
		if got := c.v.Regime(); got != c.want {
			t.Errorf("%s: Regime() = %s, want %s", c.v, got, c.want)
		}
	}
}
