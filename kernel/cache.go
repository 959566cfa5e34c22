package kernel

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/hybridprune/hybridprune/nets"
)

// NoCacheEnv is the environment variable that, set to a true value, makes Cache always
// recompute (results are still stored, refreshing the cache).
const NoCacheEnv = "HYBRIDPRUNE_NO_CACHE"

// Cache is a tiny on-disk experiment cache: each entry is one JSON file in Dir, named after
// a hash of its key, so that re-running a notebook reuses the results of its long steps.
// Keys should include everything the result depends on (model, hyper-parameters, quick
// mode, data version...). Entries are written atomically (temp file + rename), so an
// interrupted run never leaves a half-written entry; an unreadable entry is recomputed.
// The zero value is not usable: Dir must be set.
type Cache struct {
	// Dir is the directory holding the entries; it is created on first store.
	Dir string
	// Logf receives one line per hit, store and recomputed corrupt entry.
	// Nil means log.Printf.
	Logf func(format string, args ...any)
}

// cacheEntry is the on-disk format of one entry.
type cacheEntry struct {
	Key     string          `json:"key"`
	Created time.Time       `json:"created"`
	Value   json.RawMessage `json:"value"`
}

// Path returns the file that holds (or would hold) the entry for key.
func (c *Cache) Path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.Dir, slug(key)+"-"+hex.EncodeToString(sum[:12])+".json")
}

// slug keeps a short human-readable prefix of key for file names.
func slug(key string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, key)
	s = strings.Trim(s, "._")
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "entry"
	}
	return s
}

// GetOrCompute fills v (a non-nil pointer) with the cached value for key. On a miss, or if
// the entry is corrupt or no longer decodes into v, it calls compute, stores its result as
// JSON and decodes it into v, so v always holds what a later hit would return. Errors from
// compute are returned as-is (wrapped) and nothing is stored. A failure to store is
// logged, not returned: the computed value is still delivered.
func (c *Cache) GetOrCompute(key string, v any, compute func() (any, error)) error {
	if c.Dir == "" {
		return fmt.Errorf("kernel: cache: Dir is empty (key %q)", key)
	}
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("kernel: cache: key %q: v must be a non-nil pointer, got %T", key, v)
	}
	path := c.Path(key)
	if !envTrue(NoCacheEnv) {
		hit, err := c.load(path, key, v)
		if hit {
			c.logf("kernel: cache hit for %q (%s)", key, filepath.Base(path))
			return nil
		}
		if err != nil {
			c.logf("kernel: cache: corrupt entry %s for key %q (%v): recomputing", path, key, err)
		}
	}
	result, err := compute()
	if err != nil {
		return fmt.Errorf("kernel: cache: computing %q: %w", key, err)
	}
	raw, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("kernel: cache: encoding result of %q as JSON: %w", key, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("kernel: cache: decoding result of %q (%T) into %T: %w", key, result, v, err)
	}
	if err := c.store(path, cacheEntry{Key: key, Created: time.Now().UTC(), Value: raw}); err != nil {
		c.logf("kernel: cache: WARNING: result for %q not cached: %v", key, err)
	} else {
		c.logf("kernel: cache: stored %q (%s)", key, filepath.Base(path))
	}
	return nil
}

// Delete removes the entry for key, if any.
func (c *Cache) Delete(key string) error {
	if err := os.Remove(c.Path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("kernel: cache: deleting %q: %w", key, err)
	}
	return nil
}

// load reads the entry at path into v. It returns hit=false with a nil error when there is
// no entry, and hit=false with an error when the entry exists but is unusable.
func (c *Cache) load(path, key string, v any) (hit bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading: %w", err)
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil {
		return false, fmt.Errorf("parsing: %w", err)
	}
	if e.Key != key {
		return false, fmt.Errorf("entry is for key %q", e.Key)
	}
	if len(e.Value) == 0 {
		return false, errors.New("entry has no value")
	}
	if err := json.Unmarshal(e.Value, v); err != nil {
		return false, fmt.Errorf("decoding value into %T: %w", v, err)
	}
	return true, nil
}

// store writes e to path atomically: a temporary file in the same directory, fsync'ed,
// then renamed over path.
func (c *Cache) store(path string, e cacheEntry) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding entry: %w", err)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("creating cache dir: %w", err)
	}
	return nets.WriteFileAtomic(path, append(data, '\n'))
}

func (c *Cache) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}
