package nets

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSaveLoadModel(t *testing.T) {
	spec := AlexNet(1, 10)
	w := spec.InitWeights(7)
	dir := filepath.Join(t.TempDir(), "model")
	if err := SaveModel(dir, spec, w); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("model dir holds %d entries, want spec.json and weights.npz only", len(entries))
	}
	s2, w2, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Name != spec.Name || len(s2.Layers) != len(spec.Layers) || s2.Input != spec.Input {
		t.Errorf("spec %+v", s2)
	}
	equalWeights(t, w2, w)

	// Overwriting works (rename over existing files).
	if err := SaveModel(dir, spec, spec.InitWeights(8)); err != nil {
		t.Fatal(err)
	}

	// Weights that do not fit the spec are rejected on save and on load.
	if err := SaveModel(dir, spec, VGG16(1, 10).InitWeights(0)); err == nil {
		t.Error("saving mismatched weights accepted")
	}
	if err := WriteNPZ(filepath.Join(dir, WeightsFile), Weights{"conv1/weight": seqTensor(1, 1, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadModel(dir); err == nil {
		t.Error("loading mismatched weights accepted")
	}
	if _, _, err := LoadModel(filepath.Join(dir, "missing")); err == nil {
		t.Error("loading a missing dir accepted")
	}
}
