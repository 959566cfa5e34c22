package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartTrace: -trace writes a Go execution trace (its header names the format), an empty
// path does nothing, and an unwritable path is an error naming the flag before any work.
func TestStartTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.out")
	stop, err := startTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("go 1.")) {
		t.Fatalf("trace file starts %q, want a Go execution trace header", data[:min(len(data), 16)])
	}
	if stop, err := startTrace(""); err != nil {
		t.Fatal(err)
	} else {
		stop()
	}
	if _, err := startTrace(filepath.Join(t.TempDir(), "missing", "t.out")); err == nil || !strings.Contains(err.Error(), "-trace") {
		t.Fatalf("unwritable path: error %v, want one naming -trace", err)
	}
}
