package workaround

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestFastBroadcastAndReduce checks BroadcastInDim, ReduceSum, ReduceMax and the broadcasting
// binary ops through the fast executors against simplego's own, bit for bit (sums over whole
// contiguous blocks, which use partial sums, to 1e-5), on the layouts the nets use (per-channel
// values over [C, H, W, N] on either side of the op, a bias over [O, P], trailing and leading
// reductions, pooling windows and their gradients' repeats along split axes), on large
// equal-shape and scalar ops (either side, Max included), on one value broadcast over a whole
// output (a zero fill included), and on cases the fast path must leave
// to simplego (sums over split axes, maxima over split axes with short rows, both operands
// broadcast, small tensors), counting which
// path ran.
func TestFastBroadcastAndReduce(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(21, 22))
	type tc struct {
		name string
		in   []int
		fn   func(x *graph.Node) *graph.Node
		fast bool    // the fast executor must take it
		tol  float64 // 0: bit-identical
	}
	cases := []tc{
		{"channel over CHWN", []int{6, 1, 1, 1}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 6, 5, 7, 64) }, true, 0},
		{"bias over OP", []int{9, 1}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 9, 300) }, true, 0},
		{"row over NP", []int{1, 11}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 70, 11) }, true, 0},
		{"middle axes", []int{1, 4, 5, 1}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 3, 4, 5, 129) }, true, 0},
		{"split axes", []int{3, 1, 5}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 3, 4, 5) }, true, 0},
		{"two repeated runs", []int{1, 4, 1, 5, 1}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 2, 4, 3, 5, 7) }, true, 0},
		{"trailing repeat after a split", []int{3, 1, 5, 1}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 3, 4, 5, 6) }, true, 0},
		{"sum trailing", []int{6, 5, 7, 64}, func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 1, 2, 3) }, true, 1e-5},
		{"sum leading", []int{70, 11}, func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 0) }, true, 0},
		{"sum middle", []int{3, 4, 5, 129}, func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 1, 2) }, true, 0},
		{"sum split", []int{3, 4, 5}, func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 0, 2) }, false, 0},
		{"max pool window", []int{4, 6, 2, 6, 2, 3}, func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 2) }, true, 0},
		// The nets' max pooling: both window axes at once (split), the batch axis contiguous.
		{"max pool windows, split axes", []int{4, 6, 2, 6, 2, 16}, func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 2, 4) }, true, 0},
		{"max split, leading axis reduced", []int{3, 4, 5, 9}, func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 0, 2) }, true, 0},
		{"max split, large (threads)", []int{64, 4, 2, 4, 2, 128}, func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 2, 4) }, true, 0},
		{"max split, short rows", []int{4, 6, 2, 6, 2, 3}, func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 2, 4) }, false, 0},
		{"max trailing", []int{6, 5, 7, 64}, func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 1, 2, 3) }, true, 0},
		{"mean over CHWN", []int{6, 5, 7, 64}, func(x *graph.Node) *graph.Node { return graph.ReduceMean(x, 1, 2, 3) }, true, 1e-5},
		// Batch norm's x - mean and the scale: the per-channel operand on either side.
		{"x - channel", []int{6, 5, 7, 64}, func(x *graph.Node) *graph.Node {
			return graph.Sub(x, graph.Reshape(graph.ReduceMean(x, 1, 2, 3), 6, 1, 1, 1))
		}, true, 1e-5},
		{"channel - x", []int{6, 5, 7, 64}, func(x *graph.Node) *graph.Node {
			return graph.Sub(graph.Reshape(graph.ReduceMax(x, 1, 2, 3), 6, 1, 1, 1), x)
		}, true, 0},
		{"x * channel + channel", []int{6, 5, 7, 64}, func(x *graph.Node) *graph.Node {
			c := graph.Reshape(graph.ReduceMax(x, 1, 2, 3), 6, 1, 1, 1)
			return graph.Add(graph.Mul(x, c), c)
		}, true, 0},
		{"channel / x", []int{6, 5, 7, 64}, func(x *graph.Node) *graph.Node {
			return graph.Div(graph.Reshape(graph.ReduceMax(x, 1, 2, 3), 6, 1, 1, 1), x)
		}, true, 0},
		// Max pooling's gradient: x against its window's maximum, repeated along two split axes.
		{"x - window max", []int{4, 6, 2, 6, 2, 3}, func(x *graph.Node) *graph.Node {
			return graph.Sub(x, graph.Reshape(graph.ReduceMax(x, 2, 4), 4, 6, 1, 6, 1, 3))
		}, true, 0},
		{"window max / x", []int{4, 6, 2, 6, 2, 3}, func(x *graph.Node) *graph.Node {
			return graph.Div(graph.Reshape(graph.ReduceMax(x, 2, 4), 4, 6, 1, 6, 1, 3), x)
		}, true, 0},
		{"x / row", []int{70, 11}, func(x *graph.Node) *graph.Node { return graph.Div(x, graph.Reshape(graph.ReduceMax(x, 0), 1, 11)) }, true, 0},
		{"row - x", []int{70, 11}, func(x *graph.Node) *graph.Node { return graph.Sub(graph.Reshape(graph.ReduceMax(x, 0), 1, 11), x) }, true, 0},
		{"both broadcast", []int{3, 4}, func(x *graph.Node) *graph.Node {
			return graph.Add(graph.Reshape(graph.ReduceMax(x, 1), 3, 1), graph.Reshape(graph.ReduceMax(x, 0), 1, 4))
		}, true, 0}, // the reductions run fast; the add is left to simplego
		// Large equal shapes and scalars (split across the threads; owned intermediates are
		// overwritten in place), and a small one left to simplego.
		{"x * (x + x) - x", []int{3, 7, 40, 41}, func(x *graph.Node) *graph.Node {
			return graph.Sub(graph.Mul(x, graph.Add(x, x)), x)
		}, true, 0},
		{"2 - x / 3", []int{3, 7, 40, 41}, func(x *graph.Node) *graph.Node {
			return graph.Sub(graph.Scalar(x.Graph(), x.DType(), 2), graph.Div(x, graph.Scalar(x.Graph(), x.DType(), 3)))
		}, true, 0},
		{"1 / x * 0.5", []int{3, 7, 40, 41}, func(x *graph.Node) *graph.Node {
			return graph.Mul(graph.Div(graph.Scalar(x.Graph(), x.DType(), 1), x), graph.Scalar(x.Graph(), x.DType(), 0.5))
		}, true, 0},
		{"max(x, 0) and max(0.1, x)", []int{3, 7, 40, 41}, func(x *graph.Node) *graph.Node {
			g := x.Graph()
			return graph.Max(graph.Max(x, graph.ScalarZero(g, x.DType())), graph.Max(graph.Scalar(g, x.DType(), 0.1), graph.Neg(x)))
		}, true, 0},
		// One value over a whole output: the zeros a gather's gradient scatters into, a constant.
		{"one value over a matrix", []int{1, 1}, func(x *graph.Node) *graph.Node { return graph.BroadcastToDims(x, 40, 300) }, true, 0},
		{"zeros over a matrix", []int{1, 1}, func(x *graph.Node) *graph.Node {
			return graph.Zeros(x.Graph(), shapes.Make(x.DType(), 40, 300))
		}, true, 0},
		{"small square", []int{3, 4}, func(x *graph.Node) *graph.Node { return graph.Mul(x, x) }, false, 0},
	}
	for _, c := range cases {
		exec, err := graph.NewExec(backend, c.fn)
		if err != nil {
			t.Fatal(err)
		}
		n := 1
		for _, d := range c.in {
			n *= d
		}
		x := randSlice(rng, n)
		var got [2][]float32
		for i, fast := range []bool{false, true} {
			SetFastOps(fast)
			b0, r0, a0 := FastBroadcastCalls(), FastReduceCalls(), FastBinaryCalls()
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, c.in...))
			if err != nil {
				t.Fatalf("%s fast=%v: %v", c.name, fast, err)
			}
			got[i] = flat(out[0])
			ran := FastBroadcastCalls() - b0 + FastReduceCalls() - r0 + FastBinaryCalls() - a0
			if want := fast && c.fast; (ran > 0) != want {
				t.Errorf("%s fast=%v: the fast executors ran %d times", c.name, fast, ran)
			}
			// The cases named with an operator must run their op on the fast binary path
			// ("both broadcast" must not).
			binary := strings.ContainsAny(c.name, "-*/") || strings.Contains(c.name, " + ") || strings.HasPrefix(c.name, "max(")
			if bin := FastBinaryCalls() - a0; fast && (bin > 0) != binary {
				t.Errorf("%s: the fast binary executor ran %d times", c.name, bin)
			}
		}
		if c.tol > 0 {
			assertClose(t, c.name, got[1], got[0], c.tol)
		} else if !slices.Equal(got[0], got[1]) {
			t.Errorf("%s: fast result differs from simplego's (first values %v vs %v)", c.name, got[1][:min(4, len(got[1]))], got[0][:min(4, len(got[0]))])
		}
	}
}
