package pruner

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/hybridprune/hybridprune/nets"
)

// MaskKind names the structure of a pruning mask: which weights are removed together. The
// group-wise inference paper compares element-, vector-, block- and group-wise; the hybrid paper
// uses N:M. Every kind works on a layer's weight matrix [out, K] (K = in*kh*kw in OIHW order for
// a conv, the inputs for a dense layer).
type MaskKind string

// The mask kinds.
const (
	// MaskNM keeps N of every M consecutive weights of a row (MaskConfig.Pattern, .Order).
	MaskNM MaskKind = "nm"
	// MaskElement removes the smallest-magnitude weights of a layer anywhere (unstructured).
	MaskElement MaskKind = "element"
	// MaskVector is the balanced vector-wise pattern (Zhu et al., MICRO 2019): every row is cut
	// into vectors of MaskConfig.Vector consecutive K columns and each vector keeps the same number
	// of weights, its largest magnitudes.
	MaskVector MaskKind = "vector"
	// MaskBlock removes whole Block x Block tiles of the weight matrix, those with the smallest L2
	// norm; the block must tile [out, K].
	MaskBlock MaskKind = "block"
	// MaskGroup is the group-wise pattern (Lebedev & Lempitsky; the group-wise paper): a K column
	// (one position (c, y, x) in every filter) is removed from all filters at once, those with the
	// smallest L2 norm, so the kept columns form a smaller dense GEMM.
	MaskGroup MaskKind = "group"
)

// MaskKinds lists the mask kinds.
func MaskKinds() []MaskKind { return []MaskKind{MaskNM, MaskElement, MaskVector, MaskBlock, MaskGroup} }

// ParseMaskKind parses a mask kind name ("" is nm, "2:4"-style patterns are nm too).
func ParseMaskKind(s string) (MaskKind, error) {
	k := MaskKind(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "", "n:m":
		return MaskNM, nil
	case MaskNM, MaskElement, MaskVector, MaskBlock, MaskGroup:
		return k, nil
	}
	if _, err := ParsePattern(s); err == nil {
		return MaskNM, nil
	}
	return "", fmt.Errorf("unknown mask kind %q (want one of %v)", s, MaskKinds())
}

// Default vector length and block side of vector- and block-wise masks.
const (
	DefaultVector = 16
	DefaultBlock  = 4
)

// Validate checks the kind and its fields (zero fields take their defaults): an unknown kind, a
// bad N:M pattern or order, a sparsity outside [0, 1), a vector length outside [2, 256] or a
// non-positive block side. Whether a block tiles each layer is checked by Masks.
func (c MaskConfig) Validate() error {
	c = c.withDefaults()
	switch c.Kind {
	case MaskNM:
		if err := c.Pattern.Validate(); err != nil {
			return err
		}
		return c.Order.Validate()
	case MaskElement, MaskVector, MaskBlock, MaskGroup:
		if !(c.Sparsity >= 0 && c.Sparsity < 1) {
			return fmt.Errorf("%s masks: sparsity %g outside [0, 1)", c.Kind, c.Sparsity)
		}
		if c.Kind == MaskVector && (c.Vector < 2 || c.Vector > 256) {
			return fmt.Errorf("vector masks: vector length %d outside [2, 256]", c.Vector)
		}
		if c.Kind == MaskBlock && c.Block < 1 {
			return fmt.Errorf("block masks: block side %d must be positive", c.Block)
		}
		return nil
	}
	return fmt.Errorf("unknown mask kind %q (want one of %v)", c.Kind, MaskKinds())
}

// Masks returns the masks of cfg.Kind for the spec's conv (and with cfg.Dense, dense) weights,
// except cfg.Skip: 0/1 tensors named and shaped like the weights they mask. Element, vector,
// block and group masks remove the fraction cfg.Sparsity of every masked layer's weights
// (rounded to whole units: vectors keep round((1-s)*L) weights, blocks and columns are counted
// per layer); N:M masks are NMMasks. Every parameter is checked before any work: a block that
// does not tile a layer's weight matrix is an error naming the layer.
func Masks(spec *nets.Spec, w nets.Weights, cfg MaskConfig) (nets.Weights, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Kind == MaskNM {
		return NMMasks(spec, w, cfg)
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, fmt.Errorf("%s masks: %w", cfg.Kind, err)
	}
	if err := CheckMaskLayers(spec, cfg); err != nil {
		return nil, err
	}
	masks := nets.Weights{}
	names := maskedParams(spec, cfg.Dense, cfg.Skip)
	for _, name := range names {
		masks[name] = LayerMask(w[name], cfg)
	}
	return masks, nil
}

