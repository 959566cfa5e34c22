package sparse

import (
	"fmt"
	"slices"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/layout"
)

// NMMatrix is a row-major weight matrix (Rows x K) in compressed N:M form:
// in every group of M consecutive K columns at most N values are non-zero,
// and exactly N values per group are stored (zeros pad short groups). K is
// padded with zero columns to KPad, a multiple of M.
//
// Values holds Rows x KeptPerRow() floats (KeptPerRow = KPad/M*N), row-major,
// in column order. Meta holds Rows x MetaStride() words giving each kept
// value's position inside its group; see nm_meta.go for the bit layout and its
// relation to NVIDIA's 2:4 metadata. Order records how K was flattened from
// (in, kh, kw), which decides the im2col row order that B must use.
type NMMatrix struct {
	Rows, K int
	N, M    int
	Order   GroupOrder
	Values  []float32
	Meta    []uint32
}

// KPad returns K rounded up to a multiple of M.
func (a *NMMatrix) KPad() int { return gemm.CeilDiv(a.K, a.M) * a.M }

// KeptPerRow returns the number of stored values per row, KPad()/M*N.
func (a *NMMatrix) KeptPerRow() int { return a.KPad() / a.M * a.N }

// IndexBits returns the width of one metadata field (2 or 4 bits).
func (a *NMMatrix) IndexBits() int { return metaBits(a.M) }

// MetaStride returns the number of Meta words per row.
func (a *NMMatrix) MetaStride() int { return metaStride(a.KeptPerRow(), a.IndexBits()) }

// Column returns the dense K column of kept value j in row. It assumes a
// valid matrix (see Validate).
func (a *NMMatrix) Column(row, j int) int {
	st := a.MetaStride()
	return j/a.N*a.M + metaGet(a.Meta[row*st:(row+1)*st], j, a.IndexBits())
}

// Density returns N/M, the fraction of multiply-adds a kernel performs
// relative to the dense product.
func (a *NMMatrix) Density() float64 { return float64(a.N) / float64(a.M) }

// CompressNM compresses the row-major rows x k matrix dense into N:M form
// (n kept per group of m; 2:4 is the sparse-tensor-core pattern). Groups are
// formed over consecutive columns as laid out in dense, which must already be
// in the given order (see layout.Conv.Perm). A group with more than n non-zeros
// (NaN counts as non-zero) is an error wrapping ErrPattern that names the row
// and group; prune first.
func CompressNM(dense []float32, rows, k, n, m int, order GroupOrder) (*NMMatrix, error) {
	if err := checkNMParams(rows, k, n, m, order); err != nil {
		return nil, fmt.Errorf("sparse: CompressNM: %w", err)
	}
	if total, _ := mul(rows, k); len(dense) != total {
		return nil, fmt.Errorf("sparse: CompressNM: %d values for %dx%d: %w", len(dense), rows, k, ErrShape)
	}
	a := &NMMatrix{Rows: rows, K: k, N: n, M: m, Order: order}
	kept, st, bits := a.KeptPerRow(), a.MetaStride(), a.IndexBits()
	a.Values = make([]float32, rows*kept)
	a.Meta = make([]uint32, rows*st)
	pos := make([]int, 0, m)
	for r := range rows {
		src := dense[r*k : (r+1)*k]
		vals, meta := a.Values[r*kept:(r+1)*kept], a.Meta[r*st:(r+1)*st]
		for g := range kept / n {
			pos = pos[:0]
			for i := range m {
				if c := g*m + i; c < k && src[c] != 0 { // NaN != 0 counts as non-zero
					pos = append(pos, i)
				}
			}
			if len(pos) > n {
				return nil, fmt.Errorf("sparse: CompressNM: row %d group %d (columns %d..%d) has %d non-zeros, want <= %d for %d:%d: %w",
					r, g, g*m, min(g*m+m, k)-1, len(pos), n, n, m, ErrPattern)
			}
			// Pad short groups with the lowest unused positions (zero values).
			for i := 0; len(pos) < n; i++ {
				if !slices.Contains(pos, i) {
					pos = append(pos, i)
				}
			}
			slices.Sort(pos)
			for t, i := range pos {
				j := g*n + t
				if c := g*m + i; c < k {
					vals[j] = src[c]
				}
				metaSet(meta, j, bits, i)
			}
		}
	}
	return a, nil
}

