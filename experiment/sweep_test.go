package experiment

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
)

func testSweep() Sweep {
	rec := Recipe{Epochs: 1, Optimizer: "sgd", LR: 0.01, BatchSize: 4}
	return Sweep{
		Name:     "test",
		Baseline: Baseline{Model: "alexnet", Data: Data{Dataset: "mnist"}, Train: rec},
		Metrics:  []string{"l1-in", "hybrid2"},
		Ratios:   []float64{0.8, 0.6},
		Pattern:  "2:4", Order: "width", K: 0.5,
		FineTune: rec, Retrain: rec, NMOnly: true,
	}
}

func TestSweepValidate(t *testing.T) {
	if err := testSweep().Validate(); err != nil {
		t.Fatal(err)
	}
	for want, mod := range map[string]func(*Sweep){
		"outside (0, 1)":       func(s *Sweep) { s.Ratios = []float64{0.8, 1.2} },
		"strictly decrease":    func(s *Sweep) { s.Ratios = []float64{0.6, 0.8} },
		"unknown metric":       func(s *Sweep) { s.Metrics = []string{"l1-in", "l7"} },
		"empty grid":           func(s *Sweep) { s.Metrics = nil },
		"k=1.5 outside":        func(s *Sweep) { s.K = 1.5 },
		"listed twice":         func(s *Sweep) { s.Metrics = []string{"l1-in", "l1-in"} },
		"unknown dataset":      func(s *Sweep) { s.Baseline.Data.Dataset = "imagenet" },
		"learning rate NaN":    func(s *Sweep) { s.FineTune.LR = nan },
		"batch size 0":         func(s *Sweep) { s.Retrain.BatchSize = 0 },
		"pattern":              func(s *Sweep) { s.Pattern = "5:4" },
		"per-layer pruning":    func(s *Sweep) { s.Selection.MaxPruneRatio = 1 },
		"calibration":          func(s *Sweep) { s.Metrics = []string{"apoz"} },
		"baseline training: e": func(s *Sweep) { s.Baseline.Train.Epochs = 0 },
	} {
		s := testSweep()
		mod(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(strings.TrimSuffix(want, ": e"))) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

// TestShardsDisjointComplete: the shards' units, baseline aside, partition the sweep's units.
func TestShardsDisjointComplete(t *testing.T) {
	s := testSweep()
	s.Metrics = []string{"l1-in", "l1-out", "hybrid1", "hybrid2", "preservation", "remanent-l1", "dominant-ratio"}
	all := map[string]bool{}
	for _, u := range s.Units(Shard{}) {
		all[u.Key] = true
	}
	for _, n := range []int{1, 2, 3, 5} {
		seen := map[string]int{}
		for i := range n {
			for _, u := range s.Units(Shard{i, n}) {
				if u.Kind != "baseline" {
					seen[u.Key]++
				}
			}
		}
		for k := range all {
			if k == s.baselineUnit().Key {
				continue
			}
			if seen[k] != 1 {
				t.Fatalf("%d shards: unit %s listed %d times", n, k, seen[k])
			}
		}
		if len(seen) != len(all)-1 {
			t.Fatalf("%d shards list %d units, want %d", n, len(seen), len(all)-1)
		}
	}
	for _, bad := range []string{"2/2", "-1/3", "x", "1/0", "1/4x", "0/4/2"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

// fakeEnv trains nothing (weights pass through) and counts the training calls; failAfter > 0
// makes the call after that many fail, as a killed run would stop.
type fakeEnv struct {
	mu               sync.Mutex
	calls, failAfter int
	resumed          int     // the first resumed epochs of every training call are marked as restored from a checkpoint
	lossShift        float64 // added to every evaluated loss (a model that does not reproduce its row)
}

var errKilled = errors.New("killed")

func (f *fakeEnv) env(t *testing.T, store *Store, work string) Env {
	ds := func(n int, split data.Split) *data.Dataset {
		d := &data.Dataset{Name: "mnist", Split: split, N: n, C: 1, H: 32, W: 32, NumClasses: 10,
			Images: make([]uint8, n*32*32), Labels: make([]int32, n)}
		for i := range d.Labels {
			d.Labels[i] = int32(i % 10)
		}
		return d
	}
	return Env{Store: store, WorkDir: work, Backend: "fake",
		Datasets: func(Data) (*data.Dataset, *data.Dataset, error) { return ds(8, data.Train), ds(4, data.Test), nil },
		Train: func(spec *nets.Spec, w nets.Weights, _, _ *data.Dataset, cfg nets.TrainConfig) (*nets.TrainResult, error) {
			f.mu.Lock()
			f.calls++
			killed := f.failAfter > 0 && f.calls > f.failAfter
			f.mu.Unlock()
			if killed {
				return nil, errKilled
			}
			res := &nets.TrainResult{Weights: w.Clone()}
			for e := range cfg.Epochs {
				st := nets.EpochStats{Epoch: e + 1, TestAccuracy: 0.5, Seconds: 60, Resumed: e < f.resumed}
				res.Epochs = append(res.Epochs, st)
				if cfg.OnEpoch != nil {
					cfg.OnEpoch(st)
				}
			}
			return res, nil
		},
		Evaluate: func(spec *nets.Spec, w nets.Weights, _ *data.Dataset) (nets.EvalResult, error) {
			return nets.EvalResult{Accuracy: float64(spec.ParamCount()%997) / 997, Loss: 1 + f.lossShift, N: 4}, nil
		},
	}
}

// TestRunResumes: a run killed part-way, started again, redoes no finished unit; a third run
// trains nothing; every unit ends with exactly one row.
func TestRunResumes(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s := testSweep()
	units := s.Units(Shard{})
	// Training calls of an uninterrupted run: baseline, nm-only, and per metric and ratio one
	// fine-tune and one retrain.
	full := 2 + 2*len(s.Metrics)*len(s.Ratios)

	f := &fakeEnv{failAfter: 4}
	if _, err := Run(s, f.env(t, store, filepath.Join(dir, "work"))); !errors.Is(err, errKilled) {
		t.Fatalf("first run: err = %v, want the injected kill", err)
	}
	firstRows := len(store.Rows())
	if firstRows != 4 {
		t.Fatalf("after 4 finished trainings, %d rows, want 4", firstRows)
	}
	g := &fakeEnv{}
	sum, err := Run(s, g.env(t, store, filepath.Join(dir, "work")))
	if err != nil {
		t.Fatal(err)
	}
	if g.calls != full-4 {
		t.Fatalf("resumed run trained %d times, want %d (no finished unit redone)", g.calls, full-4)
	}
	if sum.Cached != firstRows || sum.Ran != len(units)-firstRows {
		t.Fatalf("summary %+v, want %d cached and %d ran", sum, firstRows, len(units)-firstRows)
	}
	h := &fakeEnv{}
	if sum, err = Run(s, h.env(t, store, filepath.Join(dir, "work"))); err != nil || h.calls != 0 || sum.Ran != 0 {
		t.Fatalf("third run trained %d times (summary %+v, err %v), want nothing", h.calls, sum, err)
	}
	rows := store.Rows()
	if len(rows) != len(units) {
		t.Fatalf("%d rows for %d units", len(rows), len(units))
	}
	var kinds []string
	for _, r := range rows {
		kinds = append(kinds, r.Kind)
		if r.Provenance.Commit == "" || r.Provenance.CPU == "" || r.Provenance.Route == "" {
			t.Errorf("row %s lacks provenance: %+v", r.Key, r.Provenance)
		}
		if r.Kind == "hybrid" && r.Metrics.NonZero >= r.Metrics.Params {
			t.Errorf("hybrid row %s: %d non-zero of %d params, want N:M sparsity", r.Key, r.Metrics.NonZero, r.Metrics.Params)
		}
	}
	slices.Sort(kinds)
	if want := []string{"baseline", "filter", "filter", "filter", "filter", "hybrid", "hybrid", "hybrid", "hybrid", "nm-only"}; !slices.Equal(kinds, want) {
		t.Fatalf("row kinds %v, want %v", kinds, want)
	}
	// Losing the work directory costs recomputation of snapshots only for missing rows: with
	// every row present nothing runs.
	k := &fakeEnv{}
	if _, err := Run(s, k.env(t, store, filepath.Join(dir, "other-work"))); err != nil || k.calls != 0 {
		t.Fatalf("run with a fresh work dir trained %d times (err %v), want 0", k.calls, err)
	}
}

// TestSharedUnitsRecorded: a second sweep on the same baseline and work directory (another store)
// reuses the baseline snapshot and the finished units' rows without training them again, and
// still records their rows in its own store.
func TestSharedUnitsRecorded(t *testing.T) {
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	a, _ := OpenStore(filepath.Join(dir, "a.jsonl"))
	s := testSweep()
	s.Metrics, s.Ratios, s.NMOnly = []string{"l1-in"}, []float64{0.7}, false
	f := &fakeEnv{}
	if _, err := Run(s, f.env(t, a, work)); err != nil {
		t.Fatal(err)
	}
	b, _ := OpenStore(filepath.Join(dir, "b.jsonl"))
	s2 := s
	s2.Name, s2.Metrics = "other", []string{"l1-in", "hybrid2"}
	g := &fakeEnv{}
	if _, err := Run(s2, g.env(t, b, work)); err != nil {
		t.Fatal(err)
	}
	// The baseline and l1-in's filter snapshot come from the work directory, l1-in's hybrid point
	// from the row the first sweep left there (KEY.row.json); only hybrid2's two units train.
	if g.calls != 2 {
		t.Fatalf("second sweep trained %d times, want 2", g.calls)
	}
	if n := len(b.Rows()); n != len(s2.Units(Shard{})) {
		t.Fatalf("second store has %d rows for %d units", n, len(s2.Units(Shard{})))
	}
	ra, _ := a.Get(s.Units(Shard{})[1].Key)
	rb, _ := b.Get(s.Units(Shard{})[1].Key)
	if ra.Metrics.AccuracyBefore != rb.Metrics.AccuracyBefore || ra.Metrics.AccuracyBefore < 0 {
		t.Fatalf("shared filter row: before-accuracy %v vs %v", ra.Metrics.AccuracyBefore, rb.Metrics.AccuracyBefore)
	}
}

// TestShardsShareWorkDir: two shards started together on one store and one work directory train
// the baseline once (the unit lock), lose no row, and together cover every unit.
func TestShardsShareWorkDir(t *testing.T) {
	dir := t.TempDir()
	s := testSweep()
	s.Metrics = []string{"l1-in", "l1-out", "hybrid1", "hybrid2"}
	f := &fakeEnv{}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := OpenStore(filepath.Join(dir, "results.jsonl"))
			if err != nil {
				errs[i] = err
				return
			}
			env := f.env(t, st, filepath.Join(dir, "work"))
			env.Shard = Shard{i, 2}
			_, errs[i] = Run(s, env)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := 2 + 2*len(s.Metrics)*len(s.Ratios); f.calls != want {
		t.Fatalf("two shards trained %d times, want %d (the baseline once)", f.calls, want)
	}
	st, _ := OpenStore(filepath.Join(dir, "results.jsonl"))
	if n, want := len(st.Rows()), len(s.Units(Shard{})); n != want {
		t.Fatalf("%d rows, want %d", n, want)
	}
}

// TestProgressUnitLeft: a unit's time left comes from its own epochs (a resumed baseline has no
// finished unit to average over): after epoch 1 of 3 at 60 s each, 2 minutes; at the end, none.
func TestProgressUnitLeft(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "r.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s := testSweep()
	s.Baseline.Train.Epochs = 3
	var got []Progress
	env := (&fakeEnv{}).env(t, store, filepath.Join(dir, "work"))
	env.Progress = func(p Progress) {
		if p.Unit == 1 {
			got = append(got, p)
		}
	}
	if _, err := Run(s, env); err != nil {
		t.Fatal(err)
	}
	var left []time.Duration
	for _, p := range got {
		if p.Epoch > 0 {
			left = append(left, p.UnitLeft)
		}
	}
	if !slices.Equal(left, []time.Duration{2 * time.Minute, time.Minute, 0}) {
		t.Fatalf("baseline UnitLeft after epochs 1..3: %v, want [2m 1m 0]", left)
	}
}

// TestProgressResumed: epochs restored from a checkpoint are reported as resumed (the CLI prints
// each of them, so a resumed run's log shows where it picks up), the ones trained now are not,
// and the unit's time left ignores the restored epochs' times.
func TestProgressResumed(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "r.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s := testSweep()
	s.Baseline.Train.Epochs = 3
	var resumed []bool
	var left []time.Duration
	env := (&fakeEnv{resumed: 2}).env(t, store, filepath.Join(dir, "work"))
	env.Progress = func(p Progress) {
		if p.Unit == 1 && p.Epoch > 0 {
			resumed, left = append(resumed, p.Resumed), append(left, p.UnitLeft)
		}
	}
	if _, err := Run(s, env); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed, []bool{true, true, false}) {
		t.Fatalf("baseline epochs 1..3 resumed: %v, want [true true false]", resumed)
	}
	// The time left comes from the epochs trained now only: none while resuming.
	if !slices.Equal(left, []time.Duration{0, 0, 0}) {
		t.Fatalf("baseline UnitLeft after epochs 1..3: %v, want [0 0 0]", left)
	}
}

// TestProgressLeftSkipsBaseline: the sweep's time left averages the finished units but the
// baseline (a many-epoch unit would inflate it 10-fold): none is known during the unit after the
// baseline, and one is once another unit has finished.
func TestProgressLeftSkipsBaseline(t *testing.T) {
	dir := t.TempDir()
	store, err := OpenStore(filepath.Join(dir, "r.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	left := map[int]time.Duration{}
	env := (&fakeEnv{}).env(t, store, filepath.Join(dir, "work"))
	env.Progress = func(p Progress) {
		if _, ok := left[p.Unit]; !ok {
			left[p.Unit] = p.Left
		}
	}
	if _, err := Run(testSweep(), env); err != nil {
		t.Fatal(err)
	}
	if left[2] != 0 || left[4] <= 0 {
		t.Fatalf("time left at the start of units 2 and 4: %v, %v; want 0 (only the baseline finished) and > 0", left[2], left[4])
	}
}
