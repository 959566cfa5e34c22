package engine

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/layout"
	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/sparse"
)

// Mode is the execution mode of one conv or dense layer.
type Mode string

// The execution modes.
const (
	// ModeDense multiplies with the dense weights packed once (gemm.Pack).
	ModeDense Mode = "dense"
	// ModeNM compresses the weights to N:M (Options.N:Options.M, default 2:4)
	// and runs the indexed kernel (sparse.NewNMPlan). Weights that are not
	// N:M in the layer's K order are a compile error naming the layer.
	ModeNM Mode = "nm"
	// ModeGroup drops the K columns that are zero in every filter and runs a
	// dense GEMM on the rest (conv: im2col builds only the kept rows).
	ModeGroup Mode = "group"
	// ModeCSR stores the non-zeros element-wise (sparse.NewCSRPlan).
	ModeCSR Mode = "csr"
	// ModeVector stores balanced vector-wise weights (sparse.CompressVector with
	// vectors of Options.Vector columns, each keeping as many values as the
	// fullest vector of the layer holds).
	ModeVector Mode = "vector"
	// ModeBlock stores the non-zero Options.Block x Options.Block tiles
	// (sparse.CompressBSR, sparse.NewBSRPlan).
	ModeBlock Mode = "block"
	// ModeAuto is ModeNM when the layer's weights follow the N:M pattern and
	// ModeDense otherwise.
	ModeAuto Mode = "auto"
)

// Modes lists the modes accepted by Options.
func Modes() []Mode {
	return []Mode{ModeDense, ModeNM, ModeGroup, ModeCSR, ModeVector, ModeBlock, ModeAuto}
}

// ParseMode parses a mode name ("2:4" is accepted for nm, "" for dense).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return ModeDense, nil
	case "2:4", "n:m":
		return ModeNM, nil
	case ModeDense, ModeNM, ModeGroup, ModeCSR, ModeVector, ModeBlock, ModeAuto:
		return m, nil
	}
	return "", fmt.Errorf("engine: unknown mode %q (want one of %v)", s, Modes())
}

// Options configures Compile. The zero value runs every layer dense with
// width-ordered im2col.
type Options struct {
	// Default is the mode of every conv/dense layer not in Layers ("" =
	// dense).
	Default Mode
	// Layers overrides the mode per layer name; every name must be a conv or
	// dense layer of the spec.
	Layers map[string]Mode
	// Order is the K order of conv weight rows and im2col rows, which decides
	// the N:M groups (sparse.OrderWidth: (in,kh,kw), the PyTorch flatten;
	// sparse.OrderChannels: (kh,kw,in); empty means width). Dense layers use their input order.
	Order sparse.GroupOrder
	// N and M give the N:M pattern of nm and auto modes (both zero: 2:4).
	N, M int
	// Vector is the vector length of vector mode (0: 16); Block the tile side
	// of block mode (0: 4).
	Vector, Block int
	// Unsplit runs every conv as one im2col product. By default a dense or N:M conv whose
	// windows read mostly zero padding (the 2x2 and 4x4 maps of CIFAR AlexNet) runs one product
	// per padding region, which skips those multiply-adds (LayerInfo.Regions).
	Unsplit bool
}

// LayerInfo describes one compiled conv or dense layer.
type LayerInfo struct {
	Name string
	Kind nets.LayerKind
	// Mode is the resolved mode (auto resolved to nm or dense).
	Mode Mode
	// Rows (filters / outputs) and K (in*kh*kw / inputs) of the weight
	// matrix; KEff is the K the kernel reads (kept columns in group mode).
	Rows, K, KEff int
	// OutH x OutW is the output plane (1 x 1 for dense): the GEMM N is
	// batch*OutH*OutW.
	OutH, OutW int
	// Stored is the number of weight values the format stores (N:M: values
	// incl. padding of short groups; CSR: non-zeros; dense: Rows*K).
	Stored int
	// Fused lists the batch-norm and ReLU layers folded into this one.
	Fused []string
	// Regions is the number of padding regions a conv runs as separate products (0: one
	// product), which skip the share PaddingSkipped of its multiply-adds.
	Regions        int
	PaddingSkipped float64
}

