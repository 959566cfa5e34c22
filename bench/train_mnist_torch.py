#!/usr/bin/env python3
"""PyTorch-CPU anchor for the memory of a full-MNIST training run (bench/train-rss.sh).

Trains the CIFAR AlexNet of bench/train_torch.py on the full MNIST training set (the canonical
idx files, 28x28 digits zero-padded to 32x32 and scaled to [0, 1] then standardised, as
nets/data does), momentum SGD (lr 0.05, momentum 0.9, weight decay 5e-4), batch 128, for -epochs
epochs, evaluates the test set after each, and prints one line with the peak RSS:

  torch-mnist epochs=1 test_accuracy=0.NNNN seconds=NN.N peak_rss_mb=NNN threads=2 torch=VERSION
"""
import argparse
import gzip
import resource
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from train_torch import alexnet  # noqa: E402


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        dims = [n] + [struct.unpack(">I", f.read(4))[0] for _ in range((magic & 0xFF) - 1)]
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def images(path):
    x = idx(path)
    out = np.zeros((x.shape[0], 1, 32, 32), dtype=np.uint8)
    out[:, 0, 2:30, 2:30] = x
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-data", required=True, help="directory with the MNIST idx .gz files")
    ap.add_argument("-epochs", type=int, default=1)
    ap.add_argument("-threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    xtr, ytr = images(f"{a.data}/train-images-idx3-ubyte.gz"), idx(f"{a.data}/train-labels-idx1-ubyte.gz")
    xte, yte = images(f"{a.data}/t10k-images-idx3-ubyte.gz"), idx(f"{a.data}/t10k-labels-idx1-ubyte.gz")
    mean, std = 0.1307, 0.3081  # nets/data's MNIST statistics

    def batch(x, sel):
        return (torch.from_numpy(x[sel].astype(np.float32) / 255.0) - mean) / std

    model = alexnet(1, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.time()
    acc = 0.0
    for _ in range(a.epochs):
        model.train()
        perm = np.random.default_rng(1).permutation(len(xtr))
        for i in range(0, len(perm), 128):
            sel = perm[i:i + 128]
            opt.zero_grad()
            loss = loss_fn(model(batch(xtr, sel)), torch.from_numpy(ytr[sel].astype(np.int64)))
            loss.backward()
            opt.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xte), 500):
                sel = np.arange(i, min(i + 500, len(xte)))
                correct += (model(batch(xte, sel)).argmax(1).numpy() == yte[sel]).sum()
        acc = correct / len(xte)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch-mnist epochs={a.epochs} test_accuracy={acc:.4f} seconds={time.time() - t0:.1f} "
          f"peak_rss_mb={rss:.0f} threads={a.threads} torch={torch.__version__}")


if __name__ == "__main__":
    main()
