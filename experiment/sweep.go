package experiment

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/nets/data"
	"github.com/hybridprune/hybridprune/pruner"
)

// Recipe is a training recipe: momentum SGD or Adam with a cosine schedule, as nets.Train runs it.
type Recipe struct {
	Epochs    int     `json:"epochs"`
	Optimizer string  `json:"optimizer"` // "sgd" or "adam"
	LR        float64 `json:"lr"`
	BatchSize int     `json:"batch"`
	Augment   bool    `json:"augment"`
	Seed      uint64  `json:"seed"`
	// Momentum and WeightDecay of sgd: nil means nets.Train's defaults (0.9 and 5e-4 for sgd, no
	// decay for adam). Set values are part of the unit keys; nil ones are not, so a change of those
	// defaults must come with new sweep names or explicit values.
	Momentum    *float64 `json:"momentum,omitempty"`
	WeightDecay *float64 `json:"weight_decay,omitempty"`
}

// Validate rejects non-positive epochs (unless zero is allowed), an unknown optimizer, and a
// learning rate or batch size that is not a positive finite number.
func (r Recipe) Validate(what string, allowZeroEpochs bool) error {
	if r.Epochs < 0 || (r.Epochs == 0 && !allowZeroEpochs) {
		return fmt.Errorf("%s: epochs %d must be positive", what, r.Epochs)
	}
	if r.Epochs == 0 {
		return nil
	}
	if r.Optimizer != "sgd" && r.Optimizer != "adam" {
		return fmt.Errorf("%s: optimizer %q: want sgd or adam", what, r.Optimizer)
	}
	if !(r.LR > 0) || math.IsInf(r.LR, 0) {
		return fmt.Errorf("%s: learning rate %g must be a positive finite number", what, r.LR)
	}
	if r.BatchSize <= 0 {
		return fmt.Errorf("%s: batch size %d must be positive", what, r.BatchSize)
	}
	return nil
}

func (r Recipe) trainConfig() nets.TrainConfig {
	return nets.TrainConfig{Epochs: r.Epochs, BatchSize: r.BatchSize, Optimizer: r.Optimizer,
		LearningRate: r.LR, Augment: r.Augment, Seed: r.Seed, Schedule: "cosine",
		Momentum: r.Momentum, WeightDecay: r.WeightDecay}
}

// Data names a dataset and optional subsets (0: all examples).
type Data struct {
	Dataset    string `json:"dataset"`
	LimitTrain int    `json:"limit_train,omitempty"`
	LimitTest  int    `json:"limit_test,omitempty"`
}

// Baseline is a zoo model trained from scratch.
type Baseline struct {
	Model string `json:"model"`
	Data  Data   `json:"data"`
	Train Recipe `json:"train"`
}

// Validate checks the model and dataset names and the recipe.
func (b Baseline) Validate() error {
	if _, err := nets.ByName(b.Model, 1, 10); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	if !slices.Contains(data.Names(), b.Data.Dataset) {
		return fmt.Errorf("baseline: unknown dataset %q (want one of %v)", b.Data.Dataset, data.Names())
	}
	if b.Data.LimitTrain < 0 || b.Data.LimitTest < 0 {
		return fmt.Errorf("baseline: negative example limits %d/%d", b.Data.LimitTrain, b.Data.LimitTest)
	}
	return b.Train.Validate("baseline training", false)
}

// Selection are the global-selection options of a sweep (see pruner.SelectConfig).
type Selection struct {
	Scope         string  `json:"scope,omitempty"` // "global" (default) or "local"
	MaxPruneRatio float64 `json:"max_prune_ratio,omitempty"`
	Normalize     string  `json:"normalize,omitempty"` // "", "max" or "mean"
	Multiple      int     `json:"multiple,omitempty"`
}

func (s Selection) config(ratio float64, base []int) pruner.SelectConfig {
	return pruner.SelectConfig{Ratio: ratio, Scope: pruner.Scope(s.Scope), MinFilters: 1, Multiple: s.Multiple,
		BaseCounts: base, MaxPruneRatio: s.MaxPruneRatio, Normalize: pruner.Normalization(s.Normalize)}
}

// String describes the selection for tables and legends, e.g. "global" or "global, max 0.8/layer".
func (s Selection) String() string {
	out := s.Scope
	if out == "" {
		out = "global"
	}
	if s.MaxPruneRatio > 0 {
		out += fmt.Sprintf(", at most %.0f%% of a layer", 100*s.MaxPruneRatio)
	}
	if s.Normalize != "" {
		out += ", " + s.Normalize + "-normalized"
	}
	return out
}

