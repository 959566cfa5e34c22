package pruner

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/hybridprune/hybridprune/nets"
)

// Channel permutation for N:M sparsity along the input channels (NVIDIA ASP, Pool & Yu,
// "Channel Permutations for N:M Sparsity", NeurIPS 2021).
//
// With OrderChannels every N:M group of a conv holds M consecutive input channels at one kernel
// position of one filter, so which channels share a group decides how much weight magnitude the
// N:M mask keeps. The input channels of a conv are the output channels of the conv before it
// (its producer; batch-norm, ReLU, pooling and dropout in between act per channel), so permuting
// both consistently - the producer's filters, bias and batch-norm entries, and the consumer's
// weight dimension 1 - leaves the network function unchanged while regrouping the consumer's
// channels. SearchPermutations finds, per consumer, a permutation that raises the kept magnitude;
// ApplyPermutations rewrites the weights.
//
// Scope and limits:
//   - only OrderChannels: in OrderWidth a group runs along the kernel width inside one channel's
//     kernel window, so a channel permutation moves whole windows and, when kh*kw is a multiple
//     of M, changes no group at all; when it is not, groups straddle channel seams in a way the
//     ASP construction does not address. PermuteConfig.Validate rejects OrderWidth.
//   - a consumer whose input channels are not a multiple of M is left unpermuted (its groups
//     straddle kernel positions); so is one with a single group.
//   - a conv reading the network input has no producer and is left alone (permuting it would
//     need permuting the data), and the last conv's output channels, which feed flatten + dense,
//     are never permuted: no conv consumes them, and the dense layer's columns are not searched.
//   - only chains are permuted: the producer and every layer up to the consumer must have one
//     reader each (in a ResNet a block's conv2 is permuted with its conv1; a block's conv1 and the
//     shortcut, which read the block input that the add also reads, are not), and the layers in
//     between must be batch-norm, ReLU, max-pool or dropout. A producer without bias (NoBias)
//     has only its filters and batch-norms moved.

// PermuteConfig configures SearchPermutations.
type PermuteConfig struct {
	// Pattern is the N:M pattern (zero value: 2:4).
	Pattern Pattern
	// Order must be OrderChannels (empty: channels); OrderWidth is rejected (see above).
	Order GroupOrder
	// Layers restricts the search to these consumer convs (nil: every conv with a producer).
	Layers []string
	// Skip names consumer convs left unpermuted (e.g. the layers a MaskConfig leaves dense).
	Skip []string
	// MaxPasses bounds the greedy passes of one local search (0: 100). A pass computes the best
	// channel swap of every pair of groups and applies the improving ones in decreasing order of
	// gain, skipping pairs whose groups this pass has already changed (ASP's greedy channel swap).
	MaxPasses int
	// Escapes is the number of random perturbations tried after the local search converges
	// (ASP's escape attempts): swap two random channels of two random groups, search again, keep
	// the result if it is better, else go back to the best permutation (0: none).
	Escapes int
	// Sorted starts the search from channels dealt round-robin into the groups in decreasing order
	// of their L1 norm (each group gets one channel of every strength quantile) instead of the
	// identity. The result is never worse than the identity: if it were, the identity is returned.
	Sorted bool
	// Seed seeds the escapes' random generator (with the layer index): the search is
	// deterministic for a given configuration.
	Seed uint64
	// OnSearch, when set, is called with the result of every search a schedule wrapped by
	// PermutedSchedule runs.
	OnSearch func(spec *nets.Spec, perms []LayerPermutation)
}

func (c PermuteConfig) withDefaults() PermuteConfig {
	if c.Pattern == (Pattern{}) {
		c.Pattern = Pattern24
	}
	if c.Order == "" {
		c.Order = OrderChannels
	}
	if c.MaxPasses == 0 {
		c.MaxPasses = 100
	}
	return c
}

