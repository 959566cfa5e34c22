package gemm

import "fmt"

// Cache blocking of the dense driver: a kcDense x ncDense block of packed B
// (256 KiB) stays in L2 while every DenseRows-row A micro-panel (kcDense*DenseRows floats,
// 6 KiB, L1-resident) sweeps across its DenseCols-wide panels. A 512-column block filled the
// whole 512 KiB L2 of a Zen 2 core, so B streamed from L3 for every row tile: 256 columns
// measured 10-20% faster there on AlexNet conv2 (N = 2048) and VGG16's training products
// (N = 4096..65536), and the same on narrower products (one block either way).
const (
	kcDense = 256
	ncDense = 256
)

// SGEMM computes C = A * B for row-major float32 matrices: A is m x k with row
// stride lda, B is k x n with row stride ldb, C is m x n with row stride ldc.
// C is overwritten (beta = 0). Work is split over Threads() goroutines.
func SGEMM(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	if err := CheckGEMM(m, n, k, a, lda, b, ldb, c, ldc); err != nil {
		return fmt.Errorf("gemm: SGEMM: %w", err)
	}
	pa := PackA(a, lda, m, k)
	defer PutFloats(pa)
	MulPacked(m, n, k, *pa, b, ldb, nil, k, c, ldc)
	return nil
}

// SGEMMT computes C = op(A) * op(B), BLAS-style: op(A) is m x k and op(B) is
// k x n. With transA, A is stored k x m (row stride lda) and op(A) = Aᵀ;
// with transB, B is stored n x k (row stride ldb) and op(B) = Bᵀ. The
// transposes happen inside the packing, so a gradient such as dW = dY·Xᵀ
// needs no transposed copy. C is overwritten.
func SGEMMT(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("gemm: SGEMMT: negative dimension m=%d n=%d k=%d: %w", m, n, k, ErrShape)
	}
	for _, err := range []error{checkOperand("A", a, ar, ac, lda), checkOperand("B", b, br, bc, ldb), checkOperand("C", c, m, n, ldc)} {
		if err != nil {
			return fmt.Errorf("gemm: SGEMMT: %w", err)
		}
	}
	pa := packAll(a, lda, m, k, transA)
	defer PutFloats(pa)
	mulPacked(Threads(), m, n, k, *pa, bOperand{b: b, ldb: ldb}, transB, nil, k, c, ldc)
	return nil
}

// MatMul computes C = A * B for contiguous row-major A (m x k), B (k x n) and
// C (m x n); see SGEMM, whose argument order it shares.
func MatMul(m, n, k int, a, b, c []float32) error {
	if err := CheckGEMM(m, n, k, a, k, b, n, c, n); err != nil {
		return fmt.Errorf("gemm: MatMul: %w", err)
	}
	pa := PackA(a, k, m, k)
	defer PutFloats(pa)
	MulPacked(m, n, k, *pa, b, n, nil, k, c, n)
	return nil
}

// PackedMatrix is a dense weight matrix A (rows x k) pre-packed into the
// micro-kernel layout, so repeated products (inference) skip packing A.
type PackedMatrix struct {
	rows, k int
	data    []float32
	serial  serialView
}

// Serial returns a view of p, sharing its packed data, whose products run on the calling
// goroutine only: for callers that run several products side by side themselves.
func (p *PackedMatrix) Serial() *PackedMatrix {
	q := *p
	q.serial = true
	return &q
}

// Pack packs the contiguous row-major rows x k matrix a for repeated products.
func Pack(a []float32, rows, k int) (*PackedMatrix, error) {
	if err := CheckGEMM(rows, 1, k, a, k, make([]float32, k), 1, make([]float32, rows), 1); err != nil {
		return nil, fmt.Errorf("gemm: Pack: %w", err)
	}
	pa := PackA(a, k, rows, k)
	return &PackedMatrix{rows: rows, k: k, data: append([]float32(nil), *pa...)}, nil
}

// Dims returns the logical shape (rows, k) of the packed matrix.
func (p *PackedMatrix) Dims() (rows, k int) { return p.rows, p.k }

// MatMul computes C (rows x n) = A * B with B contiguous k x n.
func (p *PackedMatrix) MatMul(b []float32, n int, c []float32) error {
	if err := CheckGEMM(p.rows, n, p.k, nil, -1, b, n, c, n); err != nil {
		return fmt.Errorf("gemm: PackedMatrix.MatMul: %w", err)
	}
	mulPacked(p.serial.workers(), p.rows, n, p.k, p.data, bOperand{b: b, ldb: n}, false, nil, p.k, c, n)
	return nil
}

// MatMulRows is MatMul with B (k x n) given row by row by src (see RowSource).
func (p *PackedMatrix) MatMulRows(src RowSource, n int, c []float32) error {
	if err := checkRowsProduct(src, p.rows, n, c); err != nil {
		return fmt.Errorf("gemm: PackedMatrix.MatMulRows: %w", err)
	}
	mulPacked(p.serial.workers(), p.rows, n, p.k, p.data, bOperand{src: src}, false, nil, p.k, c, n)
	return nil
}

// checkRowsProduct validates a product whose B is a RowSource: C is rows x n, contiguous.
func checkRowsProduct(src RowSource, rows, n int, c []float32) error {
	switch {
	case src == nil:
		return fmt.Errorf("nil RowSource: %w", ErrShape)
	case n < 0:
		return fmt.Errorf("negative n=%d: %w", n, ErrShape)
	case len(c) < rows*n:
		return fmt.Errorf("C has %d values, want %d x %d: %w", len(c), rows, n, ErrShape)
	}
	return nil
}

