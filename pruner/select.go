package pruner

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/hybridprune/hybridprune/nets"
)

// Scope says whether filters compete across all conv layers or within each layer.
type Scope string

// The selection scopes.
const (
	// ScopeGlobal ranks all filters of all conv layers together (the paper's setting, section 5.2).
	ScopeGlobal Scope = "global"
	// ScopeLocal keeps a fixed ratio of every layer (per-layer ratios, e.g. from a sensitivity
	// analysis).
	ScopeLocal Scope = "local"
)

// SelectConfig configures the choice of filters to keep.
type SelectConfig struct {
	// Ratio is the target remaining-filter ratio in (0, 1]: the fraction of filters kept, over all
	// layers (global) or in each layer (local).
	Ratio float64
	// Scope is ScopeGlobal (default when empty) or ScopeLocal.
	Scope Scope
	// LayerRatios overrides Ratio for the named layers in local scope.
	LayerRatios map[string]float64
	// MinFilters is the fewest filters any layer keeps (default 1 when <= 0); a layer with fewer
	// filters keeps them all.
	MinFilters int
	// Multiple rounds every layer's kept count to the nearest multiple (8, 16 or 32 align the
	// channels for sparse tensor cores, see the package doc); 0 or 1 disables rounding. The count
	// stays within [Multiple, layer size] (a layer smaller than Multiple keeps all its filters),
	// so the global total may drift from the target by up to Multiple/2 per layer.
	Multiple int
	// BaseCounts, when set, holds the original filter count of every layer: ratios are then
	// relative to these counts, not to the current ones (iterative pruning).
	BaseCounts []int
	// MaxPruneRatio, in global scope, caps the fraction of a layer's (base) filters that may be
	// removed, as Torch-Pruning's max_pruning_ratio does: every layer keeps at least
	// ceil((1-MaxPruneRatio) x base) filters. 0 means no cap (the paper's setting).
	MaxPruneRatio float64
	// Normalize, in global scope, rescales each layer's scores before they compete: NormNone (the
	// paper's raw scores), NormMax (divide by the layer's largest score) or NormMean (by its mean
	// score), as Torch-Pruning's group normalizers do. Raw magnitudes grow with a layer's fan-in,
	// so without it a global ranking can strip a whole layer.
	Normalize Normalization
}

// Normalization names a per-layer score rescaling for global selection.
type Normalization string

// The normalizations of SelectConfig.Normalize.
const (
	NormNone Normalization = ""
	NormMax  Normalization = "max"
	NormMean Normalization = "mean"
)

// Validate rejects a ratio outside (0, 1], an unknown scope, negative rounding and bad layer
// ratios.
func (c SelectConfig) Validate() error {
	if !(c.Ratio > 0 && c.Ratio <= 1) {
		return fmt.Errorf("remaining-filter ratio %g outside (0, 1]", c.Ratio)
	}
	if c.Scope != "" && c.Scope != ScopeGlobal && c.Scope != ScopeLocal {
		return fmt.Errorf("unknown selection scope %q (want global or local)", c.Scope)
	}
	if c.Multiple < 0 {
		return fmt.Errorf("channel multiple %d must not be negative", c.Multiple)
	}
	if !(c.MaxPruneRatio >= 0 && c.MaxPruneRatio < 1) {
		return fmt.Errorf("maximum per-layer pruning ratio %g outside [0, 1) (0: no cap)", c.MaxPruneRatio)
	}
	switch c.Normalize {
	case NormNone, NormMax, NormMean:
	default:
		return fmt.Errorf("unknown score normalization %q (want none, max or mean)", c.Normalize)
	}
	for name, r := range c.LayerRatios {
		if !(r > 0 && r <= 1) {
			return fmt.Errorf("layer %q: remaining-filter ratio %g outside (0, 1]", name, r)
		}
	}
	return nil
}

// LayerPlan is what a plan keeps of one conv layer.
type LayerPlan struct {
	// Name is the conv layer's name.
	Name string
	// Filters is the layer's current number of filters.
	Filters int
	// Keep lists the kept filter indices, ascending.
	Keep []int
}

// Pruned lists the removed filter indices, ascending.
func (l LayerPlan) Pruned() []int {
	var out []int
	k := 0
	for f := 0; f < l.Filters; f++ {
		if k < len(l.Keep) && l.Keep[k] == f {
			k++
			continue
		}
		out = append(out, f)
	}
	return out
}

// Plan lists, per conv layer, the filters to keep. Layers absent from a plan are left whole.
type Plan []LayerPlan

// Kept is the total number of kept filters.
func (p Plan) Kept() int {
	n := 0
	for _, l := range p {
		n += len(l.Keep)
	}
	return n
}

// Filters is the total number of filters before pruning.
func (p Plan) Filters() int {
	n := 0
	for _, l := range p {
		n += l.Filters
	}
	return n
}

