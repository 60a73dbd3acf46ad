package sim

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ScheduleVersion is the version of the schedule string format.
const ScheduleVersion = 1

// Schedule is a serialisable decision log: which program ran and every
// decision it took. Its string form is short and copy-pasteable:
//
//	v1:demo/abba:0*7.1*4.0*2.f1.c2
//
// Decisions are separated by dots. A bare number is a schedule decision
// (the task that ran next); f0/f1 a fault decision, s0/s1 a signal
// decision, cN a choice. "x*k" repeats token x k times.
type Schedule struct {
	Program   string
	Decisions []Decision
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

func (s *Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "v%d:%s:", ScheduleVersion, s.Program)
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

// maxRepeat bounds "x*k" so a typo cannot ask for a billion decisions.
const maxRepeat = 1 << 22

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

func parseSchedule(str string) (*Schedule, error) {
	if !strings.HasPrefix(str, "v") {
		return nil, &ScheduleError{1, `a schedule starts with a version, as in "v1:demo/abba:0*3.1"`}
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
		return nil, &ScheduleError{2, fmt.Sprintf("schedule version %d is not supported (this dcsim reads v%d)", v, ScheduleVersion)}
	}
	c2 := strings.LastIndexByte(str, ':')
	if c2 <= c1 {
		return nil, &ScheduleError{len(str) + 1, `missing ':' between the program and the decisions`}
	}
	s := &Schedule{Program: str[c1+1 : c2]}
	if s.Program == "" {
		return nil, &ScheduleError{c1 + 2, "empty program name"}
	}
	body := str[c2+1:]
	if body == "" {
		return s, nil
	}
	col := c2 + 2
	for _, tok := range strings.Split(body, ".") {
		if err := s.parseToken(tok, col); err != nil {
			return nil, err
		}
		col += len(tok) + 1
	}
	return s, nil
}

func (s *Schedule) parseToken(tok string, col int) error {
	if tok == "" {
		return &ScheduleError{col, "empty decision (two dots in a row?)"}
	}
	rep := 1
	if i := strings.IndexByte(tok, '*'); i >= 0 {
		n, err := strconv.Atoi(tok[i+1:])
		if err != nil || n < 1 || n > maxRepeat {
			return &ScheduleError{col + i + 1, fmt.Sprintf("bad repeat count %q after '*'", tok[i+1:])}
		}
		rep, tok = n, tok[:i]
		if tok == "" {
			return &ScheduleError{col, "missing decision before '*'"}
		}
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
