package sparse

import "fmt"

// CSRMatrix is an element-wise sparse matrix in compressed sparse row form:
// row r holds ColIdx[RowPtr[r]:RowPtr[r+1]] (strictly increasing) with the
// matching Values. Explicit zeros are allowed.
type CSRMatrix struct {
	Rows, Cols int
	RowPtr     []int32 // len Rows+1, RowPtr[0] = 0, non-decreasing
	ColIdx     []int32
	Values     []float32
}

// NNZ returns the number of stored values.
func (a *CSRMatrix) NNZ() int { return len(a.Values) }

// CompressCSR keeps the non-zeros (NaN included) of the row-major rows x cols
// matrix dense.
func CompressCSR(dense []float32, rows, cols int) (*CSRMatrix, error) {
	total, ok := mul(rows, cols)
	if !ok || len(dense) != total || cols > 1<<31-1 {
		return nil, fmt.Errorf("sparse: CompressCSR: %d values for %dx%d: %w", len(dense), rows, cols, ErrShape)
	}
	a := &CSRMatrix{Rows: rows, Cols: cols, RowPtr: make([]int32, rows+1)}
	for r := range rows {
		for c, v := range dense[r*cols : (r+1)*cols] {
			if v != 0 {
				a.ColIdx = append(a.ColIdx, int32(c))
				a.Values = append(a.Values, v)
			}
		}
		if len(a.Values) > 1<<31-1 {
			return nil, fmt.Errorf("sparse: CompressCSR: more than 2^31-1 non-zeros: %w", ErrShape)
		}
		a.RowPtr[r+1] = int32(len(a.Values))
	}
	return a, nil
}

// Validate checks the CSR invariants without panicking on any field values.
func (a *CSRMatrix) Validate() error {
	if a == nil {
		return fmt.Errorf("sparse: CSRMatrix.Validate: nil matrix: %w", ErrCorrupt)
	}
	if _, ok := mul(a.Rows, a.Cols); !ok || a.Cols > 1<<31-1 {
		return fmt.Errorf("sparse: CSRMatrix.Validate: bad shape %dx%d: %w", a.Rows, a.Cols, ErrCorrupt)
	}
	if len(a.RowPtr) != a.Rows+1 || a.RowPtr[0] != 0 {
		return fmt.Errorf("sparse: CSRMatrix.Validate: RowPtr has %d entries for %d rows or does not start at 0: %w", len(a.RowPtr), a.Rows, ErrCorrupt)
	}
	if len(a.ColIdx) != len(a.Values) || int(a.RowPtr[a.Rows]) != len(a.Values) {
		return fmt.Errorf("sparse: CSRMatrix.Validate: %d column indices, %d values, RowPtr end %d: %w", len(a.ColIdx), len(a.Values), a.RowPtr[a.Rows], ErrCorrupt)
	}
	for r := range a.Rows {
		if a.RowPtr[r+1] < a.RowPtr[r] {
			return fmt.Errorf("sparse: CSRMatrix.Validate: row %d: RowPtr decreases (%d > %d): %w", r, a.RowPtr[r], a.RowPtr[r+1], ErrCorrupt)
		}
	}
	for r := range a.Rows {
		lo, hi := a.RowPtr[r], a.RowPtr[r+1]
		prev := int32(-1)
		for _, c := range a.ColIdx[lo:hi] {
			if c <= prev || int(c) >= a.Cols {
				return fmt.Errorf("sparse: CSRMatrix.Validate: row %d: column %d after %d (want increasing, < %d): %w", r, c, prev, a.Cols, ErrCorrupt)
			}
			prev = c
		}
	}
	return nil
}

// Decompress returns the dense row-major matrix, validating first.
func (a *CSRMatrix) Decompress() ([]float32, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: CSRMatrix.Decompress: %w", err)
	}
	out := make([]float32, a.Rows*a.Cols)
	for r := range a.Rows {
		for p := a.RowPtr[r]; p < a.RowPtr[r+1]; p++ {
			out[r*a.Cols+int(a.ColIdx[p])] = a.Values[p]
		}
	}
	return out, nil
}
