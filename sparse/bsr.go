package sparse

import (
	"fmt"

	"github.com/hybridprune/hybridprune/gemm"
)

// BSRMatrix is a block-wise sparse matrix (block compressed sparse row): the
// Rows x Cols matrix is tiled into R x C blocks (the last block row/column
// may stick out and is zero-padded); block row br holds the blocks with block
// columns ColIdx[RowPtr[br]:RowPtr[br+1]] (strictly increasing), each stored
// as R*C row-major values in Values.
type BSRMatrix struct {
	Rows, Cols int
	R, C       int // block shape
	RowPtr     []int32
	ColIdx     []int32
	Values     []float32
}

// Blocks returns the number of stored blocks.
func (a *BSRMatrix) Blocks() int { return len(a.ColIdx) }

// CompressBSR keeps every r x c block of dense that has a non-zero.
func CompressBSR(dense []float32, rows, cols, r, c int) (*BSRMatrix, error) {
	total, ok := mul(rows, cols)
	if !ok || len(dense) != total || r < 1 || c < 1 || r > 1<<16 || c > 1<<16 || cols > 1<<31-1 {
		return nil, fmt.Errorf("sparse: CompressBSR: %d values for %dx%d, block %dx%d: %w", len(dense), rows, cols, r, c, ErrShape)
	}
	br, bc := gemm.CeilDiv(rows, r), gemm.CeilDiv(cols, c)
	a := &BSRMatrix{Rows: rows, Cols: cols, R: r, C: c, RowPtr: make([]int32, br+1)}
	for i := range br {
		for j := range bc {
			nz := false
			for y := i * r; y < min(i*r+r, rows) && !nz; y++ {
				for x := j * c; x < min(j*c+c, cols); x++ {
					if dense[y*cols+x] != 0 {
						nz = true
						break
					}
				}
			}
			if !nz {
				continue
			}
			a.ColIdx = append(a.ColIdx, int32(j))
			for y := i * r; y < i*r+r; y++ {
				for x := j * c; x < j*c+c; x++ {
					var v float32
					if y < rows && x < cols {
						v = dense[y*cols+x]
					}
					a.Values = append(a.Values, v)
				}
			}
		}
		if len(a.ColIdx) > 1<<31-1 {
			return nil, fmt.Errorf("sparse: CompressBSR: too many blocks: %w", ErrShape)
		}
		a.RowPtr[i+1] = int32(len(a.ColIdx))
	}
	return a, nil
}

// Validate checks the BSR invariants (including zero padding outside the
// matrix) without panicking on any field values.
func (a *BSRMatrix) Validate() error {
	if a == nil {
		return fmt.Errorf("sparse: BSRMatrix.Validate: nil matrix: %w", ErrCorrupt)
	}
	if _, ok := mul(a.Rows, a.Cols); !ok || a.R < 1 || a.C < 1 || a.R > 1<<16 || a.C > 1<<16 || a.Cols > 1<<31-1 {
		return fmt.Errorf("sparse: BSRMatrix.Validate: bad shape %dx%d block %dx%d: %w", a.Rows, a.Cols, a.R, a.C, ErrCorrupt)
	}
	br, bc := gemm.CeilDiv(a.Rows, a.R), gemm.CeilDiv(a.Cols, a.C)
	if len(a.RowPtr) != br+1 || a.RowPtr[0] != 0 || int(a.RowPtr[br]) != len(a.ColIdx) {
		return fmt.Errorf("sparse: BSRMatrix.Validate: RowPtr (%d entries) inconsistent with %d block rows and %d blocks: %w", len(a.RowPtr), br, len(a.ColIdx), ErrCorrupt)
	}
	if nv, ok := mul(len(a.ColIdx), a.R*a.C); !ok || nv != len(a.Values) {
		return fmt.Errorf("sparse: BSRMatrix.Validate: %d values for %d blocks of %dx%d: %w", len(a.Values), len(a.ColIdx), a.R, a.C, ErrCorrupt)
	}
	for i := range br {
		if a.RowPtr[i+1] < a.RowPtr[i] {
			return fmt.Errorf("sparse: BSRMatrix.Validate: block row %d: RowPtr decreases: %w", i, ErrCorrupt)
		}
	}
	for i := range br {
		lo, hi := a.RowPtr[i], a.RowPtr[i+1]
		prev := int32(-1)
		for p := lo; p < hi; p++ {
			j := a.ColIdx[p]
			if j <= prev || int(j) >= bc {
				return fmt.Errorf("sparse: BSRMatrix.Validate: block row %d: block column %d after %d (want increasing, < %d): %w", i, j, prev, bc, ErrCorrupt)
			}
			prev = j
			blk := a.Values[int(p)*a.R*a.C : int(p+1)*a.R*a.C]
			for y := range a.R {
				for x := range a.C {
					if (i*a.R+y >= a.Rows || int(j)*a.C+x >= a.Cols) && blk[y*a.C+x] != 0 {
						return fmt.Errorf("sparse: BSRMatrix.Validate: block row %d column %d: non-zero padding: %w", i, j, ErrCorrupt)
					}
				}
			}
		}
	}
	return nil
}

// Decompress returns the dense row-major matrix, validating first.
func (a *BSRMatrix) Decompress() ([]float32, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: BSRMatrix.Decompress: %w", err)
	}
	out := make([]float32, a.Rows*a.Cols)
	for i := range len(a.RowPtr) - 1 {
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			j := int(a.ColIdx[p])
			blk := a.Values[int(p)*a.R*a.C:]
			for y := range a.R {
				for x := range a.C {
					if r, c := i*a.R+y, j*a.C+x; r < a.Rows && c < a.Cols {
						out[r*a.Cols+c] = blk[y*a.C+x]
					}
				}
			}
		}
	}
	return out, nil
}
