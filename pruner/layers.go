package pruner

import (
	"fmt"
	"math"

	"github.com/hybridprune/hybridprune/nets"
)

// Layer is one prunable conv layer as the metrics see it: plain tensors, no spec needed.
type Layer struct {
	// Name identifies the layer (the spec's layer name, or "convI" for a bare .npz).
	Name string
	// Weight is the conv weight, OIHW [out, in, kh, kw].
	Weight *nets.Tensor
	// Next is the weight of the layer consuming this one's output channels: the next conv
	// [o2, out, kh, kw], or for the last conv the dense layer after flatten [o2, out*H*W] (channel
	// c owns the H*W consecutive columns [c*H*W, (c+1)*H*W)). Both read as [o2, out, rest]. Nil when
	// unknown; output-based metrics then fail.
	Next *nets.Tensor
}

// Filters is the number of filters (output channels) of the layer.
func (l Layer) Filters() int {
	if l.Weight == nil || len(l.Weight.Shape) == 0 {
		return 0
	}
	return l.Weight.Shape[0]
}

// Scores holds one importance score per filter: Scores[layer][filter], layers in network order.
type Scores [][]float64

// Total is the number of filters over all layers.
func (s Scores) Total() int {
	n := 0
	for _, l := range s {
		n += len(l)
	}
	return n
}

// Flat returns all scores concatenated in network order.
func (s Scores) Flat() []float64 {
	out := make([]float64, 0, s.Total())
	for _, l := range s {
		out = append(out, l...)
	}
	return out
}

// Clone returns a deep copy.
func (s Scores) Clone() Scores {
	c := make(Scores, len(s))
	for i, l := range s {
		c[i] = append([]float64(nil), l...)
	}
	return c
}

// reshape cuts flat values into the layer sizes of s.
func (s Scores) reshape(flat []float64) Scores {
	out := make(Scores, len(s))
	off := 0
	for i, l := range s {
		out[i] = flat[off : off+len(l) : off+len(l)]
		off += len(l)
	}
	return out
}

// checkNaN reports the first NaN score.
func (s Scores) checkNaN() error {
	for i, l := range s {
		for j, v := range l {
			if math.IsNaN(v) {
				return fmt.Errorf("score of layer %d filter %d is NaN", i, j)
			}
		}
	}
	return nil
}

// Activations holds, for every layer of an Input, its post-ReLU output on a batch of N examples in
// NCHW order (Layers[i] has N * filters * H * W values). APoZ uses it.
type Activations struct {
	N      int
	Layers [][]float32
}

// Input is everything a Metric may use. Build it with NewInput for the defaults.
type Input struct {
	// Layers are the prunable conv layers in network order.
	Layers []Layer
	// MetricParams: group order and pattern, k and p (see DefaultMetricParams).
	MetricParams
	// Activations feed data-driven metrics (APoZ); nil when no data is available.
	Activations *Activations
}

// NewInput returns an Input over the layers with the defaults: width order, 2:4, K = 0.5, P = 2.
func NewInput(layers []Layer) *Input {
	return &Input{Layers: layers, MetricParams: DefaultMetricParams()}
}

// Validate checks the options and that every layer has a conv weight and, where given, a Next
// weight whose channel dimension matches.
func (in *Input) Validate() error {
	if len(in.Layers) == 0 {
		return fmt.Errorf("no conv layers to score")
	}
	if err := in.MetricParams.Validate(); err != nil {
		return err
	}
	for _, l := range in.Layers {
		if l.Weight == nil || len(l.Weight.Shape) != 4 {
			return fmt.Errorf("layer %q: want a conv weight [out, in, kh, kw]", l.Name)
		}
		if len(l.Weight.Data) != nets.ShapeSize(l.Weight.Shape) || l.Filters() <= 0 {
			return fmt.Errorf("layer %q: weight of shape %v holds %d values", l.Name, l.Weight.Shape, len(l.Weight.Data))
		}
		if l.Next != nil {
			if _, err := consumerRest(l.Next, l.Filters()); err != nil {
				return fmt.Errorf("layer %q: %w", l.Name, err)
			}
		}
	}
	if a := in.Activations; a != nil {
		if len(a.Layers) != len(in.Layers) || a.N <= 0 {
			return fmt.Errorf("activations: %d layers for batch %d, want %d layers and a positive batch", len(a.Layers), a.N, len(in.Layers))
		}
	}
	return nil
}

