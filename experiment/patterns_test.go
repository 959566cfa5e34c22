package experiment

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
)

func testPatterns() Sweep {
	s := testSweep()
	s.Metrics, s.Ratios, s.NMOnly = nil, nil, false
	s.Patterns = &Patterns{Kinds: []string{"group", "block", "vector", "element"}, Sparsities: []float64{0.5, 0.75},
		Vector: 4, Block: 4, Skip: []string{"conv1"}, Batch: 2, Budget: 20 * time.Millisecond}
	return s
}

// TestPatternStudyRuns runs a pattern-only sweep with the fake trainer: one row per kind and
// sparsity, with the masked layers at the requested sparsity, timings for dense and the kind's
// mode, and a second run that does nothing.
func TestPatternStudyRuns(t *testing.T) {
	s := testPatterns()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "p.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEnv{}
	sum, err := Run(s, f.env(t, store, filepath.Join(dir, "work")))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Units != 9 || sum.Ran != 9 {
		t.Fatalf("summary %+v, want 9 units (baseline + 4 kinds x 2)", sum)
	}
	base := nets.AlexNet(1, 10)
	params := base.ParamCount()
	for _, row := range store.Rows() {
		if row.Kind != "pattern" {
			continue
		}
		var cfg patternUnit
		decodeConfig(t, row, &cfg)
		mode := string(PatternMode(pruner.MaskKind(cfg.Mask)))
		if row.Metrics.MsPerBatch["dense"] <= 0 || row.Metrics.MsPerBatch[mode] <= 0 {
			t.Errorf("%s @%g: timings %v", cfg.Mask, cfg.Sparsity, row.Metrics.MsPerBatch)
		}
		// The fake trainer passes weights through: the removed weights are the masked ones,
		// within the rounding of whole vectors/blocks/columns.
		removed := params - row.Metrics.NonZero
		masked := 0
		for _, i := range base.ConvIndices()[1:] {
			l := base.Layers[i]
			masked += l.OutChannels * l.InChannels * l.Kernel * l.Kernel
		}
		if got := float64(removed) / float64(masked); got < cfg.Sparsity-0.01 || got > cfg.Sparsity+0.01 {
			t.Errorf("%s @%g: %.4f of the masked weights removed", cfg.Mask, cfg.Sparsity, got)
		}
	}
	if sum, err = Run(s, f.env(t, store, filepath.Join(dir, "work"))); err != nil || sum.Ran != 0 {
		t.Errorf("second run: %+v %v", sum, err)
	}
	for name, mut := range map[string]func(*Patterns){
		"sparsity 1":   func(p *Patterns) { p.Sparsities = []float64{1} },
		"nm":           func(p *Patterns) { p.Kinds = []string{"nm"} },
		"twice":        func(p *Patterns) { p.Kinds = []string{"group", "group"} },
		"vector 1":     func(p *Patterns) { p.Vector = 1 },
		"unknown kind": func(p *Patterns) { p.Kinds = []string{"diagonal"} },
	} {
		bad := testPatterns()
		mut(bad.Patterns)
		if err := bad.Validate(); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	bad := testPatterns()
	bad.Ratios = []float64{0.5}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "empty grid") {
		t.Errorf("ratios without metrics: %v", err)
	}
}

func decodeConfig(t *testing.T, row Row, v any) {
	t.Helper()
	if err := json.Unmarshal(row.Config, v); err != nil {
		t.Fatalf("row %s config: %v", row.Key, err)
	}
}

// TestPatternVerdicts: the claims on a hand-made grid, then on one where they fail.
func TestPatternVerdicts(t *testing.T) {
	cell := func(k string, s, speedup, acc float64) PatternCell {
		return PatternCell{Kind: k, Sparsity: s, Accuracy: acc, DenseMs: 10, Ms: 10 / speedup}
	}
	g := PatternGrid{Kinds: []string{"group", "element"}, Sparsities: []float64{0.5, 0.8, 0.9},
		Cells: map[string]map[float64]PatternCell{
			"group":   {0.5: cell("group", 0.5, 1.5, 0.97), 0.8: cell("group", 0.8, 3, 0.95), 0.9: cell("group", 0.9, 5, 0.9)},
			"element": {0.5: cell("element", 0.5, 0.8, 0.98), 0.8: cell("element", 0.8, 1.2, 0.97), 0.9: cell("element", 0.9, 2, 0.96)},
		}}
	want := []string{"confirmed", "confirmed", "confirmed", "confirmed"}
	vs := PatternVerdicts(g)
	for i, v := range vs {
		if i >= len(want) || v.Status != want[i] {
			t.Errorf("verdict %d %+v, want %s", i, v, want[i])
		}
	}
	if from, ok := g.BeatsDenseFrom("element"); !ok || from != 0.8 {
		t.Errorf("element beats dense from %g %v, want 0.8", from, ok)
	}
	// Element faster than group at 0.9, beating dense from 0.5, and more accurate nowhere.
	g.Cells["element"][0.5] = cell("element", 0.5, 1.1, 0.96)
	g.Cells["element"][0.9] = cell("element", 0.9, 6, 0.5)
	vs = PatternVerdicts(g)
	for i, st := range []string{"refuted", "confirmed", "refuted", "refuted"} {
		if vs[i].Status != st {
			t.Errorf("second grid verdict %d %+v, want %s", i, vs[i], st)
		}
	}
	if !strings.Contains(vs[0].Ours, "element at 90%") {
		t.Errorf("fastest verdict: %q", vs[0].Ours)
	}
}

