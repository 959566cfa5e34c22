package workaround

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func flat(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) && math.IsNaN(w) {
			continue
		}
		// A NaN on one side only fails too (the comparison below is false for NaN).
		if d := math.Abs(g - w); math.IsNaN(d) || d > tol*(1+math.Abs(w)) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestConv2DMatchesDirectLoop checks the conv's output and both gradients of L = sum(y * r)
// against direct loops, with stride and padding (AlexNet's conv1 geometry, small), on both
// lowerings: the padding-aware split (what Conv2D runs where UsesSplit, forced here on every
// padded geometry) and one im2col product (Conv2DIm2Col), each on the fast executors and on simplego's own (whose products, many at
// once in the split, used to deadlock simplego's worker pool: stockDotAsleep).
// forceSplit is Conv2D with the padding-aware split wherever there is padding, whatever it saves.
func forceSplit(x, w, b *graph.Node, geom ConvGeometry) *graph.Node {
	return conv2D(x, w, b, geom, geom.Padding > 0)
}

func TestConv2DMatchesDirectLoop(t *testing.T) {
	RegisterDotVJP()
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	rng := rand.New(rand.NewPCG(1, 2))
	for _, geom := range []ConvGeometry{
		{InC: 2, InH: 9, InW: 7, Kernel: 5, Stride: 3, Padding: 2},
		{InC: 3, InH: 4, InW: 4, Kernel: 3, Stride: 1, Padding: 1},
		{InC: 3, InH: 4, InW: 4, Kernel: 1, Stride: 1, Padding: 0},
		{InC: 5, InH: 2, InW: 2, Kernel: 3, Stride: 1, Padding: 1},   // AlexNet conv3-5 on CIFAR
		{InC: 2, InH: 4, InW: 4, Kernel: 5, Stride: 1, Padding: 2},   // AlexNet conv2 on CIFAR
		{InC: 3, InH: 12, InW: 9, Kernel: 11, Stride: 4, Padding: 5}, // conv1's kind of window
		{InC: 2, InH: 6, InW: 3, Kernel: 3, Stride: 2, Padding: 1},
	} {
		for _, lower := range []struct {
			name string
			conv func(x, w, b *graph.Node, geom ConvGeometry) *graph.Node
		}{{"split", forceSplit}, {"Conv2DIm2Col", Conv2DIm2Col}} {
			for _, fast := range []bool{true, false} {
				SetFastOps(fast)
				const o, n = 4, 3
				oh, ow := geom.OutSize()
				x := randSlice(rng, geom.InC*geom.InH*geom.InW*n) // [C, H, W, N]
				w := randSlice(rng, o*geom.InC*geom.Kernel*geom.Kernel)
				b := randSlice(rng, o)
				r := randSlice(rng, o*oh*ow*n)

				// Direct loops.
				y := make([]float32, o*oh*ow*n)
				dx := make([]float32, len(x))
				dw := make([]float32, len(w))
				for oc := 0; oc < o; oc++ {
					for oy := 0; oy < oh; oy++ {
						for ox := 0; ox < ow; ox++ {
							for bi := 0; bi < n; bi++ {
								yi := ((oc*oh+oy)*ow+ox)*n + bi
								sum := float64(b[oc])
								for c := 0; c < geom.InC; c++ {
									for ky := 0; ky < geom.Kernel; ky++ {
										for kx := 0; kx < geom.Kernel; kx++ {
											iy, ix := oy*geom.Stride-geom.Padding+ky, ox*geom.Stride-geom.Padding+kx
											if iy < 0 || iy >= geom.InH || ix < 0 || ix >= geom.InW {
												continue
											}
											xi := ((c*geom.InH+iy)*geom.InW+ix)*n + bi
											wi := ((oc*geom.InC+c)*geom.Kernel+ky)*geom.Kernel + kx
											sum += float64(w[wi]) * float64(x[xi])
											dx[xi] += r[yi] * w[wi]
											dw[wi] += r[yi] * x[xi]
										}
									}
								}
								y[yi] = float32(sum)
							}
						}
					}
				}

				exec := graph.MustNewExec(testBackend(t), func(in []*graph.Node) []*graph.Node {
					out := lower.conv(in[0], in[1], in[2], geom)
					loss := graph.ReduceAllSum(graph.Mul(out, in[3]))
					grads := graph.Gradient(loss, in[0], in[1])
					return []*graph.Node{out, grads[0], grads[1]}
				})
				res := exec.MustExec(
					tensors.FromFlatDataAndDimensions(x, geom.InC, geom.InH, geom.InW, n),
					tensors.FromFlatDataAndDimensions(w, o, geom.InC, geom.Kernel, geom.Kernel),
					tensors.FromFlatDataAndDimensions(b, o),
					tensors.FromFlatDataAndDimensions(r, o, oh, ow, n))
				what := fmt.Sprintf("%s %+v (fast %v)", lower.name, geom, fast)
				assertClose(t, what+" y", flat(res[0]), y, 1e-4)
				assertClose(t, what+" dL/dx", flat(res[1]), dx, 1e-4)
				assertClose(t, what+" dL/dw", flat(res[2]), dw, 1e-4)
			}
		}
	}
}

