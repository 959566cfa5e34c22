package experiment

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// TestLostWorkDirMustReproduce: a sweep resumed with a fresh work directory recomputes the
// baseline (its row is stored, its snapshot gone); when the recomputed model evaluates
// differently the run stops with ErrNotReproduced, naming the store, before it saves the new
// snapshot or appends a row; when it reproduces, the run completes the grid.
func TestLostWorkDirMustReproduce(t *testing.T) {
	dir := t.TempDir()
	storePath := filepath.Join(dir, "results.jsonl")
	store, err := OpenStore(storePath)
	if err != nil {
		t.Fatal(err)
	}
	s := testSweep()
	f := &fakeEnv{failAfter: 4}
	if _, err := Run(s, f.env(t, store, filepath.Join(dir, "work"))); !errors.Is(err, errKilled) {
		t.Fatalf("first run: err = %v, want the injected kill", err)
	}
	rows := len(store.Rows())

	fresh := filepath.Join(dir, "fresh")
	var log bytes.Buffer
	g := &fakeEnv{lossShift: 0.01}
	env := g.env(t, store, fresh)
	env.Log = &log
	_, err = Run(s, env)
	if !errors.Is(err, ErrNotReproduced) {
		t.Fatalf("run on a fresh work dir with a different baseline: err = %v, want ErrNotReproduced", err)
	}
	for _, want := range []string{storePath, "baseline", "loss 1.010000", "loss 1.000000", "HYBRIDPRUNE_KERNEL="} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if !strings.Contains(log.String(), "has no baseline snapshot") {
		t.Errorf("no warning before the work started; log:\n%s", log.String())
	}
	if n := len(store.Rows()); n != rows {
		t.Fatalf("store has %d rows after the stopped run, want %d", n, rows)
	}
	r := &runner{s: s, env: env}
	if _, ok := r.loadSnapshot(s.baselineUnit().Key); ok {
		t.Fatal("the non-reproducing baseline was saved as the sweep's snapshot")
	}

	log.Reset()
	h := &fakeEnv{}
	env = h.env(t, store, fresh)
	env.Log = &log
	if _, err := Run(s, env); err != nil {
		t.Fatalf("run with a reproducing baseline: %v", err)
	}
	if n, want := len(store.Rows()), len(s.Units(Shard{})); n != want {
		t.Fatalf("%d rows after the resumed run, want %d", n, want)
	}
	if !strings.Contains(log.String(), "baseline recomputed") || !strings.Contains(log.String(), "reproduces its row") {
		t.Errorf("the resumed run does not say the baseline reproduced; log:\n%s", log.String())
	}
}

// TestGivenBaselineMustReproduce: -baseline-model with a model that is not the one the stored
// rows came from is refused the same way.
func TestGivenBaselineMustReproduce(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s := testSweep()
	s.Metrics, s.Ratios, s.NMOnly = []string{"l1-in"}, []float64{0.7}, false
	f := &fakeEnv{failAfter: 1} // the baseline's row lands, then the run stops
	if _, err := Run(s, f.env(t, store, filepath.Join(dir, "work"))); !errors.Is(err, errKilled) {
		t.Fatalf("first run: err = %v, want the injected kill", err)
	}
	spec, err := nets.ByName(s.Baseline.Model, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	given := filepath.Join(dir, "given")
	if err := nets.SaveModel(given, spec, spec.InitWeights(7)); err != nil {
		t.Fatal(err)
	}
	g := &fakeEnv{lossShift: 0.5}
	env := g.env(t, store, filepath.Join(dir, "fresh"))
	env.BaselineModel = given
	if _, err := Run(s, env); !errors.Is(err, ErrNotReproduced) {
		t.Fatalf("given baseline that does not reproduce: err = %v, want ErrNotReproduced", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh", s.baselineUnit().Key, "model")); err == nil {
		t.Fatal("the refused baseline was saved as the sweep's snapshot")
	}
}
