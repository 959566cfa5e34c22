package experiment

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse/engine"
)

// Patterns is the group-wise inference paper's study on a sweep's baseline: every mask kind at
// every sparsity, the masks applied to the baseline's conv layers and kept fixed while it
// retrains (the sweep's Retrain recipe), then the accuracy and the engine's time per batch in the
// kind's mode next to the dense baseline's.
type Patterns struct {
	// Kinds are pruner.MaskKind names: element, vector, block, group (nm runs at 2:4 only and is
	// the sweep's nm_only point).
	Kinds []string `json:"kinds"`
	// Sparsities are the removed fractions of the masked layers' weights, each in (0, 1).
	Sparsities []float64 `json:"sparsities"`
	// Vector is the vector length of vector masks, Block the block side (0: pruner's defaults).
	Vector int `json:"vector,omitempty"`
	Block  int `json:"block,omitempty"`
	// Skip names conv layers left dense by every kind (the first conv, whose K = 3*k*k no block
	// tiles), so that all kinds prune the same layers.
	Skip []string `json:"skip,omitempty"`
	// Batch is the batch of the timing (default 32).
	Batch int `json:"batch,omitempty"`
	// Budget is the timing budget per unit (default 3s; not part of the unit keys).
	Budget time.Duration `json:"-"`
}

// MaskConfig returns the pruner configuration of one kind at one sparsity.
func (p Patterns) MaskConfig(kind string, sparsity float64) (pruner.MaskConfig, error) {
	k, err := pruner.ParseMaskKind(kind)
	if err != nil {
		return pruner.MaskConfig{}, err
	}
	if k == pruner.MaskNM {
		return pruner.MaskConfig{}, fmt.Errorf("pattern study: kind %q: N:M runs at its own sparsity; use the sweep's nm_only point", kind)
	}
	return pruner.MaskConfig{Kind: k, Sparsity: sparsity, Vector: p.Vector, Block: p.Block, Skip: slices.Clone(p.Skip)}, nil
}

// maskedBy returns the masks of cfg on w and w under them: the one way the pattern study, its
// latency half and RetimePatterns derive a unit's model, so that a re-timing masks exactly as
// the unit did.
func maskedBy(spec *nets.Spec, w nets.Weights, cfg pruner.MaskConfig) (masks, masked nets.Weights, err error) {
	if masks, err = pruner.Masks(spec, w, cfg); err != nil {
		return nil, nil, err
	}
	if masked, err = pruner.ApplyMasks(w, masks); err != nil {
		return nil, nil, err
	}
	return masks, masked, nil
}

// Validate rejects an empty grid, unknown or repeated kinds, sparsities outside (0, 1), a bad
// vector length or block side, and a negative batch.
func (p Patterns) Validate() error {
	if len(p.Kinds) == 0 || len(p.Sparsities) == 0 {
		return fmt.Errorf("pattern study: empty grid (%d kinds x %d sparsities)", len(p.Kinds), len(p.Sparsities))
	}
	if len(slices.Compact(slices.Sorted(slices.Values(p.Kinds)))) != len(p.Kinds) {
		return fmt.Errorf("pattern study: a kind is listed twice in %v", p.Kinds)
	}
	for _, k := range p.Kinds {
		for _, s := range p.Sparsities {
			if !(s > 0 && s < 1) {
				return fmt.Errorf("pattern study: sparsity %g outside (0, 1)", s)
			}
			cfg, err := p.MaskConfig(k, s)
			if err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("pattern study: %w", err)
			}
		}
	}
	if p.Batch < 0 {
		return fmt.Errorf("pattern study: batch %d must not be negative", p.Batch)
	}
	return nil
}

// CheckLayers checks every kind of the study against the spec's layers (pruner.CheckMaskLayers).
func (p Patterns) CheckLayers(spec *nets.Spec) error {
	for _, k := range p.Kinds {
		cfg, err := p.MaskConfig(k, p.Sparsities[0])
		if err != nil {
			return err
		}
		if err := pruner.CheckMaskLayers(spec, cfg); err != nil {
			return err
		}
	}
	return nil
}

