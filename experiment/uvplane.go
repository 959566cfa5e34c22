package experiment

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
)

// UVReport is what `hybridprune uv -out` writes (JSON) and the notebooks read: the raw (u, v)
// pair of every filter of a sweep's baseline, u = output L1 (eq. 3) and v = preservation
// (eq. 7), the plane of the paper's Fig. 4, to 6 significant digits. Figs. 6 and 7 are its
// transforms (Transformed), so the file holds two numbers per filter.
type UVReport struct {
	Sweep    string    `json:"sweep"`
	Model    string    `json:"model"`
	Dataset  string    `json:"dataset"`
	Baseline string    `json:"baseline_key"`
	Commit   string    `json:"commit"`
	CPU      string    `json:"cpu"`
	Date     string    `json:"date"`
	Layers   []UVLayer `json:"layers"`
}

// UVLayer is one conv layer's filters: U[i], V[i] of filter i.
type UVLayer struct {
	Name string    `json:"name"`
	U    []float64 `json:"u"`
	V    []float64 `json:"v"`
}

// LoadBaseline returns the trained baseline of sweep s and its unit key from the sweep's work
// directory (the snapshot a run of the sweep leaves there), or an error saying how to get it.
func LoadBaseline(s Sweep, workDir string) (*nets.Spec, nets.Weights, string, error) {
	key := s.baselineUnit().Key
	dir := filepath.Join(workDir, key, "model")
	spec, w, err := nets.LoadModel(dir)
	if err != nil {
		return nil, nil, key, fmt.Errorf("sweep %q: no trained baseline in %s (run `hybridprune sweep -config` for it first, with the same -work): %w",
			s.Name, dir, err)
	}
	return spec, w, key, nil
}

// NewUVReport scores every conv filter of the model with output L1 and preservation, under the
// sweep's 2:4 pattern and group order.
func NewUVReport(s Sweep, spec *nets.Spec, w nets.Weights) (UVReport, error) {
	pat, order, err := s.patternOrder()
	if err != nil {
		return UVReport{}, err
	}
	opts := pruner.DefaultScoreOptions()
	opts.K, opts.Pattern, opts.Order = s.K, pat, order
	in, err := pruner.SpecInput(spec, w, opts)
	if err != nil {
		return UVReport{}, fmt.Errorf("uv plane: %w", err)
	}
	pts, err := pruner.Scatter(in, pruner.OutputL1Metric, pruner.PreservationMetric, nil, nil)
	if err != nil {
		return UVReport{}, fmt.Errorf("uv plane: %w", err)
	}
	rep := UVReport{Sweep: s.Name, Model: spec.Name, Dataset: s.Baseline.Data.Dataset}
	for _, p := range pts {
		if n := len(rep.Layers); n == 0 || rep.Layers[n-1].Name != p.Layer {
			rep.Layers = append(rep.Layers, UVLayer{Name: p.Layer})
		}
		l := &rep.Layers[len(rep.Layers)-1]
		l.U, l.V = append(l.U, round6(p.U)), append(l.V, round6(p.V))
	}
	return rep, nil
}

// round6 keeps 6 significant digits (the scores are float32 sums; the file stays small).
func round6(x float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 6, 64), 64)
	if err != nil {
		return x
	}
	return r
}

// Transformed returns the report's planes with the transforms of a hybrid metric applied over
// all filters of all layers, as the metric applies them: tu to u, tv to v (nil: identity).
// Rank, Rank is Fig. 6 (hybrid 1); SqDistToMin, Identity is Fig. 7 (hybrid 2).
func (r UVReport) Transformed(tu, tv pruner.Transform) ([]UVLayer, error) {
	if tu == nil {
		tu = pruner.Identity
	}
	if tv == nil {
		tv = pruner.Identity
	}
	us, vs := make(pruner.Scores, len(r.Layers)), make(pruner.Scores, len(r.Layers))
	for i, l := range r.Layers {
		if len(l.U) != len(l.V) {
			return nil, fmt.Errorf("uv report: layer %s has %d u and %d v values", l.Name, len(l.U), len(l.V))
		}
		us[i], vs[i] = l.U, l.V
	}
	tus, err := tu(us)
	if err != nil {
		return nil, err
	}
	tvs, err := tv(vs)
	if err != nil {
		return nil, err
	}
	out := make([]UVLayer, len(r.Layers))
	for i, l := range r.Layers {
		out[i] = UVLayer{Name: l.Name, U: tus[i], V: tvs[i]}
	}
	return out, nil
}

// Spread counts the cells of an n x n grid over the points' bounding box (each axis scaled to
// [0, 1] by its minimum and maximum) that hold at least one point: how evenly the points cover
// the plane, the property the paper's transforms are meant to improve (section 4.4, "spread out
// the distribution of filters more evenly"). Points at the maximum fall in the last cell; an axis
// with one value puts every point in its first cell.
func Spread(u, v []float64, n int) int {
	scale := func(xs []float64) func(float64) int {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range xs {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		return func(x float64) int {
			if hi <= lo {
				return 0
			}
			return min(int((x-lo)/(hi-lo)*float64(n)), n-1)
		}
	}
	su, sv := scale(u), scale(v)
	cells := map[[2]int]bool{}
	for i := range u {
		cells[[2]int{su(u[i]), sv(v[i])}] = true
	}
	return len(cells)
}

// UVTransform is one hybrid metric's transforms of the (u, v) plane (nil: identity).
type UVTransform struct {
	Name   string
	TU, TV pruner.Transform
}

// UVTransforms are the planes of Figs. 6 and 7: hybrid 1's and hybrid 2's transforms.
var UVTransforms = []UVTransform{
	{"hybrid 1 (rank u, rank v; Fig. 6)", pruner.Rank, pruner.Rank},
	{"hybrid 2 (squared distance to minimum of u; Fig. 7)", pruner.SqDistToMin, nil},
}

// UVGrid is the grid of Spread in the verdicts: 10 x 10 cells.
const UVGrid = 10

// UVVerdicts checks section 4.4's claim on one layer (the paper plots conv3): each hybrid
// metric's transforms cover more cells of the (u, v) plane than the raw metrics (Spread).
func UVVerdicts(r UVReport, layer string) ([]Verdict, error) {
	raw, ok := uvLayer(r.Layers, layer)
	if !ok {
		return nil, fmt.Errorf("uv report %s: no layer %q", r.Sweep, layer)
	}
	base := Spread(raw.U, raw.V, UVGrid)
	var out []Verdict
	for _, t := range UVTransforms {
		ls, err := r.Transformed(t.TU, t.TV)
		if err != nil {
			return nil, err
		}
		tl, _ := uvLayer(ls, layer)
		got := Spread(tl.U, tl.V, UVGrid)
		out = append(out, Verdict{
			Claim:  fmt.Sprintf("%s spreads %s's filters more evenly over the (u, v) plane", t.Name, layer),
			Paper:  "more evenly (Figs. 4, 6, 7, by eye)",
			Ours:   fmt.Sprintf("%d of %d cells occupied, raw %d", got, UVGrid*UVGrid, base),
			Status: status(got > base, true),
		})
	}
	return out, nil
}

func uvLayer(ls []UVLayer, name string) (UVLayer, bool) {
	for _, l := range ls {
		if l.Name == name {
			return l, true
		}
	}
	return UVLayer{}, false
}
