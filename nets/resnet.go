package nets

import "fmt"

// Named renames the last added layer (the automatic names of the zoo's chains do not fit a
// ResNet's blocks).
func (b *Builder) Named(name string) *Builder {
	b.spec.Layers[len(b.spec.Layers)-1].Name = name
	return b
}

// NoBias drops the bias of the last added layer (a conv or dense layer followed by batch-norm).
func (b *Builder) NoBias() *Builder {
	b.spec.Layers[len(b.spec.Layers)-1].NoBias = true
	return b
}

// ConvFrom adds a square convolution reading the output of the earlier layer named input instead
// of the previous layer's (a projection shortcut). An unknown input is left for Spec to report.
func (b *Builder) ConvFrom(input string, out, kernel, stride, padding int) *Builder {
	if i := b.spec.Index(input); i >= 0 {
		b.channels = b.outC[i]
	}
	b.Conv(out, kernel, stride, padding)
	b.spec.Layers[len(b.spec.Layers)-1].Input = input
	return b
}

// Add adds the residual addition of the current activation and the output of the earlier layer
// named from.
func (b *Builder) Add(from string) *Builder { return b.add(Layer{Kind: KindAdd, From: from}) }

// ResNet18 is the CIFAR variant of ResNet-18 (as in kuangliu/pytorch-cifar): conv3x3 64 + BN +
// ReLU, no max-pool, four stages of two BasicBlocks with 64/128/256/512 channels (stride 2 and a
// 1x1 conv + BN projection shortcut at the first block of stages 2-4), global average pool,
// dense 512 -> classes. Convs have no bias, as in PyTorch; for CIFAR-10 it has 11,173,962
// trainable parameters. Layer names follow the PyTorch module names (layer2.0.shortcut.0).
func ResNet18(channels, numClasses int) *Spec {
	return must(ResNet("resnet18", Shape{channels, 32, 32}, numClasses, []int{64, 128, 256, 512}, []int{2, 2, 2, 2}))
}

// ResNet builds a CIFAR-style ResNet of BasicBlocks: a stem conv3x3 (widths[0], stride 1) + BN +
// ReLU, then stage s of blocks[s] blocks with widths[s] channels, its first block strided by 2
// (s > 0) with a projection shortcut wherever the block changes the shape, a global average pool
// and a dense head. A BasicBlock is conv3x3-BN-ReLU-conv3x3-BN, plus its input (or the shortcut's
// projection), then ReLU.
func ResNet(name string, input Shape, numClasses int, widths, blocks []int) (*Spec, error) {
	if len(widths) == 0 || len(widths) != len(blocks) {
		return nil, fmt.Errorf("resnet %q: %d widths for %d stages, want one per stage and at least one", name, len(widths), len(blocks))
	}
	b := NewBuilder(name, input, numClasses)
	b.Conv(widths[0], 3, 1, 1).NoBias().Named("conv1").BatchNorm().Named("bn1").ReLU().Named("relu1")
	prev := "relu1" // the block input
	for s, width := range widths {
		if width <= 0 || blocks[s] <= 0 {
			return nil, fmt.Errorf("resnet %q: stage %d has width %d and %d blocks, want both positive", name, s+1, width, blocks[s])
		}
		for k := range blocks[s] {
			p := fmt.Sprintf("layer%d.%d.", s+1, k)
			stride := 1
			if s > 0 && k == 0 {
				stride = 2
			}
			inC := b.channels
			b.Conv(width, 3, stride, 1).NoBias().Named(p + "conv1").BatchNorm().Named(p + "bn1").ReLU().Named(p + "relu1")
			b.Conv(width, 3, 1, 1).NoBias().Named(p + "conv2").BatchNorm().Named(p + "bn2")
			from := prev
			if stride != 1 || inC != width {
				b.ConvFrom(prev, width, 1, stride, 0).NoBias().Named(p + "shortcut.0").BatchNorm().Named(p + "shortcut.1")
				from = p + "bn2"
			}
			b.Add(from).Named(p + "add").ReLU().Named(p + "relu2")
			prev = p + "relu2"
		}
	}
	b.GlobalAvgPool().Named("avgpool").Flatten(widths[len(widths)-1]).Named("flatten").Dense(numClasses).Named("linear")
	return b.Spec()
}
