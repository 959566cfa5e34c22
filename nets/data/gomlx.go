package data

import (
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// GoMLXDataset adapts a Batcher to GoMLX's train.Dataset interface: Yield returns inputs
// [x float32 [B, C, H, W]] and labels [y int32 [B]], io.EOF at the end of an epoch, and Reset
// starts the next (reshuffled) epoch. For training, set DropRemainder so every batch has the same
// shape (a smaller last batch triggers a new JIT compilation).
type GoMLXDataset struct {
	name string
	b    *Batcher
}

// NewGoMLXDataset returns a GoMLX dataset over ds, batched as opts says. Its name is
// "<dataset>-<split>".
func NewGoMLXDataset(ds *Dataset, opts BatcherOptions) (*GoMLXDataset, error) {
	b, err := NewBatcher(ds, opts)
	if err != nil {
		return nil, err
	}
	return &GoMLXDataset{name: ds.Name + "-" + ds.Split.String(), b: b}, nil
}

// Name identifies the dataset ("cifar10-train"), for GoMLX metrics and plots.
func (g *GoMLXDataset) Name() string { return g.name }

// Batcher returns the underlying Batcher.
func (g *GoMLXDataset) Batcher() *Batcher { return g.b }

// Reset starts the next epoch.
func (g *GoMLXDataset) Reset() { g.b.Reset() }

// Yield returns the next batch as tensors (owned by the caller): inputs [x] with x float32
// [B, C, H, W] and labels [y] with y int32 [B]; spec is nil. It returns io.EOF at the end of the
// epoch.
func (g *GoMLXDataset) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	batch, err := g.b.Next()
	if err != nil {
		return nil, nil, nil, err
	}
	x := tensors.FromFlatDataAndDimensions(batch.X, batch.Size, batch.C, batch.H, batch.W)
	y := tensors.FromFlatDataAndDimensions(batch.Y, batch.Size)
	return nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}, nil
}
