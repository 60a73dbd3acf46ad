package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/variant"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

// ParseError is a line of a scenario file that does not parse. Line and
// Col are 1-based; Col counts bytes.
type ParseError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// ParseErrors are every error of a file, in line order, one per line
// when printed.
type ParseErrors []*ParseError

func (es ParseErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// maxErrors caps the errors one file reports.
const maxErrors = 20

// Limits that keep a file's program within what the runtime runs.
const (
	maxTasks = 32 // the setup task and the file's tasks share sim's 64
	maxSteps = 1 << 20
)

// kinds are the report kinds a cell may expect.
var kinds = []sim.Kind{sim.KindDeadlock, sim.KindLockdep, sim.KindKASAN, sim.KindLeak, sim.KindWarn,
	sim.KindBug, sim.KindOops, sim.KindLivelock, sim.KindPanic, sim.KindInvariant, sim.KindConsistency, sim.KindMark}

// word is a word of a line with its 1-based column.
type word = vfstest.Word

func words(line string) []word { return vfstest.Words(line) }

// parser holds the state of one file's parse.
type parser struct {
	file  string
	errs  ParseErrors
	descs []*Desc
	cur   *Desc
	task  *Task // the task indented lines belong to
	// seen: the once-only directives of the current scenario.
	seen map[string]bool
	// mounted: an unlayered init line has run on the overlay.
	mounted bool
	// doc lines of the current scenario, joined at its end.
	doc []string
	// cellAt, taskAt: where each cell's variant and task name were
	// written, for duplicate errors.
	cellAt map[string]bool
	taskAt map[string]bool
	line   int // the scenario line of cur
	// badHeader: cur's scenario line did not parse; skip its checks.
	badHeader bool
	// taskLine and taskLines: where each task starts, and how many call
	// lines it has (parsed or not), for "has no calls".
	taskLine  map[string]int
	taskLines map[string]int
}

func (p *parser) errorf(line, col int, format string, args ...any) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, &ParseError{p.file, line, col, fmt.Sprintf(format, args...)})
	}
}

// ParseDescs parses a scenario file into its descriptions. Errors are
// ParseErrors, each FILE:LINE:COL.
func ParseDescs(file string, data []byte) ([]*Desc, error) {
	p := &parser{file: file}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		p.parseLine(i+1, strings.TrimSuffix(l, "\r"))
	}
	p.finish(len(lines))
	if len(p.descs) == 0 && len(p.errs) == 0 {
		p.errorf(1, 1, "no scenario in the file (it starts with \"scenario NAME\")")
	}
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *ParseError) int { return a.Line - b.Line })
		return nil, p.errs
	}
	return p.descs, nil
}

func (p *parser) parseLine(n int, line string) {
	if i := strings.IndexFunc(line, func(r rune) bool { return r != ' ' && r != '\t' }); i < 0 || line[i] == '#' {
		return
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < ' ' && c != '\t' || c == 0x7f {
			p.errorf(n, i+1, "control character %q", c)
			return
		}
	}
	w := words(line)
	if w[0].Col > 1 {
		if p.task == nil {
			p.errorf(n, w[0].Col, "indented line outside a task (a task's calls follow its \"task NAME\" line)")
			return
		}
		p.taskLines[p.task.Name]++
		if st, ok := p.step(n, line, 0, ""); ok {
			p.task.Steps = append(p.task.Steps, st)
		}
		return
	}
	p.task = nil
	if w[0].S == "scenario" {
		p.finish(n)
		p.scenario(n, line, w)
		return
	}
	if p.cur == nil {
		p.errorf(n, 1, "%q before the first \"scenario NAME\" line", w[0].S)
		return
	}
	d, args := p.cur, w[1:]
	once := func() bool {
		if p.seen[w[0].S] {
			p.errorf(n, 1, "%q given twice in scenario %s", w[0].S, d.Name)
			return false
		}
		p.seen[w[0].S] = true
		return true
	}
	switch w[0].S {
	case "doc":
		if text, ok := p.text(n, line, args, "doc wants text"); ok {
			p.doc = append(p.doc, text)
		}
	case "fs":
		if !once() || !p.nargs(n, line, w, 1, 1) {
			return
		}
		if len(d.Init) > 0 {
			p.errorf(n, 1, "fs must come before the init lines")
			return
		}
		if _, ok := LookupFS(args[0].S); !ok {
			p.errorf(n, args[0].Col, "unknown filesystem %q%s", args[0].S, suggestFS(args[0].S))
			return
		}
		d.FS = args[0].S
	case "init":
		p.init(n, line, w)
	case "cell":
		p.cell(n, line, w)
	case "faults":
		if !once() || !p.nargs(n, line, w, 0, 1) {
			return
		}
		d.Faults = true
		if len(args) == 1 {
			d.MaxFaults, _ = p.count(n, args[0], "faults", 64)
		}
	case "signals":
		if once() && p.nargs(n, line, w, 0, 0) {
			d.Signals = true
		}
	case "rt":
		if once() && p.nargs(n, line, w, 0, 0) {
			d.RT = true
		}
	case "max-steps":
		if once() && p.nargs(n, line, w, 1, 1) {
			v, _ := p.count(n, args[0], "max-steps", sim.DefaultMaxSteps*50)
			d.MaxSteps = int64(v)
		}
	case "mark":
		if text, ok := p.text(n, line, args, "mark wants the mark's name"); ok {
			d.Marks = append(d.Marks, text)
		}
	case "task":
		p.newTask(n, line, w)
	default:
		p.errorf(n, 1, "unknown directive %q (want scenario, doc, fs, init, cell, faults, signals, rt, max-steps, mark or task; a task's calls are indented)", w[0].S)
	}
}

