package pruner

import (
	"fmt"

	"github.com/hybridprune/hybridprune/nets"
)

// PreservationRatio is eq. 6 for one group: alpha = w'/w, the fraction of the group's L1 norm that
// N:M pruning keeps (its n largest magnitudes). An all-zero group loses nothing: alpha = 1.
func PreservationRatio(group []float32, n int) float64 {
	sum, kept := groupStat(group, n)
	if sum == 0 {
		return 1
	}
	return kept / sum
}

// Preservation is the paper's preservation importance metric (eq. 7): the harmonic mean of the
// preservation ratios (eq. 6) of the filter's groups, p = n_l / sum_k 1/alpha_k. For N:M every
// alpha is at least N/M, so p lies in [N/M, 1]; the zero-padded tail group counts as a group.
func Preservation(w *nets.Tensor, order GroupOrder, p Pattern) ([]float64, error) {
	out, err := perGroupFilter(w, order, p, func(sums, kept []float64) float64 {
		inv := 0.0
		for k := range sums {
			alpha := 1.0
			if sums[k] != 0 {
				alpha = kept[k] / sums[k]
			}
			inv += 1 / alpha
		}
		return float64(len(sums)) / inv
	})
	if err != nil {
		return nil, fmt.Errorf("preservation: %w", err)
	}
	return out, nil
}
