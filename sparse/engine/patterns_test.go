package engine

import (
	"testing"

	"github.com/hybridprune/hybridprune/nets"
	"github.com/hybridprune/hybridprune/pruner"
	"github.com/hybridprune/hybridprune/sparse"
)

// TestEnginePatternMasks masks AlexNet (CIFAR shapes) with every pruning pattern and checks the
// pattern's engine mode (and dense, and CSR) against both references of the masked model.
func TestEnginePatternMasks(t *testing.T) {
	spec := nets.AlexNet(3, 10)
	w := randomWeights(spec, 3)
	for _, tc := range []struct {
		cfg  pruner.MaskConfig
		mode Mode
		opts Options
	}{
		{pruner.MaskConfig{Kind: pruner.MaskElement, Sparsity: 0.7}, ModeCSR, Options{}},
		{pruner.MaskConfig{Kind: pruner.MaskVector, Sparsity: 0.6, Vector: 20}, ModeVector, Options{Vector: 20}},
		{pruner.MaskConfig{Kind: pruner.MaskBlock, Sparsity: 0.8, Block: 4}, ModeBlock, Options{Block: 4}},
		{pruner.MaskConfig{Kind: pruner.MaskGroup, Sparsity: 0.5}, ModeGroup, Options{}},
	} {
		t.Run(string(tc.cfg.Kind), func(t *testing.T) {
			cfg := tc.cfg
			cfg.Dense = true
			if cfg.Kind == pruner.MaskBlock {
				for _, l := range spec.Layers {
					if t := w[l.Name+"/weight"]; t != nil && (t.Shape[0]%4 != 0 || len(t.Data)/t.Shape[0]%4 != 0) {
						cfg.Skip = append(cfg.Skip, l.Name)
					}
				}
			}
			masks, err := pruner.Masks(spec, w, cfg)
			if err != nil {
				t.Fatal(err)
			}
			mw, err := pruner.ApplyMasks(w, masks)
			if err != nil {
				t.Fatal(err)
			}
			opts := tc.opts
			opts.Default = tc.mode
			checkModes(t, spec, mw, sparse.OrderWidth, map[string]Options{string(tc.mode): opts, "dense": {}})
			net, err := Compile(spec, mw, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range net.Layers() {
				if m := masks[l.Name+"/weight"]; m != nil {
					if nz, _ := pruner.CountNonZero(nets.Weights{"m": m}); l.Stored < nz || l.Stored > l.Rows*l.K {
						t.Errorf("%s stores %d values for %d kept weights", l, l.Stored, nz)
					}
				}
			}
		})
	}
	if _, err := Compile(spec, w, Options{Default: ModeVector, Vector: 300}); err == nil {
		t.Error("vector length 300 accepted")
	}
}
