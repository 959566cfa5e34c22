package sparse

import "fmt"

// GroupOrder says how the K axis of a convolution weight row (one filter) is
// flattened, and therefore which weights fall into one N:M group of M
// consecutive K positions. The im2col matrix B must use the same order for its
// rows, so the engine lays out im2col to match the compressed weights.
type GroupOrder uint8

const (
	// OrderWidth flattens (in, kh, kw) with kw fastest: PyTorch's OIHW
	// weight.view(out, -1). Groups run along the kernel width (and wrap into
	// the next kernel row / channel when kw is not a multiple of M).
	OrderWidth GroupOrder = iota
	// OrderChannels flattens (kh, kw, in) with in fastest, as NVIDIA ASP and
	// cuDNN NHWC do. Groups run along input channels at one kernel position.
	OrderChannels
)

// String returns "width" or "channels".
func (o GroupOrder) String() string {
	switch o {
	case OrderWidth:
		return "width"
	case OrderChannels:
		return "channels"
	}
	return fmt.Sprintf("GroupOrder(%d)", uint8(o))
}

// ConvGeom is the shape of one convolution filter: In input channels and a
// KH x KW kernel; K() = In*KH*KW is the GEMM reduction dimension.
type ConvGeom struct {
	In, KH, KW int
}

// K returns In*KH*KW.
func (g ConvGeom) K() int { return g.In * g.KH * g.KW }

// Index returns the K position of weight (channel c, row y, column x) in order o.
func (g ConvGeom) Index(o GroupOrder, c, y, x int) int {
	if o == OrderChannels {
		return (y*g.KW+x)*g.In + c
	}
	return (c*g.KH+y)*g.KW + x
}

// Perm returns perm such that a row in order to is to[j] = from[perm[j]],
// i.e. column j of the reordered matrix is column perm[j] of the original.
func (g ConvGeom) Perm(from, to GroupOrder) ([]int, error) {
	if g.In <= 0 || g.KH <= 0 || g.KW <= 0 {
		return nil, fmt.Errorf("sparse: ConvGeom.Perm: non-positive geometry %+v: %w", g, ErrShape)
	}
	if from > OrderChannels || to > OrderChannels {
		return nil, fmt.Errorf("sparse: ConvGeom.Perm: unknown order %v -> %v: %w", from, to, ErrShape)
	}
	if _, ok := mul(g.In*g.KH, g.KW); !ok {
		return nil, fmt.Errorf("sparse: ConvGeom.Perm: geometry %+v too large: %w", g, ErrShape)
	}
	perm := make([]int, g.K())
	for c := range g.In {
		for y := range g.KH {
			for x := range g.KW {
				perm[g.Index(to, c, y, x)] = g.Index(from, c, y, x)
			}
		}
	}
	return perm, nil
}

// PermuteColumns returns dst with dst[r, j] = src[r, perm[j]] for a row-major
// rows x len(perm) matrix. Use it with ConvGeom.Perm to move weights (or the
// rows of im2col, via the transposed view) between group orders.
func PermuteColumns(src []float32, rows int, perm []int) ([]float32, error) {
	cols := len(perm)
	total, ok := mul(rows, cols)
	if !ok || len(src) != total {
		return nil, fmt.Errorf("sparse: PermuteColumns: %d values for %dx%d: %w", len(src), rows, cols, ErrShape)
	}
	seen := make([]bool, cols)
	for j, p := range perm {
		if p < 0 || p >= cols || seen[p] {
			return nil, fmt.Errorf("sparse: PermuteColumns: perm[%d]=%d is not a permutation of 0..%d: %w", j, p, cols-1, ErrShape)
		}
		seen[p] = true
	}
	dst := make([]float32, total)
	for r := range rows {
		s, d := src[r*cols:(r+1)*cols], dst[r*cols:(r+1)*cols]
		for j, p := range perm {
			d[j] = s[p]
		}
	}
	return dst, nil
}
