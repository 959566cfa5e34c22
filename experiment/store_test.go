package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func testRow(i int) Row {
	cfg := configJSON(map[string]int{"unit": i})
	return Row{Key: hashConfig(cfg), Sweep: "t", Kind: "filter", Config: cfg, Metrics: Metrics{Accuracy: float64(i) / 100}}
}

// storeWithRows returns a new store in a temporary directory holding testRow(0..n-1), and its path.
func storeWithRows(t *testing.T, n int) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.jsonl")
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := s.Append(testRow(i)); err != nil {
			t.Fatal(err)
		}
	}
	return s, path
}

func TestStoreAppendReload(t *testing.T) {
	s, path := storeWithRows(t, 3)
	if err := s.Append(testRow(1)); err != nil { // already there: not written twice
		t.Fatal(err)
	}
	s2, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := s2.Rows()
	if len(rows) != 3 || rows[2].Metrics.Accuracy != 0.02 {
		t.Fatalf("reloaded %d rows %+v, want 3 in order", len(rows), rows)
	}
	if r, ok := s2.Get(testRow(1).Key); !ok || r.Metrics.Accuracy != 0.01 {
		t.Fatalf("Get = %+v %v", r, ok)
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n"); n != 3 {
		t.Fatalf("file has %d lines, want 3", n)
	}
}

// TestStoreCorrupt: a truncated or edited line is an error naming the file and the line.
func TestStoreCorrupt(t *testing.T) {
	dir := t.TempDir()
	good, _ := json.Marshal(testRow(1))
	edited := strings.Replace(string(good), `"unit":1`, `"unit":2`, 1)
	for name, content := range map[string]string{
		"truncated": string(good) + "\n" + string(good[:len(good)/2]) + "\n",
		"edited":    string(good) + "\n\n" + edited + "\n",
		"unknown":   `{"key":"x","kind":"y","config":{},"bogus":1}` + "\n",
	} {
		path := filepath.Join(dir, name+".jsonl")
		os.WriteFile(path, []byte(content), 0o644)
		_, err := OpenStore(path)
		want := map[string]string{"truncated": ":2:", "edited": ":3:", "unknown": ":1:"}[name]
		if err == nil || !strings.Contains(err.Error(), path+want) {
			t.Errorf("%s: err = %v, want one naming %s%s", name, err, path, want)
		}
	}
	// A last line without its newline (a writer killed mid-row) blocks appends.
	path := filepath.Join(dir, "nonl.jsonl")
	os.WriteFile(path, good, 0o644)
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(testRow(5)); err == nil || !strings.Contains(err.Error(), "newline") {
		t.Errorf("append after an unterminated line: err = %v", err)
	}
}

