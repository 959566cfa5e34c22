package pruner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hybridprune/hybridprune/nets"
)

// sel says which indices of dimension 0 and 1 of a parameter survive; nil keeps the dimension.
type sel struct{ d0, d1 []int }

// surgeryPlan walks the spec once and derives the new spec and, for every parameter name, which
// rows/columns survive: a pruned conv loses output channels (weight dim 0, bias); every batch-norm
// on those channels loses the same entries; the next conv loses input channels (weight dim 1) and
// the dense layer after flatten loses, per removed channel c, its H*W columns [c*H*W, (c+1)*H*W).
// ReLU, pooling and dropout act per channel and need nothing. In a residual net the plan is first
// completed over the dependency groups (ExpandPlan), every layer reads the channels of the layer
// it takes its input from (a shortcut conv's Input included), and an add checks that both its
// operands keep the same channels. The walk goes by each kind's channel role (nets.ChannelRole),
// not by kind names: a new channel-preserving kind needs nothing here.
func surgeryPlan(spec *nets.Spec, plan Plan) (*nets.Spec, map[string]sel, error) {
	shapes, err := spec.Shapes()
	if err != nil {
		return nil, nil, err
	}
	if err := plan.Validate(spec); err != nil {
		return nil, nil, err
	}
	if plan, err = ExpandPlan(spec, plan); err != nil {
		return nil, nil, err
	}
	keepOf := map[string][]int{}
	for _, l := range plan {
		if len(l.Keep) < l.Filters {
			keepOf[l.Name] = l.Keep
		}
	}
	out := spec.Clone()
	sels := map[string]sel{}
	keepAt := make([][]int, len(spec.Layers)) // surviving channels (features after flatten) of each output; nil = all
	for i, l := range spec.Layers {
		nl := &out.Layers[i]
		var cur []int // of the activation layer i reads
		src := spec.SourceOf(i)
		if src >= 0 {
			cur = keepAt[src]
		}
		switch l.Kind.Channels() {
		case nets.ChannelsProduce:
			k := keepOf[l.Name]
			sels[l.Name+"/weight"] = sel{k, cur}
			sels[l.Name+"/bias"] = sel{k, nil}
			if cur != nil {
				nl.InChannels = len(cur)
			}
			if k != nil {
				nl.OutChannels = len(k)
			}
			cur = k
		case nets.ChannelsNormalize:
			for _, p := range l.Params() {
				sels[p.Name] = sel{cur, nil}
			}
			if cur != nil {
				nl.OutChannels = len(cur)
			}
		case nets.ChannelsFlatten:
			if cur != nil {
				in := shapes[src] // cur != nil: a conv precedes, so src >= 0
				hw := in.H * in.W
				cols := make([]int, 0, len(cur)*hw)
				for _, c := range cur {
					for j := 0; j < hw; j++ {
						cols = append(cols, c*hw+j)
					}
				}
				cur = cols
			}
		case nets.ChannelsConsume:
			sels[l.Name+"/weight"] = sel{nil, cur}
			sels[l.Name+"/bias"] = sel{nil, nil}
			if cur != nil {
				nl.InChannels = len(cur)
			}
			cur = nil
		case nets.ChannelsJoin:
			if other := keepAt[spec.Index(l.From)]; !slices.Equal(cur, other) {
				return nil, nil, fmt.Errorf("add %q sums activations that keep different channels (%d and %d of %d): prune the convs of a channel group together",
					l.Name, keptCount(cur, shapes[i].C), keptCount(other, shapes[i].C), shapes[i].C)
			}
		}
		keepAt[i] = cur
	}
	if err := out.Validate(); err != nil {
		return nil, nil, fmt.Errorf("pruned spec: %w", err)
	}
	return out, sels, nil
}

// gather returns t restricted to the given indices of dimensions 0 and 1.
func gather(t *nets.Tensor, s sel) (*nets.Tensor, error) {
	if s.d0 == nil && s.d1 == nil {
		return t.Clone(), nil
	}
	if len(t.Shape) < 1 || (s.d1 != nil && len(t.Shape) < 2) {
		return nil, fmt.Errorf("shape %v has no dimension to slice", t.Shape)
	}
	d0 := s.d0
	if d0 == nil {
		d0 = iota(t.Shape[0])
	}
	n1, inner := 1, 1
	if len(t.Shape) >= 2 {
		n1 = t.Shape[1]
		inner = nets.ShapeSize(t.Shape[2:])
	}
	d1 := s.d1
	if d1 == nil {
		d1 = iota(n1)
	}
	for _, i := range d0 {
		if i >= t.Shape[0] {
			return nil, fmt.Errorf("shape %v: index %d out of range in dimension 0", t.Shape, i)
		}
	}
	for _, j := range d1 {
		if j >= n1 {
			return nil, fmt.Errorf("shape %v: index %d out of range in dimension 1", t.Shape, j)
		}
	}
	shape := append([]int(nil), t.Shape...)
	shape[0] = len(d0)
	if len(shape) >= 2 {
		shape[1] = len(d1)
	}
	out := nets.NewTensor(shape...)
	o := 0
	for _, i := range d0 {
		for _, j := range d1 {
			src := (i*n1 + j) * inner
			copy(out.Data[o:o+inner], t.Data[src:src+inner])
			o += inner
		}
	}
	return out, nil
}

