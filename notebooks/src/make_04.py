#!/usr/bin/env python3
"""Writes notebooks/04-paper-other-datasets.ipynb (cells without outputs)."""
import nbwrite
from nbwrite import PIN

cells = []
def md(s): cells.append(("markdown", s.strip("\n")))
def code(s): cells.append(("code", s.strip("\n")))

code(PIN)
md("""
# 04 - The paper's other datasets and models: what runs, what it costs, what is missing

The hybrid-pruning paper runs AlexNet, VGG16 and SimpleNet on MNIST, SVHN, CIFAR-10 and CIFAR-100.
Notebook 03 has AlexNet / MNIST on full data. This notebook says where every other experiment
stands, with the command that runs it where the data is.

| paper | model / data | config | cost on 2 cores (AMD EPYC Zen 2, AVX2) | status |
| --- | --- | --- | --- | --- |
| Figs. 10, 16, 17, 19 | AlexNet / CIFAR-10 | `sweeps/alexnet-cifar10.json` | baseline 20 epochs x ~60 s; 86 units x ~70 s: about 2 h | queued behind the MNIST grids; see the rows below |
| Figs. 12, 18 | VGG16 / CIFAR-10 | a copy of the config with `"model": "vgg16"` | 23 images/s here: ~36 min per epoch, days for a grid | not run: needs the fused batch-norm executor or a bigger machine (`-shard`) |
| Fig. 14 | SimpleNet / CIFAR-10 | `"model": "simplenet-small"` or `"simplenet"` | about VGG16's | not run |
| Figs. 9, 11, 13 | AlexNet, VGG16, SimpleNet / SVHN | `"dataset": "svhn"` | as CIFAR-10 | the files are not on this machine |
| - | CIFAR-100 | `"dataset": "cifar100"` | as CIFAR-10 | the files are not on this machine |

Every grid runs with `go run ./cmd/hybridprune sweep -config sweeps/NAME.json` (resumable;
`-shard i/n` splits it over machines, see the README), and its notebook cells are those of 03 with
another sweep name.
""")
code("""
import (
	"fmt"
	"os"

	"github.com/hybridprune/hybridprune/nets/data"
)

%%
os.Setenv("HYBRIDPRUNE_OFFLINE", "1") // look only: never download from here
dir := data.DataDir("")
for _, name := range data.Names() {
	if _, err := data.Load(name, data.Test, dir); err != nil {
		fmt.Printf("%-9s missing: %v\\n", name, err)
		continue
	}
	fmt.Printf("%-9s present in %s: hybridprune sweep -config sweeps/<model>-%s.json runs its grid\\n", name, dir, name)
}
""")
md("""
## AlexNet / CIFAR-10: the rows so far

Read-only: this cell trains nothing; missing units show as "-".
""")
code("""
import "github.com/hybridprune/hybridprune/kernel"

%%
g, err := kernel.LoadSweep("alexnet-cifar10")
if err != nil {
	panic(err)
}
done, total := g.Done()
fmt.Printf("%s: %d of %d units in its store\\n", g.Sweep.Name, done, total)
if done > 1 {
	kernel.DisplayPlot(kernel.SweepPlot(g, "hybrid", "Fig. 10: AlexNet / CIFAR-10, hybrid pruning (rows so far)", nil, nil))
}
""")

nbwrite.write("04-paper-other-datasets", "paper04", cells)
