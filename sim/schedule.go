package sim

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ScheduleVersion is the version of the schedule string format.
const ScheduleVersion = 2

// Schedule is a serialisable decision log with everything else that
// changes a run: the program and its variant, the run settings, and a
// fingerprint of the program. Its string form is short and
// copy-pasteable:
//
//	v2:demo/abba@mainline/today:-:1c9a04f2:0*5
//	v2:shmem/whiteout-enomem@v3/today:faults:5e11d0a8:f0*6.f1
//
// Fields are separated by colons: the version; the program, '@' and the
// variant (a program outside the catalog may have none); the settings ("-" for none, else a comma list of "faults",
// "signals", "rt", "steps=N"); the fingerprint (eight hex digits); the
// decisions. Decisions are separated by dots: a bare number is a schedule
// decision (the task that ran next); f0/f1 a fault decision, s0/s1 a
// signal decision, cN a choice. "x*k" repeats token x k times.
type Schedule struct {
	Program string
	// Variant is the variant's text form (package variant).
	Variant string
	// Faults and Signals say whether the run made faults and signals
	// decisions; PreemptRT whether it modeled a PREEMPT_RT kernel;
	// MaxSteps is its step bound (0: the default).
	Faults, Signals, PreemptRT bool
	MaxSteps                   int64
	// Fingerprint identifies the program the schedule was recorded on
	// (Program.Fingerprint); replaying on a changed program says so.
	Fingerprint uint32
	Decisions   []Decision
}

// Config is the run configuration the schedule records.
func (s *Schedule) Config() Config {
	return Config{Faults: s.Faults, Signals: s.Signals, PreemptRT: s.PreemptRT, MaxSteps: s.MaxSteps}
}

func tokenFor(d Decision) string {
	switch d.Kind {
	case DecideFault:
		return "f" + strconv.Itoa(int(d.Value))
	case DecideSignal:
		return "s" + strconv.Itoa(int(d.Value))
	case DecideChoice:
		return "c" + strconv.Itoa(int(d.Value))
	}
	return strconv.Itoa(int(d.Value))
}

func (s *Schedule) settings() string {
	var opts []string
	if s.Faults {
		opts = append(opts, "faults")
	}
	if s.Signals {
		opts = append(opts, "signals")
	}
	if s.PreemptRT {
		opts = append(opts, "rt")
	}
	if s.MaxSteps > 0 && s.MaxSteps != DefaultMaxSteps {
		opts = append(opts, "steps="+strconv.FormatInt(s.MaxSteps, 10))
	}
	if len(opts) == 0 {
		return "-"
	}
	return strings.Join(opts, ",")
}

func (s *Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "v%d:%s", ScheduleVersion, s.Program)
	if s.Variant != "" {
		b.WriteString("@" + s.Variant)
	}
	fmt.Fprintf(&b, ":%s:%08x:", s.settings(), s.Fingerprint)
	for i := 0; i < len(s.Decisions); {
		tok := tokenFor(s.Decisions[i])
		j := i + 1
		for j < len(s.Decisions) && tokenFor(s.Decisions[j]) == tok {
			j++
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
		if j-i > 1 {
			b.WriteByte('*')
			b.WriteString(strconv.Itoa(j - i))
		}
		i = j
	}
	return b.String()
}

// ScheduleError is a malformed schedule string, with the column (1-based)
// where the problem is.
type ScheduleError struct {
	Col int
	Msg string
}

func (e *ScheduleError) Error() string { return fmt.Sprintf("schedule:1:%d: %s", e.Col, e.Msg) }

// MaxScheduleDecisions caps the decisions a schedule string may expand
// to, so that a typo such as "0*4194304" repeated cannot ask for
// gigabytes. It is far above any run's step bound.
const MaxScheduleDecisions = 1 << 22

// ParseSchedule parses the string form produced by Schedule.String.
// Surrounding white space is ignored; error columns count it.
func ParseSchedule(str string) (*Schedule, error) {
	lead := len(str) - len(strings.TrimLeftFunc(str, unicode.IsSpace))
	s, err := parseSchedule(strings.TrimSpace(str))
	if se, ok := err.(*ScheduleError); ok {
		se.Col += lead
	}
	return s, err
}

const scheduleExample = `"v2:demo/abba@mainline/today:-:1c9a04f2:0*5"`

