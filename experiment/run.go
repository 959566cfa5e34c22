package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse/engine"
)

// Env is where and how a sweep runs.
type Env struct {
	// Store receives one row per finished unit; units with a row are skipped.
	Store *Store
	// WorkDir holds the baseline's checkpoints and the trajectory snapshots (weights: never
	// committed). Lost snapshots are recomputed when a unit needs them, and a recomputed one
	// whose row is in the store must reproduce that row (ErrNotReproduced).
	WorkDir string
	// DataDir is the dataset directory (see data.DataDir).
	DataDir string
	// Shard selects the trajectories this process runs.
	Shard Shard
	// Backend names the compute backend, for the rows' provenance.
	Backend string
	// Progress, when set, receives live progress (unit i of n, epoch, accuracy, time left).
	Progress func(Progress)
	// Log, when set, receives one line per finished or skipped unit.
	Log io.Writer
	// Train, when set, replaces nets.Train (tests use a fake trainer).
	Train func(spec *nets.Spec, w nets.Weights, train, test *data.Dataset, cfg nets.TrainConfig) (*nets.TrainResult, error)
	// Evaluate, when set, replaces engine.Evaluate (the inference engine; tests use a fake).
	Evaluate func(spec *nets.Spec, w nets.Weights, test *data.Dataset) (nets.EvalResult, error)
	// Datasets, when set, replaces data.Load (tests use generated data).
	Datasets func(d Data) (train, test *data.Dataset, err error)
	// BaselineModel, when set, is a model directory (spec.json + weights.npz) taken as the
	// trained baseline instead of training one: the caller vouches that it was trained with the
	// sweep's baseline recipe (e.g. by `hybridprune train` with the same flags).
	BaselineModel string
}

// Progress is a snapshot of a running sweep.
type Progress struct {
	Unit, Units   int    // 1-based index of the current unit, and the shard's unit count
	Desc          string // e.g. "hybrid2 @0.6 hybrid"
	Epoch, Epochs int    // training progress of the unit (0/0 when not training)
	Accuracy      float64
	Elapsed       time.Duration // since the sweep started
	Left          time.Duration // estimate for the remaining units from the finished ones but the baseline (0 when unknown)
	// UnitLeft is the rest of the current unit's training, from the epochs it ran in this process
	// (0 when none yet): a resumed 10-epoch baseline has no finished unit to average over.
	UnitLeft time.Duration
	Cached   bool // the unit's row was already in the store
	// Resumed marks an epoch restored from the unit's checkpoint (reported in a burst as training
	// resumes), not one trained now.
	Resumed bool
}

// Summary counts what a Run did.
type Summary struct {
	Units, Ran, Cached int
	Seconds            float64
}

// Run executes the sweep's units for env.Shard, skipping those already in the store.
func Run(s Sweep, env Env) (Summary, error) {
	if err := s.Validate(); err != nil {
		return Summary{}, err
	}
	if env.Store == nil || env.WorkDir == "" {
		return Summary{}, errors.New("experiment: Run needs a Store and a WorkDir")
	}
	if len(s.Ks) > 0 {
		var sum Summary
		for _, sub := range s.KSweeps() {
			part, err := Run(sub, env)
			sum.Units, sum.Ran, sum.Cached, sum.Seconds = sum.Units+part.Units, sum.Ran+part.Ran, sum.Cached+part.Cached, sum.Seconds+part.Seconds
			if err != nil {
				return sum, err
			}
		}
		return sum, nil
	}
	Commit() // the rows' provenance names the commit this process started at
	r := &runner{s: s, env: env, start: time.Now()}
	if s.Patterns != nil {
		if err := r.checkPatterns(); err != nil {
			return Summary{}, fmt.Errorf("experiment: sweep %q: %w", s.Name, err)
		}
	}
	r.warnLostSnapshots()
	units := s.Units(env.Shard)
	sum := Summary{Units: len(units)}
	for i, u := range units {
		r.unitIdx, r.units = i+1, len(units)
		r.desc = u.describe()
		if _, ok := env.Store.Get(u.Key); ok {
			sum.Cached++
			r.progress(0, 0, math.NaN(), true)
			continue
		}
		if row, ok := r.loadRow(u.Key); ok { // another sweep in this work directory ran the unit
			row.Sweep = s.Name
			if err := env.Store.Append(row); err != nil {
				return sum, err
			}
			sum.Cached++
			r.progress(0, 0, math.NaN(), true)
			continue
		}
		t0 := time.Now()
		if err := r.runUnit(u); err != nil {
			return sum, fmt.Errorf("experiment: sweep %q unit %d/%d (%s): %w", s.Name, i+1, len(units), r.desc, err)
		}
		sum.Ran++
		if u.Kind != "baseline" { // a baseline trains for many epochs: the other units' average
			r.ranSeconds += time.Since(t0).Seconds()
			r.ran++
		}
	}
	sum.Seconds = time.Since(r.start).Seconds()
	return sum, nil
}