// TestRetimePatterns: after a pattern study ran, RetimePatterns replaces every pattern row's
// timings (stale ones planted beforehand), records the new timing's provenance beside the row's
// own, and keeps the accuracies; a sweep without a pattern study is an error.
func TestRetimePatterns(t *testing.T) {
	s := testPatterns()
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "p.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEnv{}
	env := f.env(t, store, filepath.Join(dir, "work"))
	if _, err := Run(s, env); err != nil {
		t.Fatal(err)
	}
	old := map[string]Row{}
	for _, row := range store.Rows() {
		if row.Kind != "pattern" {
			continue
		}
		row.Metrics.MsPerBatch = map[string]float64{"dense": -7, "stale": -7}
		if err := store.Replace(row); err != nil {
			t.Fatal(err)
		}
		old[row.Key] = row
	}
	n, err := RetimePatterns(s, env)
	if err != nil || n != len(old) || n != 8 {
		t.Fatalf("RetimePatterns: %d rows, %v; want 8", n, err)
	}
	reopened, err := OpenStore(store.Path())
	if err != nil {
		t.Fatal(err)
	}
	for key, was := range old {
		row, ok := reopened.Get(key)
		if !ok {
			t.Fatalf("row %s lost", key)
		}
		var cfg patternUnit
		decodeConfig(t, row, &cfg)
		mode := string(PatternMode(pruner.MaskKind(cfg.Mask)))
		ms := row.Metrics.MsPerBatch
		if len(ms) != 2 || ms["dense"] <= 0 || ms[mode] <= 0 {
			t.Errorf("%s @%g: timings %v after retiming", cfg.Mask, cfg.Sparsity, ms)
		}
		if row.Metrics.Accuracy != was.Metrics.Accuracy || row.Metrics.NonZero != was.Metrics.NonZero || row.Provenance != was.Provenance {
			t.Errorf("%s @%g: retiming changed more than the timings: %+v / %+v", cfg.Mask, cfg.Sparsity, row.Metrics, row.Provenance)
		}
		if row.Metrics.Retimed == nil || row.Metrics.Retimed.CPU == "" {
			t.Errorf("%s @%g: no provenance of the new timing", cfg.Mask, cfg.Sparsity)
		}
	}
	// A second run by the same build keeps each variant's best: a planted faster time survives
	// it, unless the planted re-timing came from another commit.
	var same, other string
	for key := range old {
		row, _ := reopened.Get(key)
		row.Metrics.MsPerBatch["dense"] = 1e-3
		if same == "" {
			same = key
		} else if other == "" {
			other = key
			row.Metrics.Retimed.Commit = "another-build"
		}
		if err := store.Replace(row); err != nil {
			t.Fatal(err)
		}
		if other != "" {
			break
		}
	}
	if _, err := RetimePatterns(s, env); err != nil {
		t.Fatal(err)
	}
	if row, _ := store.Get(same); row.Metrics.MsPerBatch["dense"] != 1e-3 {
		t.Errorf("same build: dense %g, want the earlier best 0.001", row.Metrics.MsPerBatch["dense"])
	}
	if row, _ := store.Get(other); row.Metrics.MsPerBatch["dense"] == 1e-3 || row.Metrics.Retimed.Commit == "another-build" {
		t.Errorf("another build's timing was kept: %v, %+v", row.Metrics.MsPerBatch, row.Metrics.Retimed)
	}
	// A row whose mask kept other weights (another baseline or mask rule) is refused by name.
	wrong, _ := store.Get(other)
	wrong.Metrics.NonZero /= 2
	if err := store.Replace(wrong); err != nil {
		t.Fatal(err)
	}
	if _, err := RetimePatterns(s, env); err == nil || !strings.Contains(err.Error(), "not the mask the unit trained with") {
		t.Fatalf("a row with another mask: %v", err)
	}
	plain := testSweep()
	if _, err := RetimePatterns(plain, env); err == nil || !strings.Contains(err.Error(), "no pattern study") {
		t.Fatalf("a sweep without patterns: %v", err)
	}
}
