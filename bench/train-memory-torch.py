#!/usr/bin/python3
"""PyTorch reference for bench/train-memory: the same training as the
rsc-train run there, the paper's MLP (784-256-256-256-10, ReLU) with Adam
lr 0.01, batch 128, cross-entropy, shuffling, on Fashion-MNIST read from
its IDX files as the reference implementation holds it (float32 tensors,
pixel / 255), then the test accuracy.  Its peak memory is measured from
outside (bench/peak-rss).
Usage: train-memory-torch.py FASHION_DIR EPOCHS THREADS"""
import gzip
import os
import sys

import torch


def idx(folder, name):
    """The tensor of an IDX file (plain or .gz) of Fashion-MNIST."""
    path = os.path.join(folder, name)
    opener = open
    if not os.path.exists(path):
        path, opener = path + ".gz", gzip.open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


folder, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
x = idx(folder, "train-images-idx3-ubyte").float().div(255).reshape(-1, 1, 28, 28)
y = idx(folder, "train-labels-idx1-ubyte").long()
tx = idx(folder, "t10k-images-idx3-ubyte").float().div(255).reshape(-1, 1, 28, 28)
ty = idx(folder, "t10k-labels-idx1-ubyte").long()
model = torch.nn.Sequential(
    torch.nn.Flatten(),
    torch.nn.Linear(784, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = torch.nn.CrossEntropyLoss()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=128,
                                     shuffle=True)
for _ in range(epochs):
    for xb, yb in loader:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
with torch.no_grad():
    acc = (model(tx).argmax(1) == ty).float().mean().item()
print("torch_test_acc\t%.4f" % acc)
