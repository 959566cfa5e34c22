#!/usr/bin/python3
"""Time torch.mm on the sparse package's benchmark GEMM shapes.

C[M x N] = A[M x K] @ B[K x N], float32, A = conv weights, B = im2col
(N = batch * outH * outW). Shapes mirror sparse.BenchShapes (AlexNet-CIFAR
conv2..conv5 and representative VGG16-CIFAR layers). GFLOP/s counts 2*M*N*K.
Each shape is timed as the best of several repeats (robust on a shared
machine). Run with the Debian interpreter (python3-torch):

    /usr/bin/python3 bench/sgemm_torch.py [--threads 2] [--batches 1,32,128] [--budget 1.0]
"""
import argparse
import time

import torch

ALEXNET = [("conv2", 192, 64 * 25, 16), ("conv3", 384, 192 * 9, 4),
           ("conv4", 256, 384 * 9, 4), ("conv5", 256, 256 * 9, 4)]
VGG16 = [("conv1_1", 64, 27, 1024), ("conv2_1", 128, 576, 256),
         ("conv3_1", 256, 1152, 64), ("conv4_1", 512, 2304, 16),
         ("conv5_2", 512, 4608, 4)]


def shapes(batch):
    for net, layers in (("alexnet", ALEXNET), ("vgg16", VGG16)):
        for name, m, k, n in layers:
            yield net, name, m, k, n * batch


def best_time(a, b, c, budget):
    torch.mm(a, b, out=c)  # warm-up
    best, start, runs = float("inf"), time.perf_counter(), 0
    while runs < 3 or time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
        runs += 1
    return best, runs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,32,128")
    ap.add_argument("--budget", type=float, default=1.0, help="seconds per shape")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"best of repeats over {args.budget}s per shape")
    print(f"{'shape':>40} {'ms':>10} {'GFLOP/s':>9} {'runs':>6}")
    for batch in (int(x) for x in args.batches.split(",")):
        for net, name, m, k, n in shapes(batch):
            a, b = torch.randn(m, k), torch.randn(k, n)
            c = torch.empty(m, n)
            t, runs = best_time(a, b, c, args.budget)
            label = f"{net}/{name} b{batch} ({m}x{k}x{n})"
            print(f"{label:>40} {t * 1e3:10.3f} {2 * m * n * k / t / 1e9:9.1f} {runs:6d}")


if __name__ == "__main__":
    main()
