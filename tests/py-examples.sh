#!/bin/sh
# py-examples.sh - the Python examples of rsc(7) and rsct(5) run as
# printed: the pandas one-liner on rsc-score's TSV gives rsc-score
# --aggregate's means and standard errors; a model rsc-train wrote runs in
# PyTorch and gives rsc's probabilities; the rsct module reads a model and
# writes a file the C reader accepts.  Skipped without python3-numpy,
# python3-torch and python3-pandas.
. "$top_srcdir/tests/common.sh"
py=$(python_with numpy torch pandas) || skip "no Python 3 with NumPy, PyTorch and pandas"
PYTHONPATH="$top_srcdir/python3"
export PYTHONPATH

# The examples: every .nf/.fi block that starts with "import" or "python3 -c",
# roff escapes undone, one file each (ex-PAGE-N.py or .sh, N counting the
# page's blocks).
for page in rsc.7 rsct.5; do
    awk -v page="$page" '
        /^\.nf/ { inb = 1; n++; buf = ""; next }
        /^\.fi/ { if (inb && (buf ~ /^import / || buf ~ /^python3 -c/)) {
                      f = "ex-" page "-" n (buf ~ /^import / ? ".py" : ".sh")
                      printf "%s", buf > f; close(f) }
                  inb = 0; next }
        inb { gsub(/\\e/, "\\"); gsub(/\\-/, "-"); buf = buf $0 "\n" }
    ' "$top_srcdir/man/$page"
done
ls ex-rsc.7-*.sh ex-rsc.7-*.py ex-rsct.5-3.py ex-rsct.5-4.py >/dev/null || fail "examples not found in the man pages"
[ "$(ls ex-* | wc -l)" -eq 4 ] || { ls ex-*; fail "expected 4 Python examples"; }

# What they read: rsc-score's runs, a dataset and a model rsc-train wrote.
cp "$top_srcdir/tests/fixtures/score-runs.tsv" scores.tsv
"$top_builddir/tests/toy-dataset" 40 8 >d.rsct
rsc-train --data d.rsct --arch mlp-small --epochs 1 -o m.rsct 2>/dev/null
cp m.rsct model.rsct

# rsc.7: pandas agrees with rsc-score --aggregate, group by group.
sed "s|^python3 |\"$py\" |" ex-rsc.7-*.sh >pandas.sh
sh pandas.sh >pandas.out || { cat pandas.out; fail "the pandas example failed"; }
cat pandas.out
rsc-score --aggregate scores.tsv >agg.tsv
"$py" - agg.tsv pandas.out <<'PYEOF'
import csv, math, re, sys
out = open(sys.argv[2]).read()
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
assert len(rows) == 6, rows
for r in rows:
    mean, se = float(r["spurious_score_mean"]), float(r["spurious_score_se"])
    se_text = "NaN" if math.isnan(se) else "%.6f" % se
    pat = r"\b%s\s+%.6f\s+%s\n" % (r["count"], mean, se_text)
    assert re.search(pat, out), "no row %r in the pandas output" % pat
PYEOF

# rsc.7: the model in PyTorch gives the probabilities rsc computes.
"$py" ex-rsc.7-*.py >torch.out || { cat torch.out; fail "the PyTorch example failed"; }
cat torch.out
"$top_builddir/tests/model-logits" m.rsct d.rsct logits.rsct
"$py" - torch.out logits.rsct <<'PYEOF'
import re, sys
import numpy as np, rsct
text = open(sys.argv[1]).read()
got = np.array([float(v) for v in re.findall(r"[-+]?\d\.\d+(?:e[-+]\d+)?", text)]).reshape(5, 4)
want = rsct.load(sys.argv[2])[1]["probs"][:5]
# PyTorch prints 4 decimals
assert np.abs(got - want).max() <= 5.1e-5, (got, want)
PYEOF

# rsct.5: the standard-library reader gives the module's metadata and
# bytes, of raw and deflated records.
"$top_builddir/tests/rsct-copy" m.rsct mz.rsct deflate
"$py" - ex-rsct.5-4.py m.rsct mz.rsct <<'PYEOF'
import sys
import numpy as np, rsct
exec(open(sys.argv[1]).read())
for path in sys.argv[2:]:
    meta, tensors = read_rsct(open(path, "rb"))
    m, t = rsct.load(path)
    assert meta == m, path
    assert list(tensors) == list(t), path
    for name, (dtype, dims, data) in tensors.items():
        assert dims == t[name].shape and data == t[name].tobytes(), (path, name)
PYEOF

# rsct.5: the file it writes is one rsc-info reads, deflated.
"$py" ex-rsct.5-3.py >rsct.out || { cat rsct.out; fail "the rsct example failed"; }
grep -qx 'mlp-small (256, 64)' rsct.out || { cat rsct.out; fail "rsct example output"; }
rsc-info w.rsct >info.txt
grep -q '^  fc1  *f32  *256x64 .* yes  *ok$' info.txt || { cat info.txt; fail "w.rsct"; }
exit 0
