package workaround

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// BenchmarkMaxPoolReduce times the max pooling's ReduceMax over the window axes 2 and 4 of
// [C, H/2, 2, W/2, 2, N] through simplego, with its generic reduction (stock) and with maxSplit
// (fast), on VGG16's first pooling at batch 64 and AlexNet's first at batch 128.
func BenchmarkMaxPoolReduce(b *testing.B) {
	if err := InstallFastOps(); err != nil {
		b.Fatal(err)
	}
	defer SetFastOps(SetFastOps(true))
	backend := testBackend(b)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dims := range [][]int{{64, 16, 2, 16, 2, 64}, {64, 4, 2, 4, 2, 128}} {
		exec, err := graph.NewExec(backend, func(x *graph.Node) *graph.Node { return graph.ReduceMax(x, 2, 4) })
		if err != nil {
			b.Fatal(err)
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		x := tensors.FromFlatDataAndDimensions(randSlice(rng, n), dims...)
		for _, fast := range []bool{false, true} {
			b.Run(fmt.Sprintf("%v/fast=%v", dims, fast), func(b *testing.B) {
				SetFastOps(fast)
				for b.Loop() {
					if _, err := exec.Exec(x); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*4*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
