package data

import (
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/train"
)

var _ train.Dataset = (*GoMLXDataset)(nil)

func TestGoMLXDatasetYield(t *testing.T) {
	ds := synthetic("cifar10", 10, 3)
	ds.Split = Test
	g, err := NewGoMLXDataset(ds, BatcherOptions{BatchSize: 4, Shuffle: true, Seed: 5, DropRemainder: true})
	if err != nil {
		t.Fatal(err)
	}
	if g.Name() != "cifar10-test" {
		t.Errorf("Name() = %q", g.Name())
	}
	ref, _ := NewBatcher(ds, g.Batcher().Options())
	var first []int32
	for i := 0; ; i++ {
		spec, inputs, labels, err := g.Yield()
		if errors.Is(err, io.EOF) {
			if i != 2 {
				t.Fatalf("io.EOF after %d batches, want 2", i)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if spec != nil || len(inputs) != 1 || len(labels) != 1 {
			t.Fatalf("spec %v, %d inputs, %d labels", spec, len(inputs), len(labels))
		}
		x, y := inputs[0], labels[0]
		if x.DType() != dtypes.Float32 || !slices.Equal(x.Shape().Dimensions, []int{4, 3, 32, 32}) {
			t.Fatalf("x is %s", x.Shape())
		}
		if y.DType() != dtypes.Int32 || !slices.Equal(y.Shape().Dimensions, []int{4}) {
			t.Fatalf("y is %s", y.Shape())
		}
		want, _ := ref.Next()
		if !slices.Equal(tensors.MustCopyFlatData[float32](x), want.X) || !slices.Equal(tensors.MustCopyFlatData[int32](y), want.Y) {
			t.Fatalf("batch %d values differ from the Batcher's", i)
		}
		if i == 0 {
			first = want.Y
		}
		x.FinalizeAll()
		y.FinalizeAll()
	}
	g.Reset()
	_, _, labels, err := g.Yield()
	if err != nil {
		t.Fatal(err)
	}
	if g.Batcher().Epoch() != 1 {
		t.Errorf("epoch after Reset = %d", g.Batcher().Epoch())
	}
	ref.Reset()
	want, _ := ref.Next()
	if got := tensors.MustCopyFlatData[int32](labels[0]); !slices.Equal(got, want.Y) {
		t.Errorf("epoch 1 first labels %v, want %v (epoch 0 had %v)", got, want.Y, first)
	}
}
