package sparse

import "fmt"

// GroupMatrix is the group-wise pattern (Lebedev & Lempitsky; the group-wise
// inference paper): the same K columns are removed from every row, i.e. one
// weight position (c, y, x) across all filters. It stores the ascending list
// of kept columns and the remaining dense Rows x len(Kept) matrix, so the
// product is a gather of the kept B rows followed by a smaller dense GEMM.
type GroupMatrix struct {
	Rows, K int
	Kept    []int32   // strictly increasing columns in [0, K)
	Values  []float32 // Rows x len(Kept), row-major
}

// Density returns len(Kept)/K.
func (a *GroupMatrix) Density() float64 {
	if a.K == 0 {
		return 0
	}
	return float64(len(a.Kept)) / float64(a.K)
}

// CompressGroup keeps the columns of the row-major rows x k matrix dense that
// have at least one non-zero.
func CompressGroup(dense []float32, rows, k int) (*GroupMatrix, error) {
	total, ok := mul(rows, k)
	if !ok || len(dense) != total || k > 1<<31-1 {
		return nil, fmt.Errorf("sparse: CompressGroup: %d values for %dx%d: %w", len(dense), rows, k, ErrShape)
	}
	var kept []int
	for c := range k {
		for r := range rows {
			if dense[r*k+c] != 0 {
				kept = append(kept, c)
				break
			}
		}
	}
	a, err := GroupFromColumns(dense, rows, k, kept)
	if err != nil {
		return nil, fmt.Errorf("sparse: CompressGroup: %w", err)
	}
	return a, nil
}

// GroupFromColumns builds a GroupMatrix keeping exactly the given increasing
// columns; a non-zero in any other column is an error wrapping ErrPattern.
func GroupFromColumns(dense []float32, rows, k int, kept []int) (*GroupMatrix, error) {
	total, ok := mul(rows, k)
	if !ok || len(dense) != total || k > 1<<31-1 {
		return nil, fmt.Errorf("sparse: GroupFromColumns: %d values for %dx%d: %w", len(dense), rows, k, ErrShape)
	}
	keep := make([]bool, k)
	a := &GroupMatrix{Rows: rows, K: k, Kept: make([]int32, len(kept))}
	for i, c := range kept {
		if c < 0 || c >= k || (i > 0 && c <= kept[i-1]) {
			return nil, fmt.Errorf("sparse: GroupFromColumns: kept[%d]=%d not increasing in [0,%d): %w", i, c, k, ErrShape)
		}
		keep[c] = true
		a.Kept[i] = int32(c)
	}
	a.Values = make([]float32, rows*len(kept))
	for r := range rows {
		for c := range k {
			if !keep[c] && dense[r*k+c] != 0 {
				return nil, fmt.Errorf("sparse: GroupFromColumns: row %d has a non-zero in removed column %d: %w", r, c, ErrPattern)
			}
		}
		for i, c := range kept {
			a.Values[r*len(kept)+i] = dense[r*k+c]
		}
	}
	return a, nil
}

// Validate checks the invariants without panicking on any field values.
func (a *GroupMatrix) Validate() error {
	if a == nil {
		return fmt.Errorf("sparse: GroupMatrix.Validate: nil matrix: %w", ErrCorrupt)
	}
	if _, ok := mul(a.Rows, a.K); !ok || a.K > 1<<31-1 {
		return fmt.Errorf("sparse: GroupMatrix.Validate: bad shape %dx%d: %w", a.Rows, a.K, ErrCorrupt)
	}
	if len(a.Kept) > a.K {
		return fmt.Errorf("sparse: GroupMatrix.Validate: %d kept columns > K=%d: %w", len(a.Kept), a.K, ErrCorrupt)
	}
	if n, _ := mul(a.Rows, len(a.Kept)); len(a.Values) != n {
		return fmt.Errorf("sparse: GroupMatrix.Validate: %d values, want %d: %w", len(a.Values), n, ErrCorrupt)
	}
	for i, c := range a.Kept {
		if c < 0 || int(c) >= a.K || (i > 0 && c <= a.Kept[i-1]) {
			return fmt.Errorf("sparse: GroupMatrix.Validate: Kept[%d]=%d not increasing in [0,%d): %w", i, c, a.K, ErrCorrupt)
		}
	}
	return nil
}

// Decompress returns the dense row-major Rows x K matrix, validating first.
func (a *GroupMatrix) Decompress() ([]float32, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: GroupMatrix.Decompress: %w", err)
	}
	out := make([]float32, a.Rows*a.K)
	kk := len(a.Kept)
	for r := range a.Rows {
		for i, c := range a.Kept {
			out[r*a.K+int(c)] = a.Values[r*kk+i]
		}
	}
	return out, nil
}