// FLOPs returns the dense-equivalent 2*Rows*K*OutH*OutW*batch of the layer.
func (l LayerInfo) FLOPs(batch int) float64 {
	return 2 * float64(l.Rows) * float64(l.K) * float64(l.OutH*l.OutW) * float64(batch)
}

// String formats the layer, e.g. "conv2 nm 192x1600 (4x4) stored 153600 +relu2".
func (l LayerInfo) String() string {
	s := fmt.Sprintf("%s %s %dx%d", l.Name, l.Mode, l.Rows, l.K)
	if l.KEff != l.K {
		s += fmt.Sprintf(" (K kept %d)", l.KEff)
	}
	s += fmt.Sprintf(" out %dx%d stored %d", l.OutH, l.OutW, l.Stored)
	if l.Regions > 0 {
		s += fmt.Sprintf(" split %d regions (skips %.0f%%)", l.Regions, 100*l.PaddingSkipped)
	}
	for _, f := range l.Fused {
		s += " +" + f
	}
	return s
}

// Net is a compiled network. Create it with Compile.
type Net struct {
	spec   *nets.Spec
	steps  []step
	layers []LayerInfo
	in     nets.Shape
	// Per-image buffer sizes (floats): activations, padded planes.
	actMax, padMax int
	// slots keeps the outputs later layers read out of order (residual.go).
	slots slotPlan

	mu   sync.Mutex
	free map[int][]*workspace
}

// workspace holds the buffers of one Forward call at one batch size.
type workspace struct {
	a, b   []float32
	col    []float32   // the im2col matrix of small convs (convStep.colFloats)
	region []float32   // one padding region's product (convStep.runSplit)
	saved  [][]float32 // the slots of residual.go
}

// other returns the activation buffer src does not live in.
func (ws *workspace) other(src []float32) []float32 {
	if len(src) > 0 && len(ws.a) > 0 && &src[0] == &ws.a[0] {
		return ws.b
	}
	return ws.a
}

// step is one lowered operation: it reads the activation src (batch n) and
// returns the result, in place or in ws.other(src).
type step interface {
	run(ws *workspace, src []float32, n int) ([]float32, error)
}

// Spec returns the spec the net was compiled from.
func (net *Net) Spec() *nets.Spec { return net.spec }

// Layers describes the compiled conv and dense layers in network order.
func (net *Net) Layers() []LayerInfo { return slices.Clone(net.layers) }

// FLOPs returns the dense-equivalent FLOPs (2*M*K*N summed over the conv and
// dense layers) of one Forward at the given batch size.
func (net *Net) FLOPs(batch int) float64 {
	var f float64
	for _, l := range net.layers {
		f += l.FLOPs(batch)
	}
	return f
}

// Prepare allocates the buffers of one Forward at batch size n (Forward does
// it lazily otherwise).
func (net *Net) Prepare(n int) error {
	if n <= 0 {
		return fmt.Errorf("engine: Prepare %q: batch %d must be positive", net.spec.Name, n)
	}
	net.put(n, net.get(n))
	return nil
}

func (net *Net) get(n int) *workspace {
	net.mu.Lock()
	if l := net.free[n]; len(l) > 0 {
		ws := l[len(l)-1]
		net.free[n] = l[:len(l)-1]
		net.mu.Unlock()
		return ws
	}
	net.mu.Unlock()
	col, region := 0, 0
	for _, s := range net.steps {
		if cs, ok := s.(*convStep); ok {
			col, region = max(col, cs.colFloats(n)), max(region, cs.regionFloats(n))
		}
	}
	return &workspace{
		col:    make([]float32, col),
		region: make([]float32, region),
		a:      make([]float32, net.actMax*n),
		b:      make([]float32, net.actMax*n),
		saved:  net.slots.alloc(n),
	}
}

