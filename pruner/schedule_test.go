package pruner

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hybridprune/hybridprune/nets"
)

// fakeTuner "trains" by nudging every weight, keeping masked weights at zero as a real trainer
// must, and records its calls.
type fakeTuner struct {
	calls  []string // "epochs/masked" per call
	params []int
}

func (f *fakeTuner) FineTune(spec *nets.Spec, w nets.Weights, masks nets.Weights, epochs int) (nets.Weights, error) {
	if err := spec.CheckWeights(w); err != nil {
		return nil, err
	}
	for name, m := range masks {
		if !slices.Equal(m.Shape, w[name].Shape) {
			return nil, fmt.Errorf("mask %s shape %v vs weight %v", name, m.Shape, w[name].Shape)
		}
	}
	out := w.Clone()
	for name, t := range out {
		if strings.HasSuffix(name, "/mean") || strings.HasSuffix(name, "/variance") {
			continue
		}
		for i := range t.Data {
			if m := masks[name]; m != nil && m.Data[i] == 0 {
				continue
			}
			t.Data[i] += 0.01
		}
	}
	f.calls = append(f.calls, fmt.Sprintf("%d/%v", epochs, masks != nil))
	f.params = append(f.params, spec.ParamCount())
	return out, nil
}

// fakeEval returns the fraction of non-zero trainable parameters as "accuracy".
type fakeEval struct{ calls int }

func (e *fakeEval) Evaluate(spec *nets.Spec, w nets.Weights) (float64, error) {
	e.calls++
	return float64(TrainableNonZero(spec, w)) / float64(spec.ParamCount()), nil
}

func (e *fakeEval) Loss(spec *nets.Spec, w nets.Weights) (float64, error) {
	return float64(spec.ParamCount()), nil
}

func stages(r *Result) []string {
	var s []string
	for _, rep := range r.Reports {
		s = append(s, rep.Stage)
	}
	return s
}

func checkMasksNM(t *testing.T, r *Result, order GroupOrder) {
	t.Helper()
	if r.Masks == nil {
		t.Fatal("no masks")
	}
	if err := r.Spec.CheckWeights(r.Weights); err != nil {
		t.Fatal(err)
	}
	for name, m := range r.Masks {
		if !slices.Equal(m.Shape, r.Weights[name].Shape) {
			t.Fatalf("mask %s shape %v, weight %v", name, m.Shape, r.Weights[name].Shape)
		}
		if err := CheckNM(r.Weights[name], Pattern24, order); err != nil {
			t.Errorf("final %s: %v", name, err)
		}
		for i, v := range m.Data {
			if v == 0 && r.Weights[name].Data[i] != 0 {
				t.Fatalf("%s[%d] masked but %g", name, i, r.Weights[name].Data[i])
			}
		}
	}
}

func testConfig(metric string) ScheduleConfig {
	cfg := DefaultScheduleConfig(metric, 0.5)
	cfg.Steps = 2
	cfg.FineTuneEpochs = 1
	return cfg
}

