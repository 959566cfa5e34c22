package pruner

import (
	"fmt"
	"math"

	"github.com/hybridprune/hybridprune/nets"
)

// RemanentL1 is the paper's remanent L1-norm metric (eq. 4): the sum over the filter's groups of
// w', the L1 norm of the N largest magnitudes of each group of M, i.e. the L1 norm of what N:M
// pruning will leave. As in eq. 4 it is a plain sum, not an average.
func RemanentL1(w *nets.Tensor, order GroupOrder, p Pattern) ([]float64, error) {
	out, err := perGroupFilter(w, order, p, func(sums, kept []float64) float64 {
		r := 0.0
		for _, k := range kept {
			r += k
		}
		return r
	})
	if err != nil {
		return nil, fmt.Errorf("remanent L1: %w", err)
	}
	return out, nil
}

// DominantRatio is the paper's dominant ratio metric (eq. 5): the filter's total L1 norm divided by
// the L1 norm N:M pruning removes, sum_k w_k / sum_k (w_k - w'_k). A filter with nothing to prune
// (every group already has at most N non-zeros, including an all-zero filter) gets +Inf: it is
// the most important, as N:M pruning cannot hurt it.
func DominantRatio(w *nets.Tensor, order GroupOrder, p Pattern) ([]float64, error) {
	out, err := perGroupFilter(w, order, p, func(sums, kept []float64) float64 {
		total, pruned := 0.0, 0.0
		for k := range sums {
			total += sums[k]
			pruned += sums[k] - kept[k]
		}
		if pruned <= 0 {
			return math.Inf(1)
		}
		return total / pruned
	})
	if err != nil {
		return nil, fmt.Errorf("dominant ratio: %w", err)
	}
	return out, nil
}

// perGroupFilter computes, for every filter, f(w_k, w'_k) over its groups k.
func perGroupFilter(w *nets.Tensor, order GroupOrder, p Pattern, f func(sums, kept []float64) float64) ([]float64, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	lay, err := newFilterLayout(w, order)
	if err != nil {
		return nil, err
	}
	ng := lay.groups(p.M)
	sums := make([]float64, ng)
	kept := make([]float64, ng)
	out := make([]float64, lay.rows)
	for o := range out {
		row := lay.row(w.Data, o, p.M)
		for g := 0; g < ng; g++ {
			sums[g], kept[g] = groupStat(row[g*p.M:(g+1)*p.M], p.N)
		}
		out[o] = f(sums, kept)
	}
	return out, nil
}