// CheckMaskLayers validates cfg and checks it against the spec's layers before any weights are
// needed: every skipped name must be a layer of the spec, and a block must tile the weight matrix
// [out, K] of every masked layer (the error names the layer and its shape).
func CheckMaskLayers(spec *nets.Spec, cfg MaskConfig) error {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	for _, name := range cfg.Skip {
		if spec.Index(name) < 0 {
			return fmt.Errorf("%s masks: skipped layer %q is not in spec %q", cfg.Kind, name, spec.Name)
		}
	}
	if cfg.Kind != MaskBlock {
		return nil
	}
	params := map[string]nets.ParamSpec{}
	for _, p := range spec.Params() {
		params[p.Name] = p
	}
	for _, name := range maskedParams(spec, cfg.Dense, cfg.Skip) {
		shape := params[name].Shape
		rows, k := shape[0], 1
		for _, d := range shape[1:] {
			k *= d
		}
		if rows%cfg.Block != 0 || k%cfg.Block != 0 {
			return fmt.Errorf("block masks: %q is a %dx%d weight matrix, which %dx%d blocks do not tile (skip the layer or choose a block dividing both)",
				name, rows, k, cfg.Block, cfg.Block)
		}
	}
	return nil
}

// matrixDims returns the weight matrix shape [out, K] of a conv or dense weight.
func matrixDims(t *nets.Tensor) (rows, k int) {
	rows = t.Shape[0]
	return rows, len(t.Data) / max(rows, 1)
}

// LayerMask returns the cfg.Kind mask (element, vector, block or group; cfg already validated)
// of one weight tensor: 1 keeps a weight, 0 removes it. Ties remove the earlier unit.
func LayerMask(t *nets.Tensor, cfg MaskConfig) *nets.Tensor {
	rows, k := matrixDims(t)
	mask := nets.NewTensor(t.Shape...)
	for i := range mask.Data {
		mask.Data[i] = 1
	}
	abs := func(i int) float64 { return math.Abs(float64(t.Data[i])) }
	switch cfg.Kind {
	case MaskElement:
		removeSmallest(len(t.Data), cfg.Sparsity, abs, func(i int) { mask.Data[i] = 0 })
	case MaskVector:
		l := cfg.Vector
		keep := int(math.Round((1 - cfg.Sparsity) * float64(l)))
		for r := range rows {
			for v0 := 0; v0 < k; v0 += l {
				n := min(l, k-v0)
				base := r*k + v0
				idx := make([]int, n)
				for j := range idx {
					idx[j] = base + j
				}
				// Stable: among equal magnitudes the earlier weight is kept.
				sort.SliceStable(idx, func(a, b int) bool { return abs(idx[a]) > abs(idx[b]) })
				for _, i := range idx[min(keep, n):] {
					mask.Data[i] = 0
				}
			}
		}
	case MaskBlock:
		b := cfg.Block
		bc := k / b
		norm := func(blk int) float64 {
			br, bk := blk/bc, blk%bc
			s := 0.0
			for r := br * b; r < (br+1)*b; r++ {
				for c := bk * b; c < (bk+1)*b; c++ {
					s += abs(r*k+c) * abs(r*k+c)
				}
			}
			return s
		}
		removeSmallest(rows/b*bc, cfg.Sparsity, norm, func(blk int) {
			br, bk := blk/bc, blk%bc
			for r := br * b; r < (br+1)*b; r++ {
				for c := bk * b; c < (bk+1)*b; c++ {
					mask.Data[r*k+c] = 0
				}
			}
		})
	case MaskGroup:
		norm := func(c int) float64 {
			s := 0.0
			for r := range rows {
				s += abs(r*k+c) * abs(r*k+c)
			}
			return s
		}
		removeSmallest(k, cfg.Sparsity, norm, func(c int) {
			for r := range rows {
				mask.Data[r*k+c] = 0
			}
		})
	}
	return mask
}

// removeSmallest calls remove for the round(sparsity*n) units of [0, n) with the smallest score;
// among equal scores the earlier unit goes first.
func removeSmallest(n int, sparsity float64, score func(int) float64, remove func(int)) {
	idx := make([]int, n)
	s := make([]float64, n)
	for i := range idx {
		idx[i], s[i] = i, score(i)
	}
	sort.SliceStable(idx, func(a, b int) bool { return s[idx[a]] < s[idx[b]] })
	for _, i := range idx[:int(math.Round(sparsity*float64(n)))] {
		remove(i)
	}
}

// ReprojectPatternMasks restores masks of cfg's kind after filter surgery removed filters (rows)
// and consumer input channels (columns): N:M and vector masks are re-projected (ReprojectMasks;
// a vector keeps at most its share of the surviving weights), element and group masks stay valid
// as sliced, and block masks, whose tiles surgery cuts, are an error: run filter pruning first
// (RunHybrid) with block masks.
func ReprojectPatternMasks(w, masks nets.Weights, cfg MaskConfig) (nets.Weights, error) {
	cfg = cfg.withDefaults()
	switch cfg.Kind {
	case MaskNM:
		return ReprojectMasks(w, masks, cfg.Pattern, cfg.Order)
	case MaskElement, MaskGroup:
		return masks, nil
	case MaskVector:
		out := nets.Weights{}
		for name, m := range masks {
			masked, err := ApplyMasks(nets.Weights{name: w[name]}, nets.Weights{name: m})
			if err != nil {
				return nil, fmt.Errorf("reproject vector masks: %w", err)
			}
			v := LayerMask(masked[name], cfg)
			for i, x := range m.Data {
				if x == 0 {
					v.Data[i] = 0
				}
			}
			out[name] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("reproject masks: %s masks do not survive filter surgery (blocks are cut); prune filters before masking", cfg.Kind)
}
