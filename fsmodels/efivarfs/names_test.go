package efivarfs

import (
	"testing"

	"github.com/dcsim/dcsim/dcache"
)

const guid = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

func TestDHashAndCompareFoldTheGUIDOnly(t *testing.T) {
	lower, upper, other := "Boot0000-"+guid, "Boot0000-8BE4DF61-93CA-11D2-AA0D-00E098032B8C", "boot0000-"+guid
	hash := func(s string) uint32 {
		q := &dcache.Qstr{Name: s}
		if dHash(nil, nil, q) != 0 {
			t.Fatalf("efivarfs_d_hash(%q) failed", s)
		}
		return q.Hash
	}
	if hash(lower) != hash(upper) {
		t.Error("efivarfs_d_hash differs by the GUID's case")
	}
	if hash(lower) == dcache.FullNameHash(nil, lower) {
		t.Error("efivarfs_d_hash equals the plain string hash: 11/19 without 03/19 would go unnoticed")
	}
	if dCompare(nil, nil, len(upper), upper, &dcache.Qstr{Name: lower}) != 0 {
		t.Error("efivarfs_d_compare: GUIDs differing in case only differ")
	}
	if dCompare(nil, nil, len(other), other, &dcache.Qstr{Name: lower}) == 0 {
		t.Error("efivarfs_d_compare: variable names differing in case are equal")
	}
	if dCompare(nil, nil, 3, "abc", &dcache.Qstr{Name: "abc"}) == 0 {
		t.Error("efivarfs_d_compare: a name without a GUID equals something")
	}
	if Fold(upper) != lower || Fold(other) == lower {
		t.Error("Fold does not fold the GUID alone")
	}
}

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"Boot0000-" + guid: true, "B-" + guid: true, guid: false, "-" + guid: false,
		"Boot0000_" + guid: false, "Boot0000-8be4df61x93ca-11d2-aa0d-00e098032b8c": false,
		"Boot0000-8be4df61-93ca-11d2-aa0d-00e098032b8g": false,
	} {
		if validName(s) != want {
			t.Errorf("efivarfs_valid_name(%q) = %v, want %v", s, !want, want)
		}
	}
}
