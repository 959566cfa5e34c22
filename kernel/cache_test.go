package kernel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type result struct {
	Acc    float64   `json:"acc"`
	Losses []float64 `json:"losses"`
}

func testCache(t *testing.T) (*Cache, *[]string) {
	var logs []string
	c := &Cache{Dir: filepath.Join(t.TempDir(), "cache"), Logf: func(f string, a ...any) {
		logs = append(logs, fmt.Sprintf(f, a...))
	}}
	return c, &logs
}

func TestCacheComputesOnceThenHits(t *testing.T) {
	t.Setenv(NoCacheEnv, "")
	c, logs := testCache(t)
	calls := 0
	compute := func() (any, error) {
		calls++
		return result{Acc: 0.75, Losses: []float64{2, 1}}, nil
	}
	for i := 0; i < 3; i++ {
		var r result
		if err := c.GetOrCompute("baseline alexnet/epochs=3", &r, compute); err != nil {
			t.Fatal(err)
		}
		if r.Acc != 0.75 || len(r.Losses) != 2 {
			t.Fatalf("run %d: got %+v", i, r)
		}
	}
	if calls != 1 {
		t.Errorf("compute called %d times, want 1", calls)
	}
	if n := countContaining(*logs, "cache hit"); n != 2 {
		t.Errorf("%d hit log lines, want 2: %q", n, *logs)
	}
	// A different key is a miss.
	var r result
	if err := c.GetOrCompute("baseline alexnet/epochs=4", &r, compute); err != nil || calls != 2 {
		t.Errorf("other key: err=%v calls=%d", err, calls)
	}
	// No temp files left behind.
	entries, _ := os.ReadDir(c.Dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("leftover temp file %s", e.Name())
		}
	}
	if len(entries) != 2 {
		t.Errorf("%d files in cache dir, want 2", len(entries))
	}
}

func TestCacheCorruptEntryRecomputes(t *testing.T) {
	t.Setenv(NoCacheEnv, "")
	c, logs := testCache(t)
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	key := "k"
	if err := os.WriteFile(c.Path(key), []byte(`{"key": "k", "value": {"acc": 0.`), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := 0
	compute := func() (any, error) { calls++; return result{Acc: 0.5}, nil }
	var r result
	if err := c.GetOrCompute(key, &r, compute); err != nil {
		t.Fatal(err)
	}
	if calls != 1 || r.Acc != 0.5 {
		t.Errorf("calls=%d r=%+v", calls, r)
	}
	if n := countContaining(*logs, "corrupt entry"); n != 1 {
		t.Errorf("want one 'corrupt entry' log line, got %q", *logs)
	}
	// The entry was rewritten and now hits.
	r = result{}
	if err := c.GetOrCompute(key, &r, compute); err != nil || calls != 1 || r.Acc != 0.5 {
		t.Errorf("after repair: err=%v calls=%d r=%+v", err, calls, r)
	}
}

func TestCacheTypeChangeRecomputes(t *testing.T) {
	t.Setenv(NoCacheEnv, "")
	c, logs := testCache(t)
	var s string
	if err := c.GetOrCompute("k", &s, func() (any, error) { return "text", nil }); err != nil {
		t.Fatal(err)
	}
	var r result
	if err := c.GetOrCompute("k", &r, func() (any, error) { return result{Acc: 1}, nil }); err != nil {
		t.Fatal(err)
	}
	if r.Acc != 1 || countContaining(*logs, "corrupt entry") != 1 {
		t.Errorf("r=%+v logs=%q", r, *logs)
	}
}

func TestCacheErrors(t *testing.T) {
	c, _ := testCache(t)
	boom := errors.New("boom")
	var r result
	err := c.GetOrCompute("k", &r, func() (any, error) { return nil, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `"k"`) {
		t.Errorf("compute error not wrapped with key: %v", err)
	}
	if _, statErr := os.Stat(c.Path("k")); !os.IsNotExist(statErr) {
		t.Error("failed compute was stored")
	}
	if err := c.GetOrCompute("k", r, func() (any, error) { return r, nil }); err == nil {
		t.Error("non-pointer v accepted")
	}
	if err := (&Cache{}).GetOrCompute("k", &r, func() (any, error) { return r, nil }); err == nil {
		t.Error("empty Dir accepted")
	}
}

func TestCacheNoCacheEnv(t *testing.T) {
	c, _ := testCache(t)
	calls := 0
	compute := func() (any, error) { calls++; return calls, nil }
	var n int
	t.Setenv(NoCacheEnv, "1")
	for i := 0; i < 2; i++ {
		if err := c.GetOrCompute("k", &n, compute); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(NoCacheEnv, "")
	if err := c.GetOrCompute("k", &n, compute); err != nil {
		t.Fatal(err)
	}
	if calls != 2 || n != 2 {
		t.Errorf("calls=%d n=%d, want 2 and 2 (last run hits the refreshed entry)", calls, n)
	}
}

func TestQuickMode(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "1": true, "true": true, "yes": true, "nope": false} {
		t.Setenv(QuickEnv, v)
		if got := QuickMode(); got != want {
			t.Errorf("QuickMode() with %q = %v", v, got)
		}
	}
}

func countContaining(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}
