#!/bin/sh
# py-hvp.sh - rsc-delete's Hessian-vector products (the R-operator of
# every layer, libcommon/delete/hvp.c) on trained models against
# PyTorch's double backward in float64 (tests/py-hvp.py).  Skipped
# without python3-numpy and python3-torch.
. "$top_srcdir/tests/common.sh"
py=$(python_with numpy torch) || skip "no Python 3 with NumPy and PyTorch (python3-torch)"
FASHION=$(fashion_dir) || FASHION=
PYTHONPATH="$top_srcdir/python3:$top_srcdir/tests"
export PYTHONPATH FASHION
"$py" -B "$top_srcdir/tests/py-hvp.py"
