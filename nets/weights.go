package nets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Tensor is a dense float32 array in row-major order.
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor returns a zero tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: slices.Clone(shape), Data: make([]float32, ShapeSize(shape))}
}

// ShapeSize is the number of elements of a shape.
func ShapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
}

// Weights maps a parameter name ("<layer>/<param>") to its tensor. Each layer kind lists its
// parameters (see KindConv, KindDense and KindBatchNorm, the kinds that have some); Spec.Params
// gathers them.
type Weights map[string]*Tensor

// Clone returns a deep copy.
func (w Weights) Clone() Weights {
	c := make(Weights, len(w))
	for k, t := range w {
		c[k] = t.Clone()
	}
	return c
}

// Names returns the parameter names in sorted order.
func (w Weights) Names() []string {
	names := make([]string, 0, len(w))
	for k := range w {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ParamSpec describes one parameter of a spec: its name, shape and whether training updates it
// through gradients (batch-norm running statistics are not trainable).
type ParamSpec struct {
	Name      string
	Shape     []int
	Trainable bool
}

// Params lists the parameters a spec needs, in layer order.
func (s *Spec) Params() []ParamSpec {
	var ps []ParamSpec
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Params lists the parameters of the layer, as its kind defines them (none for an unknown kind).
func (l Layer) Params() []ParamSpec {
	if info := kinds[l.Kind]; info != nil && info.params != nil {
		return info.params(l)
	}
	return nil
}

// ParamCount returns the number of trainable parameters (weights, biases, batch-norm scale and
// offset; running statistics excluded, as PyTorch counts them).
func (s *Spec) ParamCount() int {
	n := 0
	for _, p := range s.Params() {
		if p.Trainable {
			n += ShapeSize(p.Shape)
		}
	}
	return n
}

// CheckWeights verifies that w holds exactly the parameters of the spec with the right shapes.
func (s *Spec) CheckWeights(w Weights) error {
	ps := s.Params()
	for _, p := range ps {
		t, ok := w[p.Name]
		if !ok {
			return fmt.Errorf("weights for spec %q: missing %q (shape %v)", s.Name, p.Name, p.Shape)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return fmt.Errorf("weights for spec %q: %q has shape %v, want %v", s.Name, p.Name, t.Shape, p.Shape)
		}
		if len(t.Data) != ShapeSize(t.Shape) {
			return fmt.Errorf("weights for spec %q: %q has %d values for shape %v", s.Name, p.Name, len(t.Data), t.Shape)
		}
	}
	if len(w) != len(ps) {
		want := make(map[string]bool, len(ps))
		for _, p := range ps {
			want[p.Name] = true
		}
		for _, name := range w.Names() {
			if !want[name] {
				return fmt.Errorf("weights for spec %q: unexpected parameter %q", s.Name, name)
			}
		}
	}
	return nil
}

// InitWeights returns freshly initialised weights: He-normal (fan-in, ReLU gain) for conv and dense
// weights, zero biases, batch-norm scale 1, offset 0, mean 0, variance 1.
func (s *Spec) InitWeights(seed uint64) Weights {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w := make(Weights)
	for _, p := range s.Params() {
		t := NewTensor(p.Shape...)
		switch {
		case len(p.Shape) >= 2: // conv or dense weight
			fanIn := ShapeSize(p.Shape[1:])
			std := math.Sqrt(2 / float64(fanIn))
			for i := range t.Data {
				t.Data[i] = float32(rng.NormFloat64() * std)
			}
		case strings.HasSuffix(p.Name, "/scale"), strings.HasSuffix(p.Name, "/variance"):
			for i := range t.Data {
				t.Data[i] = 1
			}
		}
		w[p.Name] = t
	}
	return w
}