// text is the rest of a directive's line from its first operand.
func (p *parser) text(n int, line string, args []word, missing string) (string, bool) {
	if len(args) == 0 {
		p.errorf(n, len(line)+1, "%s", missing)
		return "", false
	}
	return strings.TrimSpace(line[args[0].Col-1:]), true
}

// nargs checks a directive's operand count.
func (p *parser) nargs(n int, line string, w []word, lo, hi int) bool {
	got := len(w) - 1
	if got > hi {
		p.errorf(n, w[hi+1].Col, "%s takes at most %d operand(s), got %d", w[0].S, hi, got)
		return false
	}
	if got < lo {
		p.errorf(n, len(line)+1, "%s takes %d operand(s), got %d", w[0].S, lo, got)
		return false
	}
	return true
}

// count parses a positive integer no larger than limit.
func (p *parser) count(n int, x word, what string, limit int64) (int, bool) {
	v, err := strconv.ParseInt(x.S, 10, 64)
	if err != nil || v < 1 || v > limit {
		p.errorf(n, x.Col, "%s wants a count from 1 to %d, got %q", what, limit, x.S)
		return 0, false
	}
	return int(v), true
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+", r)) {
			return false
		}
	}
	return true
}

func (p *parser) scenario(n int, line string, w []word) {
	p.cur = &Desc{FS: "tmpfs", Pos: fmt.Sprintf("%s:%d", p.file, n)}
	p.descs = append(p.descs, p.cur)
	p.seen, p.cellAt, p.taskAt = map[string]bool{}, map[string]bool{}, map[string]bool{}
	p.mounted, p.doc, p.line, p.badHeader = false, nil, n, false
	p.taskLine, p.taskLines = map[string]int{}, map[string]int{}
	if len(w) != 2 {
		p.badHeader = true
		col := w[0].Col + len(w[0].S) + 1
		if len(w) > 2 {
			col = w[2].Col
		}
		p.errorf(n, min(col, len(line)+1), "want \"scenario NAME\"")
		p.cur.Name = "?"
		return
	}
	if !validName(w[1].S) {
		p.errorf(n, w[1].Col, "bad scenario name %q (letters, digits and - _ . / +)", w[1].S)
	}
	for _, d := range p.descs[:len(p.descs)-1] {
		if d.Name == w[1].S {
			p.errorf(n, w[1].Col, "scenario %s is defined twice in the file (also at %s)", w[1].S, d.Pos)
		}
	}
	p.cur.Name = w[1].S
}

// finish checks the scenario that ends before line n.
func (p *parser) finish(n int) {
	d := p.cur
	if d == nil {
		return
	}
	d.Doc = strings.Join(p.doc, " ")
	if p.badHeader {
		p.cur = nil
		return
	}
	if d.Doc == "" {
		p.errorf(p.line, 1, "scenario %s has no doc line", d.Name)
	}
	if len(d.Tasks) == 0 {
		p.errorf(p.line, 1, "scenario %s has no task", d.Name)
	}
	for _, t := range d.Tasks {
		if p.taskLines[t.Name] == 0 {
			p.errorf(p.taskLine[t.Name], 1, "task %s has no calls (indent them under its task line)", t.Name)
		}
	}
	p.cur = nil
}

