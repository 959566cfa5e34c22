package nets

import (
	"encoding/json"
	"fmt"
	"os"
)

// LayerKind names the type of a layer in a Spec.
type LayerKind string

// The layer kinds a Spec may hold are registered each in its own file kind_<kind>.go (KindConv,
// KindBatchNorm, KindReLU, KindMaxPool, KindFlatten, KindDense, KindDropout, KindAdd,
// KindGlobalAvgPool); Kinds lists them.

// Layer is one layer of a Spec. Only the fields of its Kind are used; the others stay zero.
type Layer struct {
	Kind LayerKind `json:"kind"`
	// Name is unique within a Spec and prefixes the layer's weights ("conv1/weight").
	Name string `json:"name"`

	// Conv: InChannels -> OutChannels with a square Kernel, Stride and zero Padding.
	// Dense: InChannels -> OutChannels features. BatchNorm: OutChannels features.
	InChannels  int `json:"in,omitempty"`
	OutChannels int `json:"out,omitempty"`
	Kernel      int `json:"kernel,omitempty"`
	Stride      int `json:"stride,omitempty"`
	Padding     int `json:"padding,omitempty"`

	// Window is the MaxPool window; the pool's stride equals its window (non-overlapping).
	Window int `json:"window,omitempty"`

	// Rate is the Dropout probability of zeroing a unit during training.
	Rate float64 `json:"rate,omitempty"`

	// NoBias drops the bias of a conv or dense layer (PyTorch's bias=False, the convs of a ResNet,
	// whose batch-norm offset plays the bias' role): the layer has no "<name>/bias" parameter.
	NoBias bool `json:"no_bias,omitempty"`
	// Input names an earlier layer whose output this layer reads instead of the previous layer's
	// (a residual block's projection shortcut reads the block's input). Empty: the previous layer.
	Input string `json:"input,omitempty"`
	// From is the Add operand: the add outputs the element-wise sum of its input (the previous
	// layer's output, or Input's) and the output of the earlier layer From; the shapes must match.
	From string `json:"from,omitempty"`
}

// Shape is the shape of one example's activation: Channels x Height x Width (a dense layer's
// output has Height = Width = 1).
type Shape struct {
	C, H, W int
}

// Size is the number of values in the shape.
func (s Shape) Size() int { return s.C * s.H * s.W }

// String formats the shape as CxHxW.
func (s Shape) String() string { return fmt.Sprintf("%dx%dx%d", s.C, s.H, s.W) }

// Spec is a plain, serialisable network description: the input shape, the number of classes and
// the ordered layers. The last layer must be a dense layer with NumClasses outputs.
type Spec struct {
	Name       string  `json:"name"`
	Input      Shape   `json:"input"`
	NumClasses int     `json:"num_classes"`
	Layers     []Layer `json:"layers"`
}

// Clone returns a deep copy of the spec.
func (s *Spec) Clone() *Spec {
	c := *s
	c.Layers = append([]Layer(nil), s.Layers...)
	return &c
}

// Shapes validates the spec and returns the output shape of every layer (Shapes()[i] is the output
// of Layers[i]). The error names the offending layer and what was expected.
func (s *Spec) Shapes() ([]Shape, error) {
	if s.Input.C <= 0 || s.Input.H <= 0 || s.Input.W <= 0 {
		return nil, fmt.Errorf("spec %q: input shape %s must be positive", s.Name, s.Input)
	}
	if s.NumClasses <= 0 {
		return nil, fmt.Errorf("spec %q: num_classes=%d must be positive", s.Name, s.NumClasses)
	}
	if len(s.Layers) == 0 {
		return nil, fmt.Errorf("spec %q: no layers", s.Name)
	}
	names := make(map[string]int, len(s.Layers))
	out := make([]Shape, len(s.Layers))
	flatAt := make([]bool, len(s.Layers)) // whether layer i's output is flattened features
	cur := s.Input
	flat := false
	for i, l := range s.Layers {
		where := fmt.Sprintf("spec %q layer %d (%s %q)", s.Name, i, l.Kind, l.Name)
		if l.Name == "" {
			return nil, fmt.Errorf("%s: empty name", where)
		}
		if _, dup := names[l.Name]; dup {
			return nil, fmt.Errorf("%s: duplicate name", where)
		}
		names[l.Name] = i
		if l.Input != "" {
			j, err := s.earlier(names, i, "input", l.Input)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			cur, flat = out[j], flatAt[j]
		}
		info := kinds[l.Kind]
		if info == nil {
			return nil, fmt.Errorf("%s: unknown kind %q (want %s)", where, l.Kind, kindList("or", func(*kindInfo) bool { return true }))
		}
		if l.NoBias && !info.bias {
			return nil, fmt.Errorf("%s: no_bias is only for %s layers", where, kindList("and", func(k *kindInfo) bool { return k.bias }))
		}
		if info.spatial && flat {
			return nil, fmt.Errorf("%s: %s after flatten", where, l.Kind)
		}
		if info.shape != nil {
			c := &shapeCtx{spec: s, i: i, l: l, in: cur, flat: flat, where: where, names: names, outs: out[:i], flats: flatAt[:i]}
			var err error
			if cur, err = info.shape(c); err != nil {
				return nil, err
			}
		}
		if info.channels == ChannelsFlatten {
			flat = true
		}
		out[i], flatAt[i] = cur, flat
	}
	last := s.Layers[len(s.Layers)-1]
	if last.Kind != KindDense || last.OutChannels != s.NumClasses {
		return nil, fmt.Errorf("spec %q: the last layer must be dense with %d outputs (num_classes), got %s %q with %d",
			s.Name, s.NumClasses, last.Kind, last.Name, last.OutChannels)
	}
	return out, nil
}

// Validate checks the spec; see Shapes.
func (s *Spec) Validate() error {
	_, err := s.Shapes()
	return err
}

// ConvIndices returns the indices in Layers of the conv layers, in network order.
func (s *Spec) ConvIndices() []int {
	var idx []int
	for i, l := range s.Layers {
		if l.Kind == KindConv {
			idx = append(idx, i)
		}
	}
	return idx
}

// Index returns the index of the layer with the given name, or -1.
func (s *Spec) Index(name string) int {
	for i, l := range s.Layers {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// MarshalIndent returns the spec as indented JSON.
func (s *Spec) MarshalIndent() ([]byte, error) { return json.MarshalIndent(s, "", "  ") }

// ParseSpec decodes and validates a JSON spec.
func ParseSpec(data []byte) (*Spec, error) {
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parsing spec JSON: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// LoadSpec reads and validates a JSON spec file.
func LoadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	s, err := ParseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
