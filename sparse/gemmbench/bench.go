package gemmbench

import (
	"fmt"
	"slices"
	"time"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/internal/testmat"
	"github.com/hybridprune/hybridprune/sparse"
)

// Shape is one convolution layer as a GEMM: C[M x N] = A[M x K] * B[K x N]
// with A the weights (M filters, K = in*kh*kw) and B the im2col activations
// (N = Batch * outH * outW).
type Shape struct {
	Net, Layer string
	M, K, N    int
	Batch      int
}

// String returns e.g. "alexnet/conv3 b128 (384x1728x512)".
func (s Shape) String() string {
	return fmt.Sprintf("%s/%s b%d (%dx%dx%d)", s.Net, s.Layer, s.Batch, s.M, s.K, s.N)
}

// FLOPs returns the dense-equivalent operation count 2*M*N*K. Every kernel's
// GFLOP/s in this package uses it, so sparse kernels report effective
// throughput and speedups read directly as GFLOP/s ratios.
func (s Shape) FLOPs() float64 { return 2 * float64(s.M) * float64(s.N) * float64(s.K) }

type layer struct {
	name    string
	m, k, n int // n per image
}

// AlexNet for 32x32 CIFAR input (conv2..conv5; conv1 is K=27 and tiny).
var alexnet = []layer{
	{"conv2", 192, 64 * 25, 16},
	{"conv3", 384, 192 * 9, 4},
	{"conv4", 256, 384 * 9, 4},
	{"conv5", 256, 256 * 9, 4},
}

// A representative subset of VGG16 on CIFAR (one layer per resolution).
var vgg16 = []layer{
	{"conv1_1", 64, 27, 1024},
	{"conv2_1", 128, 576, 256},
	{"conv3_1", 256, 1152, 64},
	{"conv4_1", 512, 2304, 16},
	{"conv5_2", 512, 4608, 4},
}

func shapes(net string, ls []layer, batch int) []Shape {
	out := make([]Shape, len(ls))
	for i, l := range ls {
		out[i] = Shape{Net: net, Layer: l.name, M: l.m, K: l.k, N: l.n * batch, Batch: batch}
	}
	return out
}

// AlexNetShapes returns the AlexNet-CIFAR conv2..conv5 GEMM shapes at batch.
func AlexNetShapes(batch int) []Shape { return shapes("alexnet", alexnet, batch) }

// VGG16Shapes returns representative VGG16-CIFAR GEMM shapes at batch.
func VGG16Shapes(batch int) []Shape { return shapes("vgg16", vgg16, batch) }

// BenchShapes returns AlexNetShapes followed by VGG16Shapes at batch.
func BenchShapes(batch int) []Shape { return append(AlexNetShapes(batch), VGG16Shapes(batch)...) }

// Impl names one product implementation that TimeGEMM can time. Sparse
// weights are random and pruned to 50% density in the kernel's pattern, so
// all sparse kernels do the same useful work.
type Impl string

// The timed kernels.
const (
	ImplDense       Impl = "dense"        // MatMul, packs A every call (like BLAS)
	ImplDensePacked Impl = "dense-packed" // PackedMatrix.MatMul, A packed once
	ImplNM24        Impl = "2:4"          // sparse.NewNMPlan once, gemm.IndexPlan.MatMul per call
	ImplNM24Call    Impl = "2:4-call"     // sparse.SpMMNM: plan built every call
	ImplGroup50     Impl = "group50"      // group-wise, 50% of K kept, GroupPlan
	ImplVector50    Impl = "vector16of32" // vector-wise, 16 of every 32 kept
	ImplBSR50       Impl = "bsr4x4-50"    // 4x4 blocks, 50% kept at random
	ImplCSR50       Impl = "csr50"        // element-wise, 50% random
)

// Impls lists every Impl in table order.
func Impls() []Impl {
	return []Impl{ImplDense, ImplDensePacked, ImplNM24, ImplNM24Call, ImplGroup50, ImplVector50, ImplBSR50, ImplCSR50}
}

