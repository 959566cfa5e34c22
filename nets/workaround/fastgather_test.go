package workaround

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/hybridprune/hybridprune/gemm"
)

// TestFastGatherScatterMatchStock runs the im2col pattern (a row Gather) and its gradient (the row
// ScatterSum, with repeated rows, as padding and overlapping windows produce) through the fast
// executors and through simplego's own, on a conv geometry with padding, and checks both against
// a direct loop and that the fast path ran exactly when enabled.
func TestFastGatherScatterMatchStock(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	geom := ConvGeometry{InC: 3, InH: 9, InW: 9, Kernel: 3, Stride: 2, Padding: 1}
	idx := Im2ColIndices(geom)
	d, n := geom.InC*geom.InH*geom.InW+1, 130 // +1: the zero row; n > one column split
	rng := rand.New(rand.NewPCG(9, 10))
	src, upd := randSlice(rng, d*n), randSlice(rng, len(idx)*n)
	wantG := make([]float32, len(idx)*n)
	wantS := make([]float32, d*n)
	for i, r := range idx {
		copy(wantG[i*n:(i+1)*n], src[int(r)*n:])
		for j := range n {
			wantS[int(r)*n+j] += upd[i*n+j]
		}
	}
	gather, err := graph.NewExec(backend, func(x *graph.Node) *graph.Node {
		ix := graph.Const(x.Graph(), idx)
		return graph.Gather(x, graph.Reshape(ix, len(idx), 1), true)
	})
	if err != nil {
		t.Fatal(err)
	}
	// The gradient of the gather with respect to x is the scatter-add of the incoming gradient.
	scatter, err := graph.NewExec(backend, func(x, v *graph.Node) *graph.Node {
		ix := graph.Const(x.Graph(), idx)
		y := graph.Gather(x, graph.Reshape(ix, len(idx), 1), true)
		return graph.Gradient(graph.ReduceAllSum(graph.Mul(y, v)), x)[0]
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, fast := range []bool{true, false} {
		SetFastOps(fast)
		g0, s0 := FastGatherCalls(), FastScatterCalls()
		out, err := gather.Exec(tensors.FromFlatDataAndDimensions(src, d, n))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(flat(out[0]), wantG) {
			t.Errorf("fast=%v: gather differs from the direct loop", fast)
		}
		out, err = scatter.Exec(tensors.FromFlatDataAndDimensions(src, d, n), tensors.FromFlatDataAndDimensions(upd, len(idx), n))
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, "scatter-add", flat(out[0]), wantS, 1e-5)
		if ran := FastGatherCalls() - g0; (ran > 0) != fast {
			t.Errorf("fast=%v: the fast Gather ran %d times", fast, ran)
		}
		if ran := FastScatterCalls() - s0; (ran > 0) != fast {
			t.Errorf("fast=%v: the fast ScatterSum ran %d times", fast, ran)
		}
	}
}

// TestFastGatherFallsBack checks that a gather the fast path does not handle (out-of-range
// indices, which XLA semantics clamp) gives simplego's answer.
func TestFastGatherFallsBack(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	src := []float32{1, 2, 3, 4, 5, 6} // [3, 2]
	before := FastGatherCalls()
	out, err := graph.ExecOnce(backend, func(x *graph.Node) *graph.Node {
		ix := graph.Const(x.Graph(), [][]int32{{2}, {7}, {0}})
		return graph.Gather(x, ix, false)
	}, tensors.FromFlatDataAndDimensions(src, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := flat(out), []float32{5, 6, 5, 6, 1, 2}; !slices.Equal(got, want) {
		t.Errorf("clamped gather = %v, want %v", got, want)
	}
	if FastGatherCalls() != before {
		t.Error("the fast Gather ran on out-of-range indices")
	}
}

// TestSigns checks the branch-free Sign on signed zeros, subnormals, infinities and NaNs, and the
// installed executor against simplego's.
func TestSigns(t *testing.T) {
	nan := float32(math.NaN())
	in := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 3, -2.5, float32(math.Inf(1)), float32(math.Inf(-1)), nan, -nan}
	want := []float32{0, 0, 1, -1, 1, -1, 1, -1, 0, 0}
	got := make([]float32, len(in))
	gemm.Signs(got, in)
	if !slices.Equal(got, want) {
		t.Errorf("gemm.Signs(%v) = %v, want %v", in, got, want)
	}
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	for _, fast := range []bool{true, false} {
		SetFastOps(fast)
		before := FastSignCalls()
		out, err := graph.ExecOnce(backend, graph.Sign, tensors.FromFlatDataAndDimensions(in, len(in)))
		if err != nil {
			t.Fatal(err)
		}
		if got := flat(out); !slices.Equal(got, want) {
			t.Errorf("fast=%v: Sign = %v, want %v", fast, got, want)
		}
		if ran := FastSignCalls() - before; (ran == 1) != fast {
			t.Errorf("fast=%v: the fast Sign ran %d times", fast, ran)
		}
	}
}
