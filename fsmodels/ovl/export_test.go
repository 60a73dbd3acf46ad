package ovl

// Internals the external tests (package ovl_test) reach.

// CheckSpliceR8 switches spliceAlias's R8 check (TestPosted10ResplicePastR8).
var CheckSpliceR8 = &checkSpliceR8

// XinoShift and LowerFsid are the xino layout of st_ino.
const (
	XinoShift = xinoShift
	LowerFsid = lowerFsid
)
