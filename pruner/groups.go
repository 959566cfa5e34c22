package pruner

import (
	"fmt"

	"github.com/hybridprune/hybridprune/layout"
	"github.com/hybridprune/hybridprune/nets"
)

// GroupOrder is layout.Order: how a filter is flattened before it is cut into groups of M
// weights (an alias: the pruner, the sparse formats and the engine share one type).
type GroupOrder = layout.Order

// The supported group orders (layout.OrderWidth: the paper's 2:4 along the kernel width;
// layout.OrderChannels: NVIDIA ASP's groups of input channels).
const (
	OrderWidth    = layout.OrderWidth
	OrderChannels = layout.OrderChannels
)

// ParseGroupOrder parses "width" (also "" and "paper") or "channels" (also "permuted", "asp").
func ParseGroupOrder(s string) (GroupOrder, error) { return layout.ParseOrder(s) }

// Pattern is layout.Pattern: at most N non-zero weights in every group of M, 1 <= N < M <= 16.
type Pattern = layout.Pattern

// Pattern24 is the 2:4 pattern of NVIDIA's sparse tensor cores.
var Pattern24 = layout.Pattern24

// ParsePattern parses and validates "N:M", e.g. "2:4", "1:4" or "4:8".
func ParsePattern(s string) (Pattern, error) { return layout.ParsePattern(s) }

// filterLayout describes a rank-2 [out, in] or rank-4 [out, in, kh, kw] weight as rows (filters)
// plus the permutation that flattens a row in a group order.
type filterLayout struct {
	rows, rowLen int
	perm         []int // perm[j] is the offset within the OIHW row of the j-th weight in group order
}

func newFilterLayout(w *nets.Tensor, order GroupOrder) (filterLayout, error) {
	if err := order.Validate(); err != nil {
		return filterLayout{}, err
	}
	if w == nil {
		return filterLayout{}, fmt.Errorf("nil weight tensor")
	}
	var in, kh, kw int
	switch len(w.Shape) {
	case 2:
		in, kh, kw = w.Shape[1], 1, 1
	case 4:
		in, kh, kw = w.Shape[1], w.Shape[2], w.Shape[3]
	default:
		return filterLayout{}, fmt.Errorf("weight of shape %v: want [out, in] or [out, in, kh, kw]", w.Shape)
	}
	rows := w.Shape[0]
	rowLen := in * kh * kw
	if rows <= 0 || rowLen <= 0 || len(w.Data) != rows*rowLen {
		return filterLayout{}, fmt.Errorf("weight of shape %v holds %d values", w.Shape, len(w.Data))
	}
	perm := make([]int, rowLen)
	switch order {
	case OrderWidth:
		for j := range perm {
			perm[j] = j
		}
	case OrderChannels:
		j := 0
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				for c := 0; c < in; c++ {
					perm[j] = (c*kh+y)*kw + x
					j++
				}
			}
		}
	}
	return filterLayout{rows: rows, rowLen: rowLen, perm: perm}, nil
}

// groups returns the number of groups of m in a row (the last one zero-padded).
func (f filterLayout) groups(m int) int { return (f.rowLen + m - 1) / m }

// row returns filter o of data flattened in group order and zero-padded to a multiple of m.
func (f filterLayout) row(data []float32, o, m int) []float32 {
	out := make([]float32, f.groups(m)*m)
	base := o * f.rowLen
	for j, off := range f.perm {
		out[j] = data[base+off]
	}
	return out
}

// FilterGroups returns filter o of a conv ([out, in, kh, kw]) or dense ([out, in]) weight,
// flattened in the given order and zero-padded at its end to a multiple of m: group g is
// result[g*m : (g+1)*m].
func FilterGroups(w *nets.Tensor, o int, order GroupOrder, m int) ([]float32, error) {
	if m < 1 {
		return nil, fmt.Errorf("group size %d must be positive", m)
	}
	f, err := newFilterLayout(w, order)
	if err != nil {
		return nil, err
	}
	if o < 0 || o >= f.rows {
		return nil, fmt.Errorf("filter %d out of range [0, %d)", o, f.rows)
	}
	return f.row(w.Data, o, m), nil
}

// groupStat returns the L1 norm of a group (w in the paper) and the L1 norm of its n largest
// magnitudes (w', what N:M pruning keeps).
func groupStat(g []float32, n int) (sum, kept float64) {
	// Partial selection of the n largest magnitudes; groups are tiny (M <= 16 in practice).
	var top [16]float64
	abs := top[:0]
	if len(g) > len(top) {
		abs = make([]float64, 0, len(g))
	}
	for _, v := range g {
		a := float64(v)
		if a < 0 {
			a = -a
		}
		sum += a
		abs = append(abs, a)
	}
	for i := 0; i < n && i < len(abs); i++ {
		best := i
		for j := i + 1; j < len(abs); j++ {
			if abs[j] > abs[best] {
				best = j
			}
		}
		abs[i], abs[best] = abs[best], abs[i]
		kept += abs[i]
	}
	return sum, kept
}