func TestRunHybrid(t *testing.T) {
	spec := smallBNNet(t) // 6 + 8 + 5 = 19 conv filters
	w := randomize(spec, 31)
	ft, ev := &fakeTuner{}, &fakeEval{}
	res, err := RunHybrid(spec, w, testConfig("hybrid2"), ft, ev)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"original", "filter-prune-1/2", "filter-finetune-1/2", "filter-prune-2/2", "filter-finetune-2/2", "nm-prune", "retrain"}
	if got := stages(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("stages %v, want %v", got, want)
	}
	// Step ratios 0.75 and 0.5 of 19: 14 then 10 filters.
	for i, want := range []float64{1, 14.0 / 19, 14.0 / 19, 10.0 / 19, 10.0 / 19, 10.0 / 19, 10.0 / 19} {
		if got := res.Reports[i].RemainingRatio; !near(got, want, 1e-12) {
			t.Errorf("%s remaining %g, want %g", res.Reports[i].Stage, got, want)
		}
	}
	if got, want := ft.calls, []string{"1/false", "1/false", "5/true"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fine-tune calls %v, want %v", got, want)
	}
	if ev.calls != len(res.Reports) {
		t.Errorf("%d evaluations for %d reports", ev.calls, len(res.Reports))
	}
	nm := res.Reports[5]
	if nm.NonZero >= res.Reports[4].NonZero || nm.Params != res.Reports[4].Params {
		t.Errorf("N:M stage: non-zero %d -> %d, params %d -> %d", res.Reports[4].NonZero, nm.NonZero, res.Reports[4].Params, nm.Params)
	}
	if res.Reports[1].Params >= res.Reports[0].Params || math.IsNaN(nm.Accuracy) {
		t.Errorf("reports %+v", res.Reports)
	}
	if len(res.Plans) != 2 || res.Plans[0].Kept() != 14 || res.Plans[1].Kept() != 10 || res.Plans[1].Filters() != 14 {
		t.Errorf("plans keep %d/%d then %d/%d", res.Plans[0].Kept(), res.Plans[0].Filters(), res.Plans[1].Kept(), res.Plans[1].Filters())
	}
	checkMasksNM(t, res, OrderWidth)
	// The input is untouched.
	if err := spec.CheckWeights(w); err != nil || spec.Layers[0].OutChannels != 6 {
		t.Error("RunHybrid modified its input")
	}
}

