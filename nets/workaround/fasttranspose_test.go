package workaround

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestBlockSwap(t *testing.T) {
	for _, c := range []struct {
		perm, dims []int
		rows, cols int
		ok         bool
	}{
		{[]int{1, 0}, []int{3, 5}, 3, 5, true},
		{[]int{1, 2, 3, 0}, []int{8, 3, 4, 5}, 8, 60, true},
		{[]int{3, 0, 1, 2}, []int{3, 4, 5, 8}, 60, 8, true},
		{[]int{2, 3, 0, 1}, []int{2, 3, 4, 5}, 6, 20, true},
		{[]int{0, 1}, []int{3, 5}, 0, 0, false},       // identity
		{[]int{0, 2, 1}, []int{2, 3, 4}, 0, 0, false}, // batched transpose
		{[]int{2, 0, 1, 3}, []int{2, 3, 4, 5}, 0, 0, false},
		{[]int{0}, []int{7}, 0, 0, false},
	} {
		rows, cols, ok := blockSwap(c.perm, c.dims)
		if ok != c.ok || (ok && (rows != c.rows || cols != c.cols)) {
			t.Errorf("blockSwap(%v, %v) = %d, %d, %v; want %d, %d, %v", c.perm, c.dims, rows, cols, ok, c.rows, c.cols, c.ok)
		}
	}
}

// TestFastTransposeMatchesStock compares Transpose through the fast executor with simplego's own
// on permutations it handles (including sizes that are not multiples of the tile and the
// two-goroutine path) and on ones it leaves to simplego.
func TestFastTransposeMatchesStock(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		dims, perm []int
		fast       bool
	}{
		{[]int{1, 1}, []int{1, 0}, true},
		{[]int{3, 5}, []int{1, 0}, true},
		{[]int{65, 33}, []int{1, 0}, true},
		{[]int{363, 1030}, []int{1, 0}, true}, // two goroutines
		{[]int{4, 3, 5, 7}, []int{1, 2, 3, 0}, true},
		{[]int{2, 3, 4}, []int{0, 2, 1}, false},
	} {
		x := randSlice(rng, prod(c.dims))
		var outs [2][]float32
		var shapes [2][]int
		for i, fast := range []bool{true, false} {
			SetFastOps(fast)
			before := FastTransposeCalls()
			out, err := graph.ExecOnce(backend, func(n *graph.Node) *graph.Node { return graph.TransposeAllDims(n, c.perm...) },
				tensors.FromFlatDataAndDimensions(x, c.dims...))
			if err != nil {
				t.Fatalf("%v %v fast=%v: %v", c.dims, c.perm, fast, err)
			}
			outs[i], shapes[i] = flat(out), out.Shape().Dimensions
			if ran := FastTransposeCalls() - before; (ran == 1) != (fast && c.fast) {
				t.Errorf("%v %v fast=%v: the fast Transpose ran %d times", c.dims, c.perm, fast, ran)
			}
		}
		if !slices.Equal(shapes[0], shapes[1]) || !slices.Equal(outs[0], outs[1]) {
			t.Errorf("%v %v: fast transpose %v differs from simplego's %v", c.dims, c.perm, shapes[0], shapes[1])
		}
	}
}

func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}
