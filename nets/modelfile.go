package nets

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The files of a model directory.
const (
	SpecFile    = "spec.json"
	WeightsFile = "weights.npz"
)

// SaveModel writes a model directory: spec.json (the validated spec) and weights.npz (checked
// against it), each through a temporary file renamed into place so that a crash never leaves a
// half-written file. dir is created if needed.
func SaveModel(dir string, spec *Spec, w Weights) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	if err := spec.CheckWeights(w); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	js, err := spec.MarshalIndent()
	if err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	js = append(js, '\n')
	if err := WriteStreamAtomic(filepath.Join(dir, SpecFile), func(f io.Writer) error {
		_, err := f.Write(js)
		return err
	}); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	if err := WriteNPZ(filepath.Join(dir, WeightsFile), w); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	return nil
}

// LoadModel reads a model directory written by SaveModel and checks the weights against the spec.
func LoadModel(dir string) (*Spec, Weights, error) {
	spec, err := LoadSpec(filepath.Join(dir, SpecFile))
	if err != nil {
		return nil, nil, fmt.Errorf("loading model: %w", err)
	}
	w, err := ReadNPZ(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, nil, fmt.Errorf("loading model: %w", err)
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, nil, fmt.Errorf("loading model %s: %w", dir, err)
	}
	return spec, w, nil
}