// Validate rejects a bad pattern, an unknown order, OrderWidth and negative bounds.
func (c PermuteConfig) Validate() error {
	c = c.withDefaults()
	if err := c.Pattern.Validate(); err != nil {
		return fmt.Errorf("channel permutation: %w", err)
	}
	if err := c.Order.Validate(); err != nil {
		return fmt.Errorf("channel permutation: %w", err)
	}
	if c.Order != OrderChannels {
		return fmt.Errorf("channel permutation: group order %s: a permutation of the input channels only regroups N:M groups along the channels (order %s); along the width a group lies in one channel's kernel window",
			c.Order, OrderChannels)
	}
	if c.MaxPasses < 0 || c.Escapes < 0 {
		return fmt.Errorf("channel permutation: max passes %d and escapes %d must not be negative", c.MaxPasses, c.Escapes)
	}
	return nil
}

// LayerPermutation is the permutation of one consumer conv's input channels.
type LayerPermutation struct {
	// Layer is the consumer conv; Producer the conv whose output channels are permuted with it;
	// BatchNorms the batch-norm layers between them (their entries move with the channels).
	Layer, Producer string
	BatchNorms      []string
	// Perm is the new channel order: new input channel j of Layer is old channel Perm[j] (and new
	// filter j of Producer is its old filter Perm[j]).
	Perm []int
	// Total is the L1 norm of Layer's weight; KeptBefore and KeptAfter the L1 norm of what the
	// N:M mask keeps without and with the permutation.
	Total, KeptBefore, KeptAfter float64
	// Swaps is the number of channel swaps applied; Seconds the search's wall time.
	Swaps   int
	Seconds float64
	// Skipped says why the layer was left unpermuted (Perm is then the identity); empty otherwise.
	Skipped string
}

// KeptMagnitude returns the L1 norm of a conv or dense weight and of what its N:M magnitude mask
// (NMMask with the given pattern and order) keeps.
func KeptMagnitude(w *nets.Tensor, p Pattern, order GroupOrder) (kept, total float64, err error) {
	m, err := NMMask(w, p, order)
	if err != nil {
		return 0, 0, fmt.Errorf("kept magnitude: %w", err)
	}
	for i, v := range w.Data {
		a := math.Abs(float64(v))
		total += a
		if m.Data[i] != 0 {
			kept += a
		}
	}
	return kept, total, nil
}

// permSite is a consumer conv with its producer and the batch-norms in between.
type permSite struct {
	layer, producer int // indices in spec.Layers; producer -1 when the conv reads the input
	bns             []string
}

// permSites maps every conv layer name to its site. The walk from a consumer goes up through the
// layers it reads (Spec.SourceOf, so a conv with Input starts at the layer it names) while each
// layer is read by exactly one layer (the next one of the chain): a layer read twice - a residual
// block's input, an add operand - would carry the permutation to a second reader.
func permSites(spec *nets.Spec) (map[string]permSite, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	readers := make([]int, len(spec.Layers))
	for k, l := range spec.Layers {
		if j := spec.SourceOf(k); j >= 0 {
			readers[j]++
		}
		if l.From != "" {
			readers[spec.Index(l.From)]++
		}
	}
	sites := map[string]permSite{}
	for _, i := range spec.ConvIndices() {
		s := permSite{layer: i, producer: -1}
	walk:
		for j := spec.SourceOf(i); j >= 0 && readers[j] == 1; j = spec.SourceOf(j) {
			switch l := spec.Layers[j]; l.Kind {
			case nets.KindConv:
				s.producer = j
				break walk
			case nets.KindBatchNorm:
				s.bns = append([]string{l.Name}, s.bns...)
			case nets.KindReLU, nets.KindMaxPool, nets.KindDropout:
			default: // an add, a global pool: not a per-channel layer of a chain
				break walk
			}
		}
		if s.producer < 0 {
			s.bns = nil
		}
		sites[spec.Layers[i].Name] = s
	}
	return sites, nil
}

