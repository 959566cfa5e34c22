package sparse

import (
	"fmt"

	"github.com/hybridprune/hybridprune/gemm"
)

// NewNMPlan validates a and builds its kernel plan (see Plan). K blocks are
// a multiple of M, so every group lies in one block.
func NewNMPlan(a *NMMatrix) (*gemm.IndexPlan, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: NewNMPlan: %w", err)
	}
	kb := max(gemm.IndexBlock()/a.M, 1) * a.M
	perBlk := kb / a.M * a.N
	kept, st, bits := a.KeptPerRow(), a.MetaStride(), a.IndexBits()
	src := gemm.IndexSource{
		Rows: a.Rows, K: a.K, KB: kb,
		Count: func(r, blk int) int { return min(perBlk, kept-blk*perBlk) },
		Fill: func(r, blk int, cols []int32, vals []float32) {
			meta := a.Meta[r*st : (r+1)*st]
			j0 := blk * perBlk
			copy(vals, a.Values[r*kept+j0:])
			for j := range cols {
				jg := j0 + j
				cols[j] = int32(jg/a.N*a.M + metaGet(meta, jg, bits) - blk*kb)
			}
		},
	}
	return gemm.BuildIndexPlan(src, fmt.Sprintf("%d:%d", a.N, a.M)), nil
}

// SpMMNM computes C = A * B for an N:M compressed A (Rows x K), contiguous
// row-major B (K x n) and C (Rows x n, overwritten). It builds the plan on
// every call; engines should keep a NewNMPlan result instead.
func SpMMNM(a *NMMatrix, b []float32, n int, c []float32) error {
	p, err := NewNMPlan(a)
	if err != nil {
		return fmt.Errorf("sparse: SpMMNM: %w", err)
	}
	if err := p.MatMul(b, n, c); err != nil {
		return fmt.Errorf("sparse: SpMMNM: %w", err)
	}
	return nil
}