// PatternMode is the engine mode that runs a mask kind: csr for element, vector, block, group,
// and nm for N:M.
func PatternMode(kind pruner.MaskKind) engine.Mode {
	switch kind {
	case pruner.MaskElement:
		return engine.ModeCSR
	case pruner.MaskVector:
		return engine.ModeVector
	case pruner.MaskBlock:
		return engine.ModeBlock
	case pruner.MaskGroup:
		return engine.ModeGroup
	}
	return engine.ModeNM
}

type patternUnit struct {
	Kind     string   `json:"kind"`
	Baseline Baseline `json:"baseline"`
	Mask     string   `json:"mask"`
	Sparsity float64  `json:"sparsity"`
	Vector   int      `json:"vector,omitempty"`
	Block    int      `json:"block,omitempty"`
	Skip     []string `json:"skip,omitempty"`
	Retrain  Recipe   `json:"retrain"`
	Batch    int      `json:"batch"`
}

// patternUnits lists the study's units, kind-major (each kind's sparsities in the listed order).
func (s Sweep) patternUnits(sh Shard) []Unit {
	p := s.Patterns
	if p == nil {
		return nil
	}
	var out []Unit
	for _, k := range p.Kinds {
		if !sh.owns("pattern:" + k) {
			continue
		}
		for i, sp := range p.Sparsities {
			out = append(out, newUnit("pattern", k, sp, i, patternUnit{Kind: "pattern", Baseline: s.Baseline, Mask: k, Sparsity: sp,
				Vector: p.Vector, Block: p.Block, Skip: p.Skip, Retrain: s.Retrain, Batch: cmp.Or(p.Batch, 32)}))
		}
	}
	return out
}

// checkPatterns checks the study's kinds against the baseline's zoo spec before any unit runs.
func (r *runner) checkPatterns() error {
	if err := r.datasets(); err != nil {
		return err
	}
	spec, err := nets.ByName(r.s.Baseline.Model, r.train.C, r.train.NumClasses)
	if err != nil {
		return err
	}
	return r.s.Patterns.CheckLayers(spec)
}

// runPattern masks the baseline, retrains it with the masks fixed, times it and records the row.
func (r *runner) runPattern(u Unit) error {
	base, err := r.baseline()
	if err != nil {
		return err
	}
	t0 := time.Now()
	cfg, err := r.s.Patterns.MaskConfig(u.Metric, u.Ratio)
	if err != nil {
		return err
	}
	masks, w, err := maskedBy(base.spec, base.w, cfg)
	if err != nil {
		return err
	}
	before, err := r.evaluate(base.spec, w)
	if err != nil {
		return err
	}
	w, hist, err := r.doTrain(base.spec, w, r.s.Retrain, masks, filepath.Join(r.dir(u.Key), "checkpoints"))
	if err != nil {
		return fmt.Errorf("retraining with %s masks: %w", cfg.Kind, err)
	}
	if w, err = pruner.ApplyMasks(w, masks); err != nil {
		return err
	}
	ms, err := TimePattern(base.spec, base.w, w, cfg, cmp.Or(r.s.Patterns.Batch, 32), r.s.Patterns.Budget)
	if err != nil {
		return err
	}
	if err := r.record(u, model{base.spec, w}, before.Accuracy, hist, t0, ms); err != nil {
		return err
	}
	return os.RemoveAll(r.dir(u.Key))
}

// TimePattern compiles the dense model on dense kernels and the model masked with cfg in the
// kind's engine mode on its conv layers (dense layers stay dense), and times one batch of each,
// interleaved, within budget (0: 3s). It returns ms per batch under "dense" and the mode's name.
func TimePattern(spec *nets.Spec, dense, masked nets.Weights, cfg pruner.MaskConfig, batch int, budget time.Duration) (map[string]float64, error) {
	mode := PatternMode(cfg.Kind)
	modes := map[string]engine.Mode{}
	for _, i := range spec.ConvIndices() {
		modes[spec.Layers[i].Name] = mode
	}
	dn, err := engine.Compile(spec, dense, engine.Options{Default: engine.ModeDense})
	if err != nil {
		return nil, err
	}
	opts := engine.Options{Default: engine.ModeDense, Layers: modes, Vector: cmp.Or(cfg.Vector, pruner.DefaultVector),
		Block: cmp.Or(cfg.Block, pruner.DefaultBlock)}
	pn, err := engine.Compile(spec, masked, opts)
	if err != nil {
		return nil, err
	}
	return timeNets(spec, map[string]*engine.Net{"dense": dn, string(mode): pn}, batch, budget)
}

