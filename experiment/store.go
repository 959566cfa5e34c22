package experiment

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/hybridprune/hybridprune/pruner"
)

// Metrics are the measured outcome of a unit.
type Metrics struct {
	// Accuracy and Loss on the test set after the unit's last stage.
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"loss"`
	// AccuracyBefore is the test accuracy before the unit's training (after pruning), NaN-free:
	// -1 when the unit has no pruning stage.
	AccuracyBefore float64 `json:"accuracy_before"`
	// LossBefore is the test loss at the same point (one-shot units only).
	LossBefore float64 `json:"loss_before,omitempty"`
	// RemainingRatio is the fraction of the original conv filters kept.
	RemainingRatio float64 `json:"remaining_ratio"`
	// Params is the trainable parameter count; NonZero the non-zero ones among them.
	Params  int `json:"params"`
	NonZero int `json:"nonzero"`
	// Widths are the conv layers' filter counts.
	Widths []int `json:"widths,omitempty"`
	// Seconds is the unit's wall time, evaluation included.
	Seconds float64 `json:"seconds"`
	// History holds per-epoch test accuracies of the unit's training, when it trained.
	History []float64 `json:"history,omitempty"`
	// MsPerBatch is a speed unit's engine time per batch, best of interleaved calls, per variant
	// ("dense": the filter-pruned model on dense kernels; "nm": the same with 2:4 conv layers).
	MsPerBatch map[string]float64 `json:"ms_per_batch,omitempty"`
	// Retimed is the provenance of MsPerBatch when the timings were measured again after the
	// unit ran (RetimePatterns); nil when they are the unit's own.
	Retimed *Provenance `json:"retimed,omitempty"`
	// Plan is the filter selection of a one-shot unit (kept indices per conv layer of the
	// baseline), from which the intersections of two metrics follow (Fig. 21a).
	Plan pruner.Plan `json:"plan,omitempty"`
}

// Provenance says where and how a row was computed.
type Provenance struct {
	Commit  string `json:"commit"`
	CPU     string `json:"cpu"`
	Backend string `json:"backend"`
	Route   string `json:"route"`
	Date    string `json:"date"`
}

// Row is one finished unit: its key (a hash of Config), the configuration itself, the metrics
// and the provenance.
type Row struct {
	Key        string          `json:"key"`
	Sweep      string          `json:"sweep"`
	Kind       string          `json:"kind"`
	Config     json.RawMessage `json:"config"`
	Metrics    Metrics         `json:"metrics"`
	Provenance Provenance      `json:"provenance"`
}

// Store is a JSON-lines file of Rows, one per line, with an in-memory index by key. Methods are
// safe for concurrent use; several processes may append to one file at once.
type Store struct {
	path string
	mu   sync.Mutex
	rows map[string]Row
	keys []string // in file order
}

// OpenStore reads the store at path (a missing file is an empty store) and validates every line:
// a line that is not a complete Row, or whose key does not match its config, is an error naming
// the file and the line. A key seen twice (two shards finished the same unit) keeps its first row.
func OpenStore(path string) (*Store, error) {
	s := &Store{path: path, rows: map[string]Row{}}
	return s, s.reload()
}

// Path returns the file the store reads and appends to.
func (s *Store) Path() string { return s.path }

func (s *Store) reload() error {
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("experiment: opening store: %w", err)
	}
	defer f.Close()
	// A shared lock: a writer appending at this moment finishes its line first.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		return fmt.Errorf("experiment: locking %s: %w", s.path, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	rows, keys, err := parseRows(f, s.path, nil)
	if err != nil {
		return err
	}
	s.rows, s.keys = rows, keys
	return nil
}

// parseRows reads JSON lines; name is used in errors. When lineKeys is not nil it receives the
// key of every line in order ("" for a blank line).
func parseRows(r io.Reader, name string, lineKeys *[]string) (map[string]Row, []string, error) {
	rows := map[string]Row{}
	var keys []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			if lineKeys != nil {
				*lineKeys = append(*lineKeys, "")
			}
			continue
		}
		var row Row
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&row); err != nil {
			return nil, nil, fmt.Errorf("experiment: %s:%d: not a result row (truncated or corrupt line?): %w", name, line, err)
		}
		if row.Key == "" || row.Kind == "" || len(row.Config) == 0 {
			return nil, nil, fmt.Errorf("experiment: %s:%d: row without key, kind or config", name, line)
		}
		if want := hashConfig(row.Config); want != row.Key {
			return nil, nil, fmt.Errorf("experiment: %s:%d: key %s does not match its config (hash %s): edited by hand?", name, line, row.Key, want)
		}
		if lineKeys != nil {
			*lineKeys = append(*lineKeys, row.Key)
		}
		if _, dup := rows[row.Key]; dup {
			continue // the same unit finished twice (two shards raced): keep the first
		}
		rows[row.Key] = row
		keys = append(keys, row.Key)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("experiment: reading %s: %w", name, err)
	}
	return rows, keys, nil
}

// Get returns the row of key.
func (s *Store) Get(key string) (Row, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rows[key]
	return r, ok
}

// Rows returns every row in file order.
func (s *Store) Rows() []Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Row, len(s.keys))
	for i, k := range s.keys {
		out[i] = s.rows[k]
	}
	return out
}

// Append writes row as one line under an exclusive advisory lock (flock), after re-reading what
// other writers appended, and fsyncs it. A row whose key is already stored is not written again.
func (s *Store) Append(row Row) error {
	if row.Key == "" || row.Key != hashConfig(row.Config) {
		return fmt.Errorf("experiment: append to %s: row key %q does not match its config", s.path, row.Key)
	}
	line, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("experiment: append to %s: %w", s.path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("experiment: append: %w", err)
	}
	f, err := s.lockFile(os.O_RDWR | os.O_CREATE | os.O_APPEND)
	if err != nil {
		return fmt.Errorf("experiment: append: %w", err)
	}
	defer f.Close()
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	rows, keys, err := parseRows(f, s.path, nil)
	if err != nil {
		return err
	}
	s.rows, s.keys = rows, keys
	if _, ok := s.rows[row.Key]; ok {
		return nil
	}
	// A previous writer killed mid-line would leave no newline: never glue onto it.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			return fmt.Errorf("experiment: %s does not end with a newline (a truncated last row?): repair it before appending", s.path)
		}
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("experiment: append to %s: %w", s.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("experiment: append to %s: %w", s.path, err)
	}
	s.rows[row.Key] = row
	s.keys = append(s.keys, row.Key)
	return nil
}

// lockFile opens the store's file with flag and takes its exclusive lock. Drop replaces the file
// by a rename, so a writer that locked the replaced file reopens the path and locks again.
func (s *Store) lockFile(flag int) (*os.File, error) {
	for {
		f, err := os.OpenFile(s.path, flag, 0o644)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", s.path, err)
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(s.path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, nil
		}
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		if err1 != nil {
			return nil, err1
		}
		if err2 != nil && !errors.Is(err2, os.ErrNotExist) {
			return nil, err2
		}
	}
}

// Drop removes the rows for which drop reports true and returns how many it removed: the file
// is rewritten under the store's lock into a temporary file beside it, synced and renamed over
// it, so a crash leaves either the old file or the new one. It is for measurements that a newer
// build should redo (the speed rows: sweep -retime); every other row is kept as it was.
func (s *Store) Drop(drop func(Row) bool) (int, error) {
	return s.rewrite("drop rows of", func(r Row) (bool, *Row, error) { return !drop(r), nil, nil })
}

// Replace swaps the stored row of row.Key for row, in place and atomically (as Drop rewrites),
// so that a crash never leaves the unit without a row. It is for rows whose measurements a newer
// build redid (sweep -retime, RetimePatterns); the key must be stored already.
func (s *Store) Replace(row Row) error {
	return s.Update(row.Key, func(Row) (Row, error) { return row, nil })
}

// Update replaces the stored row of key by f(stored row), atomically and under the store's lock,
// so that f sees what other writers stored last (RetimePatterns merges timings this way). The
// new row must keep the key, match its config and have a kind; a key not stored is an error.
func (s *Store) Update(key string, f func(Row) (Row, error)) error {
	n, err := s.rewrite("update "+key+" in", func(r Row) (bool, *Row, error) {
		if r.Key != key {
			return true, nil, nil
		}
		nr, err := f(r)
		if err != nil {
			return false, nil, err
		}
		if nr.Key != key || nr.Key != hashConfig(nr.Config) || nr.Kind == "" {
			return false, nil, fmt.Errorf("new row with key %q, kind %q does not match its config or lacks a kind", nr.Key, nr.Kind)
		}
		return true, &nr, nil
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("experiment: update in %s: no row %s", s.path, key)
	}
	return err
}

// rewrite rewrites the store's file under its lock. edit says, per stored row, whether to keep
// it and, if so, its replacement (nil: the line as it was, byte for byte); an error from edit
// stops it before anything is written. The new content goes into a temporary file beside the
// store (mode 0644, synced), renamed over it, and the directory is synced. It returns the number
// of rows dropped or replaced; op names the operation in errors.
func (s *Store) rewrite(op string, edit func(Row) (keep bool, repl *Row, err error)) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("experiment: %s %s: %w", op, s.path, err) }
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lockFile(os.O_RDWR | os.O_CREATE)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	raw, err := io.ReadAll(f)
	if err != nil {
		return fail(err)
	}
	var lineKeys []string
	rows, keys, err := parseRows(bytes.NewReader(raw), s.path, &lineKeys)
	if err != nil {
		return 0, err // names the file and line already
	}
	dropped, replaced := map[string]bool{}, map[string][]byte{}
	var kept []string
	for _, k := range keys {
		keep, repl, err := edit(rows[k])
		switch {
		case err != nil:
			return fail(err)
		case !keep:
			dropped[k] = true
			delete(rows, k)
		case repl != nil:
			line, err := json.Marshal(*repl)
			if err != nil {
				return fail(err)
			}
			replaced[k] = append(line, '\n')
			rows[k] = *repl
			kept = append(kept, k)
		default:
			kept = append(kept, k)
		}
	}
	changed := len(dropped) + len(replaced)
	if changed == 0 {
		s.rows, s.keys = rows, kept // what other writers appended
		return 0, nil
	}
	// Kept lines are copied byte for byte (parseRows validated every one of them); a replaced
	// key's first line takes the replacement and its later duplicates (raced shards) go.
	var buf bytes.Buffer
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if i < len(lineKeys) {
			k := lineKeys[i]
			if dropped[k] {
				continue
			}
			if r, ok := replaced[k]; ok {
				buf.Write(r) // the first line of the key; nil for its later duplicates
				replaced[k] = nil
				continue
			}
		}
		buf.Write(line)
	}
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(s.path)+".tmp*")
	if err != nil {
		return fail(err)
	}
	_, err = tmp.Write(buf.Bytes())
	if err == nil {
		err = tmp.Chmod(0o644) // as Append creates the store
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fail(err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		d.Sync()
		d.Close()
	}
	s.rows, s.keys = rows, kept
	return changed, nil
}

// Merge appends to dst every row of the stores at paths that dst lacks (shards' stores merge by
// key), and returns how many it added.
func Merge(dst *Store, paths ...string) (int, error) {
	added := 0
	for _, p := range paths {
		src, err := OpenStore(p)
		if err != nil {
			return added, err
		}
		rows := src.Rows()
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
		for _, r := range rows {
			if _, ok := dst.Get(r.Key); ok {
				continue
			}
			if err := dst.Append(r); err != nil {
				return added, err
			}
			added++
		}
	}
	return added, nil
}

// Digest fingerprints the store's rows: the first 12 hex digits of the SHA-256 of the lines
// "KEY ACCURACY" (accuracy with 6 decimals; a speed row appends " NAME=MS" per variant of its
// ms_per_batch, in name order, 4 decimals), sorted, joined by newlines. Notebooks print it beside
// their results, and scripts/check-notebook-results.py recomputes it from the committed file, so
// outputs that no longer match the committed rows are caught.
func (s *Store) Digest() string {
	rows := s.Rows()
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = fmt.Sprintf("%s %.6f", r.Key, r.Metrics.Accuracy)
		for _, name := range slices.Sorted(maps.Keys(r.Metrics.MsPerBatch)) {
			lines[i] += fmt.Sprintf(" %s=%.4f", name, r.Metrics.MsPerBatch[name])
		}
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:6])
}