// SearchPermutations searches, for every conv with a producer conv (see PermuteConfig.Layers and
// Skip), a permutation of its input channels that raises the magnitude its N:M mask keeps in
// OrderChannels. Layers are independent: a consumer's kept magnitude depends only on the order of
// its input channels, not on the order of its own filters. Layers left alone are returned with
// Skipped set and the identity. The weights are not modified; see ApplyPermutations.
func SearchPermutations(spec *nets.Spec, w nets.Weights, cfg PermuteConfig) ([]LayerPermutation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := spec.CheckWeights(w); err != nil {
		return nil, fmt.Errorf("channel permutation: %w", err)
	}
	sites, err := permSites(spec)
	if err != nil {
		return nil, fmt.Errorf("channel permutation: %w", err)
	}
	for _, names := range [][]string{cfg.Layers, cfg.Skip} {
		for _, n := range names {
			if _, ok := sites[n]; !ok {
				return nil, fmt.Errorf("channel permutation: %q is not a conv layer of spec %q", n, spec.Name)
			}
		}
	}
	var out []LayerPermutation
	for k, i := range spec.ConvIndices() {
		l := spec.Layers[i]
		if cfg.Layers != nil && !slices.Contains(cfg.Layers, l.Name) {
			continue
		}
		s := sites[l.Name]
		wt := w[l.Name+"/weight"]
		lp := LayerPermutation{Layer: l.Name, BatchNorms: s.bns, Perm: iota(l.InChannels)}
		kept, total, err := KeptMagnitude(wt, cfg.Pattern, cfg.Order)
		if err != nil {
			return nil, fmt.Errorf("channel permutation: %q: %w", l.Name, err)
		}
		lp.Total, lp.KeptBefore, lp.KeptAfter = total, kept, kept
		switch {
		case s.producer < 0:
			if cfg.Layers != nil {
				return nil, fmt.Errorf("channel permutation: conv %q has no producer conv to permute with (it reads the network input or a residual connection)", l.Name)
			}
			lp.Skipped = "no producer conv (reads the network input, or a residual connection touches its input)"
		case slices.Contains(cfg.Skip, l.Name):
			lp.Skipped = "skipped by configuration"
		case l.InChannels%cfg.Pattern.M != 0:
			lp.Skipped = fmt.Sprintf("%d input channels are not a multiple of M=%d", l.InChannels, cfg.Pattern.M)
		case l.InChannels/cfg.Pattern.M < 2:
			lp.Skipped = "a single group of channels"
		}
		if s.producer >= 0 {
			lp.Producer = spec.Layers[s.producer].Name
		}
		if lp.Skipped == "" {
			start := time.Now()
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(k)))
			perm, swaps := searchChannelPerm(wt, cfg, rng)
			lp.Seconds = time.Since(start).Seconds()
			pw, err := permuteDim(wt, 1, perm)
			if err != nil {
				return nil, fmt.Errorf("channel permutation: %q: %w", l.Name, err)
			}
			after, _, err := KeptMagnitude(pw, cfg.Pattern, cfg.Order)
			if err != nil {
				return nil, fmt.Errorf("channel permutation: %q: %w", l.Name, err)
			}
			if after >= kept {
				lp.Perm, lp.KeptAfter, lp.Swaps = perm, after, swaps
			}
		}
		out = append(out, lp)
	}
	return out, nil
}

// checkPerm requires perm to be a bijection of [0, n).
func checkPerm(perm []int, n int) error {
	if len(perm) != n {
		return fmt.Errorf("permutation of %d entries for %d channels", len(perm), n)
	}
	seen := make([]bool, n)
	for j, p := range perm {
		if p < 0 || p >= n || seen[p] {
			return fmt.Errorf("not a permutation: entry %d is %d (want each of 0..%d once)", j, p, n-1)
		}
		seen[p] = true
	}
	return nil
}

// permuteDim returns t with dimension d (0 or 1) reordered: index j of the result is index
// perm[j] of t.
func permuteDim(t *nets.Tensor, d int, perm []int) (*nets.Tensor, error) {
	if len(t.Shape) <= d {
		return nil, fmt.Errorf("shape %v has no dimension %d", t.Shape, d)
	}
	if err := checkPerm(perm, t.Shape[d]); err != nil {
		return nil, fmt.Errorf("shape %v dimension %d: %w", t.Shape, d, err)
	}
	s := sel{}
	if d == 0 {
		s.d0 = perm
	} else {
		s.d1 = perm
	}
	return gather(t, s)
}

