package sparse

import (
	"fmt"
	"slices"

	"github.com/hybridprune/hybridprune/gemm"
)

// VectorMatrix is the balanced vector-wise pattern of Zhu et al. (Sparse
// Tensor Core, MICRO 2019), the "vector-wise" baseline of the group-wise
// paper: each row is cut into vectors of L consecutive K columns (K padded to
// a multiple of L) and every vector keeps exactly P values, the largest by
// magnitude. It generalises N:M to long vectors (L up to 256): positions are
// stored as one byte each, Idx[r*KeptPerRow()+j] being the position of value
// j inside its vector, strictly increasing within a vector. For L <= 16 it
// carries the same information as N:M with N=P, M=L.
type VectorMatrix struct {
	Rows, K int
	L, P    int
	Values  []float32 // Rows x KeptPerRow()
	Idx     []uint8   // Rows x KeptPerRow()
}

// KPad returns K rounded up to a multiple of L.
func (a *VectorMatrix) KPad() int { return gemm.CeilDiv(a.K, a.L) * a.L }

// KeptPerRow returns KPad()/L*P.
func (a *VectorMatrix) KeptPerRow() int { return a.KPad() / a.L * a.P }

// CompressVector compresses the row-major rows x k matrix dense; a vector
// with more than p non-zeros is an error wrapping ErrPattern naming the row
// and vector.
func CompressVector(dense []float32, rows, k, l, p int) (*VectorMatrix, error) {
	if err := checkVectorParams(rows, k, l, p); err != nil {
		return nil, fmt.Errorf("sparse: CompressVector: %w", err)
	}
	if total, _ := mul(rows, k); len(dense) != total {
		return nil, fmt.Errorf("sparse: CompressVector: %d values for %dx%d: %w", len(dense), rows, k, ErrShape)
	}
	a := &VectorMatrix{Rows: rows, K: k, L: l, P: p}
	kept := a.KeptPerRow()
	a.Values = make([]float32, rows*kept)
	a.Idx = make([]uint8, rows*kept)
	pos := make([]int, 0, l)
	for r := range rows {
		src := dense[r*k : (r+1)*k]
		for v := range kept / p {
			pos = pos[:0]
			for i := range l {
				if c := v*l + i; c < k && src[c] != 0 {
					pos = append(pos, i)
				}
			}
			if len(pos) > p {
				return nil, fmt.Errorf("sparse: CompressVector: row %d vector %d has %d non-zeros, want <= %d: %w", r, v, len(pos), p, ErrPattern)
			}
			for i := 0; len(pos) < p; i++ {
				if !slices.Contains(pos, i) {
					pos = append(pos, i)
				}
			}
			slices.Sort(pos)
			for t, i := range pos {
				j := r*kept + v*p + t
				a.Idx[j] = uint8(i)
				if c := v*l + i; c < k {
					a.Values[j] = src[c]
				}
			}
		}
	}
	return a, nil
}

func checkVectorParams(rows, k, l, p int) error {
	if l < 1 || l > 256 || p < 1 || p > l {
		return fmt.Errorf("vector length %d keep %d: want 1 <= P <= L <= 256: %w", l, p, ErrShape)
	}
	if rows < 0 || k < 0 {
		return fmt.Errorf("negative shape %dx%d: %w", rows, k, ErrShape)
	}
	if kp, ok := mul(gemm.CeilDiv(k, l), l); !ok {
		return fmt.Errorf("K=%d too large: %w", k, ErrShape)
	} else if _, ok := mul(rows, kp); !ok {
		return fmt.Errorf("shape %dx%d too large: %w", rows, k, ErrShape)
	}
	return nil
}

// Validate checks the invariants without panicking on any field values.
func (a *VectorMatrix) Validate() error {
	if a == nil {
		return fmt.Errorf("sparse: VectorMatrix.Validate: nil matrix: %w", ErrCorrupt)
	}
	if err := checkVectorParams(a.Rows, a.K, a.L, a.P); err != nil {
		return fmt.Errorf("sparse: VectorMatrix.Validate: %w: %w", err, ErrCorrupt)
	}
	kept := a.KeptPerRow()
	if n, _ := mul(a.Rows, kept); len(a.Values) != n || len(a.Idx) != n {
		return fmt.Errorf("sparse: VectorMatrix.Validate: %d values, %d positions, want %d: %w", len(a.Values), len(a.Idx), n, ErrCorrupt)
	}
	for r := range a.Rows {
		for v := range kept / a.P {
			prev := -1
			for t := range a.P {
				j := r*kept + v*a.P + t
				i := int(a.Idx[j])
				if i <= prev || i >= a.L {
					return fmt.Errorf("sparse: VectorMatrix.Validate: row %d vector %d: position %d after %d (want increasing, < %d): %w", r, v, i, prev, a.L, ErrCorrupt)
				}
				prev = i
				if v*a.L+i >= a.K && a.Values[j] != 0 {
					return fmt.Errorf("sparse: VectorMatrix.Validate: row %d vector %d: non-zero padding: %w", r, v, ErrCorrupt)
				}
			}
		}
	}
	return nil
}

// Decompress returns the dense row-major Rows x K matrix, validating first.
func (a *VectorMatrix) Decompress() ([]float32, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: VectorMatrix.Decompress: %w", err)
	}
	kept := a.KeptPerRow()
	out := make([]float32, a.Rows*a.K)
	for r := range a.Rows {
		for j := range kept {
			if c := j/a.P*a.L + int(a.Idx[r*kept+j]); c < a.K {
				out[r*a.K+c] = a.Values[r*kept+j]
			}
		}
	}
	return out, nil
}
