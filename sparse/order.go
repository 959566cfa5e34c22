package sparse

import (
	"fmt"

	"github.com/hybridprune/hybridprune/layout"
)

// GroupOrder is layout.Order: how a filter's K axis is flattened, hence which weights form one
// N:M group (an alias, so the pruner, the formats and the engine share one type).
type GroupOrder = layout.Order

// The group orders (see layout.OrderWidth and layout.OrderChannels).
const (
	OrderWidth    = layout.OrderWidth
	OrderChannels = layout.OrderChannels
)

// PermuteColumns returns dst with dst[r, j] = src[r, perm[j]] for a row-major
// rows x len(perm) matrix. Use it with layout.Conv.Perm to move weights (or the
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