// Sweep is the paper's grid: metrics x remaining ratios on one baseline (section 4.1 protocol).
type Sweep struct {
	// Name labels the sweep's rows (informational; not part of any unit key).
	Name     string   `json:"name"`
	Baseline Baseline `json:"baseline"`
	// Metrics are filter-importance metric names (pruner.MetricNames).
	Metrics []string `json:"metrics"`
	// Ratios are the remaining-filter ratios of the trajectory, strictly decreasing in (0, 1).
	Ratios []float64 `json:"ratios"`
	// Pattern ("2:4") and Order ("width" or "channels") of the N:M stage and the N:M-aware metrics.
	Pattern string `json:"pattern"`
	Order   string `json:"order"`
	// K is the hybrid metrics' mixing weight in [0, 1].
	K         float64   `json:"k"`
	Selection Selection `json:"selection"`
	// FineTune follows every filter removal (Epochs 0: none); Retrain follows the N:M stage
	// (the hybrid point; the paper retrains 5 epochs).
	FineTune Recipe `json:"finetune"`
	Retrain  Recipe `json:"retrain"`
	// NMOnly adds the N:M-only point of the baseline (Table 1's "2:4 pruning").
	NMOnly bool `json:"nm_only"`
	// Reversed adds, per metric, the reversed-order trajectory (N:M first, then filter pruning
	// with the masks fixed; Figs. 15-16): one "reversed" unit per ratio.
	Reversed bool `json:"reversed,omitempty"`
	// Ks makes the sweep a k sweep (Figs. 17-19): every trajectory is run for each k (K is then
	// unused); use it with the k-dependent hybrid metrics.
	Ks []float64 `json:"ks,omitempty"`
	// Patterns adds the pattern study (element/vector/block/group masks on the baseline, retrained
	// with the Retrain recipe); a sweep may hold only the study (no metrics, no ratios).
	Patterns *Patterns `json:"patterns,omitempty"`
	// OneShot adds the with/without-retraining study (Figs. 21-23): the baseline pruned in one
	// shot per metric and ratio, evaluated before and after the FineTune recipe.
	OneShot *OneShot `json:"oneshot,omitempty"`
}

// Validate rejects, before any work: an invalid baseline, an empty grid, an unknown metric, a
// ratio outside (0, 1) or out of order, k outside [0, 1], a bad pattern, order or selection, and
// bad recipes.
func (s Sweep) Validate() error {
	if err := s.Baseline.Validate(); err != nil {
		return fmt.Errorf("sweep %q: %w", s.Name, err)
	}
	if s.Patterns != nil {
		if err := s.Patterns.Validate(); err != nil {
			return fmt.Errorf("sweep %q: %w", s.Name, err)
		}
	}
	if s.OneShot != nil {
		if err := s.OneShot.Validate(); err != nil {
			return fmt.Errorf("sweep %q: %w", s.Name, err)
		}
	}
	studyOnly := (s.Patterns != nil || s.OneShot != nil) && len(s.Metrics)+len(s.Ratios) == 0
	if (len(s.Metrics) == 0 || len(s.Ratios) == 0) && !studyOnly {
		return fmt.Errorf("sweep %q: empty grid (%d metrics x %d ratios)", s.Name, len(s.Metrics), len(s.Ratios))
	}
	for _, m := range s.Metrics {
		if _, err := pruner.Lookup(m); err != nil {
			return fmt.Errorf("sweep %q: %w", s.Name, err)
		}
		if pruner.NeedsData(m) {
			return fmt.Errorf("sweep %q: metric %s needs calibration activations, which sweeps do not capture yet", s.Name, m)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(s.Metrics)))) != len(s.Metrics) {
		return fmt.Errorf("sweep %q: a metric is listed twice in %v", s.Name, s.Metrics)
	}
	for i, r := range s.Ratios {
		if !(r > 0 && r < 1) {
			return fmt.Errorf("sweep %q: remaining ratio %g outside (0, 1)", s.Name, r)
		}
		if i > 0 && r >= s.Ratios[i-1] {
			return fmt.Errorf("sweep %q: ratios %v must strictly decrease (a trajectory prunes further at each step)", s.Name, s.Ratios)
		}
	}
	if err := pruner.CheckK(s.K); err != nil {
		return fmt.Errorf("sweep %q: %w", s.Name, err)
	}
	for _, k := range s.Ks {
		if err := pruner.CheckK(k); err != nil {
			return fmt.Errorf("sweep %q: ks: %w", s.Name, err)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(s.Ks)))) != len(s.Ks) {
		return fmt.Errorf("sweep %q: a k is listed twice in %v", s.Name, s.Ks)
	}
	if _, _, err := s.patternOrder(); err != nil {
		return fmt.Errorf("sweep %q: %w", s.Name, err)
	}
	if err := s.Selection.config(0.5, nil).Validate(); err != nil {
		return fmt.Errorf("sweep %q: selection: %w", s.Name, err)
	}
	if err := s.FineTune.Validate("fine-tuning", true); err != nil {
		return fmt.Errorf("sweep %q: %w", s.Name, err)
	}
	if err := s.Retrain.Validate("retraining", true); err != nil {
		return fmt.Errorf("sweep %q: %w", s.Name, err)
	}
	return nil
}

func (s Sweep) patternOrder() (pruner.Pattern, pruner.GroupOrder, error) {
	p, err := pruner.ParsePattern(s.Pattern)
	if err != nil {
		return p, "", err
	}
	o, err := pruner.ParseGroupOrder(s.Order)
	return p, o, err
}

// Shard selects part of a sweep's trajectories: shard I of N (0 <= I < N) runs the metrics whose
// hash falls in it. The zero value runs everything.
type Shard struct{ I, N int }

