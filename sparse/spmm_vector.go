package sparse

import (
	"fmt"

	"github.com/hybridprune/hybridprune/gemm"
)

// NewVectorPlan validates a and builds its kernel plan. K blocks hold whole
// vectors (a multiple of L dense columns, at least L), so every row has the
// same number of entries per block and no padding is needed.
func NewVectorPlan(a *VectorMatrix) (*gemm.IndexPlan, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: NewVectorPlan: %w", err)
	}
	kb := max(gemm.IndexBlock()/a.L, 1) * a.L
	perBlk := kb / a.L * a.P
	kept := a.KeptPerRow()
	src := gemm.IndexSource{
		Rows: a.Rows, K: a.K, KB: kb,
		Count: func(r, blk int) int { return min(perBlk, kept-blk*perBlk) },
		Fill: func(r, blk int, cols []int32, vals []float32) {
			j0 := r*kept + blk*perBlk
			copy(vals, a.Values[j0:])
			for j := range cols {
				cols[j] = int32(j/a.P*a.L + int(a.Idx[j0+j]))
			}
		},
	}
	return gemm.BuildIndexPlan(src, fmt.Sprintf("vector%d/%d", a.P, a.L)), nil
}

// SpMMVector computes C = A * B for a vector-wise A, building the plan per call.
func SpMMVector(a *VectorMatrix, b []float32, n int, c []float32) error {
	p, err := NewVectorPlan(a)
	if err != nil {
		return fmt.Errorf("sparse: SpMMVector: %w", err)
	}
	if err := p.MatMul(b, n, c); err != nil {
		return fmt.Errorf("sparse: SpMMVector: %w", err)
	}
	return nil
}
