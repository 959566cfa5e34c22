package sparse

import "fmt"

// kbIndex is the K block of the indexed (sparse) kernels, in dense B rows:
// one packed inr-wide B panel of kbIndex rows is 32 KiB, so it stays close
// (L1/L2) while every row tile of the block gathers from it at data-dependent
// rows. Measured on Zen 4 against 32..512: 64 was best (larger panels fall
// out of L1, smaller ones make the per-tile C reload dominate).
const kbIndex = 64

// Plan is a sparse weight matrix (rows x k, any pattern) converted into the
// layout of the indexed micro-kernel: for every K block of kb dense columns
// and every tile of imr rows, a segment of steps; step j holds imr values
// (one per row, zero-padded when a row has fewer entries in the block) and
// imr uint16 offsets of the B rows they multiply, pre-scaled into the packed
// B panel. Building a plan costs O(stored values); weights are static at
// inference, so an engine builds it once per layer and calls MatMul per batch.
//
// The kernel streams B rows: C[i, n-tile] += v * B[k_idx, n-tile], vectorised
// over 128 columns of N, so the work is proportional to the stored values:
// N/M of the dense multiply-adds for N:M.
type Plan struct {
	rows, k int   // C rows; dense K (rows of B)
	kb      int   // dense B rows per K block
	nkb     int   // number of K blocks (covering kPad >= k)
	tiles   int   // ceil(rows / imr)
	seg     []int // steps prefix over segments, index blk*tiles+t; len nkb*tiles+1
	vals    []float32
	offs    []uint16
	stored  int // values stored before per-tile padding
	label   string
}

// Dims returns the shape (rows, k) of the weight matrix the plan multiplies.
func (p *Plan) Dims() (rows, k int) { return p.rows, p.k }

// Stored returns the number of stored weight values (N:M: rows*KPad*N/M).
func (p *Plan) Stored() int { return p.stored }

// Steps returns the number of kernel steps (each imr multiply-adds of inr
// columns), including the padding of uneven rows within a tile; Steps()*imr
// versus Stored() measures padding waste.
func (p *Plan) Steps() int { return p.seg[len(p.seg)-1] }

// String describes the plan.
func (p *Plan) String() string {
	return fmt.Sprintf("%s plan %dx%d, %d stored, %d padded slots", p.label, p.rows, p.k, p.stored, p.Steps()*imr)
}

// planSource feeds the generic plan builder: count(r, blk) is the number of
// entries of row r in K block blk, and fill writes them (block-local column
// in [0, kb), value) in any order.
type planSource struct {
	rows, k, kb int
	count       func(r, blk int) int
	fill        func(r, blk int, cols []int32, vals []float32)
}

// buildPlan lays out a plan from src, in parallel over row tiles.
func buildPlan(src planSource, label string) *Plan {
	nkb := max(ceilDiv(src.k, src.kb), 0)
	tiles := ceilDiv(src.rows, imr)
	p := &Plan{rows: src.rows, k: src.k, kb: src.kb, nkb: nkb, tiles: tiles, label: label}
	nseg := nkb * tiles
	p.seg = make([]int, nseg+1)
	g := splitGrid(tiles, 1, Threads())
	stored := make([]int, g.workers())
	parallel(g.workers(), func(w int) {
		t0, t1 := g.rowRange(w)
		for t := t0; t < t1; t++ {
			for blk := range nkb {
				mx := 0
				for r := t * imr; r < min(t*imr+imr, src.rows); r++ {
					c := src.count(r, blk)
					stored[w] += c
					mx = max(mx, c)
				}
				p.seg[blk*tiles+t+1] = mx
			}
		}
	})
	for _, s := range stored {
		p.stored += s
	}
	for i := range nseg {
		p.seg[i+1] += p.seg[i]
	}
	steps := p.seg[nseg]
	p.vals = make([]float32, steps*imr)
	p.offs = make([]uint16, steps*imr)
	parallel(g.workers(), func(w int) {
		t0, t1 := g.rowRange(w)
		var cols []int32
		var vals []float32
		for t := t0; t < t1; t++ {
			for blk := range nkb {
				s0 := p.seg[blk*tiles+t]
				for i := range imr {
					r := t*imr + i
					if r >= src.rows {
						break
					}
					c := src.count(r, blk)
					cols = growInt32(cols, c)
					vals = growFloat32(vals, c)
					src.fill(r, blk, cols, vals)
					for j := range c {
						p.vals[(s0+j)*imr+i] = vals[j]
						p.offs[(s0+j)*imr+i] = uint16(int(cols[j]) * inr * 4 / 8)
					}
				}
			}
		}
	})
	return p
}

func growInt32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func growFloat32(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// MatMul computes C = W * B where W is the planned rows x k weight matrix, B
// is contiguous row-major k x n and C contiguous rows x n (overwritten).
func (p *Plan) MatMul(b []float32, n int, c []float32) error {
	if err := checkGEMM(p.rows, n, p.k, nil, -1, b, n, c, n); err != nil {
		return fmt.Errorf("sparse: Plan.MatMul (%s): %w", p.label, err)
	}
	p.run(b, n, c)
	return nil
}

func (p *Plan) run(b []float32, n int, c []float32) {
	if p.rows == 0 || n == 0 {
		return
	}
	if p.nkb == 0 {
		clear(c[:p.rows*n])
		return
	}
	kr := kernels()
	panels := ceilDiv(n, inr)
	g := splitGrid(p.tiles, panels, Threads())
	parallel(g.workers(), func(w int) {
		t0, t1 := g.rowRange(w)
		q0, q1 := g.colRange(w)
		panelp := getFloats(p.kb * inr)
		defer putFloats(panelp)
		panel := *panelp
		var scratch scratchTile
		for blk := range p.nkb {
			k0 := blk * p.kb
			rowOf := func(r int) int { return k0 + r }
			for q := q0; q < q1; q++ {
				packB(panel, b, n, n, q*inr, 1, p.kb, inr, rowOf, p.k)
				// Full tiles of a full-width panel run in one call; tiles that
				// stick out of C (ragged last tile, narrow last panel) go
				// through scratch one by one.
				edge := t0
				if q*inr+inr <= n {
					edge = t1
					if t1 == p.tiles && p.rows%imr != 0 {
						edge--
					}
					if edge > t0 {
						seg := p.seg[blk*p.tiles+t0 : blk*p.tiles+edge+1]
						kr.runTiles(edge-t0, seg, p.vals, p.offs, panel, c[t0*imr*n+q*inr:], n, blk > 0)
					}
					edge = max(edge, t0)
				}
				for t := edge; t < t1; t++ {
					p.edgeTile(kr, blk, t, q, n, c, panel, &scratch)
				}
			}
		}
	})
}

// edgeTile runs one tile that sticks out of C through the scratch tile.
func (p *Plan) edgeTile(kr *kernelRoute, blk, t, q, n int, c, panel []float32, scratch *scratchTile) {
	s0, s1 := p.seg[blk*p.tiles+t], p.seg[blk*p.tiles+t+1]
	vals, offs := p.vals[s0*imr:s1*imr], p.offs[s0*imr:s1*imr]
	tile(c, n, p.rows, n, t*imr, q*inr, imr, inr, blk > 0, scratch, func(cc []float32, l int, load bool) {
		kr.index(s1-s0, vals, offs, panel, cc, l, load)
	})
}
