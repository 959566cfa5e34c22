package gemm

import "fmt"

// IndexBlock is the K block of the indexed (sparse) kernels, in dense B
// rows, for plans built now: the route in use says what suits its loop
// order (Route.IndexBlock). A plan is correct on every route; only its
// speed depends on the block.
func IndexBlock() int { return Current().IndexBlock() }

// IndexPlan is a sparse weight matrix (rows x k, any pattern) converted into the
// layout of the indexed micro-kernel: for every K block of kb dense columns
// and every tile of IndexRows rows, a segment of steps; step j holds IndexRows values
// (one per row, zero-padded when a row has fewer entries in the block) and
// IndexRows uint16 offsets of the B rows they multiply, pre-scaled into the packed
// B panel. Building a plan costs O(stored values); weights are static at
// inference, so an engine builds it once per layer and calls MatMul per batch.
//
// The kernel streams B rows: C[i, n-tile] += v * B[k_idx, n-tile], vectorised
// over 128 columns of N, so the work is proportional to the stored values:
// N/M of the dense multiply-adds for N:M.
type IndexPlan struct {
	rows, k int   // C rows; dense K (rows of B)
	kb      int   // dense B rows per K block
	nkb     int   // number of K blocks (covering kPad >= k)
	tiles   int   // ceil(rows / IndexRows)
	seg     []int // steps prefix over segments, index blk*tiles+t; len nkb*tiles+1
	vals    []float32
	offs    []uint16
	stored  int // values stored before per-tile padding
	label   string
	serial  serialView
}

// Serial returns a view of p, sharing its plan (and so its values), whose products run on the
// calling goroutine only: for callers that run several products side by side themselves.
func (p *IndexPlan) Serial() *IndexPlan {
	q := *p
	q.serial = true
	return &q
}

// Dims returns the shape (rows, k) of the weight matrix the plan multiplies.
func (p *IndexPlan) Dims() (rows, k int) { return p.rows, p.k }

// Stored returns the number of stored weight values (N:M: rows*KPad*N/M).
func (p *IndexPlan) Stored() int { return p.stored }

// Steps returns the number of kernel steps (each IndexRows multiply-adds of IndexCols
// columns), including the padding of uneven rows within a tile; Steps()*IndexRows
// versus Stored() measures padding waste.
func (p *IndexPlan) Steps() int { return p.seg[len(p.seg)-1] }

// String describes the plan.
func (p *IndexPlan) String() string {
	return fmt.Sprintf("%s plan %dx%d, %d stored, %d padded slots", p.label, p.rows, p.k, p.stored, p.Steps()*IndexRows)
}

// IndexSource feeds the generic plan builder: Count(r, blk) is the number of
// entries of row r in K block blk, and Fill writes them (block-local column
// in [0, kb), value) in any order.
type IndexSource struct {
	Rows, K, KB int // weight rows, dense K, dense columns per K block
	Count       func(r, blk int) int
	Fill        func(r, blk int, cols []int32, vals []float32)
}

