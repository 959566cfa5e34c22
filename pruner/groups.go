package pruner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hybridprune/hybridprune/nets"
)

// GroupOrder says how a filter is flattened before it is cut into groups of M weights.
type GroupOrder string

// The supported group orders.
const (
	// OrderWidth flattens an OIHW filter as (in, kh, kw): groups run along the kernel width, the
	// paper's 2:4 structure.
	OrderWidth GroupOrder = "width"
	// OrderChannels flattens an OIHW filter as (kh, kw, in): a group holds M input channels at the
	// same kernel position (NVIDIA ASP; "permuted 2:4 structure" in the paper's Table 2).
	OrderChannels GroupOrder = "channels"
)

// ParseGroupOrder parses "width" (also "" and "paper") or "channels" (also "permuted", "asp").
func ParseGroupOrder(s string) (GroupOrder, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "width", "paper":
		return OrderWidth, nil
	case "channels", "channel", "permuted", "asp":
		return OrderChannels, nil
	}
	return "", fmt.Errorf("unknown group order %q (want width or channels)", s)
}

// Validate reports whether the order is one of the supported ones.
func (o GroupOrder) Validate() error {
	if o != OrderWidth && o != OrderChannels {
		return fmt.Errorf("unknown group order %q (want width or channels)", string(o))
	}
	return nil
}

// Pattern is an N:M sparsity pattern: at most N non-zero weights in every group of M.
type Pattern struct {
	N, M int
}

// Pattern24 is the 2:4 pattern of NVIDIA's sparse tensor cores.
var Pattern24 = Pattern{N: 2, M: 4}

// String formats the pattern as "N:M".
func (p Pattern) String() string { return fmt.Sprintf("%d:%d", p.N, p.M) }

// Validate requires 1 <= N < M.
func (p Pattern) Validate() error {
	if p.N < 1 || p.M < 2 || p.N >= p.M {
		return fmt.Errorf("invalid N:M pattern %d:%d (want 1 <= N < M)", p.N, p.M)
	}
	return nil
}

// ParsePattern parses "N:M", e.g. "2:4", "1:4" or "4:8".
func ParsePattern(s string) (Pattern, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Pattern{}, fmt.Errorf("invalid N:M pattern %q (want e.g. 2:4)", s)
	}
	n, err1 := strconv.Atoi(a)
	m, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return Pattern{}, fmt.Errorf("invalid N:M pattern %q (want e.g. 2:4)", s)
	}
	p := Pattern{N: n, M: m}
	return p, p.Validate()
}

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
