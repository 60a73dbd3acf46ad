package fuse

import (
	"cmp"
	"slices"
)

// sortedKeys lists a map's keys in order: nothing that reaches a trace
// or a report may depend on map iteration order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
