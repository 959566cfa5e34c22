package sparse

import (
	"fmt"

	"github.com/hybridprune/hybridprune/gemm"
)

// NewCSRPlan validates a and builds its kernel plan. Rows of a tile with
// fewer entries in a K block are zero-padded to the longest row of the tile.
func NewCSRPlan(a *CSRMatrix) (*gemm.IndexPlan, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: NewCSRPlan: %w", err)
	}
	return csrPlan(a, "csr"), nil
}

func csrPlan(a *CSRMatrix, label string) *gemm.IndexPlan {
	kb := gemm.IndexBlock()
	nkb := gemm.CeilDiv(a.Cols, kb)
	// bnd[r*(nkb+1)+blk] is the first entry of row r with column >= blk*kb.
	bnd := make([]int32, a.Rows*(nkb+1))
	for r := range a.Rows {
		p := a.RowPtr[r]
		for blk := 0; blk <= nkb; blk++ {
			for p < a.RowPtr[r+1] && int(a.ColIdx[p]) < blk*kb {
				p++
			}
			bnd[r*(nkb+1)+blk] = p
		}
	}
	src := gemm.IndexSource{
		Rows: a.Rows, K: a.Cols, KB: kb,
		Count: func(r, blk int) int { return int(bnd[r*(nkb+1)+blk+1] - bnd[r*(nkb+1)+blk]) },
		Fill: func(r, blk int, cols []int32, vals []float32) {
			p := bnd[r*(nkb+1)+blk]
			copy(vals, a.Values[p:])
			for j := range cols {
				cols[j] = a.ColIdx[int(p)+j] - int32(blk*kb)
			}
		},
	}
	return gemm.BuildIndexPlan(src, label)
}

// SpMMCSR computes C = A * B for a CSR A (Rows x Cols), B contiguous
// Cols x n and C Rows x n (overwritten), building the plan per call.
func SpMMCSR(a *CSRMatrix, b []float32, n int, c []float32) error {
	p, err := NewCSRPlan(a)
	if err != nil {
		return fmt.Errorf("sparse: SpMMCSR: %w", err)
	}
	if err := p.MatMul(b, n, c); err != nil {
		return fmt.Errorf("sparse: SpMMCSR: %w", err)
	}
	return nil
}

// ToCSR expands the blocks into element-wise CSR, keeping the explicit zeros
// inside stored blocks (they are multiplied, as a BSR kernel would).
func (a *BSRMatrix) ToCSR() (*CSRMatrix, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: BSRMatrix.ToCSR: %w", err)
	}
	out := &CSRMatrix{Rows: a.Rows, Cols: a.Cols, RowPtr: make([]int32, a.Rows+1)}
	for r := range a.Rows {
		i, y := r/a.R, r%a.R
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			j := int(a.ColIdx[p])
			for x := range a.C {
				if c := j*a.C + x; c < a.Cols {
					out.ColIdx = append(out.ColIdx, int32(c))
					out.Values = append(out.Values, a.Values[int(p)*a.R*a.C+y*a.C+x])
				}
			}
		}
		if len(out.Values) > 1<<31-1 {
			return nil, fmt.Errorf("sparse: BSRMatrix.ToCSR: more than 2^31-1 values: %w", ErrShape)
		}
		out.RowPtr[r+1] = int32(len(out.Values))
	}
	return out, nil
}

// NewBSRPlan builds a kernel plan for a BSR matrix (blocks expanded to rows,
// see ToCSR). The indexed kernel does not exploit the block structure beyond
// the row-tile padding it avoids; it measures the pattern's density cost.
func NewBSRPlan(a *BSRMatrix) (*gemm.IndexPlan, error) {
	c, err := a.ToCSR()
	if err != nil {
		return nil, fmt.Errorf("sparse: NewBSRPlan: %w", err)
	}
	return csrPlan(c, fmt.Sprintf("bsr%dx%d", a.R, a.C)), nil
}

// SpMMBSR computes C = A * B for a BSR A, building the plan per call.
func SpMMBSR(a *BSRMatrix, b []float32, n int, c []float32) error {
	p, err := NewBSRPlan(a)
	if err != nil {
		return fmt.Errorf("sparse: SpMMBSR: %w", err)
	}
	if err := p.MatMul(b, n, c); err != nil {
		return fmt.Errorf("sparse: SpMMBSR: %w", err)
	}
	return nil
}
