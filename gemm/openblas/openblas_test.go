//go:build openblas && cgo

package openblas_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hybridprune/hybridprune/gemm"
	"github.com/hybridprune/hybridprune/gemm/openblas"
	"github.com/hybridprune/hybridprune/sparse/kernelbench"
)

func TestSGEMMMatchesSparse(t *testing.T) {
	for _, s := range [][3]int{{1, 1, 1}, {17, 33, 65}, {192, 300, 1600}} {
		m, n, k := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(1, 2))
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i] = r.Float32()*2 - 1
		}
		for i := range b {
			b[i] = r.Float32()*2 - 1
		}
		got, want := make([]float32, m*n), make([]float32, m*n)
		if err := openblas.SGEMM(m, n, k, a, k, b, n, got, n); err != nil {
			t.Fatal(err)
		}
		if err := gemm.MatMul(m, n, k, a, b, want); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-3 {
				t.Fatalf("%v: C[%d] openblas %v sparse %v", s, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkOpenBLAS times cblas_sgemm on kernelbench.BenchShapes (GFLOP/s =
// 2*M*N*K / time), named like sparse's BenchmarkGEMM.
func BenchmarkOpenBLAS(b *testing.B) {
	for _, batch := range []int{1, 32, 128} {
		for _, s := range kernelbench.BenchShapes(batch) {
			b.Run(fmt.Sprintf("%s-%s/b%d", s.Net, s.Layer, batch), func(b *testing.B) {
				run := openblas.Setup(s.M, s.N, s.K)
				for b.Loop() {
					if err := run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestTable prints OpenBLAS side by side with the sparse kernels, timed
// round-robin so the ratios survive a loaded machine:
//
//	SPARSE_TABLE=alexnet:128 go test -tags openblas ./gemm/openblas -run Table -v
//
// SPARSE_KERNELS (comma list of kernelbench.Kernel), SPARSE_BUDGET (per shape,
// default 2s) and SPARSE_THREADS work as in package sparse.
func TestTable(t *testing.T) {
	spec := os.Getenv("SPARSE_TABLE")
	if spec == "" {
		t.Skip("set SPARSE_TABLE=net:batch")
	}
	net, bs, _ := strings.Cut(spec, ":")
	batch, err := strconv.Atoi(bs)
	if err != nil {
		t.Fatal(err)
	}
	shapes := kernelbench.BenchShapes(batch)
	switch net {
	case "alexnet":
		shapes = kernelbench.AlexNetShapes(batch)
	case "vgg16":
		shapes = kernelbench.VGG16Shapes(batch)
	}
	ks := []kernelbench.Kernel{kernelbench.KernelDense, kernelbench.KernelNM24, kernelbench.KernelGroup50}
	if e := os.Getenv("SPARSE_KERNELS"); e != "" {
		ks = nil
		for _, k := range strings.Split(e, ",") {
			ks = append(ks, kernelbench.Kernel(k))
		}
	}
	budget := 2 * time.Second
	if e := os.Getenv("SPARSE_BUDGET"); e != "" {
		if budget, err = time.ParseDuration(e); err != nil {
			t.Fatal(err)
		}
	}
	if e := os.Getenv("SPARSE_THREADS"); e != "" {
		n, _ := strconv.Atoi(e)
		defer gemm.SetThreads(gemm.SetThreads(n))
		openblas.SetThreads(gemm.Threads())
	}
	var all []kernelbench.Timing
	for _, s := range shapes {
		labels := append([]kernelbench.Kernel{"openblas"}, ks...)
		runs := []func() error{openblas.Setup(s.M, s.N, s.K)}
		for _, k := range ks {
			run, err := kernelbench.Setup(s, k)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, run)
		}
		ts, err := kernelbench.CompareFuncs(s, labels, runs, 5, budget)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ts...)
	}
	var sb strings.Builder
	if err := kernelbench.WriteTable(&sb, all, "openblas"); err != nil {
		t.Fatal(err)
	}
	t.Logf("route %s, %d threads; speedups are over OpenBLAS\n%s", gemm.RouteName(), gemm.Threads(), sb.String())
}
