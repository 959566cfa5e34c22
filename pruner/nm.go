package pruner

import (
	"fmt"
	"math"
	"slices"

	"github.com/hybridprune/hybridprune/nets"
)

// NMMask returns the N:M magnitude mask of a conv ([out, in, kh, kw]) or dense ([out, in]) weight:
// every filter is flattened in the given order, cut into groups of M (the tail zero-padded), and
// the N largest magnitudes of each group get 1, the rest 0 (ties keep the earlier weight). The
// mask has w's shape and OIHW layout. The paper's Figure 3 is NMMask of a 4x8 matrix with 2:4.
func NMMask(w *nets.Tensor, p Pattern, order GroupOrder) (*nets.Tensor, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("N:M mask: %w", err)
	}
	f, err := newFilterLayout(w, order)
	if err != nil {
		return nil, fmt.Errorf("N:M mask: %w", err)
	}
	mask := nets.NewTensor(w.Shape...)
	ng := f.groups(p.M)
	pos := make([]int, 0, p.M)
	for o := 0; o < f.rows; o++ {
		base := o * f.rowLen
		for g := 0; g < ng; g++ {
			pos = pos[:0]
			for j := g * p.M; j < min((g+1)*p.M, f.rowLen); j++ {
				pos = append(pos, base+f.perm[j])
			}
			// Selection of the N largest magnitudes among the real (unpadded) positions.
			for i := 0; i < p.N && i < len(pos); i++ {
				best := i
				for j := i + 1; j < len(pos); j++ {
					if math.Abs(float64(w.Data[pos[j]])) > math.Abs(float64(w.Data[pos[best]])) {
						best = j
					}
				}
				// Keep network order among equals: rotate instead of swap.
				b := pos[best]
				copy(pos[i+1:best+1], pos[i:best])
				pos[i] = b
				mask.Data[b] = 1
			}
		}
	}
	return mask, nil
}

// CheckNM reports the first group of w that holds more than N non-zeros.
func CheckNM(w *nets.Tensor, p Pattern, order GroupOrder) error {
	if err := p.Validate(); err != nil {
		return err
	}
	f, err := newFilterLayout(w, order)
	if err != nil {
		return err
	}
	for o := 0; o < f.rows; o++ {
		row := f.row(w.Data, o, p.M)
		for g := 0; g*p.M < len(row); g++ {
			nz := 0
			for _, v := range row[g*p.M : (g+1)*p.M] {
				if v != 0 {
					nz++
				}
			}
			if nz > p.N {
				return fmt.Errorf("filter %d group %d has %d non-zeros, more than %s allows (%s order)", o, g, nz, p, order)
			}
		}
	}
	return nil
}

// MaskConfig selects the layers and the structure of masks: N:M by default, or any MaskKind.
type MaskConfig struct {
	// Kind is the mask structure (empty: nm).
	Kind MaskKind
	// Pattern is the N:M pattern of nm masks (zero value: 2:4).
	Pattern Pattern
	// Order is the N:M group order (empty: width).
	Order GroupOrder
	// Sparsity is the fraction of weights element, vector, block and group masks remove, in [0, 1).
	Sparsity float64
	// Vector is the vector length L of vector masks (0: DefaultVector).
	Vector int
	// Block is the block side of block masks (0: DefaultBlock).
	Block int
	// Dense also masks the dense layers' weights (the paper prunes the conv layers).
	Dense bool
	// Skip names layers left dense (e.g. a first conv with 3 input channels, as NVIDIA ASP does).
	Skip []string
}

func (c MaskConfig) withDefaults() MaskConfig {
	if c.Kind == "" {
		c.Kind = MaskNM
	}
	if c.Vector == 0 {
		c.Vector = DefaultVector
	}
	if c.Block == 0 {
		c.Block = DefaultBlock
	}
	if c.Pattern == (Pattern{}) {
		c.Pattern = Pattern24
	}
	if c.Order == "" {
		c.Order = OrderWidth
	}
	return c
}

// maskedParams lists the weight names of the spec's conv (and, with dense, dense) layers.
func maskedParams(spec *nets.Spec, dense bool, skip []string) []string {
	skipped := map[string]bool{}
	for _, s := range skip {
		skipped[s] = true
	}
	var names []string
	for _, l := range spec.Layers {
		if skipped[l.Name] {
			continue
		}
		if l.Kind == nets.KindConv || (dense && l.Kind == nets.KindDense) {
			names = append(names, l.Name+"/weight")
		}
	}
	return names
}

// NMMasks returns N:M masks for the spec's conv (and optionally dense) weights: a nets.Weights of
// 0/1 tensors named and shaped like the weights they mask.
func NMMasks(spec *nets.Spec, w nets.Weights, cfg MaskConfig) (nets.Weights, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Pattern.Validate(); err != nil {
		return nil, fmt.Errorf("N:M masks: %w", err)
	}
	if err := cfg.Order.Validate(); err != nil {
		return nil, fmt.Errorf("N:M masks: %w", err)
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, fmt.Errorf("N:M masks: %w", err)
	}
	masks := nets.Weights{}
	for _, name := range maskedParams(spec, cfg.Dense, cfg.Skip) {
		m, err := NMMask(w[name], cfg.Pattern, cfg.Order)
		if err != nil {
			return nil, fmt.Errorf("N:M masks: %q: %w", name, err)
		}
		masks[name] = m
	}
	return masks, nil
}

// ReprojectMasks restores the N:M structure of masks after filter surgery. Surgery keeps whole
// rows, but a consumer that lost input channels (or dense columns) has its remaining weights
// regrouped, and a new group may hold more than N kept weights. For every mask this returns
// mask AND NMMask(w*mask): weights pruned before surgery stay pruned and every group of the new
// layout keeps at most N weights, the largest surviving ones. Masks already N:M are unchanged.
func ReprojectMasks(w, masks nets.Weights, p Pattern, order GroupOrder) (nets.Weights, error) {
	out := nets.Weights{}
	for name, m := range masks {
		t, ok := w[name]
		if !ok || !slices.Equal(t.Shape, m.Shape) {
			return nil, fmt.Errorf("reproject masks: %q has no weight of the mask's shape %v", name, m.Shape)
		}
		masked := t.Clone()
		for i, v := range m.Data {
			if v == 0 {
				masked.Data[i] = 0
			}
		}
		nm, err := NMMask(masked, p, order)
		if err != nil {
			return nil, fmt.Errorf("reproject masks: %q: %w", name, err)
		}
		for i, v := range m.Data {
			if v == 0 {
				nm.Data[i] = 0
			}
		}
		out[name] = nm
	}
	return out, nil
}
