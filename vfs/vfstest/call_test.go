package vfstest_test

import (
	"errors"
	"testing"

	"github.com/dcsim/dcsim/internal/leakcheck"
	"github.com/dcsim/dcsim/vfs/vfstest"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestParseCallRoundTrip(t *testing.T) {
	for _, line := range []string{
		"open /f", "open /f creat|excl", "close fd3", "close $", "stat /a/b", "mkdir /d", "rmdir /d",
		"unlink /f", "link /a /b", "symlink target /l", "mknod /w wht", "rename /a /b",
		"rename /a /b noreplace|whiteout", "ls /", "pressure 4 /", "dropcaches /",
	} {
		c, err := vfstest.ParseCall(line)
		if err != nil {
			t.Fatalf("ParseCall(%q): %v", line, err)
		}
		again, err := vfstest.ParseCall(c.String())
		if err != nil || *again != *c {
			t.Errorf("ParseCall(%q).String() = %q parses to %+v, %v; want %+v", line, c.String(), again, err, c)
		}
	}
}

func TestParseCallErrors(t *testing.T) {
	for _, tc := range []struct {
		line string
		col  int
	}{
		{"", 1},
		{"frobnicate /x", 1},
		{"open", 5},
		{"open /f creat extra", 15},
		{"open f", 6},
		{"open /f creat|bogus", 15},
		{"close 3", 7},
		{"close fd-1", 7},
		{"mknod /f blk", 10},
		{"rename /a b", 11},
		{"pressure x", 10},
		{"  stat   rel", 10},
	} {
		_, err := vfstest.ParseCall(tc.line)
		var se *vfstest.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseCall(%q) = %v, want a *SyntaxError", tc.line, err)
			continue
		}
		if se.Col != tc.col {
			t.Errorf("ParseCall(%q): column %d, want %d (%v)", tc.line, se.Col, tc.col, err)
		}
	}
}
