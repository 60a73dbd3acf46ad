// Package fidelitycheck keeps docs/fidelity.md's table of modeled
// functions complete: every model function whose doc comment says which
// kernel function it is must have a row, every Go name a row cites must
// exist, and a function marked "Divergence:" must not have a row that says
// "none". Its test runs the check on the repository.
//
// A function counts as modeled when its doc comment starts "Name is K" and
// the clause K (up to the first ": ", "; " or ". ") names a C identifier: a
// word with an underscore (d_add, IS_ROOT), or the Go name in lower case
// (Dput is dput).
package fidelitycheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Func is one Go function (or, for table lookups, type) of a model package.
type Func struct {
	Name     string // package-qualified: dcache.DAdd, vfs.(*System).Open
	Pos      string // file:line
	Kernel   string // the clause after "Name is"; "" when not modeled
	Diverges bool   // "Divergence:" in its doc comment or body
}

var (
	underscoreIdent = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*_[A-Za-z0-9_]*`)
	word            = regexp.MustCompile(`[A-Za-z0-9]+`)
	// A doc comment that starts "OtherName is" names a function other
	// than the one it documents.
	docSubject = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*) is `)
)

// kernelClause returns the clause after "name is " if it names a kernel
// function.
func kernelClause(doc, name string) string {
	first := strings.Join(strings.Fields(strings.SplitN(doc, "\n\n", 2)[0]), " ")
	c, ok := strings.CutPrefix(first, name+" is ")
	if !ok {
		return ""
	}
	for _, sep := range []string{": ", "; ", ". "} {
		if i := strings.Index(c, sep); i >= 0 {
			c = c[:i]
		}
	}
	c = strings.TrimSuffix(c, ".")
	if w := word.FindString(c); underscoreIdent.MatchString(c) || w == strings.ToLower(name) && strings.HasPrefix(c, w) {
		return c
	}
	return ""
}

// Parse reads the non-test Go files of dir (package name pkg) and returns
// their functions and, as Funcs without Kernel, their types. Problems are
// doc comments that name another function.
func Parse(fset *token.FileSet, pkg string, files map[string]string) (funcs []Func, problems []string, err error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, files[name], parser.ParseComments)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						doc := d.Doc
						if ts.Doc != nil {
							doc = ts.Doc
						}
						funcs = append(funcs, Func{Name: pkg + "." + ts.Name.Name, Pos: fset.Position(ts.Pos()).String(),
							Diverges: strings.Contains(doc.Text(), "Divergence:")})
					}
				}
			case *ast.FuncDecl:
				fn := Func{Name: qualified(pkg, d), Pos: fset.Position(d.Pos()).String()}
				doc := d.Doc.Text()
				fn.Kernel = kernelClause(doc, d.Name.Name)
				if m := docSubject.FindStringSubmatch(doc); m != nil && m[1] != d.Name.Name {
					problems = append(problems, fmt.Sprintf("%s: the doc comment of %s starts %q", fn.Pos, fn.Name, m[0]))
				}
				for _, cg := range f.Comments {
					if (cg == d.Doc || cg.Pos() > d.Pos() && cg.End() < d.End()) && strings.Contains(cg.Text(), "Divergence:") {
						fn.Diverges = true
					}
				}
				funcs = append(funcs, fn)
			}
		}
	}
	return funcs, problems, nil
}

// qualified is pkg.Name or pkg.(*Recv).Name.
func qualified(pkg string, d *ast.FuncDecl) string {
	if d.Recv == nil {
		return pkg + "." + d.Name.Name
	}
	t, star := d.Recv.List[0].Type, ""
	if s, ok := t.(*ast.StarExpr); ok {
		t, star = s.X, "*"
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	return fmt.Sprintf("%s.(%s%s).%s", pkg, star, t.(*ast.Ident).Name, d.Name.Name)
}

// Row is a row of a table whose first column cites Go functions.
type Row struct {
	Line        int
	Names       []string // the backquoted Go names of the first column
	Divergences string   // the last column
}

// Rows returns the rows of every markdown table in doc whose first
// column cites at least one Go name of the packages pkgs (`dcache.X`,
// `vfs.(*System).Y` ...).
func Rows(doc string, pkgs []string) []Row {
	goRef := regexp.MustCompile("`((?:" + strings.Join(pkgs, "|") + ")\\.[^`]+)`")
	var rows []Row
	for i, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := splitRow(line)
		if len(cells) < 2 {
			continue
		}
		var names []string
		for _, m := range goRef.FindAllStringSubmatch(cells[0], -1) {
			names = append(names, m[1])
		}
		if names != nil {
			rows = append(rows, Row{Line: i + 1, Names: names, Divergences: strings.TrimSpace(cells[len(cells)-1])})
		}
	}
	return rows
}

// splitRow splits a table line into cells; "\|" and pipes inside
// backquotes do not split.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	var cells []string
	var cur strings.Builder
	code := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case c == '`':
			code = !code
			cur.WriteByte(c)
		case c == '|' && !code:
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(cells, cur.String())
}

// Check compares the functions with the table rows of doc (file names the
// doc in messages) and returns what is wrong, one line per problem.
func Check(funcs []Func, doc, file string) []string {
	var problems []string
	byName := map[string]Func{}
	for _, f := range funcs {
		byName[f.Name] = f
	}
	var pkgs []string
	for _, f := range funcs {
		if pkg, _, _ := strings.Cut(f.Name, "."); !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	slices.Sort(pkgs)
	rowOf := map[string]Row{}
	for _, r := range Rows(doc, pkgs) {
		for _, n := range r.Names {
			f, ok := byName[n]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s:%d: %s is no function or type of the model", file, r.Line, n))
				continue
			}
			rowOf[n] = r
			if f.Diverges && (r.Divergences == "" || strings.EqualFold(r.Divergences, "none")) {
				problems = append(problems, fmt.Sprintf("%s:%d: %s has a Divergence: comment (%s) but its row says %q", file, r.Line, n, f.Pos, r.Divergences))
			}
		}
	}
	for _, f := range funcs {
		if _, ok := rowOf[f.Name]; f.Kernel != "" && !ok {
			problems = append(problems, fmt.Sprintf("%s: %s (%s) has no row in %s", f.Pos, f.Name, f.Kernel, file))
		}
	}
	return problems
}

// ReadPackage parses the non-test Go files of dir as package pkg.
func ReadPackage(fset *token.FileSet, dir, pkg string, read func(string) ([]byte, error)) ([]Func, []string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, nil, err
	}
	files := map[string]string{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := read(p)
		if err != nil {
			return nil, nil, err
		}
		files[p] = string(b)
	}
	return Parse(fset, pkg, files)
}
