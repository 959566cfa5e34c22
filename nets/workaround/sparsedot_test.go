package workaround

import (
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/hybridprune/hybridprune/gemm/gemmtest"
)

// mask24 returns a 0/1 mask of rows x width keeping two of every four consecutive values of each
// row (one or two of a short last group).
func mask24(rng *rand.Rand, rows, width int) []float32 {
	m := make([]float32, rows*width)
	for r := range rows {
		for g := 0; g < width; g += 4 {
			n := min(4, width-g)
			for _, j := range rng.Perm(n)[:min(2, n)] {
				m[r*width+g+j] = 1
			}
		}
	}
	return m
}

// TestSparseDotGradients checks a layer under a fixed 2:4 mask, y = (W ⊙ M)·X with the loss
// sum(y ⊙ R): the output and the gradients with respect to W and X on the N:M path (forward and
// input gradient on the indexed kernel) match the dense fast path to 1e-4 relative, the weight
// gradient is zero off the mask, and the N:M path ran exactly twice (W·X and Wᵀ·dY), on every
// micro-kernel route; result buffers come from simplego's pool filled with NaN, so an element the
// N:M path leaves unwritten fails.
func TestSparseDotGradients(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	defer SetSparseDot(SetSparseDot(true))
	poisonOutputs.Store(true) // the N:M path writes into pooled buffers: every element must be overwritten
	defer poisonOutputs.Store(false)
	RegisterDotVJP()
	backend := testBackend(t)
	exec, err := graph.NewExec(backend, func(w, m, x, r *graph.Node) []*graph.Node {
		y := graph.Dot(graph.Mul(w, m), x)
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		grads := graph.Gradient(loss, w, x)
		return []*graph.Node{y, grads[0], grads[1]}
	})
	if err != nil {
		t.Fatal(err)
	}
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, s := range [][3]int{{64, 300, 512}, {96, 291, 400}, {13, 1600, 300}} {
			out, k, n := s[0], s[1], s[2]
			w, x, r := randSlice(rng, out*k), randSlice(rng, k*n), randSlice(rng, out*n)
			m := mask24(rng, out, k)
			args := []any{tensors.FromFlatDataAndDimensions(w, out, k), tensors.FromFlatDataAndDimensions(m, out, k),
				tensors.FromFlatDataAndDimensions(x, k, n), tensors.FromFlatDataAndDimensions(r, out, n)}
			var results [2][3][]float32
			for i, sparse := range []bool{false, true} {
				SetSparseDot(sparse)
				before := SparseDotCalls()
				res, err := exec.Exec(args...)
				if err != nil {
					t.Fatal(err)
				}
				for j := range 3 {
					results[i][j] = flat(res[j])
				}
				want := int64(0)
				if sparse {
					want = 2
				}
				if ran := SparseDotCalls() - before; ran != want {
					t.Errorf("%v sparse=%v: the N:M path ran %d times, want %d", s, sparse, ran, want)
				}
			}
			for j, name := range []string{"y", "dW", "dX"} {
				assertClose(t, name, results[1][j], results[0][j], 1e-4)
			}
			for i, v := range results[1][1] {
				if m[i] == 0 && v != 0 {
					t.Fatalf("%v: dW[%d] = %g off the mask", s, i, v)
				}
			}
		}
	})
}

// TestSparseDotLeavesDenseAlone checks that a dense weight and a mask that is not 2:4 along the
// rows (three of four kept) stay on the dense path.
func TestSparseDotLeavesDenseAlone(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	w := randSlice(rng, 64*300)
	if atMostTwoOfFour(w, 64, 300, 300) {
		t.Fatal("a dense matrix passed the 2:4 check")
	}
	m := mask24(rng, 64, 300)
	for i := range w {
		w[i] *= m[i]
	}
	if !atMostTwoOfFour(w, 64, 300, 300) {
		t.Fatal("a 2:4-masked matrix failed the 2:4 check")
	}
	w[299] = 1 // a third non-zero in row 0's last group (a zero of the mask before)
	w[298], w[297], w[296] = 1, 1, 1
	if atMostTwoOfFour(w, 64, 300, 300) {
		t.Fatal("a row with four non-zeros in a group passed the 2:4 check")
	}
	if ok, err := sparseDot(nil, false, false, 64, 512, 300, w, 300, randSlice(rng, 300*512), 512, make([]float32, 64*512)); ok || err != nil {
		t.Fatalf("sparseDot took a non-2:4 matrix (ok %v, err %v)", ok, err)
	}
}

// unsafePointer turns a test's cache key into the node pointer sparseDot expects.
func unsafePointer(p *int) unsafe.Pointer { return unsafe.Pointer(p) }