// CheckK rejects a mixing weight outside [0, 1].
func CheckK(k float64) error {
	if !(k >= 0 && k <= 1) {
		return fmt.Errorf("mixing weight k=%g outside [0, 1]", k)
	}
	return nil
}

// consumerRest views a consumer weight as [o2, channels, rest] and returns rest.
func consumerRest(next *nets.Tensor, channels int) (int, error) {
	if len(next.Shape) < 2 || next.Shape[0] <= 0 {
		return 0, fmt.Errorf("consumer weight of shape %v: want [out, in, ...]", next.Shape)
	}
	row := len(next.Data) / next.Shape[0]
	if len(next.Data) != nets.ShapeSize(next.Shape) || row%channels != 0 || row == 0 {
		return 0, fmt.Errorf("consumer weight of shape %v does not split its inputs into %d channels", next.Shape, channels)
	}
	return row / channels, nil
}

// LayersFromSpec returns the spec's conv layers with their weights and consumers: the next conv,
// or for the last conv the first dense layer after the flatten. Batch-norm, ReLU, pooling and
// dropout in between are skipped (they act per channel). In a residual net the consumer is the
// first later conv or dense layer reading the conv's channels (its channel space, see
// ChannelGroup): a block's conv2 is consumed by the next block's conv1, not by the shortcut
// conv that follows it in the spec but reads the block input.
func LayersFromSpec(spec *nets.Spec, w nets.Weights) ([]Layer, error) {
	spaces, err := newChannelSpaces(spec)
	if err != nil {
		return nil, err
	}
	var layers []Layer
	for _, i := range spec.ConvIndices() {
		name := spec.Layers[i].Name
		wt := w[name+"/weight"]
		if wt == nil {
			return nil, fmt.Errorf("spec %q: missing weight %q", spec.Name, name+"/weight")
		}
		l := Layer{Name: name, Weight: wt}
		if j := spaces.consumer(i); j >= 0 {
			c := spec.Layers[j]
			l.Next = w[c.Name+"/weight"]
			if l.Next == nil {
				return nil, fmt.Errorf("spec %q: missing weight %q", spec.Name, c.Name+"/weight")
			}
		}
		layers = append(layers, l)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("spec %q has no conv layer", spec.Name)
	}
	return layers, nil
}

// LayersFromArrays builds the layers from bare weights in network order (the paper layout
// conv0..convN, optionally fc0 for the dense layer after flatten), named conv0, conv1, ... Each
// conv's input channels must match the previous conv's filters; fc may be nil, in which case the
// last layer has no consumer.
func LayersFromArrays(convs []*nets.Tensor, fc *nets.Tensor) ([]Layer, error) {
	if len(convs) == 0 {
		return nil, fmt.Errorf("no conv arrays")
	}
	layers := make([]Layer, len(convs))
	for i, c := range convs {
		if c == nil || len(c.Shape) != 4 {
			return nil, fmt.Errorf("conv%d: want an OIHW array [out, in, kh, kw]", i)
		}
		layers[i] = Layer{Name: fmt.Sprintf("conv%d", i), Weight: c}
		if i > 0 {
			if prev := convs[i-1].Shape[0]; c.Shape[1] != prev {
				return nil, fmt.Errorf("conv%d has %d input channels but conv%d has %d filters", i, c.Shape[1], i-1, prev)
			}
			layers[i-1].Next = c
		}
	}
	if fc != nil {
		last := len(convs) - 1
		if len(fc.Shape) != 2 {
			return nil, fmt.Errorf("fc0: want a dense array [out, in], got shape %v", fc.Shape)
		}
		if _, err := consumerRest(fc, convs[last].Shape[0]); err != nil {
			return nil, fmt.Errorf("fc0 after conv%d: %w", last, err)
		}
		layers[last].Next = fc
	}
	return layers, nil
}
