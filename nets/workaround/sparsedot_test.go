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

// TestSparseDotLeavesDenseAlone checks that a dense weight and a matrix with three of every four
// values kept stay on the dense path.
func TestSparseDotLeavesDenseAlone(t *testing.T) {
	defer SetSparseDot(SetSparseDot(true))
	rng := rand.New(rand.NewPCG(13, 14))
	w := randSlice(rng, 64*300)
	if atMostTwoOfFour(w, 64, 300, 300) || mostlyZero(w, 64, 300, 300) {
		t.Fatal("a dense matrix passed the 2:4 or the mostly-zero check")
	}
	m := mask24(rng, 64, 300)
	for i := range w {
		w[i] *= m[i]
	}
	if !atMostTwoOfFour(w, 64, 300, 300) {
		t.Fatal("a 2:4-masked matrix failed the 2:4 check")
	}
	for i := range w { // three of four: a 2:4 mask plus one more of each group
		if i%4 == 3 || i%4 == 0 {
			w[i] = 1
		}
	}
	if atMostTwoOfFour(w, 64, 300, 300) || mostlyZero(w, 64, 300, 300) {
		t.Fatal("a matrix keeping 3 of 4 passed the 2:4 or the mostly-zero check")
	}
	key := new(int)
	for _, a := range [][]float32{randSlice(rng, 64*300), w} {
		if ok, err := sparseDot(unsafePointer(key), false, false, 64, 512, 300, a, 300, randSlice(rng, 300*512), 512, make([]float32, 64*512)); ok || err != nil {
			t.Fatalf("sparseDot took a dense matrix (ok %v, err %v)", ok, err)
		}
	}
}

// TestSparseDotMostlyZero checks the operands that are not 2:4 but mostly zero (a 2:4 weight's
// columns at a padding region's taps, which cut its groups apart): the product runs on the
// indexed kernel and is exact while the zero pattern stays (the weights change under a fixed
// mask); once the pattern moves, as a ReLU's activation does, the node goes back to the dense
// path and stays there, even for a mostly-zero operand.
func TestSparseDotMostlyZero(t *testing.T) {
	if convSplitOff {
		t.Skipf("%s=0: the N:M path takes 2:4 operands only", ConvSplitEnvVar)
	}
	defer SetSparseDot(SetSparseDot(true))
	rng := rand.New(rand.NewPCG(15, 16))
	const out, k, n = 64, 301, 512
	m := mask24(rng, out, k+99)
	cut := make([]float32, 0, out*k) // each row's columns 0..k-1 after dropping every 4th column from 7 on
	for r := range out {
		kept := 0
		for c := 0; kept < k; c++ {
			if c >= 7 && c%4 == 2 {
				continue
			}
			cut, kept = append(cut, m[r*(k+99)+c]), kept+1
		}
	}
	if atMostTwoOfFour(cut, out, k, k) {
		t.Fatal("the cut 2:4 mask is still 2:4: the test checks nothing")
	}
	weights := func(mask []float32) []float32 {
		w := randSlice(rng, out*k)
		for i := range w {
			w[i] *= mask[i]
		}
		return w
	}
	key := new(int)
	for step, c := range []struct {
		mask   []float32
		sparse bool
	}{{cut, true}, {cut, true}, {mask24(rng, out, k), true}, {cut, false}, {cut, false}} {
		// Step 2 is 2:4 (a new pattern, which the 2:4 check takes again); step 2 moved the
		// pattern away from a mostly-zero plan, so steps 3 and 4 no longer try that check.
		a, b := weights(c.mask), randSlice(rng, k*n)
		got := make([]float32, out*n)
		ok, err := sparseDot(unsafePointer(key), false, false, out, n, k, a, k, b, n, got)
		if err != nil {
			t.Fatal(err)
		}
		if ok != c.sparse {
			t.Fatalf("step %d: sparseDot took it %v, want %v", step, ok, c.sparse)
		}
		if ok {
			assertClose(t, "C", got, naiveProduct(a, b, out, k, n), 1e-5)
		}
	}
}

// naiveProduct is C = A·B for row-major A (m x k) and B (k x n), in float64.
func naiveProduct(a, b []float32, m, k, n int) []float32 {
	c := make([]float32, m*n)
	for i := range m {
		for j := range n {
			s := 0.0
			for p := range k {
				s += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			c[i*n+j] = float32(s)
		}
	}
	return c
}

// unsafePointer turns a test's cache key into the node pointer sparseDot expects.
func unsafePointer(p *int) unsafe.Pointer { return unsafe.Pointer(p) }

// TestSparseDotSplitConv checks a 2:4-masked conv lowered by padding regions (AlexNet-CIFAR's
// conv3-5 geometry, 3x3 at 2x2 with padding 1, four regions): every region's forward product and
// input gradient runs on the N:M path although the region's weight columns are not 2:4 (its taps
// cut the groups apart), the output and the gradients with respect to W and X match the dense
// path to 1e-4 relative, and the weight gradient is zero off the mask, on every route.
func TestSparseDotSplitConv(t *testing.T) {
	if convSplitOff {
		t.Skipf("%s=0: the N:M path takes 2:4 operands only", ConvSplitEnvVar)
	}
	RegisterDotVJP()
	if err := InstallFastOps(); err != nil {
		t.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	defer SetSparseDot(SetSparseDot(true))
	geom := ConvGeometry{InC: 64, InH: 2, InW: 2, Kernel: 3, Stride: 1, Padding: 1}
	const o, n = 128, 256
	k := geom.InC * geom.Kernel * geom.Kernel
	exec := graph.MustNewExec(testBackend(t), func(x, w, m, b, r *graph.Node) []*graph.Node {
		y := forceSplit(x, graph.Mul(w, m), b, geom)
		loss := graph.ReduceAllSum(graph.Mul(y, r))
		grads := graph.Gradient(loss, w, x)
		return []*graph.Node{y, grads[0], grads[1]}
	})
	gemmtest.ForEachRoute(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 18))
		m := mask24(rng, o, k)
		args := []any{
			tensors.FromFlatDataAndDimensions(randSlice(rng, geom.InC*4*n), geom.InC, 2, 2, n),
			tensors.FromFlatDataAndDimensions(randSlice(rng, o*k), o, geom.InC, 3, 3),
			tensors.FromFlatDataAndDimensions(m, o, geom.InC, 3, 3),
			tensors.FromFlatDataAndDimensions(randSlice(rng, o), o),
			tensors.FromFlatDataAndDimensions(randSlice(rng, o*4*n), o, 2, 2, n),
		}
		var results [2][3][]float32
		for i, sparse := range []bool{false, true} {
			SetSparseDot(sparse)
			for range 2 { // the second call refills the cached plans
				before := SparseDotCalls()
				res := exec.MustExec(args...)
				for j := range 3 {
					results[i][j] = flat(res[j])
				}
				if ran := SparseDotCalls() - before; sparse && ran != 8 {
					t.Errorf("the N:M path ran %d times, want 8 (4 regions x W·X and Wᵀ·dY)", ran)
				}
			}
		}
		for j, name := range []string{"y", "dW", "dX"} {
			assertClose(t, name, results[1][j], results[0][j], 1e-4)
		}
		for i, v := range results[1][1] {
			if m[i] == 0 && v != 0 {
				t.Fatalf("dW[%d] = %g off the mask", i, v)
			}
		}
	})
}