// BuildIndexPlan lays out a plan from src, in parallel over row tiles.
func BuildIndexPlan(src IndexSource, label string) *IndexPlan {
	nkb := max(CeilDiv(src.K, src.KB), 0)
	tiles := CeilDiv(src.Rows, IndexRows)
	p := &IndexPlan{rows: src.Rows, k: src.K, kb: src.KB, nkb: nkb, tiles: tiles, label: label}
	nseg := nkb * tiles
	p.seg = make([]int, nseg+1)
	g := SplitGrid(tiles, 1, Threads())
	stored := make([]int, g.Workers())
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		for t := t0; t < t1; t++ {
			for blk := range nkb {
				mx := 0
				for r := t * IndexRows; r < min(t*IndexRows+IndexRows, src.Rows); r++ {
					c := src.Count(r, blk)
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
	p.vals = make([]float32, steps*IndexRows)
	p.offs = make([]uint16, steps*IndexRows+OffsPad)[:steps*IndexRows] // the kernels read ahead
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		var cols []int32
		var vals []float32
		for t := t0; t < t1; t++ {
			for blk := range nkb {
				s0 := p.seg[blk*tiles+t]
				for i := range IndexRows {
					r := t*IndexRows + i
					if r >= src.Rows {
						break
					}
					c := src.Count(r, blk)
					cols = growInt32(cols, c)
					vals = growFloat32(vals, c)
					src.Fill(r, blk, cols, vals)
					for j := range c {
						p.vals[(s0+j)*IndexRows+i] = vals[j]
						p.offs[(s0+j)*IndexRows+i] = uint16(int(cols[j]) * IndexStride * 4 / 8)
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
func (p *IndexPlan) MatMul(b []float32, n int, c []float32) error {
	if err := CheckGEMM(p.rows, n, p.k, nil, -1, b, n, c, n); err != nil {
		return fmt.Errorf("gemm: IndexPlan.MatMul (%s): %w", p.label, err)
	}
	p.run(bOperand{b: b, ldb: n}, n, c)
	return nil
}

// MatMulRows is MatMul with B (k x n) given row by row by src (see RowSource).
func (p *IndexPlan) MatMulRows(src RowSource, n int, c []float32) error {
	if err := checkRowsProduct(src, p.rows, n, c); err != nil {
		return fmt.Errorf("gemm: IndexPlan.MatMulRows (%s): %w", p.label, err)
	}
	p.run(bOperand{src: src}, n, c)
	return nil
}

func (p *IndexPlan) run(b bOperand, n int, c []float32) {
	if p.rows == 0 || n == 0 {
		return
	}
	if p.nkb == 0 {
		clear(c[:p.rows*n])
		return
	}
	kr := Current()
	if w := kr.NarrowWidth(n); n < IndexCols && w > 0 {
		p.runNarrow(kr, b, n, c, w)
		return
	}
	panels := CeilDiv(n, IndexCols)
	g := SplitGrid(p.tiles, panels, p.serial.workers())
	blockSize := p.kb * IndexStride // floats of one K block's packed panel
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		q0, q1 := g.ColRange(w)
		// One chunk (the usual case: up to 384 rows per worker): each K block is packed right
		// before its use, into one block's buffer. Several: the column panel's whole K at once.
		chunked := t1-t0 > indexChunkTiles
		size := blockSize
		if chunked {
			size *= p.nkb
		}
		panelp := GetFloats(size)
		defer PutFloats(panelp)
		panels := *panelp
		// pack packs K block blk of column panel q into its slot (the one buffer when not chunked).
		pack := func(q, blk int) []float32 {
			dst := panels[:blockSize]
			if chunked {
				dst = panels[blk*blockSize : (blk+1)*blockSize]
			}
			k0 := blk * p.kb
			packB(dst, b, n, q*IndexCols, 1, p.kb, IndexCols, IndexStride, func(r int) int { return k0 + r }, p.k)
			return dst
		}
		var scratch ScratchTile
		// Column panels outermost; with several chunks, every K block of the panel packed once,
		// then chunks of indexChunkTiles row tiles whose C stays in L2 while all K blocks
		// accumulate into it. With the K blocks outermost, a wide product swept the whole of C once per
		// block from memory (VGG16's conv2 at batch 128: C is 33 MB, and 2:4 ran at 0.72x
		// dense); without the row chunks a tall one did the same per panel (the input gradient
		// Wᵀ·dY of AlexNet's conv2, 1600 rows: 1.3x the dense product's time).
		for q := q0; q < q1; q++ {
			if !chunked {
				for blk := range p.nkb {
					p.runBlock(kr, blk, t0, t1, q, n, c, pack(q, blk), &scratch)
				}
				continue
			}
			for blk := range p.nkb {
				pack(q, blk)
			}
			for c0 := t0; c0 < t1; c0 += indexChunkTiles {
				c1 := min(c0+indexChunkTiles, t1)
				for blk := range p.nkb {
					p.runBlock(kr, blk, c0, c1, q, n, c, panels[blk*blockSize:(blk+1)*blockSize], &scratch)
				}
			}
		}
	})
}

// indexChunkTiles is the row tiles of C that the indexed driver accumulates over all K blocks at
// a time: 128 tiles of 3 rows x 128 columns, 192 KiB, within a Zen 2 core's 512 KiB L2 beside
// the packed panels. A variable only so that a test can make it small.
var indexChunkTiles = 128

// runBlock accumulates K block blk of the row tiles [t0, t1) into column panel q of C. Full tiles
// of a full-width panel run in one call; tiles that stick out of C (ragged last tile, narrow
// last panel) go through scratch one by one.
func (p *IndexPlan) runBlock(kr *Route, blk, t0, t1, q, n int, c, panel []float32, scratch *ScratchTile) {
	edge := t0
	if q*IndexCols+IndexCols <= n {
		edge = t1
		if t1 == p.tiles && p.rows%IndexRows != 0 {
			edge--
		}
		if edge > t0 {
			seg := p.seg[blk*p.tiles+t0 : blk*p.tiles+edge+1]
			kr.IndexTiles(edge-t0, seg, p.vals, p.offs, panel, c[t0*IndexRows*n+q*IndexCols:], n, blk > 0)
		}
		edge = max(edge, t0)
	}
	for t := edge; t < t1; t++ {
		p.edgeTile(kr, blk, t, q, n, c, panel, scratch)
	}
}

// runNarrow is run for N < IndexCols on a route with narrow kernels: each worker accumulates its
// row tiles over all K blocks in a scratch C of width columns (only the strips that hold
// output are computed), then copies the n valid columns out.
func (p *IndexPlan) runNarrow(kr *Route, b bOperand, n int, c []float32, width int) {
	g := SplitGrid(p.tiles, 1, p.serial.workers())
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		if t0 == t1 {
			return
		}
		scratchp := GetFloats((t1 - t0) * IndexRows * width)
		defer PutFloats(scratchp)
		panelp := GetFloats(p.kb * IndexStride)
		defer PutFloats(panelp)
		scratch, panel := *scratchp, *panelp
		for blk := range p.nkb {
			k0 := blk * p.kb
			packB(panel, b, n, 0, 1, p.kb, width, IndexStride, func(r int) int { return k0 + r }, p.k)
			seg := p.seg[blk*p.tiles+t0 : blk*p.tiles+t1+1]
			kr.IndexTilesNarrow(width, t1-t0, seg, p.vals, p.offs, panel, scratch, width, blk > 0)
		}
		for r := t0 * IndexRows; r < min(t1*IndexRows, p.rows); r++ {
			i := r - t0*IndexRows
			copy(c[r*n:r*n+n], scratch[i*width:i*width+n])
		}
	})
}

// edgeTile runs one tile that sticks out of C through the scratch tile.
func (p *IndexPlan) edgeTile(kr *Route, blk, t, q, n int, c, panel []float32, scratch *ScratchTile) {
	s0, s1 := p.seg[blk*p.tiles+t], p.seg[blk*p.tiles+t+1]
	vals, offs := p.vals[s0*IndexRows:s1*IndexRows], p.offs[s0*IndexRows:s1*IndexRows]
	Tile(c, n, p.rows, n, t*IndexRows, q*IndexCols, IndexRows, IndexCols, blk > 0, scratch, func(cc []float32, l int, load bool) {
		kr.Index(s1-s0, vals, offs, panel, cc, l, load)
	})
}
