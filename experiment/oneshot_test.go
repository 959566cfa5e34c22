package experiment

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/pruner"
)

// TestOneShot runs a one-shot-only sweep on the fake trainer: one row per metric and ratio, with
// the selection kept (the ratio's share of the baseline's filters), the loss before training,
// the intersections read back from a reopened store (a metric with itself: 1 and 1), and a
// rerun that trains nothing.
func TestOneShot(t *testing.T) {
	s := testSweep()
	s.Metrics, s.Ratios, s.NMOnly = nil, nil, false
	s.OneShot = &OneShot{Metrics: []string{"l1-out", "hybrid2"}, Ratios: []float64{0.8, 0.5}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	units := s.Units(Shard{})
	if len(units) != 1+4 || units[1].Kind != "oneshot" {
		t.Fatalf("%d units (%v), want the baseline and 4 one-shot units", len(units), units)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "o.jsonl")
	store, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEnv{}
	work := filepath.Join(dir, "work")
	if res, err := Run(s, f.env(t, store, work)); err != nil || res.Ran != 5 {
		t.Fatalf("run: %+v %v", res, err)
	}
	if f.calls != 1+4 {
		t.Errorf("%d training calls, want the baseline and one fine-tuning per unit", f.calls)
	}
	reopened, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	points := CollectOneShot(reopened)
	if len(points) != 4 {
		t.Fatalf("%d one-shot points", len(points))
	}
	total := 64 + 192 + 384 + 256 + 256
	for _, p := range points {
		if want := int(p.Ratio*float64(total) + 0.5); p.Plan.Kept() < want-2 || p.Plan.Kept() > want+2 {
			t.Errorf("%s@%g keeps %d of %d filters, want about %d", p.Metric, p.Ratio, p.Plan.Kept(), total, want)
		}
		if p.LossNoRetrain != 1 || p.LossRetrain != 1 || p.AccuracyNoRetrain < 0 {
			t.Errorf("%s@%g: losses %g/%g, accuracy before %g", p.Metric, p.Ratio, p.LossNoRetrain, p.LossRetrain, p.AccuracyNoRetrain)
		}
	}
	self, err := OneShotIntersections(points, "l1-out", "l1-out")
	if err != nil || len(self) != 2 || self[0].Ratio != 0.8 || self[0].Pruned != 1 || self[0].Remaining != 1 {
		t.Errorf("l1-out with itself: %+v %v", self, err)
	}
	cross, err := OneShotIntersections(points, "l1-out", "hybrid2")
	if err != nil || len(cross) != 2 || cross[1].Remaining <= 0 || cross[1].Remaining > 1 {
		t.Errorf("l1-out with hybrid2: %+v %v", cross, err)
	}
	calls := f.calls
	if res, err := Run(s, f.env(t, store, work)); err != nil || res.Ran != 0 || f.calls != calls {
		t.Errorf("rerun: %+v %v, %d new training calls", res, err, f.calls-calls)
	}
	for want, o := range map[string]OneShot{
		"empty grid":     {Metrics: []string{"l1-out"}},
		"listed twice":   {Metrics: []string{"l1-out"}, Ratios: []float64{0.5, 0.5}},
		"outside (0, 1)": {Metrics: []string{"l1-out"}, Ratios: []float64{1}},
		"calibration":    {Metrics: []string{"apoz"}, Ratios: []float64{0.5}},
	} {
		bad := s
		bad.OneShot = &o
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: err %v, want %q", o, err, want)
		}
	}
}

// TestOneShotVerdicts checks the verdicts on hand-made points: retraining lowers every loss,
// hybrid 2 untrained beats output L1 trained, and the intersection of two identical hybrid plans
// does not grow (refuted), while one that grows is confirmed.
func TestOneShotVerdicts(t *testing.T) {
	plan := func(keep ...int) pruner.Plan { return pruner.Plan{{Name: "conv1", Filters: 10, Keep: keep}} }
	pt := func(m string, r, accNo, acc, lossNo, loss float64, p pruner.Plan) OneShotPoint {
		return OneShotPoint{Metric: m, Ratio: r, AccuracyNoRetrain: accNo, AccuracyRetrain: acc, LossNoRetrain: lossNo, LossRetrain: loss, Plan: p}
	}
	points := []OneShotPoint{
		pt("l1-out", 0.9, 0.90, 0.97, 0.5, 0.10, plan(0, 1, 2, 3, 4, 5, 6, 7, 8)),
		pt("l1-out", 0.5, 0.50, 0.95, 2.0, 0.20, plan(0, 1, 2, 3, 4)),
		pt("hybrid1", 0.9, 0.95, 0.97, 0.3, 0.10, plan(0, 1, 2, 3, 4, 5, 6, 7, 8)),
		pt("hybrid1", 0.5, 0.60, 0.96, 1.5, 0.15, plan(0, 1, 2, 3, 4)),
		pt("hybrid2", 0.9, 0.97, 0.98, 0.08, 0.05, plan(1, 2, 3, 4, 5, 6, 7, 8, 9)),
		pt("hybrid2", 0.5, 0.94, 0.96, 0.15, 0.12, plan(0, 1, 2, 3, 4)),
	}
	vs := OneShotVerdicts(points)
	if len(vs) != 6 {
		t.Fatalf("%d verdicts: %+v", len(vs), vs)
	}
	// Intersection of the pruned sets: {9} vs {0} at 0.9 (0%), equal at 0.5 (100%): grows.
	want := []string{"confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "confirmed"}
	for i, v := range vs {
		if v.Status != want[i] {
			t.Errorf("verdict %d (%s): %s, want %s (ours: %s)", i, v.Claim, v.Status, want[i], v.Ours)
		}
	}
	if !strings.Contains(vs[0].Ours, "0% at 10% pruned, 100% at 50%") {
		t.Errorf("intersection verdict: %s", vs[0].Ours)
	}
	points[1].LossRetrain = 3 // retraining made l1-out worse at 0.5
	if vs = OneShotVerdicts(points); vs[1].Status != "refuted" || !strings.Contains(vs[1].Ours, "l1-out@0.5") {
		t.Errorf("loss verdict after a worse retraining: %+v", vs[1])
	}
	if vs = OneShotVerdicts(nil); vs[0].Status != "open" || vs[1].Status != "open" {
		t.Errorf("no points: %+v", vs)
	}
}
