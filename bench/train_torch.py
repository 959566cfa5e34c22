#!/usr/bin/env python3
"""PyTorch training-throughput baseline for `hybridprune trainbench`.

Trains the same CIFAR AlexNet (or VGG16) variant as nets.AlexNet (nets.VGG16) on random data (one fixed batch), with
momentum SGD (lr 0.01, momentum 0.9, weight decay 5e-4), timing `-steps` steps after `-warmup`
untimed ones, and prints one line:

  torch-train model=alexnet batch=128 images_per_sec=NN.N ms_per_step=NN.N threads=2 torch=VERSION

Run with the system python that has torch (Debian: apt-get install python3-torch):
  /usr/bin/python3 bench/train_torch.py -batch 128 -steps 20
"""
import argparse
import sys
import time

import torch
from torch import nn


def alexnet(channels, classes):
    return nn.Sequential(
        nn.Conv2d(channels, 64, kernel_size=11, stride=4, padding=5), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, classes),
    )


def vgg16(channels, classes):
    """The CIFAR VGG16 with batch-norm of nets.VGG16 (kuangliu/pytorch-cifar): 14,728,266
    parameters for 10 classes."""
    layers, c = [], channels
    for stage in ([64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]):
        for w in stage:
            layers += [nn.Conv2d(c, w, kernel_size=3, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            c = w
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(512, classes)]
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """ResNet's basic block as nets.ResNet18 builds it: two 3x3 conv + BN, and a 1x1 conv + BN
    shortcut where the stride or the width changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.short = nn.Sequential()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))


def resnet18(channels, classes):
    """The CIFAR ResNet-18 of nets.ResNet18 (kuangliu/pytorch-cifar): 11,173,962 parameters for
    10 classes."""
    layers, c = [nn.Conv2d(channels, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)], 64
    for w, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(c, w, stride), BasicBlock(w, w, 1)]
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes)]
    return nn.Sequential(*layers)


MODELS = {"alexnet": alexnet, "vgg16": vgg16, "resnet18": resnet18}


def main():
    # Single-dash flags, like the Go command (argparse accepts them with prefix_chars="-").
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-model", default="alexnet", choices=sorted(MODELS))
    p.add_argument("-channels", type=int, default=3)
    p.add_argument("-classes", type=int, default=10)
    p.add_argument("-batch", type=int, default=128)
    p.add_argument("-steps", type=int, default=20)
    p.add_argument("-warmup", type=int, default=3)
    p.add_argument("-threads", type=int, default=2, help="torch.set_num_threads")
    a = p.parse_args()
    if a.batch <= 0 or a.steps <= 0 or a.warmup < 0:
        p.error("need -batch > 0, -steps > 0 and -warmup >= 0")

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = MODELS[a.model](a.channels, a.classes)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(a.batch, a.channels, 32, 32)
    y = torch.randint(0, a.classes, (a.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    t0 = time.perf_counter()
    for _ in range(a.warmup):
        step()
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    secs = time.perf_counter() - t0
    print("train_torch: %d warmup steps took %.1fs; %d timed steps %.1fs"
          % (a.warmup, warm, a.steps, secs), file=sys.stderr)
    print("torch-train model=%s batch=%d images_per_sec=%.1f ms_per_step=%.1f threads=%d torch=%s"
          % (a.model, a.batch, a.steps * a.batch / secs, 1000 * secs / a.steps,
             torch.get_num_threads(), torch.__version__))


if __name__ == "__main__":
    main()
