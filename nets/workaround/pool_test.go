package workaround

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestFastOutputsOverwritePooledBuffers runs a conv block's training step (im2col Gather and its
// ScatterSum, Dot and its transposed gradients, batch norm's broadcasts and reductions, ReLU and
// max-pool gradients through Sign, a Transpose) with every pooled result buffer filled with NaN
// before its executor writes it, and compares the loss and both gradients with simplego's own
// executors: an executor that leaves an element of a recycled buffer unwritten fails here.
func TestFastOutputsOverwritePooledBuffers(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	defer poisonOutputs.Store(false)
	geom := ConvGeometry{InC: 3, InH: 8, InW: 8, Kernel: 3, Stride: 1, Padding: 1}
	const n, outC = 16, 8
	exec := graph.MustNewExec(testBackend(t), func(x, w *graph.Node) []*graph.Node {
		g := x.Graph()
		bias := graph.Zeros(g, shapes.Make(x.DType(), outC))
		y := Conv2D(x, w, bias, geom)
		one := graph.OnesLike(bias)
		zero := graph.ZerosLike(one)
		y, _, _ = BatchNormTrain(y, one, zero, zero, one, 1e-5)
		y = graph.Max(y, graph.ZerosLike(y))
		y = MaxPool(y, 2)
		y = graph.TransposeAllDims(y, 3, 0, 1, 2) // [N, C, H, W]
		loss := graph.ReduceAllSum(graph.Mul(y, y))
		grads := graph.Gradient(loss, x, w)
		return []*graph.Node{loss, grads[0], grads[1]}
	})
	rng := rand.New(rand.NewPCG(31, 32))
	x := randSlice(rng, geom.InC*geom.InH*geom.InW*n)
	w := randSlice(rng, outC*geom.InC*geom.Kernel*geom.Kernel)
	run := func() [][]float32 {
		out := exec.MustExec(tensors.FromFlatDataAndDimensions(x, geom.InC, geom.InH, geom.InW, n),
			tensors.FromFlatDataAndDimensions(w, outC, geom.InC, geom.Kernel, geom.Kernel))
		return [][]float32{flat(out[0]), flat(out[1]), flat(out[2])}
	}
	SetFastOps(false)
	want := run()
	SetFastOps(true)
	poisonOutputs.Store(true)
	calls := FastDotCalls()
	for round := range 3 { // later rounds reuse the buffers the earlier ones returned to the pool
		got := run()
		for i, name := range []string{"loss", "dL/dx", "dL/dw"} {
			assertClose(t, name, got[i], want[i], 1e-4)
		}
		if t.Failed() {
			t.Fatalf("round %d differs", round)
		}
	}
	if FastDotCalls() == calls {
		t.Fatal("the fast Dot never ran")
	}
}
