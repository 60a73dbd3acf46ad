package variant_test

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/dcsim/dcsim/internal/leakcheck"
	"github.com/dcsim/dcsim/variant"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// The toggles a test binary of this package registers for itself.
var (
	fixA   = variant.NewFix("variant_test", "fix-a", "a fix")
	fixB   = variant.NewFix("variant_test", "fix-b", "another fix")
	mutA   = variant.NewMutant("variant_test", "mut-a", "a mutant")
	change = variant.NewChange("variant_test", "my-change", "a user's change")
)

func TestParseString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mainline", "mainline/today"},
		{"mainline/pdirops", "mainline/pdirops"},
		{"v3", "v3/today"},
		{"01-19", "v3/today"},
		{"01-09", "01-09/today"},
		{"04,06", "04,06/today"},
		{"01-09+fix", "01-09+fix/today"},
		{"v3+fix=fix-a/pdirops", "v3+fix=fix-a/pdirops"},
		{"v3+fix=fix-a+fix=fix-b", "v3+fix/today"},
		{"v3+mut=mut-a", "v3+mut=mut-a/today"},
		{"v3+my-change+fix", "v3+fix+my-change/today"},
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

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "empty patch set"},
		{"v4", "bad patch number"},
		{"00", "bad patch number"},
		{"20", "bad patch number"},
		{"09-03", "bad patch range"},
		{"v3/sometimes", "unknown regime"},
		{"v3+nope", `unknown toggle "nope"`},
		{"v3+fix=mut-a", `unknown toggle "fix=mut-a"`},
		// Sets that break a dependency between patches (issue 8): 06/19's
		// d_duplicate needs 04/19's waiters, 10/19 extends 05/19.
		{"06", "patch 06 needs patch 04"},
		{"01-03,05-06", "patch 06 needs patch 04"},
		{"10", "patch 10 needs patch 05"},
	} {
		_, err := variant.Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestToggles(t *testing.T) {
	v := variant.V3Today.With(fixA).With(mutA)
	if !v.On(fixA) || !v.On(mutA) || v.On(fixB) || v.On(change) || v.On(variant.NoToggle) {
		t.Errorf("On: %v", v)
	}
	if v.With(variant.NoToggle) != v {
		t.Error("With(NoToggle) changed the variant")
	}
	if !v.Has(variant.P04WaitVarEvent) || variant.BaseToday.Has(variant.P04WaitVarEvent) {
		t.Error("Has")
	}
	if got := v.WithoutPatch(variant.P12ShmemDuplicate).String(); got != "01-11,13-19+fix=fix-a+mut=mut-a/today" {
		t.Errorf("WithoutPatch: %q", got)
	}
	i := fixA.Info()
	if i.Kind != variant.KindFix || i.Name != "fix-a" || i.Package != "variant_test" || fixA.String() != "fix=fix-a" {
		t.Errorf("Info: %+v", i)
	}
	names := map[string]bool{}
	for _, x := range variant.Toggles(variant.KindMutant) {
		names[x.Name] = true
		if x.Kind != variant.KindMutant {
			t.Errorf("Toggles(KindMutant) lists %+v", x)
		}
	}
	if !names["mut-a"] || names["fix-a"] {
		t.Errorf("Toggles(KindMutant) = %v", names)
	}
	for _, bad := range []func(){
		func() { variant.NewFix("x", "fix-a", "registered twice") },
		func() { variant.NewFix("x", "Upper", "bad name") },
		func() { variant.NewMutant("x", "fix", "reserved") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a bad registration did not panic")
				}
			}()
			bad()
		}()
	}
}

func TestKnown(t *testing.T) {
	known := variant.Known()
	if len(known) < 4 {
		t.Fatalf("Known() = %v", known)
	}
	for i, n := range known {
		if n.Doc == "" {
			t.Errorf("%s has no description", n.Variant)
		}
		if i > 0 && known[i-1].Variant.String() >= n.Variant.String() {
			t.Errorf("Known() not sorted at %s", n.Variant)
		}
	}
}

// TestRoundTripProperty: every variant's text form parses back to it.
func TestRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var p variant.PatchSet
		for n := variant.Patch(1); n <= variant.SeriesLast; n++ {
			if rapid.Bool().Draw(t, "patch") {
				p = p.With(n)
			}
		}
		if p.Check() != nil {
			t.Skip("a set the series cannot have")
		}
		v := variant.Variant{Patches: p}.In(variant.Regimes[rapid.IntRange(0, 1).Draw(t, "regime")])
		for _, tg := range []variant.Toggle{fixA, fixB, mutA, change} {
			if rapid.Bool().Draw(t, "toggle") {
				v = v.With(tg)
			}
		}
		got, err := variant.Parse(v.String())
		if err != nil || got != v {
			t.Fatalf("Parse(%q) = %v, %v; want %v", v.String(), got, err, v)
		}
	})
}
