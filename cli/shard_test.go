package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The shards of a check merge to the check itself, byte for byte (times
// left out), as JSON and as a table; every cell is in exactly one shard.
func TestShardsMergeToOneCheck(t *testing.T) {
	dir := t.TempDir()
	args := []string{"check", "--scenario", demoCells, "--no-times", "--json"}
	_, one, _ := dcsim(t, args...)
	var files []string
	total := 0
	for i := range 3 {
		f := filepath.Join(dir, "shard-"+strconv.Itoa(i)+".json")
		if code, _, errOut := dcsim(t, append(args, "--shard", strconv.Itoa(i)+"/3", "-o", f)...); code != 0 {
			t.Fatalf("shard %d/3: exit %d\n%s", i, code, errOut)
		}
		rep, err := readCheckJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		total += len(rep.Cells)
		files = append(files, f)
	}
	code, merged, errOut := dcsim(t, append([]string{"merge", "--json"}, files[2], files[0], files[1])...)
	if code != 0 || merged != one {
		t.Fatalf("merge: exit %d %s\n--- merged\n%s--- one check\n%s", code, errOut, merged, one)
	}
	var rep checkReport
	if err := json.Unmarshal([]byte(one), &rep); err != nil || total != len(rep.Cells) {
		t.Fatalf("shards hold %d cells, the check %d (%v)", total, len(rep.Cells), err)
	}
	_, table, _ := dcsim(t, "check", "--scenario", demoCells, "--no-times")
	if _, mtable, _ := dcsim(t, append([]string{"merge"}, files...)...); mtable != table {
		t.Errorf("merged table differs:\n%s---\n%s", mtable, table)
	}
	// Bad merges are input errors.
	for _, bad := range [][]string{files[:2], {files[0], files[0], files[1], files[2]}, {filepath.Join(dir, "none.json")}} {
		if code, _, errOut := dcsim(t, append([]string{"merge"}, bad...)...); code != 2 || errOut == "" {
			t.Errorf("merge %q: exit %d, want 2 with a message", bad, code)
		}
	}
}

// The table does not depend on the number of workers.
func TestCheckWorkersSameTable(t *testing.T) {
	_, one, _ := dcsim(t, "check", "--scenario", demoCells+",dcache/parallel-lookup", "--no-times", "--workers", "1")
	_, three, _ := dcsim(t, "check", "--scenario", demoCells+",dcache/parallel-lookup", "--no-times", "--workers", "3")
	if one != three {
		t.Errorf("--workers 3 differs from --workers 1:\n%s---\n%s", three, one)
	}
}

func TestShardFromFlagOrEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	none := env(nil)
	for _, c := range []struct {
		flag string
		env  map[string]string
		want *shard
		bad  bool
	}{
		{"", nil, nil, false},
		{"1/3", nil, &shard{1, 3}, false},
		{"", map[string]string{"TEST_SHARD_INDEX": "2", "TEST_TOTAL_SHARDS": "4"}, &shard{2, 4}, false},
		{"0/1", map[string]string{"TEST_SHARD_INDEX": "2", "TEST_TOTAL_SHARDS": "4"}, &shard{0, 1}, false},
		{"3/3", nil, nil, true}, {"x/3", nil, nil, true}, {"1", nil, nil, true}, {"0/0", nil, nil, true},
		{"", map[string]string{"TEST_SHARD_INDEX": "2"}, nil, true},
	} {
		getenv := none
		if c.env != nil {
			getenv = env(c.env)
		}
		got, err := shardFromFlagOrEnv(c.flag, getenv)
		if (err != nil) != c.bad || (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("shard %q env %v: %+v, %v", c.flag, c.env, got, err)
		}
	}
}

// The Kubernetes Indexed Job of docs/scale.md: one pod per shard, each
// given its completion index as TEST_SHARD_INDEX and the completion count
// as TEST_TOTAL_SHARDS. The test reads the manifest (JSON, which is YAML),
// checks what makes it a sharded check, and runs its command once per
// index in-process, on the demo cells, with the environment the pods
// get; the shards' files merge to one check.
func TestK8sIndexedJobManifest(t *testing.T) {
	data, err := os.ReadFile("../testdata/k8s/check-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type container struct {
		Command, Args []string
		Env           []struct {
			Name, Value string
			ValueFrom   *struct {
				FieldRef struct{ FieldPath string }
			}
		}
	}
	var job struct {
		APIVersion, Kind string
		Spec             struct {
			CompletionMode           string
			Completions, Parallelism int
			Template                 struct {
				Spec struct{ Containers []container }
			}
		}
	}
	if err := json.Unmarshal(data, &job); err != nil {
		t.Fatalf("testdata/k8s/check-job.yaml: %v", err)
	}
	s := job.Spec
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || s.CompletionMode != "Indexed" || s.Completions < 2 ||
		s.Parallelism != s.Completions || len(s.Template.Spec.Containers) != 1 {
		t.Fatalf("not an Indexed Job of n shards: %+v", job)
	}
	c := s.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = "from:" + e.ValueFrom.FieldRef.FieldPath
		}
	}
	if env["TEST_SHARD_INDEX"] != "from:metadata.annotations['batch.kubernetes.io/job-completion-index']" ||
		env["TEST_TOTAL_SHARDS"] != strconv.Itoa(s.Completions) {
		t.Fatalf("shard environment %v does not come from the completion index and count %d", env, s.Completions)
	}
	if len(c.Command) != 1 || c.Command[0] != "dcsim" || len(c.Args) < 2 || c.Args[0] != "check" {
		t.Fatalf("command %q %q is not dcsim check", c.Command, c.Args)
	}
	dir := t.TempDir()
	var files []string
	for i := range s.Completions {
		idx := strconv.Itoa(i)
		t.Setenv("TEST_SHARD_INDEX", idx)
		t.Setenv("TEST_TOTAL_SHARDS", env["TEST_TOTAL_SHARDS"])
		args := slicesMap(c.Args, func(a string) string {
			return strings.ReplaceAll(strings.ReplaceAll(a, "$(TEST_SHARD_INDEX)", idx), "/results", dir)
		})
		if code, _, errOut := dcsim(t, append(args, "--scenario", demoCells)...); code != 0 {
			t.Fatalf("pod %d: dcsim %q: exit %d\n%s", i, args, code, errOut)
		}
		files = append(files, filepath.Join(dir, "shard-"+idx+".json"))
	}
	os.Unsetenv("TEST_SHARD_INDEX")
	os.Unsetenv("TEST_TOTAL_SHARDS")
	_, merged, _ := dcsim(t, append([]string{"merge", "--json"}, files...)...)
	_, one, _ := dcsim(t, "check", "--scenario", demoCells, "--json", "--no-times")
	if merged != one {
		t.Errorf("the Job's shards merge to\n%s\nnot to one check's\n%s", merged, one)
	}
}

func slicesMap(in []string, f func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = f(s)
	}
	return out
}