// TestMaxPoolHandComputed checks a 2x2 pool and that its gradient goes to the argmax only.
func TestMaxPoolHandComputed(t *testing.T) {
	// One channel, 2x4 image, batch 1: tiles [[1,5],[3,2]] and [[0,-1],[7,4]].
	x := []float32{1, 5, 0, -1, 3, 2, 7, 4}
	exec := graph.MustNewExec(testBackend(t), func(xn *graph.Node) (*graph.Node, *graph.Node) {
		y := graph.Reshape(MaxPool(xn, 2), 2)
		loss := graph.ReduceAllSum(graph.Mul(y, graph.Const(xn.Graph(), []float32{10, 100})))
		return y, graph.Gradient(loss, xn)[0]
	})
	res := exec.MustExec(tensors.FromFlatDataAndDimensions(x, 1, 2, 4, 1))
	assertClose(t, "pool y", flat(res[0]), []float32{5, 7}, 0)
	assertClose(t, "pool dx", flat(res[1]), []float32{0, 10, 0, 0, 0, 0, 100, 0}, 0)
}

// TestBatchNormHandComputed: one channel with values 1, 2, 3, 6 (mean 3, biased variance 3.5,
// unbiased 14/3); scale 2, offset 1.
func TestBatchNormHandComputed(t *testing.T) {
	x := []float32{1, 2, 3, 6}
	eps := 1e-5
	exec := graph.MustNewExec(testBackend(t), func(in []*graph.Node) []*graph.Node {
		y, m, v := BatchNormTrain(in[0], in[1], in[2], in[3], in[4], eps)
		return []*graph.Node{y, m, v, BatchNormInfer(in[0], in[1], in[2], in[3], in[4], eps)}
	})
	res := exec.MustExec(tensors.FromFlatDataAndDimensions(x, 1, 2, 1, 2),
		[]float32{2}, []float32{1}, []float32{0.5}, []float32{2})
	want := make([]float32, 4)
	wantInfer := make([]float32, 4)
	for i, v := range x {
		want[i] = float32(2*(float64(v)-3)/math.Sqrt(3.5+eps) + 1)
		wantInfer[i] = float32(2*(float64(v)-0.5)/math.Sqrt(2+eps) + 1)
	}
	assertClose(t, "bn train y", flat(res[0]), want, 1e-6)
	assertClose(t, "bn running mean", flat(res[1]), []float32{0.9*0.5 + 0.1*3}, 1e-6)
	assertClose(t, "bn running var", flat(res[2]), []float32{float32(0.9*2 + 0.1*14.0/3)}, 1e-6)
	assertClose(t, "bn infer y", flat(res[3]), wantInfer, 1e-6)
}

// TestDotVJPHandComputed: A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]], L = sum(A·B ⊙ V) with
// V = [[1,2],[3,4]]; dA = V·Bᵀ = [[1,2,3],[3,4,7]], dB = Aᵀ·V = [[13,18],[17,24],[21,30]].
func TestDotVJPHandComputed(t *testing.T) {
	RegisterDotVJP()
	exec := graph.MustNewExec(testBackend(t), func(a, b, v *graph.Node) (*graph.Node, *graph.Node) {
		grads := graph.Gradient(graph.ReduceAllSum(graph.Mul(graph.Dot(a, b), v)), a, b)
		return grads[0], grads[1]
	})
	res := exec.MustExec([][]float32{{1, 2, 3}, {4, 5, 6}}, [][]float32{{1, 0}, {0, 1}, {1, 1}}, [][]float32{{1, 2}, {3, 4}})
	assertClose(t, "dA", flat(res[0]), []float32{1, 2, 3, 3, 4, 7}, 0)
	assertClose(t, "dB", flat(res[1]), []float32{13, 18, 17, 24, 21, 30}, 0)
}

// TestBatchNormTrainGradient: for L = sum(y ⊙ r) with y the batch-normalised x (scale 1, offset 0,
// one channel), dL/dx = (r - mean(r) - x̂·mean(r ⊙ x̂)) / sqrt(var + eps), the textbook formula.
func TestBatchNormTrainGradient(t *testing.T) {
	x := []float32{1, 2, 3, 6}
	r := []float32{0.5, -1, 2, 0.25}
	eps := 1e-5
	exec := graph.MustNewExec(testBackend(t), func(in []*graph.Node) []*graph.Node {
		g := in[0].Graph()
		one, zero := graph.Const(g, []float32{1}), graph.Const(g, []float32{0})
		y, _, _ := BatchNormTrain(in[0], one, zero, zero, one, eps)
		return graph.Gradient(graph.ReduceAllSum(graph.Mul(y, in[1])), in[0])
	})
	res := exec.MustExec(tensors.FromFlatDataAndDimensions(x, 1, 1, 1, 4), tensors.FromFlatDataAndDimensions(r, 1, 1, 1, 4))
	std := math.Sqrt(3.5 + eps)
	var meanR, meanRX float64
	xhat := make([]float64, 4)
	for i := range x {
		xhat[i] = (float64(x[i]) - 3) / std
		meanR += float64(r[i]) / 4
		meanRX += float64(r[i]) * xhat[i] / 4
	}
	want := make([]float32, 4)
	for i := range x {
		want[i] = float32((float64(r[i]) - meanR - xhat[i]*meanRX) / std)
	}
	assertClose(t, "bn dL/dx", flat(res[0]), want, 1e-5)
}

