package scenarios

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// FuzzParseScenarioFile: the parser never panics; every error points at
// a line:col inside the input; a file that parses prints (Format) to text
// that parses to the same descriptions.
func FuzzParseScenarioFile(f *testing.F) {
	names, _ := fs.Glob(catalogFiles, "catalog/*"+FileExt)
	for _, n := range names {
		data, _ := fs.ReadFile(catalogFiles, n)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ParseDescs("f.dcs", data)
		if err != nil {
			checkErrorPositions(t, data, err)
			return
		}
		text := Format(ds)
		again, err := ParseDescs("g.dcs", []byte(text))
		if err != nil {
			t.Fatalf("Format's output does not parse: %v\n%s", err, text)
		}
		if len(again) != len(ds) {
			t.Fatalf("%d scenarios, %d after Format", len(ds), len(again))
		}
		for i := range ds {
			if !ds[i].Equal(again[i]) {
				t.Fatalf("scenario %d changes through Format:\n%s\n%#v\n%#v", i, text, ds[i], again[i])
			}
		}
		for _, d := range ds {
			d.Build() // building must not panic either
		}
	})
}

// checkErrorPositions requires each error's line to exist and its column
// to lie within the line or just past its end.
func checkErrorPositions(t *testing.T, data []byte, err error) {
	t.Helper()
	var pe ParseErrors
	if !errors.As(err, &pe) || len(pe) == 0 {
		t.Fatalf("error %v is not ParseErrors", err)
	}
	lines := strings.Split(string(data), "\n")
	for _, e := range pe {
		if e.Line < 1 || e.Line > len(lines) {
			t.Fatalf("%v: line %d outside 1..%d", e, e.Line, len(lines))
		}
		if l := strings.TrimSuffix(lines[e.Line-1], "\r"); e.Col < 1 || e.Col > len(l)+1 {
			t.Fatalf("%v: column %d outside 1..%d of %q", e, e.Col, len(l)+1, l)
		}
	}
}
