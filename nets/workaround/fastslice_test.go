package workaround

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestSliceRunsHandComputed checks the run plan of a slice of a [2, 3, 4] array (values 0..23):
// [0:2, 1:3, 0:4] keeps whole rows of 4, runs of 8 starting at 4 and 16; [1:2, 0:3, 1:3] cuts the
// last axis: runs of 2 at 13, 17, 21.
func TestSliceRunsHandComputed(t *testing.T) {
	src := make([]float32, 24)
	for i := range src {
		src[i] = float32(i)
	}
	for _, c := range []struct {
		starts, limits []int
		want           []float32
	}{
		{[]int{0, 1, 0}, []int{2, 3, 4}, []float32{4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23}},
		{[]int{1, 0, 1}, []int{2, 3, 3}, []float32{13, 14, 17, 18, 21, 22}},
		{[]int{0, 0, 0}, []int{2, 3, 4}, src},
		{[]int{1, 2, 3}, []int{2, 3, 4}, []float32{23}},
		{[]int{0, 1, 0}, []int{2, 1, 4}, []float32{}},
	} {
		p, ok := sliceRuns([]int{2, 3, 4}, c.starts, c.limits, []int{1, 1, 1})
		if !ok || p.total() != len(c.want) {
			t.Fatalf("%v..%v: plan ok %v, %d values, want %d", c.starts, c.limits, ok, p.total(), len(c.want))
		}
		got := make([]float32, p.total())
		p.copy(got, src)
		if !slices.Equal(got, c.want) {
			t.Errorf("%v..%v: got %v, want %v", c.starts, c.limits, got, c.want)
		}
	}
	if _, ok := sliceRuns([]int{2, 3, 4}, []int{0, 0, 0}, []int{2, 3, 4}, []int{1, 2, 1}); ok {
		t.Error("a stride of 2 was planned as runs")
	}
	if _, ok := sliceRuns([]int{2, 3, 4}, []int{0, 0, 0}, []int{2, 3, 5}, []int{1, 1, 1}); ok {
		t.Error("a limit past the dimension was planned")
	}
}

// TestFastSliceMatchesSimplego checks the fast Slice against simplego's own, bit for bit, on the
// slices the nets take (a region's columns and rows of [O, H, W, N], as the gradient of the
// padding-aware conv's concatenations) and on strided ones, which it must leave to simplego,
// counting which path ran.
func TestFastSliceMatchesSimplego(t *testing.T) {
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(31, 32))
	dims := []int{5, 4, 6, 7}
	x := randSlice(rng, 5*4*6*7)
	for _, c := range []struct {
		starts, limits, strides []int
		fast                    bool
	}{
		{[]int{0, 0, 2, 0}, []int{5, 4, 5, 7}, nil, true}, // columns of W
		{[]int{0, 1, 0, 0}, []int{5, 3, 6, 7}, nil, true}, // rows of H
		{[]int{2, 0, 0, 0}, []int{4, 4, 6, 7}, nil, true}, // leading axis
		{[]int{1, 1, 1, 1}, []int{4, 3, 5, 6}, nil, true}, // every axis cut
		{[]int{0, 0, 0, 0}, []int{5, 4, 6, 7}, nil, true}, // the whole array
		{[]int{0, 0, 0, 0}, []int{5, 4, 6, 7}, []int{1, 2, 1, 3}, false},
	} {
		name := fmt.Sprintf("%v..%v/%v", c.starts, c.limits, c.strides)
		exec, err := graph.NewExec(backend, func(in *graph.Node) *graph.Node {
			specs := make([]graph.SliceAxisSpec, len(dims))
			for i := range dims {
				specs[i] = graph.AxisRange(c.starts[i], c.limits[i])
				if c.strides != nil {
					specs[i] = specs[i].Stride(c.strides[i])
				}
			}
			return graph.Slice(in, specs...)
		})
		if err != nil {
			t.Fatal(err)
		}
		var got [2][]float32
		for i, fast := range []bool{false, true} {
			SetFastOps(fast)
			n0 := FastSliceCalls()
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, dims...))
			if err != nil {
				t.Fatalf("%s fast=%v: %v", name, fast, err)
			}
			got[i] = flat(out[0])
			if ran := FastSliceCalls() - n0; (ran > 0) != (fast && c.fast) {
				t.Errorf("%s fast=%v: the fast Slice ran %d times", name, fast, ran)
			}
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("%s: fast result differs from simplego's", name)
		}
	}
}
