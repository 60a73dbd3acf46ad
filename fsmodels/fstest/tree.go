package fstest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/ovl"
)

// Hashed maps the path (below d, "/"-separated) of every hashed
// positive dentry under d to its type (reg, dir, lnk, chr, wht), for
// end-of-run checks of a layer's contents. No step.
func Hashed(d *dcache.Dentry) map[string]string {
	out := map[string]string{}
	var rec func(d *dcache.Dentry, prefix string)
	rec = func(d *dcache.Dentry, prefix string) {
		for _, ch := range d.Children() {
			if !ch.Hashed() || ch.DInode == nil {
				continue
			}
			p := prefix + ch.DName.Name
			out[p] = ch.DInode.IMode.String()
			rec(ch, p+"/")
		}
	}
	rec(d, "")
	return out
}

// Lookup finds the hashed positive dentry at path below d, or nil. No
// step.
func Lookup(d *dcache.Dentry, path string) *dcache.Dentry {
	for _, c := range strings.Split(path, "/") {
		var next *dcache.Dentry
		for _, ch := range d.Children() {
			if ch.DName.Name == c && ch.Hashed() && ch.DInode != nil {
				next = ch
			}
		}
		if next == nil {
			return nil
		}
		d = next
	}
	return d
}

// UpperTree is the tree of a directory of the upper layer's root,
// ovl.UpperDirName (the upper layer) or ovl.WorkDirName: Hashed for a
// tmpfs (its dcache is its namespace), the disk's tree for a disk
// filesystem.
func (e *OverlayEnv) UpperTree(dir string) map[string]string {
	if dir != ovl.UpperDirName && dir != ovl.WorkDirName {
		panic("fstest: UpperTree of " + dir)
	}
	if e.UpperDisk != nil {
		return e.UpperDisk.Disk.Tree(dir) // the disk is the namespace
	}
	d := Lookup(e.UpperLayer.Root(), dir)
	if d == nil {
		return map[string]string{}
	}
	return Hashed(d)
}

// FormatTree renders a Hashed map as "path:type ...", sorted by path.
func FormatTree(tr map[string]string) string {
	var k []string
	for p := range tr {
		k = append(k, p)
	}
	slices.Sort(k)
	var b strings.Builder
	for _, p := range k {
		fmt.Fprintf(&b, "%s:%s ", p, tr[p])
	}
	return strings.TrimSpace(b.String())
}

// SortedLs sorts the entries of a vfstest "ls" result ("a:reg,c:reg"),
// for listings whose order is the filesystem's (a merged directory's).
func SortedLs(res string) string {
	if strings.HasPrefix(res, "-") || res == "" {
		return res
	}
	ents := strings.Split(res, ",")
	slices.Sort(ents)
	return strings.Join(ents, ",")
}