// TestDotTransposedAGradientInstalled checks that dotTransposedA found GoMLX's custom-gradient
// field and set it (else conv2DSplit silently goes back to transposed copies), and its product
// and both gradients on a hand-computed example: a = [[1, 2], [3, 4]] (k = 2, m = 2), b = [[5],
// [6]] (n = 1): aᵀ·b = [1*5+3*6, 2*5+4*6] = [23, 34]; with L = sum(y * [1, 10]), da = b·rᵀ =
// [[5, 50], [6, 60]] and db = a·r = [1+20, 3+40] = [21, 43].
func TestDotTransposedAGradientInstalled(t *testing.T) {
	if customVJPOffset == noCustomVJP {
		t.Fatal("graph.Node has no customVJP field of type graph.VJP: dotTransposedA falls back to a Transpose")
	}
	RegisterDotVJP()
	exec := graph.MustNewExec(testBackend(t), func(in []*graph.Node) []*graph.Node {
		y := dotTransposedA(in[0], in[1])
		if y.CustomGradient() == nil {
			t.Error("dotTransposedA's node has no custom gradient")
		}
		loss := graph.ReduceAllSum(graph.Mul(y, in[2]))
		g := graph.Gradient(loss, in[0], in[1])
		return []*graph.Node{y, g[0], g[1]}
	})
	res := exec.MustExec(
		tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 2, 2),
		tensors.FromFlatDataAndDimensions([]float32{5, 6}, 2, 1),
		tensors.FromFlatDataAndDimensions([]float32{1, 10}, 2, 1))
	assertClose(t, "aᵀ·b", flat(res[0]), []float32{23, 34}, 0)
	assertClose(t, "dL/da", flat(res[1]), []float32{5, 50, 6, 60}, 0)
	assertClose(t, "dL/db", flat(res[2]), []float32{21, 43}, 0)
}

// TestConv2DSplitPartialGradients checks the padding-aware conv's merged gradient when only one of
// its operands is differentiated, and with three graph.Gradient calls on one graph (the gradient
// records the output's incoming gradient per call): each must equal both the gradient taken with
// respect to both operands and the one-product lowering's (Conv2DIm2Col, stock gradients).
func TestConv2DSplitPartialGradients(t *testing.T) {
	RegisterDotVJP()
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	rng := rand.New(rand.NewPCG(3, 4))
	for _, geom := range []ConvGeometry{
		{InC: 2, InH: 4, InW: 4, Kernel: 5, Stride: 1, Padding: 2},
		{InC: 5, InH: 2, InW: 2, Kernel: 3, Stride: 1, Padding: 1},
	} {
		const o, n = 3, 2
		oh, ow := geom.OutSize()
		x := randSlice(rng, geom.InC*geom.InH*geom.InW*n)
		w := randSlice(rng, o*geom.InC*geom.Kernel*geom.Kernel)
		b := randSlice(rng, o)
		r := randSlice(rng, o*oh*ow*n)
		exec := graph.MustNewExec(testBackend(t), func(in []*graph.Node) []*graph.Node {
			loss := graph.ReduceAllSum(graph.Mul(forceSplit(in[0], in[1], in[2], geom), in[3]))
			ref := graph.ReduceAllSum(graph.Mul(Conv2DIm2Col(in[0], in[1], in[2], geom), in[3]))
			gw := graph.Gradient(loss, in[1])[0]
			gx := graph.Gradient(loss, in[0])[0]
			both := graph.Gradient(loss, in[0], in[1])
			want := graph.Gradient(ref, in[0], in[1])
			return []*graph.Node{gx, gw, both[0], both[1], want[0], want[1]}
		})
		res := exec.MustExec(
			tensors.FromFlatDataAndDimensions(x, geom.InC, geom.InH, geom.InW, n),
			tensors.FromFlatDataAndDimensions(w, o, geom.InC, geom.Kernel, geom.Kernel),
			tensors.FromFlatDataAndDimensions(b, o),
			tensors.FromFlatDataAndDimensions(r, o, oh, ow, n))
		what := fmt.Sprintf("%+v", geom)
		assertClose(t, what+" dx alone vs with dw", flat(res[0]), flat(res[2]), 0)
		assertClose(t, what+" dw alone vs with dx", flat(res[1]), flat(res[3]), 0)
		assertClose(t, what+" dx vs one product", flat(res[0]), flat(res[4]), 1e-4)
		assertClose(t, what+" dw vs one product", flat(res[1]), flat(res[5]), 1e-4)
	}
}
