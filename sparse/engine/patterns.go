package engine

import (
	"fmt"

	"github.com/hybridprune/hybridprune/sparse"
)

// preparePattern builds the kernel plan of vector or block mode for the rows
// x k weights wt and records the stored values in info.
func preparePattern(wt []float32, rows, k int, mode Mode, opts Options, where string, info *LayerInfo) (weightMatrix, []int, error) {
	if mode == ModeBlock {
		a, err := sparse.CompressBSR(wt, rows, k, opts.Block, opts.Block)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		p, err := sparse.NewBSRPlan(a)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		info.Stored = len(a.Values)
		return p, nil, nil
	}
	l := min(opts.Vector, k)
	a, err := sparse.CompressVector(wt, rows, k, l, max(fullestVector(wt, rows, k, l), 1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	p, err := sparse.NewVectorPlan(a)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	info.Stored = len(a.Values)
	return p, nil, nil
}

// fullestVector returns the largest number of non-zeros in one vector of l
// consecutive columns of a row of the rows x k matrix wt.
func fullestVector(wt []float32, rows, k, l int) int {
	most := 0
	for r := range rows {
		for v0 := 0; v0 < k; v0 += l {
			n := 0
			for _, x := range wt[r*k+v0 : r*k+min(v0+l, k)] {
				if x != 0 {
					n++
				}
			}
			most = max(most, n)
		}
	}
	return most
}
