#!/usr/bin/python3
"""Time PyTorch CPU inference of the AlexNet-CIFAR variant at given channel counts.

The network is nets.AlexNet of the Go toolkit (bearpaw/pytorch-classification's
CIFAR AlexNet): Conv2d(c,64,11,4,5), ReLU, MaxPool2d(2), Conv2d(64,192,5,p=2),
ReLU, MaxPool2d(2), Conv2d(192,384,3,p=1), ReLU, Conv2d(384,256,3,p=1), ReLU,
Conv2d(256,256,3,p=1), ReLU, MaxPool2d(2), Flatten, Linear(256,classes), with
the five conv widths replaced by --channels (the filter-pruned model of
`hybridprune bench -torch`, which passes one --channels per ratio) or scaled
by --ratios. Weights are random (speed only), inference runs in
torch.no_grad() on 32x32 inputs, and each config reports its best call over
--budget seconds, spent in --rounds round-robin passes over all configs
(robust to bursts of load on a shared machine). Output, one line per
config:

    torch-infer channels=32,96,192,128,128 batch=128 ms=12.345 runs=40

Run with the Debian interpreter (python3-torch, torch 1.13):

    /usr/bin/python3 bench/infer_torch.py --batch 32,128 --ratios 1,0.5 --threads 2
    /usr/bin/python3 bench/infer_torch.py --channels 32,96,192,128,128 --batch 128
"""
import argparse
import time

import torch
from torch import nn

BASE = (64, 192, 384, 256, 256)


def alexnet(in_ch, classes, ch):
    c1, c2, c3, c4, c5 = ch
    return nn.Sequential(
        nn.Conv2d(in_ch, c1, 11, stride=4, padding=5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c3, c4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c4, c5, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c5, classes))


def best_time(model, x, budget):
    with torch.no_grad():
        # Warm-up (allocations, oneDNN primitives, thread pool): at least two
        # calls and a tenth of the budget.
        start, runs = time.perf_counter(), 0
        while runs < 2 or time.perf_counter() - start < budget / 10:
            model(x)
            runs += 1
        best, start, runs = float("inf"), time.perf_counter(), 0
        while runs < 1 or time.perf_counter() - start < budget:
            t0 = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t0)
            runs += 1
    return best, runs


def parse_channels(s):
    ch = tuple(int(v) for v in s.split(","))
    if len(ch) != 5 or min(ch) <= 0:
        raise argparse.ArgumentTypeError(f"--channels {s!r}: want 5 positive conv widths")
    return ch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=parse_channels, action="append",
                    help="five conv widths, e.g. 32,96,192,128,128 (repeatable)")
    ap.add_argument("--ratios", default="",
                    help="remaining-filter ratios scaling the base widths 64,192,384,256,256 (when no --channels)")
    ap.add_argument("--batch", default="128", help="batch sizes, comma-separated")
    ap.add_argument("--in-channels", type=int, default=3)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--budget", type=float, default=1.0, help="seconds per config")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds over the configs")
    args = ap.parse_args()

    configs = list(args.channels or [])
    for r in (float(v) for v in args.ratios.split(",") if v.strip()):
        configs.append(tuple(max(1, round(c * r)) for c in BASE))
    if not configs:
        configs = [BASE]
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rounds = max(args.rounds, 1)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, best call of "
          f"{rounds} interleaved rounds over {args.budget}s per config")
    for batch in (int(b) for b in args.batch.split(",")):
        x = torch.randn(batch, args.in_channels, 32, 32)
        models = [alexnet(args.in_channels, args.classes, ch).eval() for ch in configs]
        best = [float("inf")] * len(configs)
        runs = [0] * len(configs)
        # Round-robin over the configs so that a burst of load from other
        # processes does not hit one config only.
        for _ in range(rounds):
            for i, model in enumerate(models):
                t, n = best_time(model, x, args.budget / rounds)
                best[i], runs[i] = min(best[i], t), runs[i] + n
        for ch, t, n in zip(configs, best, runs):
            print(f"torch-infer channels={','.join(map(str, ch))} batch={batch} "
                  f"ms={t * 1e3:.3f} runs={n}", flush=True)

if __name__ == "__main__":
    main()