func TestRunReversed(t *testing.T) {
	for _, order := range []GroupOrder{OrderWidth, OrderChannels} {
		spec := smallBNNet(t)
		w := randomize(spec, 32)
		cfg := testConfig("l1-out")
		cfg.Masks = MaskConfig{Order: order, Dense: true}
		cfg.Scoring.Order = order
		ft := &fakeTuner{}
		res, err := RunReversed(spec, w, cfg, ft, &fakeEval{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"original", "nm-prune", "filter-prune-1/2", "filter-finetune-1/2", "filter-prune-2/2", "filter-finetune-2/2", "retrain"}
		if got := stages(res); !reflect.DeepEqual(got, want) {
			t.Fatalf("stages %v, want %v", got, want)
		}
		if got, want := ft.calls, []string{"1/true", "1/true", "5/true"}; !reflect.DeepEqual(got, want) {
			t.Errorf("fine-tune calls %v, want %v", got, want)
		}
		if len(res.Masks) != 5 { // 3 convs + 2 dense
			t.Errorf("masks %v", res.Masks.Names())
		}
		checkMasksNM(t, res, order)
	}
}

func TestBaselines(t *testing.T) {
	spec := smallBNNet(t)
	w := randomize(spec, 33)
	cfg := testConfig("l1-in")
	cfg.RetrainEpochs = 0
	res, err := RunFilterOnly(spec, w, cfg, &fakeTuner{}, &fakeEval{})
	if err != nil {
		t.Fatal(err)
	}
	if got := stages(res); len(got) != 5 || got[4] != "filter-finetune-2/2" || res.Masks != nil {
		t.Errorf("filter-only stages %v, masks %v", got, res.Masks)
	}
	res, err = RunNMOnly(spec, w, DefaultScheduleConfig("", 1), &fakeTuner{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := stages(res); !reflect.DeepEqual(got, []string{"original", "nm-prune", "retrain"}) {
		t.Errorf("N:M-only stages %v", got)
	}
	if !math.IsNaN(res.Reports[0].Accuracy) {
		t.Error("accuracy without an Evaluator is not NaN")
	}
	checkMasksNM(t, res, OrderWidth)
	if s := Sparsity(res.Masks); s < 0.45 || s > 0.5 {
		t.Errorf("2:4 mask sparsity %g, want about 0.5 (tails of 27- and 72-long filters)", s)
	}

	// APoZ with a calibration batch, local selection rounded to multiples of 2.
	cfg = DefaultScheduleConfig("apoz", 0.5)
	cfg.RetrainEpochs = 0
	cfg.Scoring.Calibration = &Batch{X: randomInput(spec, 4, 1), N: 4}
	cfg.Select = SelectConfig{Scope: ScopeLocal, Multiple: 2}
	res, err = RunFilterOnly(spec, w, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range res.Spec.ConvIndices() {
		if c := res.Spec.Layers[i].OutChannels; c%2 != 0 {
			t.Errorf("%s keeps %d filters, not a multiple of 2", res.Spec.Layers[i].Name, c)
		}
	}
}

func TestScheduleRejectsBeforeWork(t *testing.T) {
	spec := smallBNNet(t)
	w := randomize(spec, 34)
	mod := func(f func(*ScheduleConfig)) ScheduleConfig {
		c := testConfig("hybrid1")
		f(&c)
		return c
	}
	cases := map[string]ScheduleConfig{
		"unknown metric":     mod(func(c *ScheduleConfig) { c.Metric = "magic" }),
		"ratio 0":            mod(func(c *ScheduleConfig) { c.Target = 0 }),
		"ratio above 1":      mod(func(c *ScheduleConfig) { c.Target = 1.2 }),
		"k above 1":          mod(func(c *ScheduleConfig) { c.Scoring.K = 1.1 }),
		"k below 0":          mod(func(c *ScheduleConfig) { c.Scoring.K = -0.1 }),
		"bad pattern":        mod(func(c *ScheduleConfig) { c.Masks.Pattern = Pattern{N: 4, M: 4} }),
		"bad order":          mod(func(c *ScheduleConfig) { c.Masks.Order = "rows" }),
		"zero steps":         mod(func(c *ScheduleConfig) { c.Steps = 0 }),
		"apoz without data":  mod(func(c *ScheduleConfig) { c.Metric = "apoz" }),
		"negative epochs":    mod(func(c *ScheduleConfig) { c.RetrainEpochs = -1 }),
		"bad layer ratio":    mod(func(c *ScheduleConfig) { c.Select.LayerRatios = map[string]float64{"conv1": 0} }),
		"negative alignment": mod(func(c *ScheduleConfig) { c.Select.Multiple = -8 }),
		"unknown layer":      mod(func(c *ScheduleConfig) { c.Select.LayerRatios = map[string]float64{"bn1": 0.5} }),
	}
	for name, cfg := range cases {
		ft, ev := &fakeTuner{}, &fakeEval{}
		if _, err := RunHybrid(spec, w, cfg, ft, ev); err == nil {
			t.Errorf("%s: accepted", name)
		} else if ev.calls != 0 || len(ft.calls) != 0 {
			t.Errorf("%s: rejected only after work (%d evaluations, %d fine-tunes): %v", name, ev.calls, len(ft.calls), err)
		}
	}
	if _, err := RunHybrid(spec, w, testConfig("hybrid1"), nil, nil); err == nil || !strings.Contains(err.Error(), "FineTuner") {
		t.Errorf("training without a FineTuner: err = %v", err)
	}
}

// TestPatternBeyondFormatsRejected: a pattern the sparse formats cannot store (M > 16) fails the
// schedule's validation, before any scoring, with the same message as everywhere else.
func TestPatternBeyondFormatsRejected(t *testing.T) {
	cfg := DefaultScheduleConfig("hybrid2", 0.5)
	cfg.Scoring.Pattern, cfg.Masks.Pattern = Pattern{N: 8, M: 32}, Pattern{N: 8, M: 32}
	cfg.RetrainEpochs = 0
	err := cfg.Validate(nil, true, true)
	if err == nil || !strings.Contains(err.Error(), "1 <= N < M <= 16") {
		t.Fatalf("8:32: err = %v", err)
	}
}

// TestNeedsData: the data-driven metric says so, weight metrics and unknown names do not, and the
// schedule rejects a data-driven metric without a calibration batch before any work.
func TestNeedsData(t *testing.T) {
	if !NeedsData("apoz") || NeedsData("l1-in") || NeedsData("hybrid2") || NeedsData("nope") {
		t.Fatal("NeedsData: apoz needs data; l1-in, hybrid2 and unknown names do not")
	}
	cfg := DefaultScheduleConfig("apoz", 0.5)
	cfg.RetrainEpochs = 0
	if err := cfg.Validate(nil, true, false); err == nil || !strings.Contains(err.Error(), "calibration") {
		t.Fatalf("apoz without calibration: err = %v", err)
	}
}