// ParseShard reads "i/n".
func ParseShard(s string) (Shard, error) {
	var sh Shard
	if s == "" {
		return Shard{0, 1}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return sh, fmt.Errorf("shard %q: want i/n", s)
	}
	var err1, err2 error
	sh.I, err1 = strconv.Atoi(i)
	sh.N, err2 = strconv.Atoi(n)
	if err1 != nil || err2 != nil {
		return sh, fmt.Errorf("shard %q: want i/n with integers", s)
	}
	if sh.N < 1 || sh.I < 0 || sh.I >= sh.N {
		return sh, fmt.Errorf("shard %q: want 0 <= i < n", s)
	}
	return sh, nil
}

// owns reports whether the shard runs the trajectory (or single unit) named name.
func (sh Shard) owns(name string) bool {
	if sh.N <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32()%uint32(sh.N)) == sh.I
}

// The unit configurations: what a unit's key hashes. Every field that changes the result is
// here, nothing else (no names, paths or machine).

type baselineUnit struct {
	Kind     string   `json:"kind"`
	Baseline Baseline `json:"baseline"`
}

type nmUnit struct {
	Kind     string   `json:"kind"`
	Baseline Baseline `json:"baseline"`
	Pattern  string   `json:"pattern"`
	Order    string   `json:"order"`
	Retrain  Recipe   `json:"retrain"`
}

type filterUnit struct {
	Kind      string    `json:"kind"`
	Baseline  Baseline  `json:"baseline"`
	Metric    string    `json:"metric"`
	K         float64   `json:"k"`
	Pattern   string    `json:"pattern"`
	Order     string    `json:"order"`
	Selection Selection `json:"selection"`
	FineTune  Recipe    `json:"finetune"`
	// Path is the trajectory up to and including this unit's ratio.
	Path []float64 `json:"path"`
}

type hybridUnit struct {
	Kind    string     `json:"kind"`
	Filter  filterUnit `json:"filter"`
	Pattern string     `json:"pattern"`
	Order   string     `json:"order"`
	Retrain Recipe     `json:"retrain"`
}

// Unit is one schedulable piece of a sweep.
type Unit struct {
	Key    string
	Kind   string // "baseline", "nm-only", "filter", "hybrid", "reversed", "pattern" or "oneshot"
	Metric string
	Ratio  float64 // remaining ratio (1 for baseline and nm-only); a pattern unit's sparsity
	config any
	// step is the trajectory index of filter and hybrid units.
	step int
}

func newUnit(kind, metric string, ratio float64, step int, cfg any) Unit {
	return Unit{Key: hashConfig(configJSON(cfg)), Kind: kind, Metric: metric, Ratio: ratio, config: cfg, step: step}
}

func (s Sweep) baselineUnit() Unit {
	return newUnit("baseline", "", 1, -1, baselineUnit{Kind: "baseline", Baseline: s.Baseline})
}

func (s Sweep) filterConfig(metric string, step int) filterUnit {
	return filterUnit{Kind: "filter", Baseline: s.Baseline, Metric: metric, K: s.K, Pattern: s.Pattern, Order: s.Order,
		Selection: s.Selection, FineTune: s.FineTune, Path: slices.Clone(s.Ratios[:step+1])}
}

// Units lists the sweep's units in run order: the baseline, the N:M-only point, then per metric
// its trajectory, each filter unit followed by its hybrid unit. Only the shard's trajectories (and
// N:M point) are listed; every shard lists the baseline, which all of them need: run it once
// before starting the shards, or let the first shard to finish it record its row. The reversed
// points follow, then the pattern study's units (Metric is the mask kind, Ratio the sparsity),
// then the one-shot study's. A
// k sweep lists the units of each of its KSweeps in turn, shared units once.
func (s Sweep) Units(sh Shard) []Unit {
	if len(s.Ks) > 0 {
		var out []Unit
		seen := map[string]bool{}
		for _, sub := range s.KSweeps() {
			for _, u := range sub.Units(sh) {
				if !seen[u.Key] {
					seen[u.Key] = true
					out = append(out, u)
				}
			}
		}
		return out
	}
	out := []Unit{s.baselineUnit()}
	if s.NMOnly && sh.owns("nm-only") {
		out = append(out, newUnit("nm-only", "", 1, -1, nmUnit{Kind: "nm-only", Baseline: s.Baseline, Pattern: s.Pattern, Order: s.Order, Retrain: s.Retrain}))
	}
	for _, m := range s.Metrics {
		if !sh.owns("metric:" + m) {
			continue
		}
		for i, r := range s.Ratios {
			fc := s.filterConfig(m, i)
			out = append(out, newUnit("filter", m, r, i, fc))
			out = append(out, newUnit("hybrid", m, r, i, hybridUnit{Kind: "hybrid", Filter: fc, Pattern: s.Pattern, Order: s.Order, Retrain: s.Retrain}))
		}
	}
	out = append(out, s.reversedUnits(sh)...)
	out = append(out, s.patternUnits(sh)...)
	return append(out, s.oneShotUnits(sh)...)
}
