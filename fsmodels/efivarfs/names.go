package efivarfs

import (
	"github.com/dcsim/dcsim/dcache"
	"github.com/dcsim/dcsim/sim"
)

// efiVariableGUIDLen is EFI_VARIABLE_GUID_LEN: the text form of a GUID,
// "12345678-1234-1234-1234-123456789abc".
const efiVariableGUIDLen = 36

// tolower is the kernel's tolower on ASCII.
func tolower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

// Fold is the key under which efivarfs_d_compare finds two names equal:
// the variable name as it is, the GUID lower-cased. The invariant checker
// and the R4 check compare names through it (SuperBlock.Fold).
func Fold(name string) string {
	guid := len(name) - efiVariableGUIDLen
	if guid <= 0 {
		return name
	}
	b := []byte(name)
	for i := guid; i < len(b); i++ {
		b[i] = tolower(b[i])
	}
	return string(b)
}

// dCompare is efivarfs_d_compare (fs/efivarfs/super.c): case-sensitive
// on the variable name, case-insensitive on the GUID; a name too short to
// hold a GUID equals nothing ("Parallel lookups may produce a temporary
// invalid filename").
func dCompare(t *sim.Task, dentry *dcache.Dentry, length int, str string, name *dcache.Qstr) int {
	guid := length - efiVariableGUIDLen
	if guid <= 0 {
		return 1
	}
	if name.Len() != length {
		return 1
	}
	// Case-sensitive compare for the variable name
	if str[:guid] != name.Name[:guid] {
		return 1
	}
	// Case-insensitive compare for the GUID
	for i := guid; i < length; i++ {
		if tolower(name.Name[i]) != tolower(str[i]) {
			return 1
		}
	}
	return 0
}

// dHash is efivarfs_d_hash: partial_name_hash of the variable name's
// bytes, then of the GUID's lower-cased. It cannot fail (v3 03/19's
// condition for d_alloc_name).
func dHash(t *sim.Task, dentry *dcache.Dentry, qstr *dcache.Qstr) int {
	hash := dcache.InitNameHash(dentry)
	s := qstr.Name
	n := len(s)
	i := 0
	for ; n > efiVariableGUIDLen; n-- {
		hash = dcache.PartialNameHash(s[i], hash)
		i++
	}
	// GUID is case-insensitive.
	for ; n > 0; n-- {
		hash = dcache.PartialNameHash(tolower(s[i]), hash)
		i++
	}
	qstr.Hash = dcache.EndNameHash(hash)
	return 0
}

// dOps is efivarfs_d_ops.
var dOps = &dcache.DentryOperations{DCompare: dCompare, DHash: dHash}

// validName is efivarfs_valid_name (fs/efivarfs/inode.c): at least one
// character of name, '-', and a well-formed GUID (uuid_is_valid).
func validName(str string) bool {
	if len(str) < efiVariableGUIDLen+2 {
		return false
	}
	s := str[len(str)-efiVariableGUIDLen:]
	// GUID must be preceded by a '-'
	if str[len(str)-efiVariableGUIDLen-1] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