func (u Unit) describe() string {
	switch u.Kind {
	case "baseline", "nm-only":
		return u.Kind
	case "pattern":
		return fmt.Sprintf("%s-wise @%.0f%% sparsity", u.Metric, 100*u.Ratio)
	}
	return fmt.Sprintf("%s @%.2g %s", u.Metric, u.Ratio, u.Kind)
}

type model struct {
	spec *nets.Spec
	w    nets.Weights
}

type runner struct {
	s           Sweep
	env         Env
	train, test *data.Dataset
	base        *model
	start       time.Time
	unitIdx     int
	units       int
	desc        string
	ran         int
	ranSeconds  float64
	// epochSeconds and epochsTimed: the epochs of the current training call, for UnitLeft.
	epochSeconds float64
	epochsTimed  int
}

func (r *runner) progress(epoch, epochs int, acc float64, cached bool) {
	r.report(epoch, epochs, acc, cached, false)
}

func (r *runner) report(epoch, epochs int, acc float64, cached, resumed bool) {
	if r.env.Progress == nil {
		return
	}
	var left time.Duration
	if r.ran > 0 {
		left = time.Duration(r.ranSeconds / float64(r.ran) * float64(r.units-r.unitIdx+1) * float64(time.Second))
	}
	var unitLeft time.Duration
	if r.epochsTimed > 0 && epochs > epoch {
		unitLeft = time.Duration(r.epochSeconds / float64(r.epochsTimed) * float64(epochs-epoch) * float64(time.Second))
	}
	r.env.Progress(Progress{Unit: r.unitIdx, Units: r.units, Desc: r.desc, Epoch: epoch, Epochs: epochs,
		Accuracy: acc, Elapsed: time.Since(r.start), Left: left, UnitLeft: unitLeft, Cached: cached, Resumed: resumed})
}

func (r *runner) logf(format string, args ...any) {
	if r.env.Log != nil {
		fmt.Fprintf(r.env.Log, format+"\n", args...)
	}
}

func (r *runner) datasets() error {
	if r.train != nil {
		return nil
	}
	load := r.env.Datasets
	if load == nil {
		load = func(d Data) (*data.Dataset, *data.Dataset, error) { return LoadData(d, r.env.DataDir) }
	}
	var err error
	r.train, r.test, err = load(r.s.Baseline.Data)
	return err
}

// LoadData loads the training and test splits of d from dir (see data.DataDir), applying the
// limits.
func LoadData(d Data, dir string) (train, test *data.Dataset, err error) {
	dir = data.DataDir(dir)
	if train, err = data.Load(d.Dataset, data.Train, dir); err != nil {
		return nil, nil, err
	}
	if test, err = data.Load(d.Dataset, data.Test, dir); err != nil {
		return nil, nil, err
	}
	if d.LimitTrain > 0 && d.LimitTrain < train.N {
		train = train.Subset(d.LimitTrain)
	}
	if d.LimitTest > 0 && d.LimitTest < test.N {
		test = test.Subset(d.LimitTest)
	}
	return train, test, nil
}

