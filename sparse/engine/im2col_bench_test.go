package engine

import (
	"testing"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/sparse"
)

// BenchmarkIm2col times im2col for AlexNet-CIFAR's conv layers at batch 128
// (GB/s of the written matrix), next to clearing the same buffer as a
// memory-bandwidth yardstick.
func BenchmarkIm2col(b *testing.B) {
	spec := nets.AlexNet(3, 10)
	shapes, _ := spec.Shapes()
	const n = 128
	cur := spec.Input
	for i, l := range spec.Layers {
		if l.Kind != nets.KindConv {
			cur = shapes[i]
			continue
		}
		out := shapes[i]
		wt := make([]float32, l.OutChannels*l.InChannels*l.Kernel*l.Kernel)
		for j := range wt {
			wt[j] = 1
		}
		info := &LayerInfo{Name: l.Name, Kind: l.Kind}
		s, err := newConvStep(l, cur, out, wt, make([]float32, l.OutChannels), false, ModeDense, Options{N: 2, M: 4, Order: sparse.OrderWidth}, info)
		if err != nil {
			b.Fatal(err)
		}
		planes := make([]float32, s.c*s.h*s.w*n)
		dst := make([]float32, s.colSize()*n)
		b.Run(l.Name, func(b *testing.B) {
			for b.Loop() {
				s.im2col(dst, planes, n)
			}
			b.ReportMetric(float64(len(dst))*4/1e9*float64(b.N)/b.Elapsed().Seconds(), "GB/s")
		})
		b.Run(l.Name+"-clear", func(b *testing.B) {
			for b.Loop() {
				clear(dst)
			}
			b.ReportMetric(float64(len(dst))*4/1e9*float64(b.N)/b.Elapsed().Seconds(), "GB/s")
		})
		cur = out
	}
}