func (p *parser) init(n int, line string, w []word) {
	d := p.cur
	if len(w) < 2 {
		p.errorf(n, len(line)+1, "init wants a call")
		return
	}
	kind, _ := LookupFS(d.FS)
	layer, from := "", 1
	if kind.hasLayer(w[1].S) {
		if p.mounted {
			p.errorf(n, w[1].Col, "init %s after an init line on the mounted %s (layer lines come first)", w[1].S, d.FS)
			return
		}
		layer, from = w[1].S, 2
		if len(w) < 3 {
			p.errorf(n, len(line)+1, "init %s wants a call", layer)
			return
		}
	} else if w[1].S == "lower" || w[1].S == "upper" {
		p.errorf(n, w[1].Col, "init %s: a %s has no layers (only an overlay has: say \"fs overlay\" first)", w[1].S, d.FS)
		return
	} else if len(kind.Layers) > 0 {
		p.mounted = true
	}
	if st, ok := p.step(n, line, w[from].Col-1, layer); ok {
		d.Init = append(d.Init, st)
	}
}

// step parses a call line from byte off of line: CALL [= RESULT[|RESULT]...],
// or for an overlay's upper layer, "opaque PATH".
func (p *parser) step(n int, line string, off int, layer string) (Step, bool) {
	st := Step{Layer: layer, Pos: fmt.Sprintf("%s:%d", p.file, n)}
	text := line
	w := words(line[off:])
	for i, x := range w {
		if x.S != "=" {
			continue
		}
		eq := off + x.Col - 1
		text = line[:eq]
		rest := w[i+1:]
		if len(rest) != 1 {
			col := len(line) + 1
			if len(rest) > 1 {
				col = off + rest[1].Col
			}
			p.errorf(n, col, "want one result after \"=\" (alternatives joined by |, \"\" for empty)")
			return st, false
		}
		c := off + rest[0].Col
		for _, alt := range strings.Split(rest[0].S, "|") {
			if alt == "" {
				p.errorf(n, c, "empty result alternative (write \"\" for an empty listing)")
				return st, false
			}
			if alt == `""` {
				alt = ""
			}
			st.Want = append(st.Want, alt)
			c += len(alt) + 1
		}
		break
	}
	padded := strings.Repeat(" ", off) + text[off:]
	kind, _ := LookupFS(p.cur.FS)
	if cw := words(padded); len(cw) > 0 && kind.verb(cw[0].S) != nil {
		return p.verbStep(n, line, st, kind, cw)
	} else if len(cw) > 0 {
		for _, other := range FSKinds() {
			if v := other.verb(cw[0].S); v != nil {
				p.errorf(n, cw[0].Col, "%s is a line of %s scenarios (\"fs %s\"), not of %s", v.Name, other.Name, other.Name, kind.Name)
				return st, false
			}
		}
	}
	call, err := vfstest.ParseCall(padded)
	if err != nil {
		var se *vfstest.SyntaxError
		col := off + 1
		msg := err.Error()
		if errors.As(err, &se) {
			col, msg = se.Col, se.Msg
		}
		p.errorf(n, col, "%s", msg)
		return st, false
	}
	st.Call = call
	return st, true
}

// verbStep parses a line of one of the filesystem's verbs.
func (p *parser) verbStep(n int, line string, st Step, kind *FSKind, cw []word) (Step, bool) {
	v := kind.verb(cw[0].S)
	if len(v.Layers) > 0 && !slices.Contains(v.Layers, st.Layer) {
		p.errorf(n, cw[0].Col, "%s is a line of the %s layer: write \"init %s %s %s\"", v.Name, strings.Join(v.Layers, " or "), v.Layers[0], v.Name, v.Usage)
		return st, false
	}
	if st.Want != nil && !v.Results {
		p.errorf(n, cw[0].Col, "want \"%s %s\" with no result", v.Name, v.Usage)
		return st, false
	}
	args := make([]string, len(cw)-1)
	for i, x := range cw[1:] {
		args[i] = x.S
	}
	if v.Check != nil {
		if bad, msg := v.Check(args); bad >= 0 {
			col := len(line) + 1
			if bad < len(args) {
				col = cw[bad+1].Col
			}
			p.errorf(n, col, "%s", msg)
			return st, false
		}
	}
	st.Verb, st.Args = v.Name, args
	return st, true
}

