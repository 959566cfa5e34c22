package data

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOneEntryAddsADataset: a dataset the package has never heard of works from one Registry
// entry: its files, its decoder, its normalisation constants and its flip rule.
func TestOneEntryAddsADataset(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "toy"), 0o755)
	for _, n := range []string{"train.raw", "test.raw"} {
		os.WriteFile(filepath.Join(dir, "toy", n), []byte{0, 10, 20, 30, 1, 40, 50, 60}, 0o644) // 2 images of 1x1x3 + label
	}
	Registry["toy"] = Entry{
		Train: []File{{Name: "train.raw"}}, Test: []File{{Name: "test.raw"}},
		Decode: func(files []File, paths []string, contents [][]byte) (*Dataset, error) {
			b := contents[0]
			d := &Dataset{Name: "toy", N: len(b) / 4, C: 3, H: 1, W: 1, NumClasses: 2}
			for i := 0; i < d.N; i++ {
				d.Labels = append(d.Labels, int32(b[4*i]))
				d.Images = append(d.Images, b[4*i+1:4*i+4]...)
			}
			return d, nil
		},
		Stats: Stats{Mean: []float32{0.1, 0.2, 0.3}, Std: []float32{1, 1, 1}},
		Flip:  true,
	}
	t.Cleanup(func() { delete(Registry, "toy") })
	l := NewLoader(dir)
	ds, err := l.Load("toy", Test)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 2 || ds.Labels[1] != 1 || ds.Images[3] != 40 {
		t.Fatalf("decoded %+v", ds)
	}
	if st, err := StatsFor("toy"); err != nil || st.Mean[2] != 0.3 || !FlipAllowed("toy") || FlipAllowed("mnist") {
		t.Fatalf("stats %v (%v), flips toy=%v mnist=%v", st, err, FlipAllowed("toy"), FlipAllowed("mnist"))
	}
}
