package workaround

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// BatchNormMomentum is the weight of the current batch in the running averages (PyTorch's 0.1).
const BatchNormMomentum = 0.1

// BatchNormTrain normalises x, laid out [C, H, W, N], with the batch statistics of each channel
// and returns the normalised value plus the updated running mean and variance (the caller stores
// them). The running variance uses the unbiased batch variance, as PyTorch does.
func BatchNormTrain(x, scale, offset, runMean, runVar *graph.Node, eps float64) (y, newMean, newVar *graph.Node) {
	d := x.Shape().Dimensions
	count := float64(d[1] * d[2] * d[3])
	mean := graph.ReduceMean(x, 1, 2, 3)
	centred := graph.Sub(x, graph.Reshape(mean, d[0], 1, 1, 1))
	variance := graph.ReduceMean(graph.Square(centred), 1, 2, 3)
	y = normalise(centred, variance, scale, offset, eps)
	unbiased := variance
	if count > 1 {
		unbiased = graph.MulScalar(variance, count/(count-1))
	}
	m := BatchNormMomentum
	newMean = graph.Add(graph.MulScalar(graph.StopGradient(runMean), 1-m), graph.MulScalar(graph.StopGradient(mean), m))
	newVar = graph.Add(graph.MulScalar(graph.StopGradient(runVar), 1-m), graph.MulScalar(graph.StopGradient(unbiased), m))
	return y, newMean, newVar
}

// BatchNormInfer normalises x, laid out [C, H, W, N], with the running statistics.
func BatchNormInfer(x, scale, offset, runMean, runVar *graph.Node, eps float64) *graph.Node {
	c := x.Shape().Dimensions[0]
	return normalise(graph.Sub(x, graph.Reshape(runMean, c, 1, 1, 1)), runVar, scale, offset, eps)
}

func normalise(centred, variance, scale, offset *graph.Node, eps float64) *graph.Node {
	c := centred.Shape().Dimensions[0]
	// Sqrt and Div rather than Rsqrt: GoMLX v0.26.0 defines no gradient for Rsqrt.
	inv := graph.Div(scale, graph.Sqrt(graph.AddScalar(variance, eps)))
	return graph.Add(graph.Mul(centred, graph.Reshape(inv, c, 1, 1, 1)), graph.Reshape(offset, c, 1, 1, 1))
}
