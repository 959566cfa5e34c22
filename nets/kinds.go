package nets

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ChannelRole says how a layer kind treats the channels of the activation it reads: all that
// filter pruning (the pruner's surgery, zeroing and dependency groups) needs to know of a kind.
type ChannelRole int

// The channel roles of the layer kinds.
const (
	// ChannelsPreserve: output channel c depends on input channel c only (ReLU, pooling,
	// dropout): a pruned channel simply disappears from the output, nothing else changes.
	ChannelsPreserve ChannelRole = iota
	// ChannelsProduce: the layer's filters make new channels (conv): dimension 0 of its weight
	// and its bias are the output channels (the prunable filters), dimension 1 of the weight the
	// input channels.
	ChannelsProduce
	// ChannelsNormalize: per-channel parameters on preserved channels (batch-norm): dimension 0
	// of each of its parameters is the channel.
	ChannelsNormalize
	// ChannelsFlatten: channel c of a C x H x W input becomes the H*W consecutive features
	// [c*H*W, (c+1)*H*W) (flatten).
	ChannelsFlatten
	// ChannelsConsume: the layer reads its input features through dimension 1 of its weight and
	// outputs features of its own that are not pruned (dense).
	ChannelsConsume
	// ChannelsJoin: the element-wise combination of the input and the output of Layer.From
	// (add): both operands must keep the same channels.
	ChannelsJoin
)

// kindInfo is everything package nets knows of one layer kind; each kind registers one, from its
// own file kind_<kind>.go (see the package documentation). Nil functions mean "nothing": no
// parameters, an empty summary config, the identity forward.
type kindInfo struct {
	kind LayerKind
	// prefix starts the Builder's automatic layer names (conv1, bn1, ...).
	prefix string
	// channels is the kind's role for filter pruning.
	channels ChannelRole
	// bias: the kind has a bias that Layer.NoBias may drop.
	bias bool
	// spatial: the kind needs a C x H x W image, not flattened features ("<kind> after flatten").
	spatial bool
	// shape validates the layer against its input and returns its output shape; nil keeps the
	// input shape.
	shape func(c *shapeCtx) (Shape, error)
	// params lists the layer's parameters, in order.
	params func(l Layer) []ParamSpec
	// config is the layer's "config" column of Spec.Summary.
	config func(l Layer) string
	// forward is the plain-Go reference forward (inference mode), see Forward.
	forward func(f *forwardCtx) []float32
	// graph builds the GoMLX graph of the layer on activations laid out [C, H, W, B] (or
	// [features, B] after flatten); nil is the identity.
	graph func(b *graphCtx) *graph.Node
}

var kinds = map[LayerKind]*kindInfo{}

// registerKind adds a layer kind; it is called from the init function of the kind's file and
// panics on a programming error (empty or taken kind, or a missing prefix).
func registerKind(k kindInfo) {
	if k.kind == "" || k.prefix == "" {
		panic(fmt.Sprintf("nets: registering layer kind %q: want a kind and a name prefix", k.kind))
	}
	if _, ok := kinds[k.kind]; ok {
		panic(fmt.Sprintf("nets: layer kind %q registered twice", k.kind))
	}
	kinds[k.kind] = &k
}

// Kinds lists the registered layer kinds, sorted.
func Kinds() []LayerKind { return slices.Sorted(maps.Keys(kinds)) }

// Known reports whether k is a registered layer kind.
func (k LayerKind) Known() bool { return kinds[k] != nil }

// Channels returns the kind's channel role (ChannelsPreserve for an unknown kind, which no
// valid spec holds).
func (k LayerKind) Channels() ChannelRole {
	if info := kinds[k]; info != nil {
		return info.channels
	}
	return ChannelsPreserve
}

// kindList formats the kinds for which keep is true as "a, b <last> c" (sorted), last being "or"
// or "and".
func kindList(last string, keep func(*kindInfo) bool) string {
	var names []string
	for _, k := range Kinds() {
		if keep(kinds[k]) {
			names = append(names, string(k))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + last + " " + names[len(names)-1]
}

// shapeCtx is what a kind's shape function sees of the layer being validated.
type shapeCtx struct {
	spec  *Spec
	i     int
	l     Layer
	in    Shape // the activation the layer reads
	flat  bool  // whether in is flattened features
	where string
	names map[string]int // the layers 0..i
	outs  []Shape        // the outputs of the layers before i
	flats []bool
}

// errorf returns an error prefixed with the layer's position.
func (c *shapeCtx) errorf(format string, a ...any) error {
	return fmt.Errorf("%s: %w", c.where, fmt.Errorf(format, a...))
}

// forwardCtx is what a kind's reference forward sees: the batch x of n activations shaped in, the
// layer's output shape out, the weights and the outputs of the earlier layers.
type forwardCtx struct {
	spec    *Spec
	l       Layer
	w       Weights
	x       []float32
	n       int
	in, out Shape
	acts    [][]float32
}

// graphCtx is what a kind's graph builder sees.
type graphCtx struct {
	ctx      *context.Context
	g        *graph.Graph
	spec     *Spec
	l        Layer
	x        *graph.Node // [C, H, W, B], or [features, B] after flatten
	in       Shape
	batch    int
	training bool
	masks    Weights
	outs     []*graph.Node // the outputs of the earlier layers
}

// weightAndBias lists a conv or dense layer's weight of the given shape and its bias (none with
// NoBias).
func weightAndBias(l Layer, shape ...int) []ParamSpec {
	ps := []ParamSpec{{l.Name + "/weight", shape, true}}
	if !l.NoBias {
		ps = append(ps, ParamSpec{l.Name + "/bias", []int{l.OutChannels}, true})
	}
	return ps
}