func (net *Net) put(n int, ws *workspace) {
	net.mu.Lock()
	net.free[n] = append(net.free[n], ws)
	net.mu.Unlock()
}

// Forward runs n images (NCHW, n*C*H*W values) and returns the logits, n x
// classes row-major.
func (net *Net) Forward(x []float32, n int) ([]float32, error) {
	in := net.in
	if n <= 0 {
		return nil, fmt.Errorf("engine: Forward %q: batch %d must be positive", net.spec.Name, n)
	}
	if want := n * in.Size(); len(x) != want {
		return nil, fmt.Errorf("engine: Forward %q: input has %d values, want %d (n=%d x %s)", net.spec.Name, len(x), want, n, in)
	}
	ws := net.get(n)
	defer net.put(n, ws)
	// NCHW -> [C x (H*W*B)], batch innermost: a [B x CHW] -> [CHW x B] transpose (a strided
	// gather here was 11% of a hybrid AlexNet's forward at batch 128).
	cur := ws.a[:len(x)]
	gemm.Transpose(cur, x, n, in.Size())
	var err error
	for _, s := range net.steps {
		if cur, err = s.run(ws, cur, n); err != nil {
			return nil, fmt.Errorf("engine: Forward %q: %w", net.spec.Name, err)
		}
	}
	// [classes x B] -> [B x classes].
	k := net.spec.NumClasses
	out := make([]float32, n*k)
	for c := range k {
		for b := range n {
			out[b*k+c] = cur[c*n+b]
		}
	}
	return out, nil
}

// lowered lists the layer kinds Compile's lowering switch handles; a kind registered in package
// nets but missing here is refused by Compile (see Lowers).
var lowered = map[nets.LayerKind]bool{
	nets.KindConv: true, nets.KindDense: true, nets.KindBatchNorm: true, nets.KindAdd: true,
	nets.KindGlobalAvgPool: true, nets.KindReLU: true, nets.KindDropout: true, nets.KindMaxPool: true,
	nets.KindFlatten: true,
}

// Lowers reports whether the engine can run layers of kind k; every kind of nets.Kinds should be
// (the tests check it).
func Lowers(k nets.LayerKind) bool { return lowered[k] }

