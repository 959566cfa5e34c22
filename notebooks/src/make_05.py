#!/usr/bin/env python3
"""Writes notebooks/05-patterns-and-sensitivity.ipynb (cells without outputs; fill them with
scripts/run-notebooks.sh --inplace). It only reads committed results: the commands that produce them
are in the text."""
import nbwrite
from nbwrite import PIN

cells = []
def md(s): cells.append(("markdown", s.strip("\n")))
def code(s): cells.append(("code", s.strip("\n")))

code(PIN)
md("""
# 05 - Beyond the core paper: pruning patterns, sensitivity analysis and automatic ratios

Two ideas from `../shared/papers/` besides hybrid pruning, measured on this CPU:

* **Pruning patterns** (`group-wise-sparse-inference.txt`): element-wise (unstructured magnitude),
  vector-wise (every vector of 20 consecutive K weights of a filter keeps the same number, Zhu et
  al.), block-wise (4x4 tiles of the [filters, K] weight matrix) and group-wise (the same K position
  removed from every filter of a layer, so the kept columns are a smaller dense GEMM). Each is a mask
  (`pruner.Masks`, `MaskConfig.Kind`), kept fixed through retraining, and runs on its own engine mode:
  CSR, vector, block (BSR) and group (gather + dense GEMM).
* **Sensitivity analysis and automatic per-layer ratios** (`lecture-model-pruning.md`): prune one
  layer at a time, read off how much each layer tolerates, then choose per-layer ratios that meet a
  MACs budget (the lecture's threshold rule), and compare with a global ranking and a uniform ratio
  at the same MACs.

Masks cover conv2-conv5 of AlexNet and conv2-conv13 of VGG16 for every kind: the first conv (K =
3x11x11 or 3x3x3) is left dense, as NVIDIA ASP does, because no 4x4 block tiles it.
""")
md("""
## Latency per pattern vs dense (AlexNet and VGG16, CIFAR shapes, batch 32)

`hybridprune pattern-speed` (fresh He-initialised weights: latency depends on the structure, not on
trained values) times the dense model and the masked model in the pattern's engine mode,
interleaved, best call of each within 3 s. Above 1 the pattern is faster than dense.
""")
code("""
import (
	"github.com/hybridprune/hybridprune/experiment"
	"github.com/hybridprune/hybridprune/kernel"
)

%%
grids, err := kernel.LoadPatterns("results/patterns-speed.jsonl")
if err != nil {
	panic(err)
}
for _, g := range grids {
	kernel.DisplayPlot(kernel.PatternSpeedPlot(g, g.Name+": engine speedup over dense"))
	kernel.Verdicts(experiment.PatternVerdicts(g))
}
""")
md("""
## Accuracy per pattern after retraining (AlexNet / MNIST, full data)

Sweep `sweeps/alexnet-mnist-patterns.json` (`hybridprune sweep -config ...`): the AlexNet/MNIST
baseline of notebook 03 (test accuracy 0.9855) masked with each pattern at 50, 70 and 90% sparsity,
then **1 epoch** of retraining with the masks fixed (momentum SGD, lr 0.01, cosine, random crops),
the same recipe as the 2:4 points of notebook 03. Each row also times the trained masked model on the
engine (MNIST shapes, batch 32).
""")
code("""
%%
grids, err := kernel.LoadPatterns("results/alexnet-mnist-patterns.jsonl")
if err != nil {
	panic(err)
}
for _, g := range grids {
	kernel.DisplayPlot(kernel.PatternAccuracyPlot(g, "AlexNet / MNIST: accuracy after 1 retraining epoch with fixed masks", 0.9855))
	kernel.PatternTable(g)
	kernel.Verdicts(experiment.PatternVerdicts(g))
}
""")
md("""
## Sensitivity analysis and automatic per-layer ratios (AlexNet / MNIST)

`hybridprune sensitivity -model RUN/model -dataset mnist -metric l1-out -budget-macs 0.5 -compare`:
each conv layer alone is pruned to 0.9 ... 0.1 of its filters (output-L1 ranking within the layer),
without fine-tuning, on the full test set. The allocation then takes the highest accuracy threshold
for which "every layer at its smallest ratio that stays above the threshold" keeps at most half of
the MACs; global ranking and one uniform ratio are bisected to the same MACs, and all three are
evaluated before and after 1 epoch of fine-tuning.
""")
code("""
%%
r, err := kernel.LoadSensitivity("results/alexnet-mnist-sensitivity.json")
if err != nil {
	panic(err)
}
kernel.DisplayPlot(kernel.SensitivityPlot(r))
kernel.CompareTable(r)
""")
md("""
## 2:4 channel permutation (NVIDIA ASP style)

With the 2:4 groups along the input channels, which channels share a group decides how much weight
magnitude 2:4 keeps. `pruner.PermuteChannels` searches a permutation of each conv's input channels
(greedy swaps between groups, then seeded random escapes) and applies it to the producer's filters,
bias and batch-norm too, so the network computes exactly the same function (tested to 1e-5); then 2:4
keeps more. `hybridprune prune -group channels -permute` does it before the mask stage;
`scripts/permutation-study.sh` measured the trained AlexNet / MNIST of notebook 03 (all convs masked,
1 epoch of retraining).
""")
code("""
%%
if err := kernel.PermutationTable("results/alexnet-mnist-permutation.json"); err != nil {
	panic(err)
}
""")
md("""
## ResNet-18 (CIFAR variant)

`resnet18` is in the zoo with residual additions in the spec (`input`, `add`, `globalavgpool`), the
GoMLX graph, the reference forward and the engine: 11,173,962 trainable parameters for 10 classes,
the published CIFAR ResNet-18. Filter pruning removes coupled channels together: the convs whose
outputs meet in an addition form one dependency group (Torch-Pruning's DepGraph idea), scored by the
mean of their members' scores, and physically pruned == masked on the reference and the engine.
""")
code("""
import (
	"fmt"

	"github.com/hybridprune/hybridprune/nets"
)

%%
spec, _ := nets.ByName("resnet18", 3, 10)
fmt.Printf("%s: %d trainable parameters, %d layers\n", spec.Name, spec.ParamCount(), len(spec.Layers))
""")
nbwrite.write("05-patterns-and-sensitivity", "p05", cells)
