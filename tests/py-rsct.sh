#!/bin/sh
# py-rsct.sh - python3/rsct.py against the C reader and writer: C writes
# and Python reads, Python writes and C reads (every dtype, raw, deflated
# and mixed records, pipes), the malformed fixtures rejected with the C
# reader's messages, save()'s refusals and atomic replacement, and
# state_dict() of models rsc-train wrote (tests/py-rsct.py).  Skipped
# without python3-numpy.
. "$top_srcdir/tests/common.sh"
py=$(python_with numpy) || skip "no Python 3 with NumPy (python3-numpy)"
PYTHONPATH="$top_srcdir/python3"
export PYTHONPATH
"$py" -B "$top_srcdir/tests/py-rsct.py"
