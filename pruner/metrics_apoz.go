package pruner

import (
	"fmt"

	"github.com/hybridprune/hybridprune/nets"
)

// APoZ is the Average Percentage of Zeros (Hu et al.) of each channel of a post-ReLU activation:
// act is n x c x H x W (NCHW) and the result is, per channel, the fraction of its n*H*W values
// that are zero. Values <= 0 count as zero, so a pre-ReLU activation gives the same result. A low
// APoZ means an important channel; the "apoz" metric therefore scores 1 - APoZ.
func APoZ(act []float32, n, c int) ([]float64, error) {
	if n <= 0 || c <= 0 || len(act) == 0 || len(act)%(n*c) != 0 {
		return nil, fmt.Errorf("apoz: %d values do not split into a batch of %d x %d channels", len(act), n, c)
	}
	hw := len(act) / (n * c)
	zeros := make([]int, c)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for _, v := range act[(b*c+ch)*hw : (b*c+ch+1)*hw] {
				if v <= 0 {
					zeros[ch]++
				}
			}
		}
	}
	out := make([]float64, c)
	for ch, z := range zeros {
		out[ch] = float64(z) / float64(n*hw)
	}
	return out, nil
}

// CaptureActivations runs the reference forward pass (nets.ForwardActivations) on a batch x of n
// NCHW examples and returns, for every conv of the spec in network order, its post-ReLU
// activation: the output of the first ReLU after the conv (behind any batch-norm), or, when no
// ReLU follows before the next conv, pooling or flatten, the conv's (or its batch-norm's) output,
// whose values <= 0 APoZ counts as zeros anyway.
func CaptureActivations(spec *nets.Spec, w nets.Weights, x []float32, n int) (*Activations, error) {
	acts, err := nets.ForwardActivations(spec, w, x, n)
	if err != nil {
		return nil, fmt.Errorf("capturing activations: %w", err)
	}
	out := &Activations{N: n}
	for _, i := range spec.ConvIndices() {
		pick := i
	scan:
		for j := i + 1; j < len(spec.Layers); j++ {
			switch spec.Layers[j].Kind {
			case nets.KindBatchNorm:
				pick = j
			case nets.KindReLU:
				pick = j
				break scan
			case nets.KindDropout:
			default:
				break scan
			}
		}
		out.Layers = append(out.Layers, acts[pick])
	}
	return out, nil
}
