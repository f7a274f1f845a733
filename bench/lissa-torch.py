#!/usr/bin/python3
"""PyTorch reference for bench/lissa: LiSSA as the reference code runs it
(pytorch-influence-functions' s_test: h = v + (1 - damp) h - H h / scale
with H h by double backward on one random training example, `depth` steps,
`repeats` times) on the paper's MLP (784-256-256-256-10, ReLU) with data
of Fashion-MNIST's shape, and print the seconds as a TSV row.
Usage: lissa-torch.py THREADS DEPTH REPEATS"""
import sys
import time

import torch

threads, depth, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
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
params = list(model.parameters())
loss_fn = torch.nn.CrossEntropyLoss()


def grad_of(xb, yb, create_graph):
    return torch.autograd.grad(loss_fn(model(xb), yb), params, create_graph=create_graph)


v = [g.detach() for g in grad_of(x[:10], y[:10], False)]
damp, scale = 0.01, 100.0
t0 = time.perf_counter()
for r in range(repeats):
    h = [a.clone() for a in v]
    for j in range(depth):
        i = torch.randint(0, n, (1,))
        g = grad_of(x[i], y[i], True)
        hv = torch.autograd.grad(g, params, grad_outputs=h)
        with torch.no_grad():
            h = [a + (1 - damp) * b - c / scale for a, b, c in zip(v, h, hv)]
secs = time.perf_counter() - t0
print(f"torch_lissa_seconds\t{threads}\t{secs:.3f}\ts (depth {depth}, {repeats} repeats)")
