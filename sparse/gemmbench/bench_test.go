package gemmbench

import (
	"flag"
	"fmt"
	"strings"
	"testing"
)

var benchBatches = flag.String("batches", "1,32,128", "comma-separated batch sizes for BenchmarkGEMM")

// BenchmarkGEMM times every kernel on BenchShapes at each batch; the custom
// metric GFLOP/s counts dense-equivalent FLOPs 2*M*N*K for every kernel, so
// sparse kernels report effective throughput. Filter with -bench, e.g.
// -bench 'GEMM/.*/alexnet.*/b128$' -benchtime 200ms.
func BenchmarkGEMM(b *testing.B) {
	for _, bs := range strings.Split(*benchBatches, ",") {
		var batch int
		if _, err := fmt.Sscan(bs, &batch); err != nil {
			b.Fatalf("bad -batches entry %q", bs)
		}
		for _, k := range Impls() {
			for _, s := range BenchShapes(batch) {
				name := fmt.Sprintf("%s/%s-%s/b%d", strings.ReplaceAll(string(k), ":", "of"), s.Net, s.Layer, batch)
				b.Run(name, func(b *testing.B) {
					run, err := Setup(s, k)
					if err != nil {
						b.Fatal(err)
					}
					b.ResetTimer()
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
}

func TestTimeGEMM(t *testing.T) {
	s := Shape{Net: "t", Layer: "x", M: 13, K: 70, N: 33, Batch: 1}
	for _, k := range Impls() {
		tm, err := TimeGEMM(s, k, 0)
		if err != nil {
			t.Fatal(err)
		}
		if tm.Runs < 3 || tm.Best <= 0 || tm.GFLOPS <= 0 || tm.Best > tm.Median {
			t.Fatalf("%s: bad timing %+v", k, tm)
		}
	}
	if _, err := TimeGEMM(s, "nope", 0); err == nil {
		t.Fatal("unknown kernel accepted")
	}
	if got := len(BenchShapes(128)); got != 9 {
		t.Fatalf("BenchShapes: %d shapes", got)
	}
}