// ApplyPermutations returns new weights in which, for every entry, the consumer's input channels
// (weight dimension 1), the producer's filters (weight rows and bias) and the entries of the
// batch-norms between them are reordered by Perm. The network computes the same function (up to
// float rounding of reordered sums). Entries are checked against the spec: Layer must be a conv
// with a producer (Producer and BatchNorms, when set, must match it), each layer may appear once,
// and Perm must be a permutation of its input channels. w is not modified.
func ApplyPermutations(spec *nets.Spec, w nets.Weights, perms []LayerPermutation) (nets.Weights, error) {
	if err := spec.CheckWeights(w); err != nil {
		return nil, fmt.Errorf("apply channel permutation: %w", err)
	}
	sites, err := permSites(spec)
	if err != nil {
		return nil, fmt.Errorf("apply channel permutation: %w", err)
	}
	out := w.Clone()
	seen := map[string]bool{}
	for _, lp := range perms {
		s, ok := sites[lp.Layer]
		if !ok {
			return nil, fmt.Errorf("apply channel permutation: %q is not a conv layer of spec %q", lp.Layer, spec.Name)
		}
		if seen[lp.Layer] {
			return nil, fmt.Errorf("apply channel permutation: %q appears twice", lp.Layer)
		}
		seen[lp.Layer] = true
		l := spec.Layers[s.layer]
		if err := checkPerm(lp.Perm, l.InChannels); err != nil {
			return nil, fmt.Errorf("apply channel permutation: %q: %w", lp.Layer, err)
		}
		if isIdentity(lp.Perm) {
			continue
		}
		if s.producer < 0 {
			return nil, fmt.Errorf("apply channel permutation: conv %q has no producer conv to permute with (it reads the network input or a residual connection)", lp.Layer)
		}
		prod := spec.Layers[s.producer].Name
		if (lp.Producer != "" && lp.Producer != prod) || (lp.BatchNorms != nil && !slices.Equal(lp.BatchNorms, s.bns)) {
			return nil, fmt.Errorf("apply channel permutation: %q: producer %q and batch-norms %v do not match the spec's %q and %v",
				lp.Layer, lp.Producer, lp.BatchNorms, prod, s.bns)
		}
		names := []string{prod + "/weight", prod + "/bias"}
		for _, bn := range s.bns {
			for _, p := range []string{"scale", "offset", "mean", "variance"} {
				names = append(names, bn+"/"+p)
			}
		}
		for _, n := range names {
			if out[n] == nil && strings.HasSuffix(n, "/bias") {
				continue // a conv without bias
			}
			if out[n], err = permuteDim(out[n], 0, lp.Perm); err != nil {
				return nil, fmt.Errorf("apply channel permutation: %q: %q: %w", lp.Layer, n, err)
			}
		}
		n := lp.Layer + "/weight"
		if out[n], err = permuteDim(out[n], 1, lp.Perm); err != nil {
			return nil, fmt.Errorf("apply channel permutation: %q: %w", lp.Layer, err)
		}
	}
	return out, nil
}

func isIdentity(p []int) bool {
	for i, v := range p {
		if i != v {
			return false
		}
	}
	return true
}

// PermuteChannels is SearchPermutations followed by ApplyPermutations: it returns the permuted
// weights (same spec, same function) and the per-layer permutations with their kept magnitudes.
func PermuteChannels(spec *nets.Spec, w nets.Weights, cfg PermuteConfig) (nets.Weights, []LayerPermutation, error) {
	perms, err := SearchPermutations(spec, w, cfg)
	if err != nil {
		return nil, nil, err
	}
	pw, err := ApplyPermutations(spec, w, perms)
	if err != nil {
		return nil, nil, err
	}
	return pw, perms, nil
}

// PermutationSummary formats permutations as one line per layer: kept fraction of the L1 norm
// before and after, swaps and search time (or why the layer was skipped), and the total.
func PermutationSummary(perms []LayerPermutation) string {
	var b strings.Builder
	var tot, before, after float64
	for _, p := range perms {
		tot += p.Total
		before += p.KeptBefore
		after += p.KeptAfter
		fmt.Fprintf(&b, "  permute %s: kept %.4f -> %.4f of |w|", p.Layer, frac(p.KeptBefore, p.Total), frac(p.KeptAfter, p.Total))
		if p.Skipped != "" {
			fmt.Fprintf(&b, " (unpermuted: %s)\n", p.Skipped)
		} else {
			fmt.Fprintf(&b, " (%d swaps with %s, %.1fs)\n", p.Swaps, p.Producer, p.Seconds)
		}
	}
	fmt.Fprintf(&b, "  permute total: kept %.4f -> %.4f of |w|\n", frac(before, tot), frac(after, tot))
	return b.String()
}

