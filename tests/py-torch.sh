#!/bin/sh
# py-torch.sh - python3/rsc_torch.py: every architecture's PyTorch
# definition has rsc's parameter names and shapes, and models rsc-train
# trained give rsc's logits, probabilities, predictions and rsc-score's
# accuracy in PyTorch (tests/py-torch.py).  Uses Fashion-MNIST when
# installed, a generated CIFAR-format set otherwise.  Skipped without
# python3-numpy and python3-torch.
. "$top_srcdir/tests/common.sh"
py=$(python_with numpy torch) || skip "no Python 3 with NumPy and PyTorch (python3-torch)"
FASHION=$(fashion_dir) || FASHION=
PYTHONPATH="$top_srcdir/python3:$top_srcdir/tests"
export PYTHONPATH FASHION
"$py" -B "$top_srcdir/tests/py-torch.py"
