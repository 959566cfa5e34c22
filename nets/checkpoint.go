package nets

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

const (
	historyFile = "history.json"
	// checkpointsKept is how many GoMLX checkpoints a run keeps.
	checkpointsKept = 2
)

// openCheckpoint attaches GoMLX checkpoints in dir to ctx (loading the latest one, if any) and
// returns the saved epoch history. The spec is saved beside the checkpoints; resuming with a
// different spec is an error. GoMLX writes a checkpoint's data file first and its JSON index last,
// without a rename, so a run killed mid-save can leave a truncated index: such a checkpoint is set
// aside (renamed *.partial) and the previous one is used.
func openCheckpoint(ctx *context.Context, spec *Spec, dir string) (*checkpoints.Handler, []EpochStats, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("creating checkpoint dir: %w", err)
	}
	specPath := filepath.Join(dir, SpecFile)
	if exists(specPath) {
		saved, err := LoadSpec(specPath)
		if err != nil {
			return nil, nil, fmt.Errorf("resuming from %s: %w", dir, err)
		}
		a, _ := saved.MarshalIndent()
		b, _ := spec.MarshalIndent()
		if string(a) != string(b) {
			return nil, nil, fmt.Errorf("resuming from %s: the directory holds a run of spec %q that differs from %q: use another directory", dir, saved.Name, spec.Name)
		}
	} else if err := writeJSONAtomic(specPath, spec); err != nil {
		return nil, nil, err
	}
	if err := setAsidePartialCheckpoints(dir); err != nil {
		return nil, nil, err
	}
	h, err := checkpoints.Build(ctx).Dir(dir).Keep(checkpointsKept).Done()
	if err != nil {
		return nil, nil, fmt.Errorf("opening checkpoints in %s: %w", dir, err)
	}
	var history []EpochStats
	if data, err := os.ReadFile(filepath.Join(dir, historyFile)); err == nil {
		if err := json.Unmarshal(data, &history); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, historyFile), err)
		}
	}
	return h, history, nil
}

func setAsidePartialCheckpoints(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("listing checkpoints: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "checkpoint-") || !strings.HasSuffix(name, ".json") {
			continue
		}
		path := filepath.Join(dir, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if json.Valid(raw) {
			continue
		}
		fmt.Fprintf(os.Stderr, "hybridprune: checkpoint index %s is truncated (interrupted save); setting it aside\n", path)
		if err := os.Rename(path, path+".partial"); err != nil {
			return fmt.Errorf("setting aside %s: %w", path, err)
		}
	}
	return nil
}

// writeJSONAtomic writes v as indented JSON to path through a temporary file and a rename, so a
// reader sees either the old or the new content, never a torn one.
func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(data, '\n'))
}
