package nets

import (
	"fmt"
	"maps"
	"slices"
)

// Builder appends layers to a spec with automatic names (conv1, bn1, relu1, pool1, fc1, ...) and
// channel bookkeeping. It is how the model zoo below is written; users can write their own nets
// the same way.
type Builder struct {
	spec     Spec
	channels int
	counts   map[LayerKind]int
	outC     []int // outC[i]: the channels (features) of layer i's output
}

// NewBuilder starts a spec with the given name, input shape and number of classes.
func NewBuilder(name string, input Shape, numClasses int) *Builder {
	return &Builder{spec: Spec{Name: name, Input: input, NumClasses: numClasses}, channels: input.C, counts: map[LayerKind]int{}}
}

func (b *Builder) add(l Layer) *Builder {
	b.counts[l.Kind]++
	l.Name = fmt.Sprintf("%s%d", kinds[l.Kind].prefix, b.counts[l.Kind])
	b.spec.Layers = append(b.spec.Layers, l)
	b.outC = append(b.outC, b.channels)
	return b
}

// Conv adds a square convolution with `out` filters.
func (b *Builder) Conv(out, kernel, stride, padding int) *Builder {
	in := b.channels
	b.channels = out
	return b.add(Layer{Kind: KindConv, InChannels: in, OutChannels: out, Kernel: kernel, Stride: stride, Padding: padding})
}

// BatchNorm adds batch normalisation over the current channels.
func (b *Builder) BatchNorm() *Builder {
	return b.add(Layer{Kind: KindBatchNorm, OutChannels: b.channels})
}

// ReLU adds a ReLU.
func (b *Builder) ReLU() *Builder { return b.add(Layer{Kind: KindReLU}) }

// MaxPool adds a non-overlapping max-pool with the given window.
func (b *Builder) MaxPool(window int) *Builder {
	return b.add(Layer{Kind: KindMaxPool, Window: window})
}

// Flatten adds a channel-major flatten; `features` must be C*H*W of the current activation.
func (b *Builder) Flatten(features int) *Builder {
	b.channels = features
	return b.add(Layer{Kind: KindFlatten})
}

// Dense adds a fully connected layer.
func (b *Builder) Dense(out int) *Builder {
	in := b.channels
	b.channels = out
	return b.add(Layer{Kind: KindDense, InChannels: in, OutChannels: out})
}

// ConvBNReLU adds conv (3x3, stride 1, padding 1 unless kernel says otherwise), batch-norm and ReLU.
func (b *Builder) ConvBNReLU(out, kernel int) *Builder {
	return b.Conv(out, kernel, 1, kernel/2).BatchNorm().ReLU()
}

// Spec validates and returns the built spec.
func (b *Builder) Spec() (*Spec, error) {
	s := b.spec.Clone()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// AlexNet is the CIFAR variant of AlexNet used by the hybrid-pruning paper (as in
// bearpaw/pytorch-classification): conv 64 k11 s4 p5, pool, conv 192 k5 p2, pool, conv 384, 256,
// 256 (k3 p1), pool, dense -> classes. Inputs are 32x32 (28x28 MNIST is padded to 32 by the
// loader). For CIFAR-10 it has 2,472,266 parameters.
func AlexNet(channels, numClasses int) *Spec {
	b := NewBuilder("alexnet", Shape{channels, 32, 32}, numClasses)
	b.Conv(64, 11, 4, 5).ReLU().MaxPool(2).
		Conv(192, 5, 1, 2).ReLU().MaxPool(2).
		Conv(384, 3, 1, 1).ReLU().
		Conv(256, 3, 1, 1).ReLU().
		Conv(256, 3, 1, 1).ReLU().MaxPool(2).
		Flatten(256).Dense(numClasses)
	return must(b.Spec())
}

// VGG16 is the CIFAR variant of VGG16 with batch-norm (as in kuangliu/pytorch-cifar): 13 conv3x3
// layers (64,64,M,128,128,M,256x3,M,512x3,M,512x3,M), each followed by batch-norm and ReLU, then a
// dense 512 -> classes. For CIFAR-10 it has 14,728,266 parameters.
func VGG16(channels, numClasses int) *Spec {
	b := NewBuilder("vgg16", Shape{channels, 32, 32}, numClasses)
	for _, stage := range [][]int{{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}} {
		for _, c := range stage {
			b.ConvBNReLU(c, 3)
		}
		b.MaxPool(2)
	}
	b.Flatten(512).Dense(numClasses)
	return must(b.Spec())
}

// SimpleNet is SimpleNet v1 (Hasanpour et al. 2016, "Lets keep it simple"), the 13-conv CIFAR
// variant: widths 64,128,128,128,M,128,128,256,M,256,256,M,512,M,2048(k1),256(k1),M,256, each conv
// followed by batch-norm and ReLU, 2x2 pools, dense 256 -> classes. width scales every conv width
// (1 gives the published net: 5,498,378 trainable parameters for CIFAR-10, 5,489,290 without
// batch-norm's scale and offset; the paper reports 5.48M). The per-block Dropout2d(0.1) of the
// reference implementation is kept as (element-wise) dropout.
func SimpleNet(channels, numClasses int, width float64) *Spec {
	w := func(c int) int { return max(1, int(float64(c)*width+0.5)) }
	name := "simplenet"
	if width != 1 {
		name = fmt.Sprintf("simplenet-w%g", width)
	}
	b := NewBuilder(name, Shape{channels, 32, 32}, numClasses)
	b.ConvBNReLU(w(64), 3).ConvBNReLU(w(128), 3).ConvBNReLU(w(128), 3).ConvBNReLU(w(128), 3).MaxPool(2).Dropout(0.1)
	b.ConvBNReLU(w(128), 3).ConvBNReLU(w(128), 3).ConvBNReLU(w(256), 3).MaxPool(2).Dropout(0.1)
	b.ConvBNReLU(w(256), 3).ConvBNReLU(w(256), 3).MaxPool(2).Dropout(0.1)
	b.ConvBNReLU(w(512), 3).MaxPool(2).Dropout(0.1)
	b.ConvBNReLU(w(2048), 1).ConvBNReLU(w(256), 1).MaxPool(2).Dropout(0.1)
	b.ConvBNReLU(w(256), 3)
	b.Flatten(w(256)).Dense(numClasses)
	return must(b.Spec())
}

// SimpleNetSmall is the documented CPU-sized SimpleNet: every conv width halved (width 0.5),
// about a quarter of the parameters.
func SimpleNetSmall(channels, numClasses int) *Spec { return SimpleNet(channels, numClasses, 0.5) }

// Zoo maps a model name to its constructor (input channels, classes): adding a model is one
// entry (and its builder function); ByName, ModelNames and every CLI help text read it.
var Zoo = map[string]func(channels, numClasses int) *Spec{
	"alexnet":         AlexNet,
	"vgg16":           VGG16,
	"resnet18":        ResNet18,
	"simplenet":       func(c, n int) *Spec { return SimpleNet(c, n, 1) },
	"simplenet-small": SimpleNetSmall,
}

// ModelNames lists the zoo's models, sorted.
func ModelNames() []string { return slices.Sorted(maps.Keys(Zoo)) }

// ByName returns a model of the zoo (see Zoo).
func ByName(name string, channels, numClasses int) (*Spec, error) {
	build, ok := Zoo[name]
	if !ok {
		return nil, fmt.Errorf("unknown model %q (want one of %v)", name, ModelNames())
	}
	return build(channels, numClasses), nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
