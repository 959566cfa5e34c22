package gemm

import (
	"fmt"
	"math"
	"sync/atomic"
)

// DenseIndexPlan is the IndexPlan of a dense matrix's non-zero entries (NewIndexPlanDense). It
// remembers where every stored value came from, so a matrix with the same zero pattern (a weight
// under a fixed mask, after an optimizer step) refills it with one gather (Refill) instead of a
// rebuild.
type DenseIndexPlan struct {
	*IndexPlan
	src        []int32 // per stored slot, the index in A of its value; -1 for padding
	storedRows int     // rows of A as stored (k when read transposed)
	width, lda int     // row length and stride of A as stored
	nnz        int     // non-zeros of A when built
}

// NewIndexPlanDense builds the indexed plan of the dense rows x k matrix A (row-major with
// stride lda, or, when trans is set, stored transposed as k x rows with stride lda), keeping its
// non-zero entries only: a weight under a fixed N:M or unstructured mask multiplies with a work
// proportional to its kept values. It costs one pass over A plus O(non-zeros).
func NewIndexPlanDense(a []float32, lda, rows, k int, trans bool) (*DenseIndexPlan, error) {
	sr, sc := lda, 1 // element (r, c) of A is a[r*sr + c*sc]
	d := &DenseIndexPlan{storedRows: rows, width: k, lda: lda}
	if trans {
		sr, sc = 1, lda
		d.storedRows, d.width = k, rows
	}
	if rows < 0 || k < 0 || (rows > 0 && k > 0 && (lda < d.width || len(a) < (d.storedRows-1)*lda+d.width)) {
		return nil, fmt.Errorf("gemm: NewIndexPlanDense: %dx%d (trans %v) with stride %d over %d values: %w", rows, k, trans, lda, len(a), ErrShape)
	}
	if len(a) > math.MaxInt32 {
		return nil, fmt.Errorf("gemm: NewIndexPlanDense: %d values, at most %d: %w", len(a), math.MaxInt32, ErrShape)
	}
	kb := IndexBlock()
	nkb := CeilDiv(k, kb)
	// cnt[r*nkb+blk] is the number of non-zeros of row r in K block blk.
	cnt := make([]int32, rows*nkb)
	g := SplitGrid(CeilDiv(rows, IndexRows), 1, Threads())
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		for r := t0 * IndexRows; r < min(t1*IndexRows, rows); r++ {
			for c := range k {
				if a[r*sr+c*sc] != 0 {
					cnt[r*nkb+c/kb]++
				}
			}
		}
	})
	for _, c := range cnt {
		d.nnz += int(c)
	}
	d.IndexPlan = BuildIndexPlan(IndexSource{
		Rows: rows, K: k, KB: kb,
		Count: func(r, blk int) int { return int(cnt[r*nkb+blk]) },
		Fill: func(r, blk int, cols []int32, vals []float32) {
			j := 0
			for c := blk * kb; c < min(blk*kb+kb, k); c++ {
				if v := a[r*sr+c*sc]; v != 0 {
					cols[j], vals[j] = int32(c-blk*kb), v
					j++
				}
			}
		},
	}, "dense-nonzeros")
	// The source of every slot, walking the plan's layout as BuildIndexPlan filled it.
	p := d.IndexPlan
	d.src = make([]int32, len(p.vals))
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		for t := t0; t < t1; t++ {
			for blk := range nkb {
				s0, s1 := p.seg[blk*p.tiles+t], p.seg[blk*p.tiles+t+1]
				for i := range IndexRows {
					r, j := t*IndexRows+i, s0
					for c := blk * kb; r < rows && c < min(blk*kb+kb, k); c++ {
						if a[r*sr+c*sc] != 0 {
							d.src[j*IndexRows+i] = int32(r*sr + c*sc)
							j++
						}
					}
					for ; j < s1; j++ {
						d.src[j*IndexRows+i] = -1
					}
				}
			}
		}
	})
	return d, nil
}

// Refill loads the plan's values from a, a matrix laid out as the one it was built from, and
// reports whether a has the same zero pattern or a sparser one (every non-zero of a is at a
// stored position). When it reports false the plan's values are stale: build a new plan.
func (d *DenseIndexPlan) Refill(a []float32) bool {
	if d.storedRows > 0 && d.width > 0 && len(a) < (d.storedRows-1)*d.lda+d.width {
		return false
	}
	var nnzA, nnzGot atomic.Int64
	workers := Threads()
	Parallel(workers, func(w int) {
		n := 0
		for r := w * d.storedRows / workers; r < (w+1)*d.storedRows/workers; r++ {
			n += countNonZeros(a[r*d.lda : r*d.lda+d.width])
		}
		nnzA.Add(int64(n))
		// The gather walks tile by tile, each tile's K blocks in turn: it reads the tile's three
		// rows of A front to back (slot order, block by block over all tiles, strode through A
		// a row apart and stalled on every load: 27% of a 2:4 forward product at 256x3456).
		// Padding slots (source -1) get zeros; the length check above keeps every source in a.
		n = 0
		p := d.IndexPlan
		for t := w * p.tiles / workers; t < (w+1)*p.tiles/workers; t++ {
			for blk := range p.nkb {
				i0, i1 := p.seg[blk*p.tiles+t]*IndexRows, p.seg[blk*p.tiles+t+1]*IndexRows
				n += gatherNonZeros(p.vals[i0:i1], d.src[i0:i1], a)
			}
		}
		nnzGot.Add(int64(n))
	})
	return nnzA.Load() == nnzGot.Load()
}