// keptCount is the number of channels a keep list (nil: all n) keeps.
func keptCount(keep []int, n int) int {
	if keep == nil {
		return n
	}
	return len(keep)
}

func iota(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// ApplyPlan physically removes the planned filters: conv output channels and biases, their
// batch-norm entries, the next conv's input channels and, for the last conv, the dense layer's
// columns after flatten. In a residual net the plan is first completed over the dependency groups
// (ExpandPlan: the coupled convs lose the same channels) and every reader of a pruned channel
// space, a shortcut conv reading through Input included, loses those input channels. It returns
// a new, validated spec and weights checked against it; the inputs are not modified.
func ApplyPlan(spec *nets.Spec, w nets.Weights, plan Plan) (*nets.Spec, nets.Weights, error) {
	if err := spec.CheckWeights(w); err != nil {
		return nil, nil, fmt.Errorf("filter surgery: %w", err)
	}
	out, sels, err := surgeryPlan(spec, plan)
	if err != nil {
		return nil, nil, fmt.Errorf("filter surgery: %w", err)
	}
	nw, err := sliceAll(w, sels)
	if err != nil {
		return nil, nil, fmt.Errorf("filter surgery: %w", err)
	}
	if err := out.CheckWeights(nw); err != nil {
		return nil, nil, fmt.Errorf("filter surgery: %w", err)
	}
	return out, nw, nil
}

// ApplyPlanToMasks slices masks (any subset of the spec's parameters, e.g. conv and dense weight
// masks) exactly as ApplyPlan slices the weights. Rows of pruned filters go away untouched; a
// consumer that lost input channels keeps its remaining mask entries, but its groups of M may
// now straddle different weights: see ReprojectMasks to restore an N:M layout.
func ApplyPlanToMasks(spec *nets.Spec, masks nets.Weights, plan Plan) (nets.Weights, error) {
	_, sels, err := surgeryPlan(spec, plan)
	if err != nil {
		return nil, fmt.Errorf("mask surgery: %w", err)
	}
	for name := range masks {
		if _, ok := sels[name]; !ok {
			return nil, fmt.Errorf("mask surgery: %q is not a conv, dense or batch-norm parameter of spec %q", name, spec.Name)
		}
	}
	out, err := sliceAll(masks, sels)
	if err != nil {
		return nil, fmt.Errorf("mask surgery: %w", err)
	}
	return out, nil
}

func sliceAll(w nets.Weights, sels map[string]sel) (nets.Weights, error) {
	out := make(nets.Weights, len(w))
	for name, t := range w {
		g, err := gather(t, sels[name])
		if err != nil {
			return nil, fmt.Errorf("%q: %w", name, err)
		}
		out[name] = g
	}
	return out, nil
}

// ZeroFilters returns a copy of w in which the planned-away filters are silenced without changing
// the architecture: their conv weights and biases are zeroed and, because batch-norm maps a zero
// input to offset - mean*scale/sqrt(variance+eps) rather than to zero, the scale and offset of
// every batch-norm on those channels are zeroed as well. Each silenced channel is then exactly
// zero after its conv/batch-norm (and after ReLU, pooling and residual additions, whose operands
// the plan, completed by ExpandPlan, silences alike), so the network computes what the physically
// pruned network of ApplyPlan computes. It is the reference of the surgery tests.
func ZeroFilters(spec *nets.Spec, w nets.Weights, plan Plan) (nets.Weights, error) {
	if err := spec.CheckWeights(w); err != nil {
		return nil, fmt.Errorf("zero filters: %w", err)
	}
	if err := plan.Validate(spec); err != nil {
		return nil, fmt.Errorf("zero filters: %w", err)
	}
	plan, err := ExpandPlan(spec, plan)
	if err != nil {
		return nil, fmt.Errorf("zero filters: %w", err)
	}
	out := w.Clone()
	pruned := map[string][]int{}
	for _, l := range plan {
		pruned[l.Name] = l.Pruned()
	}
	prunedAt := make([][]int, len(spec.Layers)) // silenced channels of each layer's output
	for i, l := range spec.Layers {
		var cur []int
		if src := spec.SourceOf(i); src >= 0 {
			cur = prunedAt[src]
		}
		switch l.Kind.Channels() {
		case nets.ChannelsProduce:
			cur = pruned[l.Name]
			wt := out[l.Name+"/weight"]
			row := len(wt.Data) / l.OutChannels
			for _, f := range cur {
				clear(wt.Data[f*row : (f+1)*row])
				if !l.NoBias {
					out[l.Name+"/bias"].Data[f] = 0
				}
			}
		case nets.ChannelsNormalize:
			for _, f := range cur {
				out[l.Name+"/scale"].Data[f] = 0
				out[l.Name+"/offset"].Data[f] = 0
			}
		case nets.ChannelsFlatten, nets.ChannelsConsume:
			cur = nil
		}
		prunedAt[i] = cur
	}
	return out, nil
}

// PlanSummary formats a plan as "name kept/total" pairs.
func PlanSummary(p Plan) string {
	var b strings.Builder
	for i, l := range p {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s %d/%d", l.Name, len(l.Keep), l.Filters)
	}
	return b.String()
}
