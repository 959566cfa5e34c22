package gemm

import "fmt"

// sampledFunc is SampledPlan's micro-kernel (see sampledPairsAVX2): for pair p < pairs, half
// h < 2 and j < 4, out[8p+4h+j] += sum over i < n8 of a[tab[10p+h]+i] * b[tab[10p+2+4h+j]+i],
// n8 a positive multiple of 8.
type sampledFunc func(pairs int, tab []int32, a, b []float32, n8 int, out []float32)

// sampledGroup is the number of dot products of one A row that a kernel group computes; a
// kernel pair is two groups (eight FMA chains).
const sampledGroup = 4

// The blocking of SampledPlan.MulABt: a block of sampledBlockCols B rows (a 2:4 row keeps
// exactly one group of them) times sampledChunk contraction values (16 KB) stays in L1 while
// every row of A takes its dot products with it, so that only the A rows come from L2. Measured
// on AlexNet-CIFAR's weight gradients (BenchmarkSampledWeightGrad).
var (
	sampledBlockCols = 8
	sampledChunk     = 512
)

// SampledPlan computes the sampled dense-dense product C = (A·Bᵀ) ⊙ M for a fixed 0/1 pattern
// M (m x n): only the dot products at M's kept positions, about half of the multiply-adds of
// the dense product for a 2:4 pattern. It is the weight gradient of a layer under a fixed mask
// (dW = dY·Xᵀ ⊙ M, dY and X stored with the contraction axis contiguous). A plan is not safe
// for concurrent use (it keeps its accumulators); MulABt itself runs on Threads() goroutines.
//
// Measured on AlexNet-CIFAR's weight gradients at batch 128 (BenchmarkSampledWeightGrad, AMD
// EPYC Zen 2, asm-avx2, 2 threads), it is only 1.02-1.10x the dense product that it halves:
// a dot product loads one B value per multiply-add (the dense kernel's register tile loads one
// per six), so it runs at about a third of the FMA peak where the dense kernel runs at three
// quarters. The training path therefore keeps the dense weight gradient (nets/workaround's N:M
// Dot computes only the forward and input-gradient products on the indexed kernel).
type SampledPlan struct {
	m, n int
	kept int
	// pairStart[blk] .. pairStart[blk+1]: the kernel pairs of column block blk. Slot s (pair
	// s/8) computes C[slotRow[s], slotCol[s]] (slotCol -1: padding, which repeats the pair's
	// first row of B and is dropped).
	pairStart        []int
	slotRow, slotCol []int32
	rowSlots         [][]int32 // the real slots of each row of C
	// tab is the kernel's offset table for the strides lda, ldb it was computed for (0: none).
	tab      []int32
	lda, ldb int
	acc      []float32
}

// NewSampledPlan returns the plan of the pattern mask (m x n, row-major, kept where non-zero).
func NewSampledPlan(mask []float32, m, n int) (*SampledPlan, error) {
	if m < 1 || n < 1 || len(mask) != m*n {
		return nil, fmt.Errorf("gemm: sampled plan: mask of %d values for %d x %d: %w", len(mask), m, n, ErrShape)
	}
	p := &SampledPlan{m: m, n: n, rowSlots: make([][]int32, m)}
	blocks := (n + sampledBlockCols - 1) / sampledBlockCols
	p.pairStart = append(make([]int, 0, blocks+1), 0)
	for blk := range blocks {
		c0, c1 := blk*sampledBlockCols, min((blk+1)*sampledBlockCols, n)
		for i := range m {
			row := mask[i*n : (i+1)*n]
			first := len(p.slotCol)
			for j := c0; j < c1; j++ {
				if row[j] != 0 {
					p.rowSlots[i] = append(p.rowSlots[i], int32(len(p.slotCol)))
					p.slotRow, p.slotCol = append(p.slotRow, int32(i)), append(p.slotCol, int32(j))
					p.kept++
				}
			}
			for len(p.slotCol) > first && len(p.slotCol)%sampledGroup != 0 {
				p.slotRow, p.slotCol = append(p.slotRow, int32(i)), append(p.slotCol, -1)
			}
		}
		for len(p.slotCol)%(2*sampledGroup) != 0 { // an empty group completes the block's last pair
			p.slotRow, p.slotCol = append(p.slotRow, 0), append(p.slotCol, -1)
		}
		p.pairStart = append(p.pairStart, len(p.slotCol)/(2*sampledGroup))
	}
	p.tab = make([]int32, len(p.slotCol)/(2*sampledGroup)*10)
	p.acc = make([]float32, len(p.slotCol))
	return p, nil
}