func (r *runner) doTrain(spec *nets.Spec, w nets.Weights, rec Recipe, masks nets.Weights, ckpt string) (nets.Weights, []float64, error) {
	if rec.Epochs == 0 {
		return w, nil, nil
	}
	cfg := rec.trainConfig()
	cfg.Masks, cfg.CheckpointDir, cfg.Evaluate = masks, ckpt, engine.Evaluate
	r.epochSeconds, r.epochsTimed = 0, 0
	cfg.OnEpoch = func(e nets.EpochStats) {
		if !e.Resumed { // an earlier process's epochs may have run under other load
			r.epochSeconds += e.Seconds
			r.epochsTimed++
		}
		r.report(e.Epoch, rec.Epochs, e.TestAccuracy, false, e.Resumed)
		if e.Diverging(spec.NumClasses) {
			r.logf("warning: %s, epoch %d: test accuracy %.4f is at chance and the training loss %.3f is above ln(%d) = %.3f: the recipe looks diverged (lower its lr)",
				r.desc, e.Epoch, e.TestAccuracy, e.TrainLoss, spec.NumClasses, math.Log(float64(spec.NumClasses)))
		}
	}
	train := r.env.Train
	if train == nil {
		train = nets.Train
	}
	r.progress(0, rec.Epochs, math.NaN(), false)
	res, err := train(spec, w, r.train, r.test, cfg)
	if err != nil {
		return nil, nil, err
	}
	var hist []float64
	for _, e := range res.Epochs {
		hist = append(hist, e.TestAccuracy)
	}
	return res.Weights, hist, nil
}

func (r *runner) evaluate(spec *nets.Spec, w nets.Weights) (nets.EvalResult, error) {
	if r.env.Evaluate != nil {
		return r.env.Evaluate(spec, w, r.test)
	}
	return engine.Evaluate(spec, w, r.test, 500)
}

// record evaluates m and appends the unit's row (unless another process already did).
// ms, when not nil, is the unit's engine timing (Metrics.MsPerBatch).
func (r *runner) record(u Unit, m model, before float64, hist []float64, t0 time.Time, ms map[string]float64) error {
	return r.recordWith(u, m, before, hist, t0, func(met *Metrics) { met.MsPerBatch = ms })
}

// recordWith is record with the unit kind's own metrics filled in by fill.
func (r *runner) recordWith(u Unit, m model, before float64, hist []float64, t0 time.Time, fill func(*Metrics)) error {
	ev, err := r.evaluate(m.spec, m.w)
	if err != nil {
		return err
	}
	baseWidths, err := r.baseWidths()
	if err != nil {
		return err
	}
	widths := convWidths(m.spec)
	met := Metrics{Accuracy: ev.Accuracy, Loss: ev.Loss, AccuracyBefore: before,
		RemainingRatio: float64(sum(widths)) / float64(sum(baseWidths)), Params: m.spec.ParamCount(),
		NonZero: pruner.TrainableNonZero(m.spec, m.w), Widths: widths, Seconds: time.Since(t0).Seconds(), History: hist}
	fill(&met)
	cfg := configJSON(u.config)
	row := Row{Key: u.Key, Sweep: r.s.Name, Kind: u.Kind, Config: cfg, Metrics: met, Provenance: NewProvenance(r.env.Backend)}
	if err := r.env.Store.Append(row); err != nil {
		return err
	}
	if err := r.saveRow(row); err != nil {
		return err
	}
	r.progress(0, 0, ev.Accuracy, false)
	r.logf("unit %d/%d %s: accuracy %.4f (before training %.4f), remaining %.2f, %.0fs",
		r.unitIdx, r.units, r.desc, ev.Accuracy, before, met.RemainingRatio, met.Seconds)
	return nil
}

// baseWidths returns the baseline's conv widths from the zoo spec (deterministic: no need to load
// or train the baseline for them).
func (r *runner) baseWidths() ([]int, error) {
	if err := r.datasets(); err != nil {
		return nil, err
	}
	spec, err := nets.ByName(r.s.Baseline.Model, r.train.C, r.train.NumClasses)
	if err != nil {
		return nil, err
	}
	return convWidths(spec), nil
}

