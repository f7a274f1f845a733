#!/usr/bin/python3
"""PyTorch reference for bench/train-mlp: train the paper's MLP
(784-256-256-256-10, ReLU) with Adam lr 0.01, batch 128, cross-entropy,
shuffling, on random data of Fashion-MNIST's shape, and print examples/s
as TSV rows like bench-train's.  Usage: train-mlp-torch.py THREADS SECONDS"""
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
torch.set_num_threads(threads)
torch.manual_seed(0)
n = 60000
x = torch.rand(n, 1, 28, 28)
y = torch.randint(0, 10, (n,))
model = torch.nn.Sequential(
    torch.nn.Flatten(),
    torch.nn.Linear(784, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = torch.nn.CrossEntropyLoss()
ds = torch.utils.data.TensorDataset(x, y)
loader = torch.utils.data.DataLoader(ds, batch_size=128, shuffle=True)


def epoch(limit=None):
    done = 0
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        done += xb.shape[0]
        if limit and done >= limit:
            break
    return done


epoch(limit=5000)  # warm up
t0 = time.time()
c0 = time.process_time()
ex = 0
while time.time() - t0 < seconds:
    ex += epoch(limit=int(max(5000, seconds * 10000)))
rate = ex / (time.time() - t0)
cpu = time.process_time() - c0
print("torch_examples_per_s\t%d\t%.0f\tex/s" % (threads, rate))
print("torch_examples_per_cpu_s\t%d\t%.0f\tex/(CPU s)" % (threads, ex / cpu))
