#!/usr/bin/python3
"""PyTorch reference for bench/train-conv: training throughput (forward,
backward, SGD step; examples per second) of the paper's CNN and the CIFAR
ResNet-20 (option A) at batch 128 on random inputs.

    /usr/bin/python3 bench/train-conv-torch.py ARCH THREADS STEPS

prints "ARCH THREADS EXAMPLES_PER_SECOND" like bench/train-conv-steps."""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3)
        self.c2 = nn.Conv2d(32, 32, 3)
        self.c3 = nn.Conv2d(32, 64, 3)
        self.c4 = nn.Conv2d(64, 64, 3)
        self.f1 = nn.Linear(1024, 200)
        self.f2 = nn.Linear(200, 200)
        self.f3 = nn.Linear(200, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        x = F.max_pool2d(F.relu(self.c4(F.relu(self.c3(x)))), 2)
        x = F.dropout(F.relu(self.f1(x.flatten(1))), 0.5, self.training)
        return self.f3(F.relu(self.f2(x)))


class Block(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if stride != 1 or cin != planes else 0

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.pad:
            x = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + x)


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            for b in range(3):
                layers.append(Block(cin, planes, stride if b == 0 else 1))
                cin = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, 10)
        self.register_buffer("mean", torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.2023, 0.1994, 0.2010]).view(1, 3, 1, 1))

    def forward(self, x):
        x = (x - self.mean) / self.std
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(F.avg_pool2d(out, out.size(3)).flatten(1))


def main():
    arch, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if arch == "cnn":
        net, shape = CNN(), (128, 1, 28, 28)
    else:
        net, shape = ResNet20(), (128, 3, 32, 32)
    x, y = torch.rand(*shape), torch.arange(128) % 10
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    net.train()
    for s in range(-1, steps):
        if s == 0:
            t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    print("%s %d %.1f" % (arch, threads, steps * 128 / (time.perf_counter() - t0)))


main()