func convWidths(spec *nets.Spec) []int {
	var out []int
	for _, i := range spec.ConvIndices() {
		out = append(out, spec.Layers[i].OutChannels)
	}
	return out
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

func (r *runner) dir(key string) string { return filepath.Join(r.env.WorkDir, key) }

// loadSnapshot returns the model saved in the unit's work directory, if complete: its metadata
// (written first) and both model files must be there.
func (r *runner) loadSnapshot(key string) (model, bool) {
	if _, ok := r.loadMeta(key); !ok {
		return model{}, false
	}
	spec, w, err := nets.LoadModel(filepath.Join(r.dir(key), "model"))
	if err != nil {
		return model{}, false
	}
	return model{spec, w}, true
}

func (r *runner) saveSnapshot(key string, m model) error {
	return nets.SaveModel(filepath.Join(r.dir(key), "model"), m.spec, m.w)
}

// snapshotMeta is what a unit's row needs beyond the model itself, saved beside its snapshot so
// that another sweep sharing the unit (the same baseline, say) can record the row from it.
type snapshotMeta struct {
	Before  float64   `json:"accuracy_before"`
	History []float64 `json:"history"`
	Seconds float64   `json:"seconds"`
}

func (r *runner) saveMeta(key string, m snapshotMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.dir(key), 0o755); err != nil {
		return err
	}
	return nets.WriteFileAtomic(filepath.Join(r.dir(key), "unit.json"), b)
}

// loadMeta reads a snapshot's metadata; ok is false when it is missing or unreadable (the
// snapshot then counts as incomplete and is recomputed).
func (r *runner) loadMeta(key string) (snapshotMeta, bool) {
	var m snapshotMeta
	b, err := os.ReadFile(filepath.Join(r.dir(key), "unit.json"))
	if err != nil || json.Unmarshal(b, &m) != nil {
		return m, false
	}
	return m, true
}

// saveRow keeps a finished unit's row in the work directory (KEY.row.json, beside the unit's
// directory, which some units delete), so that another sweep listing the same unit records it
// without running it again.
func (r *runner) saveRow(row Row) error {
	b, err := json.Marshal(row)
	if err != nil {
		return err
	}
	return nets.WriteFileAtomic(filepath.Join(r.env.WorkDir, row.Key+".row.json"), b)
}

// loadRow reads a row saved by saveRow; ok is false when it is missing, unreadable or not the
// unit's (its key does not match its configuration).
func (r *runner) loadRow(key string) (Row, bool) {
	var row Row
	b, err := os.ReadFile(filepath.Join(r.env.WorkDir, key+".row.json"))
	if err != nil || json.Unmarshal(b, &row) != nil || row.Key != key || hashConfig(row.Config) != key {
		return Row{}, false
	}
	return row, true
}

// recordShared appends the row of a unit whose snapshot another run computed.
func (r *runner) recordShared(u Unit, m model) error {
	if _, ok := r.env.Store.Get(u.Key); ok {
		return nil
	}
	meta, _ := r.loadMeta(u.Key) // present: loadSnapshot required it
	return r.record(u, m, meta.Before, meta.History, time.Now().Add(-time.Duration(meta.Seconds*float64(time.Second))), nil)
}

