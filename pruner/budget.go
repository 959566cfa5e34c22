package pruner

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/hybridprune/hybridprune/nets"
)

// SpecMACs returns the multiply-accumulates of one forward pass of an example through the spec's
// conv and dense layers (a conv: out x in x k x k per output pixel; a dense layer: in x out).
func SpecMACs(spec *nets.Spec) (int64, error) {
	shapes, err := spec.Shapes()
	if err != nil {
		return 0, err
	}
	var macs int64
	for i, l := range spec.Layers {
		switch l.Kind {
		case nets.KindConv:
			macs += int64(l.OutChannels) * int64(l.InChannels) * int64(l.Kernel*l.Kernel) * int64(shapes[i].H*shapes[i].W)
		case nets.KindDense:
			macs += int64(l.InChannels) * int64(l.OutChannels)
		}
	}
	return macs, nil
}

// PlanMACs returns the MACs of the spec pruned by plan (the spec itself is not changed).
func PlanMACs(spec *nets.Spec, plan Plan) (int64, error) {
	ps, _, err := surgeryPlan(spec, plan)
	if err != nil {
		return 0, err
	}
	return SpecMACs(ps)
}

// Budget is a global resource target of automatic per-layer ratios: the fraction of the
// original model's MACs (FLOPs/2) the pruned model may keep, in (0, 1].
type Budget struct {
	MACs float64
}

// Validate rejects a fraction outside (0, 1].
func (b Budget) Validate() error {
	if !(b.MACs > 0 && b.MACs <= 1) {
		return fmt.Errorf("budget: MACs fraction %g outside (0, 1]", b.MACs)
	}
	return nil
}

// AutoRatios is the outcome of the automatic allocation.
type AutoRatios struct {
	// Ratios are the per-layer remaining-filter ratios (layers absent keep all their filters).
	Ratios map[string]float64 `json:"ratios"`
	// Threshold is the accuracy every layer's pruning alone keeps (the lecture's threshold).
	Threshold float64 `json:"threshold"`
	// MACs is the kept fraction of the original MACs.
	MACs float64 `json:"macs"`
}

// AllocateRatios derives per-layer ratios from a sensitivity analysis (the lecture's threshold
// rule): for an accuracy threshold t, each layer gets the smallest ratio of its curve whose
// accuracy is at least t (1 if none), and t is the highest accuracy of the curves for which the
// pruned spec keeps at most the budget's fraction of the MACs. Filters are counted as local
// selection counts them (round(ratio x filters), at least one). A budget that even the smallest
// ratios of every curve exceed is an error.
func AllocateRatios(spec *nets.Spec, rows []SensitivityRow, b Budget) (AutoRatios, error) {
	if err := b.Validate(); err != nil {
		return AutoRatios{}, err
	}
	if len(rows) == 0 {
		return AutoRatios{}, fmt.Errorf("budget: no sensitivity rows")
	}
	full, err := SpecMACs(spec)
	if err != nil {
		return AutoRatios{}, err
	}
	curves := map[string][]SensitivityRow{}
	var layers []string
	for _, r := range rows {
		i := spec.Index(r.Layer)
		if i < 0 || spec.Layers[i].Kind != nets.KindConv {
			return AutoRatios{}, fmt.Errorf("budget: sensitivity row for %q, which is not a conv layer of spec %q", r.Layer, spec.Name)
		}
		if _, ok := curves[r.Layer]; !ok {
			layers = append(layers, r.Layer)
		}
		curves[r.Layer] = append(curves[r.Layer], r)
	}
	ratiosAt := func(t float64) map[string]float64 {
		out := map[string]float64{}
		for _, l := range layers {
			best := 1.0
			for _, r := range curves[l] {
				if r.Accuracy >= t && r.Ratio < best {
					best = r.Ratio
				}
			}
			out[l] = best
		}
		return out
	}
	var ts []float64
	for _, r := range rows {
		ts = append(ts, r.Accuracy)
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(ts)))
	ts = slices.Compact(ts)
	last := 0.0
	for _, t := range ts {
		ratios := ratiosAt(t)
		plan, err := localPlan(spec, ratios)
		if err != nil {
			return AutoRatios{}, err
		}
		m, err := PlanMACs(spec, plan)
		if err != nil {
			return AutoRatios{}, err
		}
		last = float64(m) / float64(full)
		if last <= b.MACs+1e-12 {
			return AutoRatios{Ratios: ratios, Threshold: t, MACs: last}, nil
		}
	}
	return AutoRatios{}, fmt.Errorf("budget: %.3g of the MACs cannot be met: the smallest ratios of the sensitivity curves keep %.3g (add smaller ratios to the analysis)", b.MACs, last)
}

// localPlan keeps, per named conv layer, the first round(ratio x filters) filters (at least one):
// the counts of a local selection, enough to count MACs.
func localPlan(spec *nets.Spec, ratios map[string]float64) (Plan, error) {
	var plan Plan
	for _, i := range spec.ConvIndices() {
		l := spec.Layers[i]
		r, ok := ratios[l.Name]
		if !ok {
			continue
		}
		n := clamp(int(math.Round(r*float64(l.OutChannels))), 1, l.OutChannels)
		plan = append(plan, LayerPlan{Name: l.Name, Filters: l.OutChannels, Keep: iota(n)})
	}
	return plan, plan.Validate(spec)
}

// MatchMACs returns the selection ratio in (0, 1] for which sel(ratio)'s plan keeps the MACs
// fraction closest to target (bisection over 40 steps; MACs grow with the ratio), with the plan
// and its fraction. It puts global ranking and uniform local ratios at the same MACs as an
// automatic allocation.
func MatchMACs(spec *nets.Spec, target float64, sel func(ratio float64) (Plan, error)) (float64, Plan, float64, error) {
	full, err := SpecMACs(spec)
	if err != nil {
		return 0, nil, 0, err
	}
	frac := func(r float64) (Plan, float64, error) {
		p, err := sel(r)
		if err != nil {
			return nil, 0, err
		}
		m, err := PlanMACs(spec, p)
		return p, float64(m) / float64(full), err
	}
	lo, hi := 1e-3, 1.0
	var best Plan
	bestR, bestF := 0.0, math.Inf(1)
	for range 40 {
		mid := (lo + hi) / 2
		p, f, err := frac(mid)
		if err != nil {
			return 0, nil, 0, err
		}
		if math.Abs(f-target) < math.Abs(bestF-target) {
			best, bestR, bestF = p, mid, f
		}
		if f > target {
			hi = mid
		} else {
			lo = mid
		}
	}
	return bestR, best, bestF, nil
}
