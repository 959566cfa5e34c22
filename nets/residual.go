package nets

import "fmt"

// Residual networks in a Spec. A spec stays an ordered list of layers; three optional fields
// make it a DAG:
//   - Layer.Input: the layer reads the output of an earlier named layer instead of the previous
//     layer's (a projection shortcut conv reading its block's input);
//   - KindAdd with Layer.From: the element-wise sum of the add's input and an earlier named
//     layer's output (the residual addition), shapes equal;
//   - KindGlobalAvgPool: the mean over each channel's plane, C x H x W -> C x 1 x 1.
//
// A ResNet BasicBlock with a projection shortcut reads: conv1 (stride s), bn1, relu1, conv2,
// bn2, sc-conv (Input: the block input), sc-bn, add (From: bn2), relu. Specs without these fields
// (AlexNet, VGG16, SimpleNet) are plain chains, serialised as before.

// earlier returns the index of the layer named ref, which layer i's field refers to and which
// must come before layer i (names holds the layers 0..i).
func (s *Spec) earlier(names map[string]int, i int, field, ref string) (int, error) {
	if ref == "" {
		return 0, fmt.Errorf("%s is empty: name an earlier layer", field)
	}
	j, ok := names[ref]
	switch {
	case ok && j < i:
		return j, nil
	case ok:
		return 0, fmt.Errorf("%s %q names the layer itself: want an earlier layer", field, ref)
	case s.Index(ref) > i:
		return 0, fmt.Errorf("%s %q names a later layer (index %d): want an earlier layer", field, ref, s.Index(ref))
	}
	return 0, fmt.Errorf("%s %q: no such layer", field, ref)
}

// inputName describes where a layer reads its input, for error messages.
func (s *Spec) inputName(l Layer) string {
	if l.Input != "" {
		return fmt.Sprintf("its input %q", l.Input)
	}
	return "the previous layer"
}

// SourceOf returns the index of the layer whose output layer i reads: the layer named by its
// Input, else i-1; -1 means the spec's input images. The spec must be valid.
func (s *Spec) SourceOf(i int) int {
	if in := s.Layers[i].Input; in != "" {
		return s.Index(in)
	}
	return i - 1
}

// Referenced reports, per layer, whether a later layer reads its output out of order (through
// Input, or as an add's From): the layers whose outputs a forward pass must keep.
func (s *Spec) Referenced() []bool {
	ref := make([]bool, len(s.Layers))
	for i, l := range s.Layers {
		for _, name := range []string{l.Input, l.From} {
			if j := s.Index(name); name != "" && j >= 0 && j < i {
				ref[j] = true
			}
		}
	}
	return ref
}

// Residual reports whether the spec uses Input or an add (is not a plain chain of layers).
func (s *Spec) Residual() bool {
	for _, l := range s.Layers {
		if l.Input != "" || l.Kind == KindAdd {
			return true
		}
	}
	return false
}

// Bias returns the bias of a conv or dense layer from w, or zeros when the layer has NoBias.
func Bias(l Layer, w Weights) []float32 {
	if l.NoBias {
		return make([]float32, l.OutChannels)
	}
	return w[l.Name+"/bias"].Data
}