// lockUnit takes an exclusive advisory lock on a unit's work directory, so that shards sharing
// a work directory never compute (and write) the same snapshot at once; the caller checks for the
// snapshot again once it holds the lock.
func (r *runner) lockUnit(key string) (unlock func(), err error) {
	if err := os.MkdirAll(r.env.WorkDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(r.env.WorkDir, key+".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking unit %s: %w", key, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// baseline returns the trained baseline, training it (resumably) when no snapshot exists.
func (r *runner) baseline() (model, error) {
	if r.base != nil {
		return *r.base, nil
	}
	u := r.s.baselineUnit()
	if m, ok := r.loadSnapshot(u.Key); ok {
		r.base = &m
		return m, nil
	}
	unlock, err := r.lockUnit(u.Key)
	if err != nil {
		return model{}, err
	}
	defer unlock()
	if m, ok := r.loadSnapshot(u.Key); ok { // another shard finished it while we waited
		r.base = &m
		return m, nil
	}
	if err := r.datasets(); err != nil {
		return model{}, err
	}
	t0 := time.Now()
	if r.env.BaselineModel != "" {
		spec, w, err := nets.LoadModel(r.env.BaselineModel)
		if err != nil {
			return model{}, fmt.Errorf("the given baseline: %w", err)
		}
		if spec.Name != r.s.Baseline.Model || spec.Input.C != r.train.C || spec.NumClasses != r.train.NumClasses {
			return model{}, fmt.Errorf("the given baseline %s is %s for %d channels and %d classes, the sweep wants %s on %s",
				r.env.BaselineModel, spec.Name, spec.Input.C, spec.NumClasses, r.s.Baseline.Model, r.s.Baseline.Data.Dataset)
		}
		m := model{spec, w}
		if err := r.reproduces(u, m); err != nil {
			return model{}, err
		}
		if err := r.saveMeta(u.Key, snapshotMeta{Before: -1}); err != nil {
			return model{}, err
		}
		if err := r.saveSnapshot(u.Key, m); err != nil {
			return model{}, err
		}
		r.base = &m
		if _, ok := r.env.Store.Get(u.Key); !ok {
			return m, r.record(u, m, -1, nil, t0, nil)
		}
		return m, nil
	}
	spec, err := nets.ByName(r.s.Baseline.Model, r.train.C, r.train.NumClasses)
	if err != nil {
		return model{}, err
	}
	desc := r.desc
	r.desc = "baseline"
	w, hist, err := r.doTrain(spec, spec.InitWeights(r.s.Baseline.Train.Seed), r.s.Baseline.Train, nil, filepath.Join(r.dir(u.Key), "checkpoints"))
	r.desc = desc
	if err != nil {
		return model{}, fmt.Errorf("training the baseline: %w", err)
	}
	m := model{spec, w}
	if err := r.reproduces(u, m); err != nil {
		return model{}, err
	}
	if err := r.saveMeta(u.Key, snapshotMeta{Before: -1, History: hist, Seconds: time.Since(t0).Seconds()}); err != nil {
		return model{}, err
	}
	if err := r.saveSnapshot(u.Key, m); err != nil {
		return model{}, err
	}
	r.base = &m
	if _, ok := r.env.Store.Get(u.Key); !ok {
		if err := r.record(u, m, -1, hist, t0, nil); err != nil {
			return model{}, err
		}
	}
	return m, nil
}

// pruneStep scores prev with metric and removes filters down to the remaining ratio (global
// selection relative to the baseline's widths, coupled channels together).
func (r *runner) pruneStep(prev model, metric string, ratio float64) (*nets.Spec, nets.Weights, pruner.Plan, error) {
	if err := r.datasets(); err != nil {
		return nil, nil, nil, err
	}
	baseW, err := r.baseWidths()
	if err != nil {
		return nil, nil, nil, err
	}
	pat, order, _ := r.s.patternOrder()
	opts := pruner.DefaultScoreOptions()
	opts.K, opts.Pattern, opts.Order = r.s.K, pat, order
	scores, layers, err := pruner.ScoreSpec(prev.spec, prev.w, metric, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	plan, err := pruner.SelectSpec(prev.spec, pruner.LayerNames(layers), scores, r.s.Selection.config(ratio, baseW))
	if err != nil {
		return nil, nil, nil, err
	}
	spec, w, err := pruner.ApplyPlan(prev.spec, prev.w, plan)
	return spec, w, plan, err
}

// snapshot returns the trajectory model of metric after step (filter pruning to Ratios[step]
// and fine-tuning), computing missing steps from the nearest saved one.
func (r *runner) snapshot(metric string, step int) (model, error) {
	fc := r.s.filterConfig(metric, step)
	u := newUnit("filter", metric, r.s.Ratios[step], step, fc)
	if m, ok := r.loadSnapshot(u.Key); ok {
		return m, nil
	}
	unlock, err := r.lockUnit(u.Key)
	if err != nil {
		return model{}, err
	}
	defer unlock()
	if m, ok := r.loadSnapshot(u.Key); ok {
		return m, nil
	}
	var prev model
	if step == 0 {
		prev, err = r.baseline()
	} else {
		prev, err = r.snapshot(metric, step-1)
	}
	if err != nil {
		return model{}, err
	}
	t0 := time.Now()
	spec, w, _, err := r.pruneStep(prev, metric, r.s.Ratios[step])
	if err != nil {
		return model{}, err
	}
	before, err := r.evaluate(spec, w)
	if err != nil {
		return model{}, err
	}
	desc := r.desc
	r.desc = u.describe()
	w, hist, err := r.doTrain(spec, w, r.s.FineTune, nil, filepath.Join(r.dir(u.Key), "checkpoints"))
	r.desc = desc
	if err != nil {
		return model{}, fmt.Errorf("fine-tuning %s at %g: %w", metric, r.s.Ratios[step], err)
	}
	m := model{spec, w}
	if err := r.reproduces(u, m); err != nil {
		return model{}, err
	}
	if err := r.saveMeta(u.Key, snapshotMeta{Before: before.Accuracy, History: hist, Seconds: time.Since(t0).Seconds()}); err != nil {
		return model{}, err
	}
	if err := r.saveSnapshot(u.Key, m); err != nil {
		return model{}, err
	}
	if err := os.RemoveAll(filepath.Join(r.dir(u.Key), "checkpoints")); err != nil {
		return model{}, err
	}
	if _, ok := r.env.Store.Get(u.Key); !ok {
		if err := r.record(u, m, before.Accuracy, hist, t0, nil); err != nil {
			return model{}, err
		}
	}
	return m, nil
}

// nm applies the sweep's N:M masks to m and retrains it with the masks fixed.
func (r *runner) nm(m model, ckpt string) (model, float64, []float64, error) {
	pat, order, _ := r.s.patternOrder()
	masks, err := pruner.NMMasks(m.spec, m.w, pruner.MaskConfig{Pattern: pat, Order: order})
	if err != nil {
		return model{}, 0, nil, err
	}
	w, err := pruner.ApplyMasks(m.w, masks)
	if err != nil {
		return model{}, 0, nil, err
	}
	before, err := r.evaluate(m.spec, w)
	if err != nil {
		return model{}, 0, nil, err
	}
	w, hist, err := r.doTrain(m.spec, w, r.s.Retrain, masks, ckpt)
	if err != nil {
		return model{}, 0, nil, fmt.Errorf("retraining with %s masks: %w", pat, err)
	}
	if w, err = pruner.ApplyMasks(w, masks); err != nil {
		return model{}, 0, nil, err
	}
	return model{m.spec, w}, before.Accuracy, hist, nil
}

func (r *runner) runUnit(u Unit) error {
	if err := r.datasets(); err != nil {
		return err
	}
	t0 := time.Now()
	switch u.Kind {
	case "baseline":
		m, err := r.baseline()
		if err != nil {
			return err
		}
		return r.recordShared(u, m)
	case "filter":
		m, err := r.snapshot(u.Metric, u.step)
		if err != nil {
			return err
		}
		return r.recordShared(u, m)
	case "nm-only", "hybrid":
		var src model
		var err error
		if u.Kind == "nm-only" {
			src, err = r.baseline()
		} else {
			src, err = r.snapshot(u.Metric, u.step)
		}
		if err != nil {
			return err
		}
		r.desc = u.describe()
		t0 = time.Now()
		m, before, hist, err := r.nm(src, filepath.Join(r.dir(u.Key), "checkpoints"))
		if err != nil {
			return err
		}
		if err := r.record(u, m, before, hist, t0, nil); err != nil {
			return err
		}
		// The retraining checkpoints are only needed while the unit runs.
		return os.RemoveAll(r.dir(u.Key))
	case "pattern":
		return r.runPattern(u)
	case "reversed":
		return r.runReversed(u)
	case "oneshot":
		return r.runOneShot(u)
	}
	return fmt.Errorf("unknown unit kind %q", u.Kind)
}

// Snapshot returns the trajectory model of metric at the sweep's ratio index step, as saved in
// workDir by Run (the filter-pruned and fine-tuned model, before N:M), and the baseline.
func Snapshot(s Sweep, workDir, metric string, step int) (spec *nets.Spec, w nets.Weights, err error) {
	if step < 0 || step >= len(s.Ratios) {
		return nil, nil, fmt.Errorf("experiment: snapshot step %d outside the sweep's %d ratios", step, len(s.Ratios))
	}
	key := newUnit("filter", metric, s.Ratios[step], step, s.filterConfig(metric, step)).Key
	return nets.LoadModel(filepath.Join(workDir, key, "model"))
}

// BaselineSnapshot returns the sweep's baseline as saved in workDir by Run.
func BaselineSnapshot(s Sweep, workDir string) (*nets.Spec, nets.Weights, error) {
	return nets.LoadModel(filepath.Join(workDir, s.baselineUnit().Key, "model"))
}