// CheckNM reports whether the row-major rows x k matrix follows the n:m
// pattern, returning the same error CompressNM would.
func CheckNM(dense []float32, rows, k, n, m int) error {
	if err := checkNMParams(rows, k, n, m, OrderWidth); err != nil {
		return fmt.Errorf("sparse: CheckNM: %w", err)
	}
	if total, _ := mul(rows, k); len(dense) != total {
		return fmt.Errorf("sparse: CheckNM: %d values for %dx%d: %w", len(dense), rows, k, ErrShape)
	}
	for r := range rows {
		for g0 := 0; g0 < k; g0 += m {
			nz := 0
			for _, v := range dense[r*k+g0 : r*k+min(g0+m, k)] {
				if v != 0 { // NaN counts as non-zero
					nz++
				}
			}
			if nz > n {
				return fmt.Errorf("sparse: CheckNM: row %d group %d (columns %d..%d) has %d non-zeros, want <= %d: %w",
					r, g0/m, g0, min(g0+m, k)-1, nz, n, ErrPattern)
			}
		}
	}
	return nil
}

func checkNMParams(rows, k, n, m int, order GroupOrder) error {
	if err := (layout.Pattern{N: n, M: m}).Validate(); err != nil {
		return fmt.Errorf("%w: %w", err, ErrShape)
	}
	if rows < 0 || k < 0 {
		return fmt.Errorf("negative shape %dx%d: %w", rows, k, ErrShape)
	}
	if err := order.Validate(); err != nil {
		return fmt.Errorf("%w: %w", err, ErrShape)
	}
	kpad, ok := mulAdd(gemm.CeilDiv(k, m), m, 0)
	if !ok {
		return fmt.Errorf("K=%d too large: %w", k, ErrShape)
	}
	if _, ok := mul(rows, kpad); !ok {
		return fmt.Errorf("shape %dx%d too large: %w", rows, k, ErrShape)
	}
	return nil
}

// Validate checks every invariant of the format: pattern and shape fields,
// slice lengths, metadata positions in range and strictly increasing within
// each group, zero padding bits, and zero values in the padded columns
// (>= K). It never panics, whatever the field values.
func (a *NMMatrix) Validate() error {
	if a == nil {
		return fmt.Errorf("sparse: NMMatrix.Validate: nil matrix: %w", ErrCorrupt)
	}
	if err := checkNMParams(a.Rows, a.K, a.N, a.M, a.Order); err != nil {
		return fmt.Errorf("sparse: NMMatrix.Validate: %w: %w", err, ErrCorrupt)
	}
	kept, st, bits := a.KeptPerRow(), a.MetaStride(), a.IndexBits()
	if nv, _ := mul(a.Rows, kept); len(a.Values) != nv {
		return fmt.Errorf("sparse: NMMatrix.Validate: %d values, want %d: %w", len(a.Values), nv, ErrCorrupt)
	}
	if nm, _ := mul(a.Rows, st); len(a.Meta) != nm {
		return fmt.Errorf("sparse: NMMatrix.Validate: %d meta words, want %d: %w", len(a.Meta), nm, ErrCorrupt)
	}
	usedBits := kept * bits
	for r := range a.Rows {
		meta := a.Meta[r*st : (r+1)*st]
		if usedBits%32 != 0 && meta[st-1]>>(usedBits%32) != 0 {
			return fmt.Errorf("sparse: NMMatrix.Validate: row %d: non-zero metadata padding bits: %w", r, ErrCorrupt)
		}
		for g := range kept / a.N {
			prev := -1
			for t := range a.N {
				j := g*a.N + t
				i := metaGet(meta, j, bits)
				if i <= prev || i >= a.M {
					return fmt.Errorf("sparse: NMMatrix.Validate: row %d group %d: position %d after %d (want increasing, < %d): %w",
						r, g, i, prev, a.M, ErrCorrupt)
				}
				prev = i
				if g*a.M+i >= a.K && a.Values[r*kept+j] != 0 {
					return fmt.Errorf("sparse: NMMatrix.Validate: row %d group %d: non-zero value in padding column %d >= K=%d: %w",
						r, g, g*a.M+i, a.K, ErrCorrupt)
				}
			}
		}
	}
	return nil
}

// Decompress returns the dense row-major Rows x K matrix. It validates first
// and returns an error instead of panicking on a corrupt matrix.
func (a *NMMatrix) Decompress() ([]float32, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("sparse: NMMatrix.Decompress: %w", err)
	}
	kept := a.KeptPerRow()
	out := make([]float32, a.Rows*a.K)
	for r := range a.Rows {
		for j := range kept {
			if c := a.Column(r, j); c < a.K {
				out[r*a.K+c] = a.Values[r*kept+j]
			}
		}
	}
	return out, nil
}
