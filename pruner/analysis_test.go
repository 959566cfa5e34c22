package pruner

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

func TestIntersectionRatios(t *testing.T) {
	a := Plan{{Name: "x", Filters: 4, Keep: []int{0, 1}}, {Name: "y", Filters: 2, Keep: []int{0}}}
	b := Plan{{Name: "x", Filters: 4, Keep: []int{0, 2}}, {Name: "y", Filters: 2, Keep: []int{0}}}
	// Pruned: a = {x2, x3, y1}, b = {x1, x3, y1}: 2 shared of 3. Kept: a = {x0, x1, y0},
	// b = {x0, x2, y0}: 2 of 3.
	p, r, err := IntersectionRatios(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !near(p, 2.0/3, 1e-12) || !near(r, 2.0/3, 1e-12) {
		t.Errorf("intersection ratios %g %g, want 2/3 2/3", p, r)
	}
	p, r, _ = IntersectionRatios(a, a)
	if p != 1 || r != 1 {
		t.Errorf("self intersection %g %g", p, r)
	}
	if _, _, err := IntersectionRatios(a, a[:1]); err == nil {
		t.Error("plans over different layers accepted")
	}
}

func TestScatter(t *testing.T) {
	in := NewInput(hybridLayers(t))
	pts, err := Scatter(in, OutputL1Metric, PreservationMetric, Rank, Rank)
	if err != nil {
		t.Fatal(err)
	}
	want := []ScatterPoint{{"conv0", 0, 1, 1}, {"conv0", 1, 3, 2}, {"conv1", 0, 2, 3}}
	if len(pts) != len(want) {
		t.Fatalf("points %v", pts)
	}
	for i := range want {
		if pts[i] != want[i] {
			t.Errorf("point %d = %+v, want %+v", i, pts[i], want[i])
		}
	}
}

func TestRetrainTableAndSensitivity(t *testing.T) {
	spec := smallBNNet(t)
	w := randomize(spec, 41)
	cfg := DefaultScheduleConfig("", 1)
	cfg.RetrainEpochs = 2
	rows, err := RetrainTable(spec, w, []string{"l1-out", "hybrid2"}, []float64{0.8, 0.5}, cfg, &fakeTuner{}, &fakeEval{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0].Metric != "l1-out" || rows[3].Ratio != 0.5 {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		if r.Params >= spec.ParamCount() || math.IsNaN(r.AccuracyRetrain) || math.IsNaN(r.LossNoRetrain) {
			t.Errorf("row %+v", r)
		}
	}
	var buf bytes.Buffer
	if err := WriteRetrainCSV(&buf, rows[:1]); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(buf.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "l1-out,0.8,") {
		t.Errorf("csv %q", buf.String())
	}
	if _, err := RetrainTable(spec, w, []string{"nope"}, []float64{0.5}, cfg, &fakeTuner{}, &fakeEval{}); err == nil {
		t.Error("unknown metric accepted")
	}

	ev := &fakeEval{}
	sens, err := Sensitivity(spec, w, "l1-in", DefaultScoreOptions(), []float64{1, 0.5}, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(sens) != 6 || ev.calls != 6 || sens[0].Layer != "conv1" || sens[1].Ratio != 0.5 {
		t.Errorf("sensitivity %+v", sens)
	}
	if orig, _ := (&fakeEval{}).Evaluate(spec, w); sens[0].Accuracy != orig {
		t.Errorf("sensitivity at ratio 1 = %g, want the unpruned %g", sens[0].Accuracy, orig)
	}
	if _, err := Sensitivity(spec, w, "l1-in", DefaultScoreOptions(), []float64{0}, ev); err == nil {
		t.Error("ratio 0 accepted")
	}
	plan, err := MetricPlan(spec, w, "hybrid1", DefaultScoreOptions(), SelectConfig{Ratio: 0.5})
	if err != nil || plan.Kept() != 10 {
		t.Errorf("metric plan keeps %d: %v", plan.Kept(), err)
	}
}

func TestScoreCSV(t *testing.T) {
	convs := []*nets.Tensor{
		tensor([]int{2, 1, 2, 2}, 4, 3, 2, 1, 1, 1, 0, 0),
		tensor([]int{1, 2, 1, 1}, 0.5, -2),
	}
	fc := tensor([]int{2, 2}, 1, -1, 3, 1)
	var buf bytes.Buffer
	if err := ScoreArraysCSV(&buf, convs, fc, "hybrid2", "width", 0.5); err != nil {
		t.Fatal(err)
	}
	const hybrid2CSV = "layer,filter,score\nconv0,0,0.35\nconv0,1,1.625\nconv1,0,1\n"
	if want := hybrid2CSV; buf.String() != want {
		t.Errorf("csv\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := ScoreArraysCSV(&buf, convs, nil, "dominant-ratio", "channels", 0.5); err != nil {
		t.Fatal(err)
	}
	// conv0 filter 0 = 4 3 2 1: 10 / 3; filter 1 and conv1 have nothing to prune.
	if want := "layer,filter,score\nconv0,0,3.3333333333333335\nconv0,1,+Inf\nconv1,0,+Inf\n"; buf.String() != want {
		t.Errorf("csv\n%s\nwant\n%s", buf.String(), want)
	}
	if err := ScoreArraysCSV(&buf, convs, nil, "l1-out", "width", 0.5); err == nil {
		t.Error("output L1 of the last conv without fc0 accepted")
	}
	for _, bad := range []struct {
		metric, order string
		k             float64
	}{{"nope", "width", 0.5}, {"l1-in", "rows", 0.5}, {"hybrid1", "width", 1.5}} {
		if err := ScoreArraysCSV(&buf, convs, fc, bad.metric, bad.order, bad.k); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}

	// Through a paper-layout .npz file, and with a spec.
	path := t.TempDir() + "/w.npz"
	if err := nets.WriteNPZ(path, nets.Weights{"conv0": convs[0], "conv1": convs[1], "fc0": fc}); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := ScoreNPZCSV(&buf, path, "hybrid2", "width", 0.5); err != nil {
		t.Fatal(err)
	}
	if buf.String() != hybrid2CSV {
		t.Errorf("npz csv %q", buf.String())
	}
	spec := nets.AlexNet(3, 10)
	buf.Reset()
	if err := ScoreCSV(&buf, spec, spec.InitWeights(1), "hybrid1", "width", 0.5); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 1+64+192+384+256+256 {
		t.Errorf("%d csv lines for AlexNet", n)
	}
	if !strings.HasPrefix(buf.String(), "layer,filter,score\nconv1,0,") {
		t.Errorf("csv starts %q", buf.String()[:40])
	}
}