// Validate checks every layer plan: a known conv of the spec with matching size, kept indices
// ascending, unique and in range, and at least one kept filter (a plan emptying a layer is
// rejected).
func (p Plan) Validate(spec *nets.Spec) error {
	seen := map[string]bool{}
	for _, l := range p {
		i := spec.Index(l.Name)
		if i < 0 || spec.Layers[i].Kind != nets.KindConv {
			return fmt.Errorf("plan: %q is not a conv layer of spec %q", l.Name, spec.Name)
		}
		if seen[l.Name] {
			return fmt.Errorf("plan: layer %q appears twice", l.Name)
		}
		seen[l.Name] = true
		if out := spec.Layers[i].OutChannels; l.Filters != out {
			return fmt.Errorf("plan: layer %q planned for %d filters but has %d", l.Name, l.Filters, out)
		}
		if len(l.Keep) == 0 {
			return fmt.Errorf("plan: layer %q would lose all its %d filters", l.Name, l.Filters)
		}
		for j, f := range l.Keep {
			if f < 0 || f >= l.Filters || (j > 0 && f <= l.Keep[j-1]) {
				return fmt.Errorf("plan: layer %q: kept indices must be ascending, unique and in [0, %d)", l.Name, l.Filters)
			}
		}
	}
	return nil
}

type ranked struct {
	layer, filter int
	score         float64
}

// better orders by score descending, then network order.
func better(a, b ranked) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.layer != b.layer {
		return a.layer < b.layer
	}
	return a.filter < b.filter
}

// Select turns scores (one slice per layer, named by names) into a plan keeping the most important
// filters. Global scope keeps round(Ratio x total) filters ranked over all layers, after first
// granting each layer its MinFilters best ones; local scope keeps round(ratio x size) of each
// layer. Ties keep the earlier layer/filter. Rounding to Multiple is applied last, per layer.
func Select(names []string, scores Scores, cfg SelectConfig) (Plan, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(names) != len(scores) || len(scores) == 0 {
		return nil, fmt.Errorf("select: %d layer names for %d score layers", len(names), len(scores))
	}
	if err := scores.checkNaN(); err != nil {
		return nil, fmt.Errorf("select: %w", err)
	}
	if cfg.BaseCounts != nil && len(cfg.BaseCounts) != len(scores) {
		return nil, fmt.Errorf("select: %d base counts for %d layers", len(cfg.BaseCounts), len(scores))
	}
	for name := range cfg.LayerRatios {
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("select: layer ratio for %q, which is not a scored conv layer", name)
		}
	}
	minF := max(cfg.MinFilters, 1)
	base := make([]int, len(scores))
	for i, s := range scores {
		if len(s) == 0 {
			return nil, fmt.Errorf("select: layer %q has no filters", names[i])
		}
		base[i] = len(s)
		if cfg.BaseCounts != nil {
			base[i] = cfg.BaseCounts[i]
			if base[i] < len(s) {
				return nil, fmt.Errorf("select: layer %q has %d filters, more than its base count %d", names[i], len(s), base[i])
			}
		}
	}
	if cfg.Scope != ScopeLocal && cfg.Normalize != NormNone {
		scores = normalize(scores, cfg.Normalize)
	}
	// Per-layer order: best first.
	order := make([][]ranked, len(scores))
	for i, s := range scores {
		for j, v := range s {
			order[i] = append(order[i], ranked{i, j, v})
		}
		sort.SliceStable(order[i], func(a, b int) bool { return better(order[i][a], order[i][b]) })
	}
	keep := make([]int, len(scores)) // number kept per layer (the best keep[i] of order[i])
	if cfg.Scope == ScopeLocal {
		for i := range scores {
			r := cfg.Ratio
			if lr, ok := cfg.LayerRatios[names[i]]; ok {
				r = lr
			}
			keep[i] = clamp(int(math.Round(r*float64(base[i]))), min(minF, len(scores[i])), len(scores[i]))
		}
	} else {
		baseTotal, total, floor := 0, 0, 0
		for i, s := range scores {
			baseTotal += base[i]
			total += len(s)
			keep[i] = min(minF, len(s))
			if cfg.MaxPruneRatio > 0 {
				keep[i] = min(max(keep[i], int(math.Ceil((1-cfg.MaxPruneRatio)*float64(base[i])-1e-9))), len(s))
			}
			floor += keep[i]
		}
		target := clamp(int(math.Round(cfg.Ratio*float64(baseTotal))), floor, total)
		var rest []ranked
		for i := range scores {
			rest = append(rest, order[i][keep[i]:]...)
		}
		sort.SliceStable(rest, func(a, b int) bool { return better(rest[a], rest[b]) })
		for _, r := range rest[:target-floor] {
			keep[r.layer]++
		}
	}
	if m := cfg.Multiple; m > 1 {
		for i := range keep {
			n := len(scores[i])
			r := int(math.Round(float64(keep[i])/float64(m))) * m
			keep[i] = clamp(r, min(max(m, minF), n), n)
		}
	}
	plan := make(Plan, len(scores))
	for i := range scores {
		lp := LayerPlan{Name: names[i], Filters: len(scores[i])}
		for _, r := range order[i][:keep[i]] {
			lp.Keep = append(lp.Keep, r.filter)
		}
		slices.Sort(lp.Keep)
		plan[i] = lp
	}
	return plan, nil
}

// normalize divides every layer's scores by the layer's largest (NormMax) or mean (NormMean)
// score; a layer whose divisor is zero or not finite is left as it is.
func normalize(scores Scores, how Normalization) Scores {
	out := scores.Clone()
	for _, s := range out {
		var d float64
		for _, v := range s {
			if how == NormMax {
				d = max(d, v)
			} else {
				d += v / float64(len(s))
			}
		}
		if d == 0 || math.IsInf(d, 0) || math.IsNaN(d) {
			continue
		}
		for j := range s {
			s[j] /= d
		}
	}
	return out
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// LayerNames returns the names of the layers, for Select.
func LayerNames(layers []Layer) []string {
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = l.Name
	}
	return names
}
