package sparse

import (
	"fmt"

	"github.com/hybridprune/hybridprune/gemm"
)

// GroupPlan is a group-wise matrix prepared for repeated products: the
// remaining dense Rows x len(Kept) weights pre-packed for the dense
// micro-kernel, plus the kept columns. MatMul gathers the kept B rows while
// packing B (no separate gather copy) and runs the dense GEMM, so its cost is
// that of a dense GEMM with K' = len(Kept).
type GroupPlan struct {
	rows, k int
	kept    []int32
	packed  []float32
}

// NewGroupPlan validates a and packs its dense part.
func NewGroupPlan(a *GroupMatrix) (*GroupPlan, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: NewGroupPlan: %w", err)
	}
	kk := len(a.Kept)
	p := &GroupPlan{rows: a.Rows, k: a.K, kept: append([]int32(nil), a.Kept...)}
	if a.Rows > 0 && kk > 0 {
		pa := gemm.PackA(a.Values, kk, a.Rows, kk)
		p.packed = append([]float32(nil), *pa...)
		gemm.PutFloats(pa)
	}
	return p, nil
}

// Dims returns the shape (rows, k) of the weight matrix.
func (p *GroupPlan) Dims() (rows, k int) { return p.rows, p.k }

// MatMul computes C = A * B with B contiguous k x n and C rows x n.
func (p *GroupPlan) MatMul(b []float32, n int, c []float32) error {
	if err := gemm.CheckGEMM(p.rows, n, p.k, nil, -1, b, n, c, n); err != nil {
		return fmt.Errorf("sparse: GroupPlan.MatMul: %w", err)
	}
	gemm.MulPacked(p.rows, n, len(p.kept), p.packed, b, n, p.kept, p.k, c, n)
	return nil
}

// SpMMGroup computes C = A * B for a group-wise A, packing it per call.
func SpMMGroup(a *GroupMatrix, b []float32, n int, c []float32) error {
	p, err := NewGroupPlan(a)
	if err != nil {
		return fmt.Errorf("sparse: SpMMGroup: %w", err)
	}
	if err := p.MatMul(b, n, c); err != nil {
		return fmt.Errorf("sparse: SpMMGroup: %w", err)
	}
	return nil
}
