package workaround

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hybridprune/hybridprune/gemm"
)

// naiveMatMul returns a (m x k) * b (k x n), row-major, by the triple loop of gemm.Naive.
func naiveMatMul(a, b []float32, m, k, n int) []float32 {
	c := make([]float32, m*n)
	gemm.Naive(m, n, k, a, b, c)
	return c
}

// TestFastDotMatchesLoopAndStock checks matrix products through the installed fast Dot against a
// direct loop and against simplego's own executor, on shapes that are and are not multiples of the
// micro-kernel tiles, and checks that the fast path actually ran.
func TestFastDotMatchesLoopAndStock(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	exec, err := graph.NewExec(backend, func(a, b *graph.Node) *graph.Node { return graph.Dot(a, b) })
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][3]int{{1, 1, 1}, {2, 3, 2}, {7, 13, 65}, {64, 363, 512}, {6, 1, 129}, {130, 70, 5}} {
		m, k, n := s[0], s[1], s[2]
		a, b := randSlice(rng, m*k), randSlice(rng, k*n)
		want := naiveMatMul(a, b, m, k, n)
		for _, fast := range []bool{true, false} {
			SetFastOps(fast)
			before := FastDotCalls()
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(a, m, k), tensors.FromFlatDataAndDimensions(b, k, n))
			if err != nil {
				t.Fatalf("%v fast=%v: %v", s, fast, err)
			}
			if got := out[0].Shape().Dimensions; len(got) != 2 || got[0] != m || got[1] != n {
				t.Fatalf("%v fast=%v: output shape %v, want [%d %d]", s, fast, got, m, n)
			}
			assertClose(t, "dot", flat(out[0]), want, 1e-4)
			if ran := FastDotCalls() - before; (ran == 1) != fast {
				t.Errorf("%v fast=%v: the fast Dot ran %d times", s, fast, ran)
			}
		}
	}
}

// TestFastDotFallsBack checks that products the fast Dot does not handle (batched, matrix x vector,
// contracting other axes, float64) still give the right answer through simplego's executor.
func TestFastDotFallsBack(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := randSlice(rng, 2*3*4), randSlice(rng, 2*4*5)
	before := FastDotCalls()

	// Batched [2,3,4] x [2,4,5] -> [2,3,5].
	out, err := graph.ExecOnce(backend, func(x, y *graph.Node) *graph.Node {
		return graph.DotGeneral(x, []int{2}, []int{0}, y, []int{1}, []int{0})
	}, tensors.FromFlatDataAndDimensions(a, 2, 3, 4), tensors.FromFlatDataAndDimensions(b, 2, 4, 5))
	if err != nil {
		t.Fatal(err)
	}
	got := flat(out)
	for batch := range 2 {
		want := naiveMatMul(a[batch*12:(batch+1)*12], b[batch*20:(batch+1)*20], 3, 4, 5)
		assertClose(t, "batched", got[batch*15:(batch+1)*15], want, 1e-5)
	}

	// Matrix x vector.
	out, err = graph.ExecOnce(backend, func(x, y *graph.Node) *graph.Node { return graph.Dot(x, y) },
		tensors.FromFlatDataAndDimensions(a[:12], 3, 4), tensors.FromFlatDataAndDimensions(b[:4], 4))
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "matrix x vector", flat(out), naiveMatMul(a[:12], b[:4], 3, 4, 1), 1e-5)

	// float64 matrices.
	out, err = graph.ExecOnce(backend, func(x, y *graph.Node) *graph.Node { return graph.Dot(x, y) },
		tensors.FromValue([][]float64{{1, 2}, {3, 4}}), tensors.FromValue([][]float64{{5, 6}, {7, 8}}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tensors.MustCopyFlatData[float64](out), []float64{19, 22, 43, 50}; !slices.Equal(got, want) {
		t.Errorf("float64 product = %v, want %v", got, want)
	}
	if ran := FastDotCalls() - before; ran != 0 {
		t.Errorf("the fast Dot ran %d times on products it should leave to simplego", ran)
	}
}

// TestFastDotTransposed checks the contractions the Dot gradient uses (Aᵀ·B, A·Bᵀ) and Aᵀ·Bᵀ: they
// run on the fast path, reading the transposed operands in place, and match the triple loop.
func TestFastDotTransposed(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(7, 8))
	m, k, n := 7, 70, 13
	a, b := randSlice(rng, m*k), randSlice(rng, k*n)
	transpose := func(x []float32, rows, cols int) []float32 {
		out := make([]float32, rows*cols)
		for i := range rows {
			for j := range cols {
				out[j*rows+i] = x[i*cols+j]
			}
		}
		return out
	}
	want := naiveMatMul(a, b, m, k, n)
	for _, tc := range []struct {
		name   string
		ta, tb bool
	}{{"AtB", true, false}, {"ABt", false, true}, {"AtBt", true, true}} {
		lhs, lc := tensors.FromFlatDataAndDimensions(a, m, k), 1
		if tc.ta {
			lhs, lc = tensors.FromFlatDataAndDimensions(transpose(a, m, k), k, m), 0
		}
		rhs, rc := tensors.FromFlatDataAndDimensions(b, k, n), 0
		if tc.tb {
			rhs, rc = tensors.FromFlatDataAndDimensions(transpose(b, k, n), n, k), 1
		}
		before := FastDotCalls()
		out, err := graph.ExecOnce(backend, func(x, y *graph.Node) *graph.Node {
			return graph.DotGeneral(x, []int{lc}, nil, y, []int{rc}, nil)
		}, lhs, rhs)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, tc.name, flat(out), want, 1e-4)
		if FastDotCalls()-before != 1 {
			t.Errorf("%s: the fast Dot did not run", tc.name)
		}
	}
}
