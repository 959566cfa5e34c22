package main

import (
	"fmt"

	"github.com/hybridprune/hybridprune/nets/data"
	"github.com/hybridprune/hybridprune/pruner"
)

// calibrationBatch returns n training images (a seeded random sample, normalised, not augmented)
// as the calibration batch of data-driven metrics such as APoZ.
func calibrationBatch(ds *data.Dataset, n int) (*pruner.Batch, error) {
	n = min(n, ds.N)
	b, err := data.NewBatcher(ds, data.BatcherOptions{BatchSize: n, Shuffle: true, Seed: 1})
	if err != nil {
		return nil, fmt.Errorf("calibration batch: %w", err)
	}
	batch, err := b.Next()
	if err != nil {
		return nil, fmt.Errorf("calibration batch: %w", err)
	}
	return &pruner.Batch{X: batch.X, N: batch.Size}, nil
}