// Compile lowers spec + w into a Net with the given per-layer modes.
func Compile(spec *nets.Spec, w nets.Weights, opts Options) (*Net, error) {
	shapes, err := spec.Shapes()
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	for _, l := range spec.Layers {
		if !Lowers(l.Kind) {
			return nil, fmt.Errorf("engine: layer %q: unsupported kind %q (a kind of package nets the engine does not lower)", l.Name, l.Kind)
		}
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if opts.N == 0 && opts.M == 0 {
		opts.N, opts.M = 2, 4
	}
	if err := (layout.Pattern{N: opts.N, M: opts.M}).Validate(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if opts.Vector == 0 {
		opts.Vector = 16
	}
	if opts.Block == 0 {
		opts.Block = 4
	}
	if opts.Vector < 1 || opts.Vector > 256 || opts.Block < 1 {
		return nil, fmt.Errorf("engine: vector length %d (want 1..256) or block side %d (want > 0) out of range", opts.Vector, opts.Block)
	}
	if opts.Order == "" {
		opts.Order = sparse.OrderWidth // the zero Options keep PyTorch's OIHW flatten
	}
	if err := opts.Order.Validate(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if opts.Default, err = ParseMode(string(opts.Default)); err != nil {
		return nil, err
	}
	modes := make(map[string]Mode, len(opts.Layers))
	names := make([]string, 0, len(opts.Layers))
	for name := range opts.Layers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		i := spec.Index(name)
		if i < 0 {
			return nil, fmt.Errorf("engine: mode for unknown layer %q (spec %q has no such layer)", name, spec.Name)
		}
		if k := spec.Layers[i].Kind; k != nets.KindConv && k != nets.KindDense {
			return nil, fmt.Errorf("engine: mode for layer %q, a %s layer (only conv and dense layers have modes)", name, k)
		}
		m, err := ParseMode(string(opts.Layers[name]))
		if err != nil {
			return nil, fmt.Errorf("engine: layer %q: %w", name, err)
		}
		modes[name] = m
	}

	net := &Net{spec: spec.Clone(), in: spec.Input, free: map[int][]*workspace{}}
	net.actMax = spec.Input.Size()
	net.slots = newSlotPlan(spec, shapes)
	ref := spec.Referenced()
	cur := spec.Input
	layers := spec.Layers
	for i := 0; i < len(layers); i++ {
		l := layers[i]
		out := shapes[i]
		if l.Input != "" {
			j := spec.SourceOf(i)
			cur = shapes[j]
			net.steps = append(net.steps, loadStep{slot: net.slots.of[j], size: cur.Size()})
		}
		net.actMax = max(net.actMax, out.Size())
		switch l.Kind {
		case nets.KindConv, nets.KindDense:
			mode := opts.Default
			if m, ok := modes[l.Name]; ok {
				mode = m
			}
			wt := slices.Clone(w[l.Name+"/weight"].Data)
			bias := slices.Clone(nets.Bias(l, w))
			rows := l.OutChannels
			k := len(wt) / rows
			info := LayerInfo{Name: l.Name, Kind: l.Kind, Rows: rows, K: k, OutH: out.H, OutW: out.W}
			// Fold a directly following batch-norm, then fuse a ReLU
			// (dropout in between is the identity at inference).
			j := i + 1
			if fusable(spec, ref, i, j) && layers[j].Kind == nets.KindBatchNorm {
				foldBN(wt, bias, rows, k, w, layers[j].Name)
				info.Fused = append(info.Fused, layers[j].Name)
				j++
			}
			relu := false
			for ; fusable(spec, ref, i, j) && layers[j].Kind == nets.KindDropout; j++ {
			}
			if fusable(spec, ref, i, j) && layers[j].Kind == nets.KindReLU {
				relu = true
				info.Fused = append(info.Fused, layers[j].Name)
				j++
			}
			// Every skipped layer keeps the shape of layer i.
			i = j - 1
			var s step
			if l.Kind == nets.KindConv {
				s, err = newConvStep(l, cur, out, wt, bias, relu, mode, opts, &info)
			} else {
				s, err = newDenseStep(wt, bias, relu, mode, opts, &info)
			}
			if err != nil {
				return nil, err
			}
			net.steps = append(net.steps, s)
			net.layers = append(net.layers, info)
		case nets.KindBatchNorm:
			a, b := bnAffine(w, l.Name, l.OutChannels)
			relu := fusable(spec, ref, i, i+1) && layers[i+1].Kind == nets.KindReLU
			if relu {
				i++
			}
			net.steps = append(net.steps, &affineStep{scale: a, shift: b, hw: out.H * out.W, relu: relu})
		case nets.KindAdd:
			relu := fusable(spec, ref, i, i+1) && layers[i+1].Kind == nets.KindReLU
			if relu {
				i++
			}
			net.steps = append(net.steps, &addStep{name: l.Name, slot: net.slots.of[spec.Index(l.From)], relu: relu})
		case nets.KindGlobalAvgPool:
			net.steps = append(net.steps, &gapStep{c: cur.C, hw: cur.H * cur.W})
		case nets.KindReLU:
			net.steps = append(net.steps, reluStep{})
		case nets.KindDropout:
		case nets.KindMaxPool:
			net.steps = append(net.steps, &poolStep{c: cur.C, h: cur.H, w: cur.W, win: l.Window})
		case nets.KindFlatten:
			// [C x (H*W*B)] already is [(C*H*W) x B] in PyTorch's
			// channel-major feature order.
		default: // refused above; lowered and this switch must list the same kinds
			return nil, fmt.Errorf("engine: layer %q: unsupported kind %q", l.Name, l.Kind)
		}
		// The layers fused into this step are not referenced (fusable), so only i may be kept.
		if slot, ok := net.slots.of[i]; ok {
			net.steps = append(net.steps, saveStep{slot: slot})
		}
		cur = shapes[i]
	}
	return net, nil
}

// bnAffine returns the per-channel s = scale/sqrt(var+eps) and t = offset -
// mean*s of batch-norm layer name, computed in float64.
func bnAffine(w nets.Weights, name string, c int) (s, t []float64) {
	scale, offset := w[name+"/scale"].Data, w[name+"/offset"].Data
	mean, variance := w[name+"/mean"].Data, w[name+"/variance"].Data
	s, t = make([]float64, c), make([]float64, c)
	for i := range c {
		s[i] = float64(scale[i]) / math.Sqrt(float64(variance[i])+nets.BatchNormEpsilon)
		t[i] = float64(offset[i]) - float64(mean[i])*s[i]
	}
	return s, t
}

// foldBN folds batch-norm name into the rows x k weights and bias in place.
func foldBN(wt, bias []float32, rows, k int, w nets.Weights, name string) {
	s, _ := bnAffine(w, name, rows)
	mean, offset := w[name+"/mean"].Data, w[name+"/offset"].Data
	for r := range rows {
		for j := range k {
			wt[r*k+j] = float32(float64(wt[r*k+j]) * s[r])
		}
		bias[r] = float32((float64(bias[r])-float64(mean[r]))*s[r] + float64(offset[r]))
	}
}

// weightMatrix is the common interface of the prepared weight formats.
type weightMatrix interface {
	MatMul(b []float32, n int, c []float32) error
}

// prepare converts the rows x k weights (in their K order) into mode's
// format. For group mode it returns the kept columns and a dense matrix over
// them when gatherInside is false (conv: im2col gathers), or a GroupPlan
// (dense layer: the kernel gathers). info receives Mode, KEff and Stored.
func prepare(wt []float32, rows, k int, mode Mode, order sparse.GroupOrder, opts Options, gatherInside bool, info *LayerInfo) (weightMatrix, []int, error) {
	where := fmt.Sprintf("engine: layer %q (%s)", info.Name, info.Kind)
	if mode == ModeAuto {
		mode = ModeDense
		if sparse.CheckNM(wt, rows, k, opts.N, opts.M) == nil {
			mode = ModeNM
		}
	}
	info.Mode, info.KEff, info.Stored = mode, k, rows*k
	switch mode {
	case ModeDense:
		p, err := gemm.Pack(wt, rows, k)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		return p, nil, nil
	case ModeNM:
		a, err := sparse.CompressNM(wt, rows, k, opts.N, opts.M, order)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: weights are not %d:%d in %s order (prune them first or choose another mode): %w",
				where, opts.N, opts.M, order, err)
		}
		p, err := sparse.NewNMPlan(a)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		info.Stored = len(a.Values)
		return p, nil, nil
	case ModeCSR:
		a, err := sparse.CompressCSR(wt, rows, k)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		p, err := sparse.NewCSRPlan(a)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		info.Stored = a.NNZ()
		return p, nil, nil
	case ModeVector, ModeBlock:
		return preparePattern(wt, rows, k, mode, opts, where, info)
	case ModeGroup:
		a, err := sparse.CompressGroup(wt, rows, k)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		info.KEff, info.Stored = len(a.Kept), len(a.Values)
		if gatherInside {
			p, err := sparse.NewGroupPlan(a)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", where, err)
			}
			return p, nil, nil
		}
		kept := make([]int, len(a.Kept))
		for i, c := range a.Kept {
			kept[i] = int(c)
		}
		p, err := gemm.Pack(a.Values, rows, len(kept))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		return p, kept, nil
	}
	return nil, nil, fmt.Errorf("%s: unknown mode %q", where, mode)
}