// CheckGEMM validates dimensions, strides and slice lengths. A negative lda
// skips the A checks (A already packed).
func CheckGEMM(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	if m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("negative dimension m=%d n=%d k=%d: %w", m, n, k, ErrShape)
	}
	if lda >= 0 {
		if err := checkOperand("A", a, m, k, lda); err != nil {
			return err
		}
	}
	if err := checkOperand("B", b, k, n, ldb); err != nil {
		return err
	}
	return checkOperand("C", c, m, n, ldc)
}

func checkOperand(name string, x []float32, rows, cols, ld int) error {
	if rows == 0 || cols == 0 {
		return nil
	}
	if ld < cols {
		return fmt.Errorf("%s: leading dimension %d < columns %d: %w", name, ld, cols, ErrShape)
	}
	need, ok := span(rows, ld, cols)
	if !ok || len(x) < need {
		return fmt.Errorf("%s: %dx%d with stride %d needs %d elements, have %d: %w", name, rows, cols, ld, need, len(x), ErrShape)
	}
	return nil
}

// kBlock returns the K block of a product with inner dimension k: k split into the fewest
// blocks of at most kcDense, evened out and rounded up to a multiple of 8 (so K = 576 runs as
// 288 + 288, not 256 + 256 + 64: one fewer pass over C, no short block, and whole 8x8
// transposes in packBT). Every block but the last is full.
func kBlock(k int) int {
	return min(kcDense, CeilDiv(CeilDiv(k, max(CeilDiv(k, kcDense), 1)), 8)*8)
}

// PackA packs the whole of A: K blocks of kBlock(k), each holding every DenseRows-row
// micro-panel; block pc starts at pc*mPad (all earlier blocks are full).
func PackA(a []float32, lda, m, k int) *[]float32 { return packAll(a, lda, m, k, false) }

// packAll is PackA, reading A transposed (stored k x m) when trans is set.
func packAll(a []float32, lda, m, k int, trans bool) *[]float32 {
	tiles := CeilDiv(m, DenseRows)
	mPad := tiles * DenseRows
	buf := GetFloats(mPad * k)
	dst := *buf
	kb := kBlock(k)
	g := SplitGrid(tiles, 1, Threads())
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		for pc := 0; pc < k; pc += kb {
			kc := min(kb, k-pc)
			for t := t0; t < t1; t++ {
				off := pc*mPad + t*DenseRows*kc
				if trans {
					packAT(dst[off:off+DenseRows*kc], a, lda, m, t*DenseRows, pc, kc)
				} else {
					packA(dst[off:off+DenseRows*kc], a, lda, m, t*DenseRows, pc, kc)
				}
			}
		}
	})
	return buf
}

// MulPacked runs C = A * B with A packed by PackA. If bRows is non-nil,
// row p of the logical B is row bRows[p] of b (the group-wise gather), and
// bRowsTotal is the number of rows b holds; otherwise bRowsTotal == k.
func MulPacked(m, n, k int, pa, b []float32, ldb int, bRows []int32, bRowsTotal int, c []float32, ldc int) {
	mulPacked(Threads(), m, n, k, pa, bOperand{b: b, ldb: ldb}, false, bRows, bRowsTotal, c, ldc)
}

// mulPacked is MulPacked on up to threads goroutines for either kind of B, reading B
// transposed (stored n x k, a slice) when transB is set (bRows must then be nil).
func mulPacked(threads, m, n, k int, pa []float32, bo bOperand, transB bool, bRows []int32, bRowsTotal int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	kr := Current()
	dense := kr.dense
	if s := CeilDiv(n, 16); s <= 3 && kr.narrowDense[s] != nil {
		dense = kr.narrowDense[s] // only the strips that hold output (Tile copies n columns out)
	}
	tiles, panels := CeilDiv(m, DenseRows), CeilDiv(n, DenseCols)
	mPad := tiles * DenseRows
	kb := kBlock(k)
	g := SplitGrid(tiles, panels, threads)
	Parallel(g.Workers(), func(w int) {
		t0, t1 := g.RowRange(w)
		q0, q1 := g.ColRange(w)
		ncp := ncDense / DenseCols
		bufp := GetFloats(kcDense * ncDense)
		defer PutFloats(bufp)
		bp := *bufp
		var scratch ScratchTile
		// N chunks outermost (BLIS's order): a chunk's C columns (m x ncDense) stay in cache
		// across the K blocks instead of the whole of C being swept once per block.
		for qc := q0; qc < q1; qc += ncp {
			np := min(ncp, q1-qc)
			for pc := 0; pc < k; pc += kb {
				kc := min(kb, k-pc)
				rowOf := func(p int) int { return pc + p }
				if bRows != nil {
					rowOf = func(p int) int { return int(bRows[pc+p]) }
				}
				if transB {
					packBT(kr.transpose, bp, bo.b, bo.ldb, n, qc*DenseCols, np, pc, kc)
				} else {
					packB(bp, bo, n, qc*DenseCols, np, kc, DenseCols, DenseCols, rowOf, bRowsTotal)
				}
				for t := t0; t < t1; t++ {
					ap := pa[pc*mPad+t*DenseRows*kc : pc*mPad+(t+1)*DenseRows*kc]
					for q := range np {
						bq := bp[q*kc*DenseCols : (q+1)*kc*DenseCols]
						Tile(c, ldc, m, n, t*DenseRows, (qc+q)*DenseCols, DenseRows, DenseCols, pc > 0, &scratch, func(cc []float32, l int, load bool) {
							dense(kc, ap, bq, cc, l, load)
						})
					}
				}
			}
		}
	})
}

// CeilDiv returns ceil(a / b) for a >= 0, b > 0.
func CeilDiv(a, b int) int { return (a + b - 1) / b }
