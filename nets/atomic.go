package nets

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteStreamAtomic writes path through a temporary file in its directory: write fills it, it is
// synced, then renamed over path, so a reader (or a run killed mid-write) sees the old file or
// the whole new one, never a part. The one atomic-write helper of the module.
func WriteStreamAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("renaming into %s: %w", path, err)
	}
	return nil
}

// WriteFileAtomic writes data to path atomically (see WriteStreamAtomic).
func WriteFileAtomic(path string, data []byte) error {
	return WriteStreamAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
