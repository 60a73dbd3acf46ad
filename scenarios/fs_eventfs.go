package scenarios

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/fsmodels/eventfs"
	"github.com/dcsim/dcsim/fsmodels/fstest"
	"github.com/dcsim/dcsim/sim"
	"github.com/dcsim/dcsim/vfs"
)

// eventfsEntries are the files of the events directory a scenario file
// with "fs eventfs" sees.
var eventfsEntries = []eventfs.Entry{
	{Name: "enable", Mode: dcache.S_IFREG},
	{Name: "filter", Mode: dcache.S_IFREG},
}

func init() {
	RegisterFS(&FSKind{Name: "eventfs",
		Doc: "a tracefs events directory as the root, with the files enable and filter made up on ->lookup (fs/tracefs/event_inode.c; the change eventfs-get-ei selects v6.8's refcounted d_fsdata)",
		New: func(w *sim.World, s *vfs.System) FSRun {
			fstest.EventfsOn(w, s, eventfsEntries...)
			return tmpfsRun{}
		}})
}
