package diskfs

import (
	"slices"
	"strings"

	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs/oracle"
)

// Disk is the filesystem's persistent state: the inodes and the
// directory blocks. Reads and writes of it are steps on its object.
type Disk struct {
	sim.Object
	inodes  map[uint64]*dinode
	nextIno uint64
	truth   *oracle.Truth
}

// dinode is an on-disk inode (struct ext2_inode): its type, link count,
// a directory's entries in block order, a symlink's body.
type dinode struct {
	mode   dcache.Mode
	nlink  int
	ents   []dirent
	target string
}

// dirent is a directory entry (struct ext2_dir_entry_2).
type dirent struct {
	name string
	ino  uint64
}

// rootIno is EXT2_ROOT_INO.
const rootIno = 2

func newDisk(w *sim.World, name string) *Disk {
	d := &Disk{inodes: map[uint64]*dinode{rootIno: {mode: dcache.S_IFDIR, nlink: 2}}, nextIno: rootIno + 1,
		truth: oracle.New(w, name)}
	w.NewStatic(&d.Object, "disk("+name+")")
	return d
}

// find is ext2_find_entry's scan of a directory's blocks: the entry's
// inode number, or 0.
func (d *Disk) find(t *sim.Task, dir uint64, name string) uint64 {
	t.Read(&d.Object, "dir blocks")
	for _, e := range d.inodes[dir].ents {
		if e.name == name {
			return e.ino
		}
	}
	return 0
}

// entries is a copy of a directory's entries, read from its blocks.
func (d *Disk) entries(t *sim.Task, dir uint64) []dirent {
	t.Read(&d.Object, "dir blocks")
	return slices.Clone(d.inodes[dir].ents)
}

// allocInode is ext2_new_inode's bitmap part: a new on-disk inode.
func (d *Disk) allocInode(t *sim.Task, mode dcache.Mode, target string) uint64 {
	t.Write(&d.Object, "inode bitmap")
	ino := d.nextIno
	d.nextIno++
	nlink := 1
	if mode.IsDir() {
		nlink = 2
	}
	d.inodes[ino] = &dinode{mode: mode, nlink: nlink, target: target}
	return ino
}

// addEntry writes a directory entry (ext2_add_link's block write) and
// records it in the truth.
func (d *Disk) addEntry(t *sim.Task, dir uint64, name string, ino uint64) {
	t.Write(&d.Object, "dir blocks")
	di := d.inodes[dir]
	di.ents = append(slices.Clone(di.ents), dirent{name, ino})
	d.truth.Set(oracle.Obj(dir), name, oracle.Obj(ino), "disk write")
}

// setEntry points an existing entry at another inode (ext2_set_link).
func (d *Disk) setEntry(t *sim.Task, dir uint64, name string, ino uint64) {
	t.Write(&d.Object, "dir blocks")
	di := d.inodes[dir]
	di.ents = slices.Clone(di.ents)
	for i := range di.ents {
		if di.ents[i].name == name {
			di.ents[i].ino = ino
		}
	}
	d.truth.Set(oracle.Obj(dir), name, oracle.Obj(ino), "disk write")
}

// deleteEntry removes a directory entry (ext2_delete_entry).
func (d *Disk) deleteEntry(t *sim.Task, dir uint64, name string) {
	t.Write(&d.Object, "dir blocks")
	di := d.inodes[dir]
	di.ents = slices.DeleteFunc(slices.Clone(di.ents), func(e dirent) bool { return e.name == name })
	d.truth.Set(oracle.Obj(dir), name, oracle.None, "disk write")
}

// Populate writes path's entry straight to disk, before any task runs
// (mkfs and a prepared image): dirs end in "/". Parents first.
func (d *Disk) Populate(path string, mode dcache.Mode) {
	dir := uint64(rootIno)
	parts := splitPath(path)
	for _, c := range parts[:len(parts)-1] {
		if dir = d.lookupNoStepOr0(dir, c); dir == 0 {
			panic("diskfs: Populate: no parent for " + path)
		}
	}
	ino := d.nextIno
	d.nextIno++
	nlink := 1
	if mode.IsDir() {
		nlink = 2
		d.inodes[dir].nlink++
	}
	d.inodes[ino] = &dinode{mode: mode, nlink: nlink}
	name := parts[len(parts)-1]
	d.inodes[dir].ents = append(d.inodes[dir].ents, dirent{name, ino})
	d.truth.Set(oracle.Obj(dir), name, oracle.Obj(ino), "mkfs")
}

func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

// Truth is the disk's namespace history for vfs/oracle.
func (d *Disk) Truth() *oracle.Truth { return d.truth }

// Tree maps the path (below the directory at path, "" for the root) of
// every entry on disk to its type (reg, dir, lnk, chr, wht), like
// fstest.Hashed does for a tmpfs's dcache. No step: for end-of-run
// checks.
func (d *Disk) Tree(path string) map[string]string {
	out := map[string]string{}
	dir := uint64(rootIno)
	for _, c := range splitPath(path) {
		if dir = d.lookupNoStepOr0(dir, c); dir == 0 {
			return out
		}
	}
	var rec func(dir uint64, prefix string)
	rec = func(dir uint64, prefix string) {
		for _, e := range d.inodes[dir].ents {
			di := d.inodes[e.ino]
			out[prefix+e.name] = di.mode.String()
			if di.mode.IsDir() {
				rec(e.ino, prefix+e.name+"/")
			}
		}
	}
	rec(dir, "")
	return out
}

func (d *Disk) lookupNoStepOr0(dir uint64, name string) uint64 {
	for _, e := range d.inodes[dir].ents {
		if e.name == name {
			return e.ino
		}
	}
	return 0
}

// RootIno is the root directory's inode number (EXT2_ROOT_INO), its
// object in the truth.
const RootIno = rootIno
