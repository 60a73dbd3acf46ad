package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// shard is the share i of n of a check: the cells k of the selection
// (in catalog order) with k mod n = i. A nil *shard takes every cell.
type shard struct{ index, total int }

// parseShard reads "i/n" (0 <= i < n).
func parseShard(s string) (*shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("%q is not a shard I/N with 0 <= I < N", s)
	}
	return &shard{i, n}, nil
}

// shardFromFlagOrEnv is the --shard flag, or else the test-sharding
// convention of Bazel and others: TEST_SHARD_INDEX (0-based) and
// TEST_TOTAL_SHARDS. A Kubernetes Indexed Job maps its
// JOB_COMPLETION_INDEX to TEST_SHARD_INDEX (docs/scale.md).
func shardFromFlagOrEnv(flag string, getenv func(string) string) (*shard, error) {
	if flag != "" {
		sh, err := parseShard(flag)
		if err != nil {
			return nil, usagef("--shard: %v", err)
		}
		return sh, nil
	}
	idx, total := getenv("TEST_SHARD_INDEX"), getenv("TEST_TOTAL_SHARDS")
	if idx == "" && total == "" {
		return nil, nil
	}
	sh, err := parseShard(idx + "/" + total)
	if err != nil {
		return nil, usagef("TEST_SHARD_INDEX and TEST_TOTAL_SHARDS: %v", err)
	}
	return sh, nil
}

// take keeps the shard's cells, in order.
func (sh *shard) take(cells []checkCell) []checkCell {
	if sh == nil {
		return cells
	}
	var out []checkCell
	for k, c := range cells {
		if k%sh.total == sh.index {
			out = append(out, c)
		}
	}
	return out
}
