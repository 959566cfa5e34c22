package gemmbench

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hybridprune/hybridprune/gemm"
)

// TestPrintTable prints a speedup table when SPARSE_TABLE is set, e.g.
//
//	SPARSE_TABLE=alexnet:128 SPARSE_KERNELS=dense,2:4 go test [-tags openblas] ./sparse/gemmbench -run PrintTable -v
//
// SPARSE_TABLE is net:batch (net = alexnet, vgg16 or all); SPARSE_BUDGET a
// per-shape duration (default 2s); SPARSE_THREADS overrides gemm.Threads().
func TestPrintTable(t *testing.T) {
	spec := os.Getenv("SPARSE_TABLE")
	if spec == "" {
		t.Skip("set SPARSE_TABLE=net:batch to print a benchmark table")
	}
	net, bs, _ := strings.Cut(spec, ":")
	batch, err := strconv.Atoi(bs)
	if err != nil {
		t.Fatalf("SPARSE_TABLE=%q: %v", spec, err)
	}
	var shapes []Shape
	switch net {
	case "alexnet":
		shapes = AlexNetShapes(batch)
	case "vgg16":
		shapes = VGG16Shapes(batch)
	default:
		shapes = BenchShapes(batch)
	}
	ks := Impls()
	if e := os.Getenv("SPARSE_KERNELS"); e != "" {
		ks = nil
		for _, k := range strings.Split(e, ",") {
			ks = append(ks, Impl(k))
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
	}
	var all []Timing
	for _, s := range shapes {
		labels, runs := BLASImpls(s) // OpenBLAS with -tags openblas
		for _, k := range ks {
			run, err := Setup(s, k)
			if err != nil {
				t.Fatal(err)
			}
			labels, runs = append(labels, k), append(runs, run)
		}
		ts, err := CompareFuncs(s, labels, runs, 5, budget)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ts...)
	}
	var sb strings.Builder
	if err := WriteTable(&sb, all, ImplDense); err != nil {
		t.Fatal(err)
	}
	t.Logf("route %s, %d threads\n%s", gemm.RouteName(), gemm.Threads(), sb.String())
}
