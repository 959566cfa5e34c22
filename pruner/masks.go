package pruner

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/hybridprune/hybridprune/nets"
)

// MagnitudeMasks returns unstructured magnitude masks (Han et al.) for comparison with N:M: the
// given fraction of the conv (and, with dense, dense) weights with the smallest magnitudes is
// masked, ranked over all those layers together (global) or within each layer. sparsity is in
// [0, 1); ties prune the earlier weight.
func MagnitudeMasks(spec *nets.Spec, w nets.Weights, sparsity float64, global, dense bool) (nets.Weights, error) {
	if !(sparsity >= 0 && sparsity < 1) {
		return nil, fmt.Errorf("magnitude masks: sparsity %g outside [0, 1)", sparsity)
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, fmt.Errorf("magnitude masks: %w", err)
	}
	names := maskedParams(spec, dense, nil)
	masks := nets.Weights{}
	type ref struct {
		t   int
		i   int
		abs float64
	}
	prune := func(refs []ref) {
		sort.SliceStable(refs, func(a, b int) bool { return refs[a].abs < refs[b].abs })
		n := int(math.Round(sparsity * float64(len(refs))))
		for _, r := range refs[:n] {
			masks[names[r.t]].Data[r.i] = 0
		}
	}
	var all []ref
	for t, name := range names {
		m := nets.NewTensor(w[name].Shape...)
		for i := range m.Data {
			m.Data[i] = 1
		}
		masks[name] = m
		var refs []ref
		for i, v := range w[name].Data {
			refs = append(refs, ref{t, i, math.Abs(float64(v))})
		}
		if global {
			all = append(all, refs...)
		} else {
			prune(refs)
		}
	}
	if global {
		prune(all)
	}
	return masks, nil
}

// ApplyMasks returns a copy of w with every masked weight (mask value 0) set to zero. Each mask
// must name a parameter of w with the same shape; unmasked parameters are copied unchanged.
func ApplyMasks(w, masks nets.Weights) (nets.Weights, error) {
	out := w.Clone()
	for name, m := range masks {
		t, ok := out[name]
		if !ok {
			return nil, fmt.Errorf("apply masks: no parameter %q", name)
		}
		if !slices.Equal(t.Shape, m.Shape) || len(t.Data) != len(m.Data) {
			return nil, fmt.Errorf("apply masks: %q has shape %v, mask %v", name, t.Shape, m.Shape)
		}
		for i, v := range m.Data {
			if v == 0 {
				t.Data[i] = 0
			}
		}
	}
	return out, nil
}

// CountNonZero counts the non-zero values and all values of the named tensors of w (every tensor
// when no name is given). Counting a mask gives its kept weights.
func CountNonZero(w nets.Weights, names ...string) (nonZero, total int) {
	if len(names) == 0 {
		names = w.Names()
	}
	for _, n := range names {
		t, ok := w[n]
		if !ok {
			continue
		}
		total += len(t.Data)
		for _, v := range t.Data {
			if v != 0 {
				nonZero++
			}
		}
	}
	return nonZero, total
}

// Sparsity is the fraction of zeros among the named tensors of w (all when no name is given); 0
// for no values.
func Sparsity(w nets.Weights, names ...string) float64 {
	nz, total := CountNonZero(w, names...)
	if total == 0 {
		return 0
	}
	return 1 - float64(nz)/float64(total)
}

// TrainableNonZero counts the non-zero trainable parameters of a spec's weights (conv and dense
// weights and biases, batch-norm scale and offset), the NonZero of a StepReport.
func TrainableNonZero(spec *nets.Spec, w nets.Weights) int {
	var names []string
	for _, p := range spec.Params() {
		if p.Trainable {
			names = append(names, p.Name)
		}
	}
	nz, _ := CountNonZero(w, names...)
	return nz
}