// Density returns the fraction of kept positions.
func (p *SampledPlan) Density() float64 { return float64(p.kept) / float64(p.m*p.n) }

// fillTab computes the kernel's offsets for the strides lda and ldb.
func (p *SampledPlan) fillTab(lda, ldb int) {
	for pr := range len(p.slotCol) / (2 * sampledGroup) {
		t := p.tab[10*pr : 10*pr+10]
		for h := range 2 {
			s := 8*pr + 4*h
			t[h] = p.slotRow[s] * int32(lda)
			for j := range sampledGroup {
				col := p.slotCol[s+j]
				if col < 0 {
					col = max(p.slotCol[8*pr], 0)
				}
				t[2+4*h+j] = col * int32(ldb)
			}
		}
	}
	p.lda, p.ldb = lda, ldb
}

// MulABt writes C (m x n, row stride ldc) = (A·Bᵀ) ⊙ M, where A is m x k (row stride lda), B is
// n x k (row stride ldb) and M the plan's pattern: every entry of C is written, zero where M is.
func (p *SampledPlan) MulABt(k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	m, n := p.m, p.n
	sa, okA := span(m, lda, k)
	sb, okB := span(n, ldb, k)
	sc, okC := span(m, ldc, n)
	if k < 0 || lda < k || ldb < k || ldc < n || !okA || !okB || !okC || len(a) < sa || len(b) < sb || len(c) < sc ||
		int64(m-1)*int64(lda) >= 1<<31 || int64(n-1)*int64(ldb) >= 1<<31 {
		return fmt.Errorf("gemm: sampled %dx%d product, k=%d (lda %d, ldb %d, ldc %d; %d, %d, %d values): %w",
			m, n, k, lda, ldb, ldc, len(a), len(b), len(c), ErrShape)
	}
	if p.lda != lda || p.ldb != ldb {
		p.fillTab(lda, ldb)
	}
	clear(p.acc)
	kernel := Current().sampled
	if kernel == nil {
		kernel = sampledPairsGo
	}
	k8 := k / 8 * 8
	workers := 1
	if int64(p.kept)*int64(k) >= 1<<20 {
		workers = Threads()
	}
	Parallel(workers, func(w int) {
		for n0 := 0; n0 < k8; n0 += sampledChunk {
			nc := min(sampledChunk, k8-n0)
			for blk := range len(p.pairStart) - 1 {
				p0, p1 := split(p.pairStart[blk+1]-p.pairStart[blk], workers, w)
				p0, p1 = p0+p.pairStart[blk], p1+p.pairStart[blk]
				if p1 > p0 {
					kernel(p1-p0, p.tab[10*p0:10*p1], a[n0:], b[n0:], nc, p.acc[8*p0:8*p1])
				}
			}
		}
	})
	Parallel(workers, func(w int) {
		lo, hi := split(m, workers, w)
		for i := lo; i < hi; i++ {
			row := c[i*ldc : i*ldc+n]
			clear(row)
			ar := a[i*lda+k8 : i*lda+k]
			for _, s := range p.rowSlots[i] {
				col := int(p.slotCol[s])
				v := p.acc[s]
				br := b[col*ldb+k8 : col*ldb+k]
				for q, x := range ar {
					v += x * br[q]
				}
				row[col] = v
			}
		}
	})
	return nil
}

// sampledPairsGo is the portable sampledFunc.
func sampledPairsGo(pairs int, tab []int32, a, b []float32, n8 int, out []float32) {
	for pr := range pairs {
		t := tab[10*pr : 10*pr+10]
		for h := range 2 {
			ar := a[t[h] : int(t[h])+n8]
			for j := range sampledGroup {
				br := b[t[2+4*h+j] : int(t[2+4*h+j])+n8]
				var s0, s1, s2, s3 float32
				for i := 0; i < n8; i += 4 {
					s0 += ar[i] * br[i]
					s1 += ar[i+1] * br[i+1]
					s2 += ar[i+2] * br[i+2]
					s3 += ar[i+3] * br[i+3]
				}
				out[8*pr+4*h+j] += (s0 + s1) + (s2 + s3)
			}
		}
	}
}