// PatternSpeed is the latency half of the pattern study on freshly initialised weights (latency
// depends on the pattern's structure, not on trained values): every kind at every sparsity of p
// on a zoo model, the engine's time per batch in the kind's mode next to dense.
type PatternSpeed struct {
	Model    string `json:"model"`
	Channels int    `json:"channels"`
	Classes  int    `json:"classes"`
	Seed     uint64 `json:"seed"`
	Threads  int    `json:"threads"`
}

type patternSpeedUnit struct {
	Kind     string       `json:"kind"`
	Of       PatternSpeed `json:"of"`
	Mask     string       `json:"mask"`
	Sparsity float64      `json:"sparsity"`
	Vector   int          `json:"vector,omitempty"`
	Block    int          `json:"block,omitempty"`
	Skip     []string     `json:"skip,omitempty"`
	Batch    int          `json:"batch"`
}

// RunPatternSpeed times every kind x sparsity of p on the model of ps (rows of kind
// "pattern-speed" in st, one per unit; units already in st are skipped) and logs one line per row.
func RunPatternSpeed(ps PatternSpeed, p Patterns, st *Store, backend string, log func(string)) error {
	if err := p.Validate(); err != nil {
		return err
	}
	spec, err := nets.ByName(ps.Model, ps.Channels, ps.Classes)
	if err != nil {
		return fmt.Errorf("experiment: pattern speed: %w", err)
	}
	if ps.Threads < 0 {
		return fmt.Errorf("experiment: pattern speed: threads %d must not be negative", ps.Threads)
	}
	defer gemm.SetThreads(gemm.SetThreads(ps.Threads))
	if err := p.CheckLayers(spec); err != nil {
		return fmt.Errorf("experiment: pattern speed: %w", err)
	}
	w := spec.InitWeights(ps.Seed)
	batch := cmp.Or(p.Batch, 32)
	for _, k := range p.Kinds {
		for _, sp := range p.Sparsities {
			cfg, err := p.MaskConfig(k, sp)
			if err != nil {
				return err
			}
			uc := patternSpeedUnit{Kind: "pattern-speed", Of: ps, Mask: k, Sparsity: sp, Vector: p.Vector, Block: p.Block, Skip: p.Skip, Batch: batch}
			u := newUnit("pattern-speed", k, sp, -1, uc)
			if _, ok := st.Get(u.Key); ok {
				continue
			}
			t0 := time.Now()
			_, mw, err := maskedBy(spec, w, cfg)
			if err != nil {
				return fmt.Errorf("experiment: pattern speed of %s: %w", spec.Name, err)
			}
			ms, err := TimePattern(spec, w, mw, cfg, batch, p.Budget)
			if err != nil {
				return fmt.Errorf("experiment: pattern speed of %s, %s @%g: %w", spec.Name, k, sp, err)
			}
			row := Row{Key: u.Key, Sweep: "pattern-speed-" + ps.Model, Kind: "pattern-speed", Config: configJSON(uc),
				Provenance: NewProvenance(backend),
				Metrics: Metrics{Accuracy: -1, AccuracyBefore: -1, Params: spec.ParamCount(), NonZero: pruner.TrainableNonZero(spec, mw),
					Widths: convWidths(spec), Seconds: time.Since(t0).Seconds(), MsPerBatch: ms}}
			if err := st.Append(row); err != nil {
				return err
			}
			if log != nil {
				mode := string(PatternMode(cfg.Kind))
				log(fmt.Sprintf("%s %s-wise @%.0f%%: dense %.2f ms, %s %.2f ms (%.2fx dense)", spec.Name, k, 100*sp, ms["dense"], mode, ms[mode], ms["dense"]/ms[mode]))
			}
		}
	}
	return nil
}
