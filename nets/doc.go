// Package nets holds the serialisable layer specs of the CNNs hybridprune works on (AlexNet, VGG16,
// SimpleNet, ResNet-18), their weights, the GoMLX graph built from a spec, and training/evaluation.
//
// A model is a [Spec] (an ordered list of [Layer]s plus the input shape) and a [Weights] set. The
// pruner produces a new Spec with fewer channels and new Weights; the same code builds, trains
// and evaluates it.
//
// Conventions (PyTorch-compatible, so weights can be exchanged as .npz):
//   - images are NCHW; a conv weight is OIHW [out, in, kh, kw]; a dense weight is [out, in];
//   - Flatten orders features channel-major (C, H, W), so channel c of the last conv owns the
//     H*W consecutive input columns [c*H*W, (c+1)*H*W) of the following dense layer.
//
// # Layer kinds
//
// Each layer kind is one registration in its own file, kind_<kind>.go: the kind's constant, its
// Builder method where it has one, and an init function calling registerKind with a kindInfo
// holding everything package nets does per kind: the output shape and validation (Spec.Shapes),
// the parameter list (Layer.Params, Spec.Params, CheckWeights, InitWeights), the Summary config
// column, the plain-Go reference forward (Forward), the GoMLX graph (ModelFn), the Builder's
// name prefix, and two properties read generically: whether the kind takes a NoBias bias and
// whether it needs an image rather than flattened features. Spec.Shapes, Params, Summary,
// Forward and ModelFn loop over the registry; no switch on kind names is left in them, and the
// "unknown kind" and "no_bias" messages list the registered kinds. kind_dropout.go is the
// smallest complete example.
//
// The registry is unexported: a kind's functions see package internals (the validation and
// forward contexts, the GoMLX context and masks), and a kind also needs support outside this
// package, so kinds are added here, not by callers. Other packages query it through Kinds,
// LayerKind.Known and LayerKind.Channels:
//   - the ChannelRole of a kind (preserve, produce, normalize, flatten, consume, join) is all that
//     filter pruning needs: the pruner's surgery, ZeroFilters and dependency groups switch on the
//     role, not on kind names, so a new channel-wise kind (an activation, a pooling) needs no
//     change there;
//   - the sparse engine keeps its own switch, because its lowering fuses across layers (a conv
//     absorbs the batch-norm, dropout and ReLU after it); it lists the kinds it lowers (engine.
//     Lowers), refuses the others with an "unsupported kind" error up front, and its tests check
//     that it lowers every registered kind.
//
// Models and datasets are registries too: Zoo (ModelNames, ByName) and data.Registry
// (data.Names); the CLI generates its -model and -dataset help texts from them.
package nets
