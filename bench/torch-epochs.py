#!/usr/bin/env python3
"""torch-epochs.py - PyTorch (eager mode) reference timings for
bench/device-check: one training epoch of the paper's MLP on Fashion-MNIST
and of ResNet20 on 50,000 random 32x32x3 images, on the GPU, with the data
resident on the device (as rsc keeps it) so that both sides time the same
work: gather a shuffled batch, forward, cross-entropy, backward, update.

  torch-epochs.py [--fashion DIR] [--resnet20] [--epochs-warmup 1]

Prints `key value` lines:
  torch_mlp_epoch_s S         Adam lr 0.01, batch 128, 60,000 images
  torch_resnet20_epoch_s S    SGD lr 0.1 momentum 0.9 wd 1e-4, batch 128,
                              no augmentation
  resnet20_train_flop F       FLOP of one training epoch: 3 x 2 x the
                              multiply-adds of the forward convolutions and
                              linear layer (the usual forward + two
                              backward GEMMs convention), 50,000 images
PyTorch runs with its defaults (cudnn.benchmark off; cuDNN may use TF32 for
convolutions, matmul does not).  Each figure is one epoch after a warm-up
epoch, timed with torch.cuda.synchronize() around it.
"""
import argparse
import gzip
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256),
                         nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


class Block(nn.Module):
    """CIFAR ResNet basic block, shortcut option A (He et al. 2016)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.pad = cout - cin
        self.stride = stride

    def forward(self, x):
        out = F.relu(self.b1(self.c1(x)))
        out = self.b2(self.c2(out))
        sc = x
        if self.stride != 1 or self.pad:
            sc = x[:, :, ::2, ::2]
            sc = F.pad(sc, (0, 0, 0, 0, self.pad // 2, self.pad // 2))
        return F.relu(out + sc)


class ResNet20(nn.Module):
    def __init__(self, n=3):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(n):
                layers.append(Block(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.layers(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def train_flop(model, shape, dev):
    """FLOP of one training step per example: 6 x forward multiply-adds."""
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            macs[0] += out[0].numel() * k
        elif isinstance(m, nn.Linear):
            macs[0] += out[0].numel() * m.in_features

    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.zeros((1,) + shape, device=dev))
    for h in hs:
        h.remove()
    return 6 * macs[0]


def epoch(model, opt, x, y, bs, gen):
    n = x.shape[0]
    perm = torch.randperm(n, device=x.device, generator=gen)
    for i in range(0, n, bs):
        idx = perm[i:i + bs]
        out = model(x[idx])
        loss = F.cross_entropy(out, y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def timed(model, opt, x, y, bs, warmup):
    gen = torch.Generator(device=x.device)
    gen.manual_seed(0)
    model.train()
    for _ in range(warmup):
        epoch(model, opt, x, y, bs, gen)
    torch.cuda.synchronize()
    t = time.perf_counter()
    epoch(model, opt, x, y, bs, gen)
    torch.cuda.synchronize()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fashion", help="Fashion-MNIST IDX folder (.gz files)")
    ap.add_argument("--resnet20", action="store_true")
    ap.add_argument("--epochs-warmup", type=int, default=1)
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("torch-epochs.py: PyTorch sees no GPU", file=sys.stderr)
        return 1
    dev = torch.device("cuda")
    torch.manual_seed(0)
    print("torch_version", torch.__version__)
    print("torch_device", torch.cuda.get_device_name(0).replace(" ", "_"))
    if a.fashion:
        xs = load_idx(a.fashion + "/train-images-idx3-ubyte.gz")
        ys = load_idx(a.fashion + "/train-labels-idx1-ubyte.gz")
        x = torch.tensor(xs, device=dev).float().div_(255).reshape(-1, 1, 28, 28)
        y = torch.tensor(ys.astype(np.int64), device=dev)
        m = mlp().to(dev)
        opt = torch.optim.Adam(m.parameters(), lr=0.01)
        print("torch_mlp_epoch_s %.4f" % timed(m, opt, x, y, 128, a.epochs_warmup), flush=True)
    if a.resnet20:
        g = torch.Generator(device=dev)
        g.manual_seed(0)
        x = torch.randint(0, 256, (50000, 3, 32, 32), device=dev, dtype=torch.uint8,
                          generator=g).float().div_(255)
        mean = torch.tensor([0.4914, 0.4822, 0.4465], device=dev).view(1, 3, 1, 1)
        std = torch.tensor([0.2023, 0.1994, 0.2010], device=dev).view(1, 3, 1, 1)
        x = (x - mean) / std
        y = torch.randint(0, 10, (50000,), device=dev, generator=g)
        m = ResNet20().to(dev)
        print("resnet20_params", sum(p.numel() for p in m.parameters()))
        print("resnet20_train_flop", train_flop(m, (3, 32, 32), dev) * 50000)
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        print("torch_resnet20_epoch_s %.4f" % timed(m, opt, x, y, 128, a.epochs_warmup),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
