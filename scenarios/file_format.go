package scenarios

import (
	"fmt"
	"strings"
)

// Format prints descriptions in the scenario file format, normalised:
// one doc line, directives in a fixed order, cells one per variant.
// ParseDescs reads the text back to equal descriptions.
func Format(ds []*Desc) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte('\n')
		}
		d.format(&b)
	}
	return b.String()
}

func (d *Desc) format(b *strings.Builder) {
	fmt.Fprintf(b, "scenario %s\n", d.Name)
	fmt.Fprintf(b, "doc %s\n", d.Doc)
	fmt.Fprintf(b, "fs %s\n", d.FS)
	if d.Faults {
		b.WriteString("faults")
		if d.MaxFaults > 0 {
			fmt.Fprintf(b, " %d", d.MaxFaults)
		}
		b.WriteByte('\n')
	}
	if d.Signals {
		b.WriteString("signals\n")
	}
	if d.RT {
		b.WriteString("rt\n")
	}
	if d.MaxSteps > 0 {
		fmt.Fprintf(b, "max-steps %d\n", d.MaxSteps)
	}
	for _, m := range d.Marks {
		fmt.Fprintf(b, "mark %s\n", m)
	}
	for _, st := range d.Init {
		b.WriteString("init ")
		if st.Layer != "" {
			b.WriteString(st.Layer + " ")
		}
		b.WriteString(st.String() + "\n")
	}
	for _, c := range d.Cells {
		fmt.Fprintf(b, "cell %s %s", c.Variant, c.Expect)
		for _, kv := range []struct {
			k string
			v int
		}{{"bound", c.Bound}, {"budget", c.Budget}, {"faults", c.MaxFaults}} {
			if kv.v > 0 {
				fmt.Fprintf(b, " %s=%d", kv.k, kv.v)
			}
		}
		if len(c.Ignore) > 0 {
			b.WriteString(" ignore=" + strings.Join(c.Ignore, ","))
		}
		b.WriteByte('\n')
	}
	for _, t := range d.Tasks {
		fmt.Fprintf(b, "task %s", t.Name)
		if t.CPU > 0 {
			fmt.Fprintf(b, " cpu=%d", t.CPU-1)
		}
		b.WriteString("\n")
		for _, st := range t.Steps {
			b.WriteString("  " + st.String() + "\n")
		}
	}
}

// String is the step's line without its layer: the call and what it
// must return.
func (st Step) String() string {
	s := strings.Join(append([]string{st.Verb}, st.Args...), " ")
	if st.Call != nil {
		s = st.Call.String()
	}
	if len(st.Want) > 0 {
		s += " = " + wantString(st.Want)
	}
	return s
}