// Setup allocates random operands for shape s and returns a function that
// runs kernel k once (C = A*B). Preparation (compression, plans, packing of
// weights where the kernel says so) happens here, not in run.
func Setup(s Shape, k Impl) (run func() error, err error) {
	m, kk, n := s.M, s.K, s.N
	if m <= 0 || kk <= 0 || n <= 0 {
		return nil, fmt.Errorf("gemmbench: Setup %v: non-positive shape: %w", s, sparse.ErrShape)
	}
	a, b := testmat.RandMatrix(m*kk, 1), testmat.RandMatrix(kk*n, 2)
	c := make([]float32, m*n)
	switch k {
	case ImplDense:
		return func() error { return gemm.MatMul(m, n, kk, a, b, c) }, nil
	case ImplDensePacked:
		p, err := gemm.Pack(a, m, kk)
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		return func() error { return p.MatMul(b, n, c) }, nil
	case ImplNM24, ImplNM24Call:
		testmat.PruneNM(a, m, kk, 2, 4)
		nm, err := sparse.CompressNM(a, m, kk, 2, 4, sparse.OrderWidth)
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		if k == ImplNM24Call {
			return func() error { return sparse.SpMMNM(nm, b, n, c) }, nil
		}
		return planRun(sparse.NewNMPlan(nm))(b, n, c, s, k)
	case ImplGroup50:
		testmat.PruneColumns(a, m, kk, kk/2)
		g, err := sparse.CompressGroup(a, m, kk)
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		p, err := sparse.NewGroupPlan(g)
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		return func() error { return p.MatMul(b, n, c) }, nil
	case ImplVector50:
		testmat.PruneNM(a, m, kk, 16, 32)
		v, err := sparse.CompressVector(a, m, kk, 32, 16)
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		return planRun(sparse.NewVectorPlan(v))(b, n, c, s, k)
	case ImplBSR50:
		mask := testmat.RandMatrix(gemm.CeilDiv(m, 4)*gemm.CeilDiv(kk, 4), 3)
		for i := range m {
			for j := range kk {
				if mask[(i/4)*gemm.CeilDiv(kk, 4)+j/4] < 0 {
					a[i*kk+j] = 0
				}
			}
		}
		x, err := sparse.CompressBSR(a, m, kk, 4, 4)
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		return planRun(sparse.NewBSRPlan(x))(b, n, c, s, k)
	case ImplCSR50:
		testmat.RandSparse(a, 0.5, 4)
		x, err := sparse.CompressCSR(a, m, kk)
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		return planRun(sparse.NewCSRPlan(x))(b, n, c, s, k)
	}
	return nil, fmt.Errorf("gemmbench: Setup: unknown kernel %q (have %v)", k, Impls())
}

func planRun(p *gemm.IndexPlan, err error) func(b []float32, n int, c []float32, s Shape, k Impl) (func() error, error) {
	return func(b []float32, n int, c []float32, s Shape, k Impl) (func() error, error) {
		if err != nil {
			return nil, fmt.Errorf("gemmbench: Setup %v %s: %w", s, k, err)
		}
		return func() error { return p.MatMul(b, n, c) }, nil
	}
}

// Timing is the result of TimeGEMM.
type Timing struct {
	Shape  Shape
	Impl   Impl
	Route  string        // micro-kernel route (gemm.RouteName)
	Runs   int           // timed calls
	Best   time.Duration // fastest call
	Median time.Duration
	GFLOPS float64 // dense-equivalent Shape.FLOPs() / Best
}

// TimeGEMM times kernel k on shape s for about budget (at least 3 calls
// after one warm-up) and reports the fastest and median call. The fastest
// call is the robust statistic on a machine shared with other jobs; GFLOPS
// uses it and counts dense-equivalent FLOPs (2*M*N*K) for every kernel.
func TimeGEMM(s Shape, k Impl, budget time.Duration) (Timing, error) {
	run, err := Setup(s, k)
	if err != nil {
		return Timing{}, err
	}
	if err := run(); err != nil {
		return Timing{}, fmt.Errorf("gemmbench: TimeGEMM %v %s: %w", s, k, err)
	}
	var times []time.Duration
	start := time.Now()
	for len(times) < 3 || time.Since(start) < budget {
		t0 := time.Now()
		if err := run(); err != nil {
			return Timing{}, fmt.Errorf("gemmbench: TimeGEMM %v %s: %w", s, k, err)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	t := Timing{Shape: s, Impl: k, Route: gemm.RouteName(), Runs: len(times), Best: times[0], Median: times[len(times)/2]}
	t.GFLOPS = s.FLOPs() / t.Best.Seconds() / 1e9
	return t, nil
}
