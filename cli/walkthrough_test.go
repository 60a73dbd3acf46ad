package cli

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestWalkthroughExplain: every block the walk-through quotes is cut from
// the output of the `dcsim explain` command before it. A block is a list
// of segments separated by "..." lines; each segment is a run of whole
// lines of that output, whole steps when it quotes steps (a step's line
// and the narration indented under it), in output order. After a model
// change moves line numbers or state, -update rewrites each segment that
// quotes steps from the output of the same steps.
func TestWalkthroughExplain(t *testing.T) {
	const path = "../docs/walkthrough-d_alloc_parallel.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	explainCmd := regexp.MustCompile(`^    dcsim (explain .*)#`)
	var out []string // the output of the last explain command
	var lines []string
	var seg []string
	inBlock, segments, cursor := false, 0, 0
	// flush checks (or, with -update, rewrites) the segment seg, quoted
	// at the end of lines.
	flush := func(at int) {
		defer func() { seg = nil }()
		if len(seg) == 0 {
			return
		}
		segments++
		if out == nil {
			t.Errorf("walkthrough-d_alloc_parallel.md:%d: a quoted block with no dcsim explain command before it", at)
			return
		}
		i := indexLines(out, seg, cursor)
		if i >= 0 && (i+len(seg) == len(out) || !isNarration(out[i+len(seg)])) {
			cursor = i + len(seg)
			return
		}
		if *updateDocs {
			if from, to := stepRange(out, seg, cursor); from >= 0 {
				lines = append(lines[:len(lines)-len(seg)], out[from:to]...)
				cursor = to
				return
			}
		}
		t.Errorf("walkthrough-d_alloc_parallel.md:%d: the %d lines before are not whole steps of the output of the dcsim explain before them, in order (-update rewrites them):\n%s",
			at, len(seg), strings.Join(seg, "\n"))
	}
	for i, line := range strings.Split(string(data), "\n") {
		if m := explainCmd.FindStringSubmatch(line); m != nil {
			_, o, _ := dcsim(t, shellWords(m[1])...)
			out, cursor = strings.Split(o, "\n"), 0
		}
		switch {
		case strings.HasPrefix(line, "```"):
			if inBlock {
				flush(i)
			}
			inBlock = !inBlock
		case inBlock && strings.TrimSpace(line) == "...":
			flush(i)
		case inBlock:
			seg = append(seg, line)
		}
		lines = append(lines, line)
	}
	if segments == 0 {
		t.Error("the walk-through quotes no explain output")
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// stepRE matches a step's line, in the narration and in the columns: its
// number ("32", or "32+" for an event) comes first.
var stepRE = regexp.MustCompile(`^ *(?:>>)?([0-9]+\+?) `)

// isNarration: line is indented under a step (what the step changed).
func isNarration(line string) bool {
	return strings.HasPrefix(line, "            ") && !stepRE.MatchString(line)
}

// indexLines is the index in out, from from on, where seg's lines
// follow each other, or -1.
func indexLines(out, seg []string, from int) int {
	for i := from; i+len(seg) <= len(out); i++ {
		if slices.Equal(out[i:i+len(seg)], seg) {
			return i
		}
	}
	return -1
}

// stepRange is the range of out, from from on, that holds the steps seg
// starts and ends with, narration included; -1 if seg quotes no step or
// out lacks them.
func stepRange(out, seg []string, from int) (int, int) {
	first, last := stepRE.FindStringSubmatch(seg[0]), stepRE.FindStringSubmatch(seg[len(seg)-1])
	if first == nil {
		return -1, -1
	}
	for j := len(seg) - 1; last == nil && j > 0; j-- {
		last = stepRE.FindStringSubmatch(seg[j])
	}
	start := -1
	for i := from; i < len(out); i++ {
		m := stepRE.FindStringSubmatch(out[i])
		if m == nil {
			continue
		}
		if start < 0 && m[1] == first[1] {
			start = i
		}
		if start >= 0 && m[1] == last[1] {
			end := i + 1
			for end < len(out) && isNarration(out[end]) {
				end++
			}
			return start, end
		}
	}
	return -1, -1
}