func frac(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// PermutedSchedule returns the schedule named name ("hybrid", "reversed" or "nm") with a channel
// permutation (PermuteChannels with pc) of the model right before its N:M stage. Pattern and
// order left zero in pc are taken from the ScheduleConfig's Masks (whose Skip layers are also
// skipped); the masks must be N:M (MaskNM) along OrderChannels. For "hybrid" the schedule runs as filter
// pruning without retraining, the permutation, then N:M pruning and retraining (RunFilterOnly,
// then RunNMOnly: its reports follow the filter stage's, without a second "original" row). For
// "nm" and "reversed" the model is permuted first. The returned model is the permuted one, which
// computes the same function as the unpermuted one would with the same masks permuted.
func PermutedSchedule(name string, pc PermuteConfig) (func(*nets.Spec, nets.Weights, ScheduleConfig, FineTuner, Evaluator) (*Result, error), error) {
	if err := pc.Validate(); err != nil {
		return nil, err
	}
	configFor := func(cfg ScheduleConfig) (PermuteConfig, error) {
		m := cfg.Masks.withDefaults()
		p := pc
		if m.Kind != MaskNM {
			return p, fmt.Errorf("channel permutation regroups N:M masks, but the masks are %s", m.Kind)
		}
		if p.Pattern == (Pattern{}) {
			p.Pattern = m.Pattern
		}
		if p.Order == "" {
			p.Order = m.Order
		}
		if p.Pattern != m.Pattern || p.Order != m.Order {
			return p, fmt.Errorf("channel permutation for %s %s, but the masks are %s %s", p.Pattern, p.Order, m.Pattern, m.Order)
		}
		p.Skip = append(slices.Clone(p.Skip), m.Skip...)
		return p, p.Validate()
	}
	permute := func(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig) (nets.Weights, error) {
		p, err := configFor(cfg)
		if err != nil {
			return nil, err
		}
		pw, perms, err := PermuteChannels(spec, w, p)
		if err != nil {
			return nil, err
		}
		if p.OnSearch != nil {
			p.OnSearch(spec, perms)
		}
		return pw, nil
	}
	var before func(*nets.Spec, nets.Weights, ScheduleConfig, FineTuner, Evaluator) (*Result, error)
	switch name {
	case "nm":
		before = RunNMOnly
	case "reversed":
		before = RunReversed
	case "hybrid":
		return func(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig, ft FineTuner, ev Evaluator) (*Result, error) {
			if _, err := configFor(cfg); err != nil {
				return nil, fmt.Errorf("permuted hybrid pruning: %w", err)
			}
			fc := cfg
			fc.RetrainEpochs = 0
			r1, err := RunFilterOnly(spec, w, fc, ft, ev)
			if err != nil {
				return nil, fmt.Errorf("permuted hybrid pruning: %w", err)
			}
			pw, err := permute(r1.Spec, r1.Weights, cfg)
			if err != nil {
				return nil, fmt.Errorf("permuted hybrid pruning: %w", err)
			}
			r2, err := RunNMOnly(r1.Spec, pw, cfg, ft, ev)
			if err != nil {
				return nil, fmt.Errorf("permuted hybrid pruning: %w", err)
			}
			r2.Plans = r1.Plans
			// r2's own "original" row re-evaluates the filter-pruned model: drop it. r2's remaining
			// ratios are relative to that model.
			pruned := r1.Reports[len(r1.Reports)-1].RemainingRatio
			for i := range r2.Reports {
				r2.Reports[i].RemainingRatio *= pruned
			}
			r2.Reports = append(r1.Reports, r2.Reports[1:]...)
			return r2, nil
		}, nil
	default:
		return nil, fmt.Errorf("channel permutation: schedule %q has no N:M stage to permute for (want hybrid, reversed or nm)", name)
	}
	return func(spec *nets.Spec, w nets.Weights, cfg ScheduleConfig, ft FineTuner, ev Evaluator) (*Result, error) {
		pw, err := permute(spec, w, cfg)
		if err != nil {
			return nil, fmt.Errorf("permuted %s pruning: %w", name, err)
		}
		return before(spec, pw, cfg, ft, ev)
	}, nil
}
