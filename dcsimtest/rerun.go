package dcsimtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// RerunLine is the command that reruns test name on exactly schedule:
//
//	go test ./pkg -run '^TestX$/^sub$' -dcsim.schedule='v2:...'
//
// The package is named relative to the module root (the directory with
// go.mod above the working directory, which go test sets to the
// package's), and left out when there is none or it is the root.
func RerunLine(name, schedule string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return "go test " + packageArg() + "-run " + shellQuote(strings.Join(parts, "/")) +
		" -dcsim.schedule=" + shellQuote(schedule)
}

// packageArg is "./rel/path " from the module root to the working
// directory, or "".
func packageArg() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return ""
			}
			return "./" + filepath.ToSlash(rel) + " "
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
