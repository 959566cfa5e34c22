package experiment

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/pruner"
)

// TestReversedAndKSweep runs a sweep with the reversed order and two k values on the fake
// trainer: the units are listed once each, the reversed rows end 2:4 with the filters of their
// ratio, a rerun trains nothing, and the grids hold every row.
func TestReversedAndKSweep(t *testing.T) {
	s := testSweep()
	s.Metrics = []string{"hybrid2"}
	s.Reversed, s.Ks = true, []float64{0.5, 1}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	units := s.Units(Shard{})
	// baseline + nm-only + per k (2 ratios x (filter + hybrid + reversed)).
	if len(units) != 2+2*2*3 {
		t.Fatalf("%d units, want 14", len(units))
	}
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "r.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEnv{}
	work := filepath.Join(dir, "work")
	res, err := Run(s, f.env(t, store, work))
	if err != nil {
		t.Fatal(err)
	}
	if res.Ran != 14 || len(store.Rows()) != 14 {
		t.Fatalf("summary %+v, %d rows", res, len(store.Rows()))
	}
	grids := CollectKs(s, store)
	if len(grids) != 2 || grids[1].Sweep.K != 1 {
		t.Fatalf("%d grids", len(grids))
	}
	for _, g := range grids {
		if done, total := g.Done(); done != total || total != 1+1+3*2 {
			t.Errorf("k=%g: %d of %d units", g.Sweep.K, done, total)
		}
	}
	// The reversed snapshot at 0.6 is 2:4 along the width with 60% of the filters.
	sub := s.KSweeps()[0]
	r := &runner{s: sub, env: f.env(t, store, work)}
	m, err := r.reversedSnapshot("hybrid2", 1)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := r.baseline()
	kept, all := sum(convWidths(m.spec)), sum(convWidths(base.spec))
	if kept != int(0.6*float64(all)+0.5) {
		t.Errorf("reversed snapshot keeps %d of %d filters", kept, all)
	}
	for name := range m.masks {
		if err := pruner.CheckNM(m.w[name], pruner.Pattern24, pruner.OrderWidth); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if pruner.Sparsity(m.masks, name) < 0.4 {
			t.Errorf("%s: mask sparsity %g", name, pruner.Sparsity(m.masks, name))
		}
	}
	if res, err = Run(s, f.env(t, store, work)); err != nil || res.Ran != 0 {
		t.Errorf("rerun: %+v %v", res, err)
	}
	bad := s
	bad.Ks = []float64{0.5, 0.5}
	if bad.Validate() == nil {
		t.Error("k listed twice accepted")
	}
	bad.Ks = []float64{1.5}
	if bad.Validate() == nil {
		t.Error("k 1.5 accepted")
	}
}

func TestOrderVerdicts(t *testing.T) {
	row := func(acc float64) *Row { return &Row{Metrics: Metrics{Accuracy: acc}} }
	g := Grid{Sweep: Sweep{Metrics: []string{"l1-out", "l1-in"}, Ratios: []float64{0.8, 0.4}},
		Hybrid:   map[string][]*Row{"l1-out": {row(0.98), row(0.95)}, "l1-in": {row(0.98), row(0.95)}},
		Reversed: map[string][]*Row{"l1-out": {row(0.985), row(0.945)}, "l1-in": {row(0.98), nil}}}
	vs := OrderVerdicts(g)
	if len(vs) != 2 || vs[0].Status != "confirmed" || vs[1].Status != "open" || !strings.Contains(vs[0].Ours, "largest gap 0.0050 over 2 ratios; reversed higher at 1") {
		t.Errorf("verdicts %+v", vs)
	}
	g.Reversed["l1-out"][1] = row(0.9)
	if vs = OrderVerdicts(g); vs[0].Status != "refuted" {
		t.Errorf("a 0.05 gap: %+v", vs[0])
	}
}

// TestVGG16Verdicts: both claims open while rows are missing; hybrid2 below l1-in confirms the
// first; l1-out losing 0.05 from 0.5 to 0.4 against l1-in's 0.01 confirms the second, an equal
// loss refutes it.
func TestVGG16Verdicts(t *testing.T) {
	row := func(acc float64) *Row { return &Row{Metrics: Metrics{Accuracy: acc}} }
	g := Grid{Sweep: Sweep{Metrics: []string{"hybrid2", "l1-out", "l1-in"}, Ratios: []float64{0.5, 0.4}},
		Hybrid: map[string][]*Row{"hybrid2": {row(0.80), row(0.79)}, "l1-out": {row(0.81), nil}, "l1-in": {nil, nil}}}
	vs := VGG16Verdicts(g)
	if len(vs) != 2 || vs[0].Status != "open" || vs[1].Status != "open" || !strings.Contains(vs[0].Ours, "rows not all landed") {
		t.Fatalf("with rows missing: %+v", vs)
	}
	if vs := VGG16Verdicts(Grid{Sweep: Sweep{Ratios: []float64{0.9, 0.8}}}); vs[1].Status != "open" || vs[1].Ours != "needs ratios 0.5 and 0.4" {
		t.Fatalf("a grid without 0.5 and 0.4: %+v", vs[1])
	}
	g.Hybrid["l1-in"] = []*Row{row(0.82), row(0.81)}
	g.Hybrid["l1-out"][1] = row(0.76)
	vs = VGG16Verdicts(g)
	if vs[0].Status != "confirmed" || vs[1].Status != "confirmed" || !strings.Contains(vs[1].Ours, "l1-out 0.8100 -> 0.7600 (-0.0500)") {
		t.Fatalf("hybrid2 below l1-in, l1-out falling: %+v", vs)
	}
	g.Hybrid["l1-out"][1] = row(0.80)
	g.Hybrid["hybrid2"] = []*Row{row(0.83), row(0.82)}
	vs = VGG16Verdicts(g)
	if vs[0].Status != "refuted" || vs[1].Status != "refuted" {
		t.Fatalf("hybrid2 above l1-in, equal drops: %+v", vs)
	}
}