func parseSchedule(str string) (*Schedule, error) {
	if !strings.HasPrefix(str, "v") {
		return nil, &ScheduleError{1, "a schedule starts with a version, as in " + scheduleExample}
	}
	c1 := strings.IndexByte(str, ':')
	if c1 < 0 {
		return nil, &ScheduleError{len(str) + 1, `missing ':' after the version`}
	}
	v, err := strconv.Atoi(str[1:c1])
	if err != nil {
		return nil, &ScheduleError{2, fmt.Sprintf("bad version %q", str[1:c1])}
	}
	if v != ScheduleVersion {
		return nil, &ScheduleError{2, fmt.Sprintf("schedule version %d is not supported (this dcsim reads v%d, which also records the variant, settings and program fingerprint; record the run again)", v, ScheduleVersion)}
	}
	// The four colon-separated fields after the version.
	fields := make([]string, 0, 4)
	starts := make([]int, 0, 4)
	rest, col := str[c1+1:], c1+2
	for range 3 {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return nil, &ScheduleError{len(str) + 1, fmt.Sprintf("missing ':' (want %d fields: version, program@variant, settings, fingerprint, decisions, as in %s)", 5, scheduleExample)}
		}
		fields, starts = append(fields, rest[:i]), append(starts, col)
		rest, col = rest[i+1:], col+i+1
	}
	fields, starts = append(fields, rest), append(starts, col)
	s := &Schedule{}
	prog, variant, ok := strings.Cut(fields[0], "@")
	switch {
	case prog == "":
		return nil, &ScheduleError{starts[0], "empty program name"}
	case ok && variant == "":
		return nil, &ScheduleError{starts[0] + len(fields[0]), "empty variant after '@' (as in demo/abba@mainline/today)"}
	}
	s.Program, s.Variant = prog, variant
	if err := s.parseSettings(fields[1], starts[1]); err != nil {
		return nil, err
	}
	fp, err := strconv.ParseUint(fields[2], 16, 32)
	if err != nil || len(fields[2]) != 8 {
		return nil, &ScheduleError{starts[2], fmt.Sprintf("bad fingerprint %q (want eight hex digits)", fields[2])}
	}
	s.Fingerprint = uint32(fp)
	body := fields[3]
	if body == "" {
		return s, nil
	}
	col = starts[3]
	total := 0
	for _, tok := range strings.Split(body, ".") {
		if err := s.parseToken(tok, col, &total); err != nil {
			return nil, err
		}
		col += len(tok) + 1
	}
	return s, nil
}

func (s *Schedule) parseSettings(f string, col int) error {
	if f == "-" {
		return nil
	}
	for _, o := range strings.Split(f, ",") {
		switch {
		case o == "faults":
			s.Faults = true
		case o == "signals":
			s.Signals = true
		case o == "rt":
			s.PreemptRT = true
		case strings.HasPrefix(o, "steps="):
			n, err := strconv.ParseInt(o[len("steps="):], 10, 64)
			if err != nil || n < 1 {
				return &ScheduleError{col, fmt.Sprintf("bad step bound %q", o)}
			}
			s.MaxSteps = n
		default:
			return &ScheduleError{col, fmt.Sprintf(`unknown setting %q (want "-" or a comma list of faults, signals, rt, steps=N)`, o)}
		}
		col += len(o) + 1
	}
	return nil
}

func (s *Schedule) parseToken(tok string, col int, total *int) error {
	if tok == "" {
		return &ScheduleError{col, "empty decision (two dots in a row?)"}
	}
	rep := 1
	if i := strings.IndexByte(tok, '*'); i >= 0 {
		n, err := strconv.Atoi(tok[i+1:])
		if err != nil || n < 1 || n > MaxScheduleDecisions {
			return &ScheduleError{col + i + 1, fmt.Sprintf("bad repeat count %q after '*'", tok[i+1:])}
		}
		rep, tok = n, tok[:i]
		if tok == "" {
			return &ScheduleError{col, "missing decision before '*'"}
		}
	}
	if *total += rep; *total > MaxScheduleDecisions {
		return &ScheduleError{col, fmt.Sprintf("the schedule expands to more than %d decisions", MaxScheduleDecisions)}
	}
	d := Decision{Kind: DecideSchedule}
	num := tok
	switch tok[0] {
	case 'f':
		d.Kind, num = DecideFault, tok[1:]
	case 's':
		d.Kind, num = DecideSignal, tok[1:]
	case 'c':
		d.Kind, num = DecideChoice, tok[1:]
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 1<<16 || (d.Kind == DecideSchedule && n >= 64) ||
		((d.Kind == DecideFault || d.Kind == DecideSignal) && n > 1) {
		return &ScheduleError{col, fmt.Sprintf("bad decision %q (want a task number 0-63, f0, f1, s0, s1 or cN)", tok)}
	}
	d.Value = int32(n)
	for range rep {
		s.Decisions = append(s.Decisions, d)
	}
	return nil
}