func (p *parser) newTask(n int, line string, w []word) {
	if !p.nargs(n, line, w, 1, 2) {
		return
	}
	name := w[1].S
	t := &Task{Name: name}
	if len(w) == 3 {
		v, ok := strings.CutPrefix(w[2].S, "cpu=")
		cpu, err := strconv.Atoi(v)
		if !ok || err != nil || cpu < 0 || cpu >= sim.MaxCPUs {
			p.errorf(n, w[2].Col, "bad %q after the task name (want cpu=N, N from 0 to %d: the CPU the task is bound to)", w[2].S, sim.MaxCPUs-1)
		} else {
			t.CPU = cpu + 1
		}
	}
	switch {
	case !validName(name):
		p.errorf(n, w[1].Col, "bad task name %q (letters, digits and - _ . / +)", name)
	case name == "setup":
		p.errorf(n, w[1].Col, "the task name setup is the init lines' own")
	case p.taskAt[name]:
		p.errorf(n, w[1].Col, "task %s is defined twice", name)
	case len(p.cur.Tasks) == maxTasks:
		p.errorf(n, 1, "more than %d tasks", maxTasks)
	default:
		p.taskAt[name] = true
		p.taskLine[name] = n
		p.cur.Tasks = append(p.cur.Tasks, *t)
		p.task = &p.cur.Tasks[len(p.cur.Tasks)-1]
		return
	}
	p.task = t // its calls still parse, for their errors
}

// cell parses "cell VARIANT EXPECT [bound=N] [budget=N] [faults=N]
// [ignore=RULE[,RULE]]".
func (p *parser) cell(n int, line string, w []word) {
	if len(w) < 3 {
		p.errorf(n, len(line)+1, "want \"cell VARIANT EXPECT [bound=N] [budget=N] [faults=N] [ignore=RULE[,RULE]]\"")
		return
	}
	vtext := w[1].S
	var vs []variant.Variant
	if body, ok := strings.CutSuffix(vtext, "/*"); ok {
		v, err := variant.Parse(body)
		if err != nil || strings.Contains(body, "/") {
			p.errorf(n, w[1].Col, "%v", variantErr(err, vtext))
			return
		}
		for _, r := range variant.Regimes {
			vs = append(vs, v.In(r))
		}
	} else {
		v, err := variant.Parse(vtext)
		if err != nil {
			p.errorf(n, w[1].Col, "%v", err)
			return
		}
		vs = []variant.Variant{v}
	}
	var c Cell
	rest := w[2:]
	switch k := sim.Kind(rest[0].S); {
	case rest[0].S == "clean":
		rest = rest[1:]
	case knownKind(k):
		c.Expect.Kind = k
		rest = rest[1:]
		if len(rest) > 0 && !strings.Contains(rest[0].S, "=") {
			c.Expect.Rule = rest[0].S
			rest = rest[1:]
		}
	default:
		p.errorf(n, rest[0].Col, "unknown expectation %q (want clean or a kind: %s, with an optional rule)", rest[0].S, kindList())
		return
	}
	set := map[string]bool{}
	for _, x := range rest {
		key, val, ok := strings.Cut(x.S, "=")
		limit := map[string]int64{"bound": 16, "budget": 100_000_000, "faults": 64, "ignore": 1}[key] // ignore= takes rules, not a count
		if !ok || limit == 0 {
			p.errorf(n, x.Col, "want bound=N, budget=N, faults=N or ignore=RULE[,RULE], got %q", x.S)
			return
		}
		if set[key] {
			p.errorf(n, x.Col, "%s given twice", key)
			return
		}
		set[key] = true
		if key == "ignore" {
			if c.Ignore, ok = p.rules(n, word{S: val, Col: x.Col + len(key) + 1}); !ok {
				return
			}
			continue
		}
		v, ok := p.count(n, word{S: val, Col: x.Col + len(key) + 1}, key, limit)
		if !ok {
			return
		}
		switch key {
		case "bound":
			c.Bound = v
		case "budget":
			c.Budget = v
		case "faults":
			c.MaxFaults = v
		}
	}
	for _, v := range vs {
		c.Variant = v
		if p.cellAt[c.Name()] {
			p.errorf(n, w[1].Col, "a second cell for variant %s", c.Name())
			continue
		}
		p.cellAt[c.Name()] = true
		p.cur.Cells = append(p.cur.Cells, c)
	}
}

// rules parses ignore='s "RULE[,RULE]": rule names, none empty or given
// twice.
func (p *parser) rules(n int, w word) ([]string, bool) {
	var out []string
	col := w.Col
	for _, r := range strings.Split(w.S, ",") {
		switch {
		case r == "":
			p.errorf(n, col, "ignore=: want a rule name (ignore=RULE[,RULE])")
			return nil, false
		case slices.Contains(out, r):
			p.errorf(n, col, "ignore=: rule %s given twice", r)
			return nil, false
		}
		out = append(out, r)
		col += len(r) + 1
	}
	return out, true
}

func variantErr(err error, text string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("variant %q: want VARIANT/REGIME or VARIANT/* (every regime)", text)
}

func knownKind(k sim.Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func kindList() string {
	var s []string
	for _, k := range kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}
