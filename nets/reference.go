package nets

import "fmt"

// Forward runs the network on a batch in plain Go with direct loops, in inference mode (batch-norm
// uses its running statistics, dropout is the identity). x is n images in NCHW order; the result is
// the logits, n x NumClasses row-major. It is the reference every faster path (the GoMLX graph,
// the sparse engine, pruning surgery) is checked against: slow, simple and obviously correct.
func Forward(spec *Spec, w Weights, x []float32, n int) ([]float32, error) {
	acts, err := ForwardActivations(spec, w, x, n)
	if err != nil {
		return nil, err
	}
	return acts[len(acts)-1], nil
}

// ForwardActivations is Forward returning the output of every layer: acts[i] is the output of
// spec.Layers[i] for the whole batch, NCHW (n x C x H x W, with H = W = 1 after Flatten).
func ForwardActivations(spec *Spec, w Weights, x []float32, n int) ([][]float32, error) {
	shapes, err := spec.Shapes()
	if err != nil {
		return nil, err
	}
	if err := spec.CheckWeights(w); err != nil {
		return nil, err
	}
	if want := n * spec.Input.Size(); len(x) != want {
		return nil, fmt.Errorf("forward %q: input has %d values, want %d (n=%d x %s)", spec.Name, len(x), want, n, spec.Input)
	}
	acts := make([][]float32, len(spec.Layers))
	cur, in := x, spec.Input
	for i, l := range spec.Layers {
		if j := spec.SourceOf(i); l.Input != "" {
			cur, in = acts[j], shapes[j]
		}
		out := shapes[i]
		if fwd := kinds[l.Kind].forward; fwd != nil {
			cur = fwd(&forwardCtx{spec: spec, l: l, w: w, x: cur, n: n, in: in, out: out, acts: acts})
		} else {
			cur = append([]float32(nil), cur...)
		}
		acts[i] = cur
		in = out
	}
	return acts, nil
}