// TestStoreConcurrentWriters: two stores on one file (two shards) appending at once lose no row.
func TestStoreConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenStore(path)
			if err != nil {
				errs <- err
				return
			}
			for i := range 40 {
				if err := s.Append(testRow(w*1000 + i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Rows()); n != 80 {
		t.Fatalf("%d rows after two writers of 40, want 80", n)
	}
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	a, _ := OpenStore(filepath.Join(dir, "a.jsonl"))
	b, _ := OpenStore(filepath.Join(dir, "b.jsonl"))
	for i := range 4 {
		a.Append(testRow(i))
		b.Append(testRow(i + 2))
	}
	n, err := Merge(a, b.Path())
	if err != nil || n != 2 || len(a.Rows()) != 6 {
		t.Fatalf("merge added %d (err %v), now %d rows; want 2 and 6", n, err, len(a.Rows()))
	}
	if _, err := Merge(a, filepath.Join(dir, "missing.jsonl")); err != nil {
		t.Fatalf("merging a missing store: %v", err)
	}
}

// TestDigestMatchesDefinition pins the digest to its documented definition (the CI check script
// recomputes it in Python).
func TestDigestMatchesDefinition(t *testing.T) {
	s, _ := OpenStore(filepath.Join(t.TempDir(), "r.jsonl"))
	s.Append(testRow(2))
	s.Append(testRow(1))
	sp := testRow(3)
	sp.Metrics.MsPerBatch = map[string]float64{"nm": 2.5, "dense": 3.25}
	s.Append(sp)
	lines := []string{fmt.Sprintf("%s %.6f", testRow(2).Key, 0.02), fmt.Sprintf("%s %.6f", testRow(1).Key, 0.01),
		fmt.Sprintf("%s %.6f dense=3.2500 nm=2.5000", sp.Key, 0.03)}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	if got, want := s.Digest(), hex.EncodeToString(sum[:6]); got != want {
		t.Fatalf("Digest = %s, want %s", got, want)
	}
}

// TestStoreDrop: Drop removes exactly the chosen rows, keeps the other lines byte for byte, and a
// writer appending while another store drops rows loses nothing (it reopens the renamed file).
func TestStoreDrop(t *testing.T) {
	s, path := storeWithRows(t, 6)
	before, _ := os.ReadFile(path)
	odd := func(r Row) bool { return int(r.Metrics.Accuracy*100+0.5)%2 == 1 }
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a second writer (another shard) appending meanwhile
		defer wg.Done()
		w, err := OpenStore(path)
		if err != nil {
			t.Error(err)
			return
		}
		for i := 100; i < 140; i += 2 {
			if err := w.Append(testRow(i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	n, err := s.Drop(odd)
	wg.Wait()
	if err != nil || n != 3 {
		t.Fatalf("Drop: %d rows, %v; want 3", n, err)
	}
	got, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := got.Rows()
	if len(rows) != 3+20 {
		t.Fatalf("%d rows after dropping 3 of 6 beside 20 appended, want 23", len(rows))
	}
	for _, r := range rows {
		if odd(r) {
			t.Fatalf("row %s (accuracy %g) survived the drop", r.Key, r.Metrics.Accuracy)
		}
	}
	after, _ := os.ReadFile(path)
	for i, line := range strings.SplitAfter(string(before), "\n") {
		if line != "" && i%2 == 0 && !strings.Contains(string(after), line) {
			t.Fatalf("kept line %d changed: %q", i, line)
		}
	}
	if _, err := s.Drop(func(Row) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if len(s.Rows()) != 23 {
		t.Fatalf("store index after a no-op drop: %d rows, want 23", len(s.Rows()))
	}
}

// TestStoreReplace: Replace swaps one row's line in place (the others byte for byte, the order
// kept), a reopened store reads the new row, and an unknown key or a key that does not match the
// config is an error that changes nothing.
func TestStoreReplace(t *testing.T) {
	s, path := storeWithRows(t, 3)
	before, _ := os.ReadFile(path)
	r := testRow(1)
	r.Metrics.MsPerBatch = map[string]float64{"dense": 2, "nm": 1}
	r.Metrics.Retimed = &Provenance{Commit: "abc", Date: "2026-12-02T00:00:00Z"}
	if err := s.Replace(r); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	b, a := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(a) != len(b) || a[0] != b[0] || a[2] != b[2] || a[1] == b[1] {
		t.Fatalf("lines before %d, after %d; first and last must be unchanged, the middle one replaced:\n%s", len(b), len(a), after)
	}
	got, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	row, ok := got.Get(r.Key)
	if !ok || row.Metrics.MsPerBatch["nm"] != 1 || row.Metrics.Retimed == nil || row.Metrics.Retimed.Commit != "abc" {
		t.Fatalf("reopened row %+v", row.Metrics)
	}
	if row, _ := s.Get(r.Key); row.Metrics.Retimed == nil {
		t.Fatal("the store's own index still holds the old row")
	}
	if keys := got.Rows(); len(keys) != 3 || keys[1].Key != r.Key {
		t.Fatalf("order after replace: %v", keys)
	}
	if err := s.Replace(testRow(7)); err == nil || !strings.Contains(err.Error(), "no row") {
		t.Fatalf("replacing an unknown key: %v", err)
	}
	bad := testRow(0)
	bad.Key = testRow(2).Key
	if err := s.Replace(bad); err == nil {
		t.Fatal("a key that does not match its config was accepted")
	}
	if now, _ := os.ReadFile(path); string(now) != string(after) {
		t.Fatal("a refused replace changed the file")
	}
}

// TestStoreUpdateEdges: a file with a blank line and a unit stored twice (two shards raced)
// keeps the blank line and ends with one, updated, line for the unit; an update that drops the
// kind or fails is refused and changes nothing.
func TestStoreUpdateEdges(t *testing.T) {
	s, path := storeWithRows(t, 2)
	raw, _ := os.ReadFile(path)
	first := strings.SplitAfter(string(raw), "\n")[0]
	if err := os.WriteFile(path, []byte(string(raw)+"\n"+first), 0o644); err != nil { // blank line, then row 0 again
		t.Fatal(err)
	}
	key := testRow(0).Key
	err := s.Update(key, func(r Row) (Row, error) {
		r.Metrics.Accuracy = 0.5
		return r, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if n := strings.Count(string(after), key); n != 1 || !strings.Contains(string(after), "\n\n") {
		t.Fatalf("after the update: %d lines of the unit (want 1), blank line kept: %v\n%s", n, strings.Contains(string(after), "\n\n"), after)
	}
	got, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := got.Get(key); r.Metrics.Accuracy != 0.5 || len(got.Rows()) != 2 {
		t.Fatalf("reopened: accuracy %g, %d rows", r.Metrics.Accuracy, len(got.Rows()))
	}
	if err := s.Update(key, func(r Row) (Row, error) { r.Kind = ""; return r, nil }); err == nil {
		t.Fatal("a row without a kind was written")
	}
	if err := s.Update(key, func(r Row) (Row, error) { return r, fmt.Errorf("measurement failed") }); err == nil || !strings.Contains(err.Error(), "measurement failed") {
		t.Fatalf("an update whose function fails: %v", err)
	}
	if now, _ := os.ReadFile(path); string(now) != string(after) {
		t.Fatal("a refused update changed the file")
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("store mode after a rewrite: %v, %v; want 0644", st.Mode(), err)
	}
}
