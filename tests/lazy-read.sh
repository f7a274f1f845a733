#!/bin/sh
# lazy-read.sh - what is not needed is not read (issue 17, defects 3 and
# 6).  rsc-score reads only the test split: beside a gzip bomb in the
# training files of an IDX folder (headers announcing 10^8 images, a
# gigabyte of zeros behind them), or in train.x of an rsct dataset (a
# deflated gigabyte), it scores under ulimit -v exactly as on the clean
# dataset.  rsc-info streams every payload through its crc and keeps none:
# a 0.5 MB file holding a deflated half gigabyte reads under 150 MB.
. "$top_srcdir/tests/common.sh"
B=$top_builddir/tests
F=$top_srcdir/tests/fixtures/idx
LIMIT=700000   # KiB of address space: a gigabyte does not fit
(ulimit -v $LIMIT; exec rsc-score --version) >/dev/null 2>&1 || skip "rsc-score cannot start under ulimit -v $LIMIT"

# gzip of N MiB of zeros, one member each
zeros() {
    head -c 1048576 /dev/zero | gzip -c >z1.gz
    i=0
    while [ $i -lt "$1" ]; do cat z1.gz; i=$((i + 1)); done
}
# lim CMD...: CMD under the address-space limit, promptly
lim() { (ulimit -v $LIMIT; exec timeout -k 5 120 "$@"); }

# --- an IDX folder: the test files are the fixtures, the training files bombs
mkdir good bomb
for s in train t10k; do
    cp "$F/good-images.gz" good/$s-images-idx3-ubyte.gz
    cp "$F/good-labels.gz" good/$s-labels-idx1-ubyte.gz
done
cp good/t10k-* bomb/
{ printf '\0\0\010\003\005\365\341\000\0\0\0\004\0\0\0\004' | gzip -c; zeros 1024; } >bomb/train-images-idx3-ubyte.gz
{ printf '\0\0\010\001\005\365\341\000' | gzip -c; zeros 95; head -c 385280 /dev/zero | gzip -c; } \
    >bomb/train-labels-idx1-ubyte.gz   # 10^8 labels, exactly
[ "$(wc -c <bomb/train-images-idx3-ubyte.gz)" -lt 3000000 ] || fail "the bomb is not small"
rsc-train --data good --arch linear -e 1 -q -j 1 --device cpu -o m.rsct
rsc-score --data good -p S1 -t 0 -j 1 --device cpu m.rsct >ref.tsv
lim rsc-score --data bomb -p S1 -t 0 -j 1 --device cpu m.rsct >got.tsv 2>err.txt ||
    { cat err.txt >&2; fail "rsc-score beside an IDX bomb under ulimit -v $LIMIT"; }
cmp ref.tsv got.tsv || fail "scores beside the IDX bomb differ"
# --sensitivity --split train does need the training files: refused, not killed
set +e
lim rsc-score --data bomb --sensitivity --split train -k 1 -j 1 --device cpu m.rsct >/dev/null 2>err.txt
st=$?
set -e
[ $st -eq 1 ] || { cat err.txt >&2; fail "--split train beside a bomb: exit $st, expected 1"; }

# --- an rsct dataset whose train.x and train.y are deflated bombs
"$top_builddir/tests/toy-dataset" 400 100 12 >toy.rsct
"$B/rsct-bomb" toy.rsct bomb.rsct train.x=16000000x1x8x8 train.y=16000000
[ "$(wc -c <bomb.rsct)" -lt 3000000 ] || fail "the rsct bomb is not small"
rsc-train --arch linear -e 1 -q -j 1 --device cpu toy.rsct -o t.rsct
rsc-score --data toy.rsct -j 1 --device cpu t.rsct >ref.tsv
lim rsc-score --data bomb.rsct -j 1 --device cpu t.rsct >got.tsv 2>err.txt ||
    { cat err.txt >&2; fail "rsc-score on an rsct with a bomb in train.x under ulimit -v $LIMIT"; }
cmp ref.tsv got.tsv || fail "scores beside the rsct bomb differ"
# A bad crc in a tensor not kept is still found.
"$B/rsct-bomb" --corrupt toy.rsct badcrc.rsct train.y=400
expect_error 1 "badcrc.rsct: tensor 'train.y': crc mismatch" rsc-score --data badcrc.rsct -j 1 --device cpu t.rsct

# --- rsc-info streams: a deflated half gigabyte read under 150 MB
"$B/rsct-bomb" toy.rsct big.rsct x=536870912
(ulimit -v 150000; exec timeout -k 5 120 rsc-info big.rsct) >info.txt 2>err.txt ||
    { cat err.txt >&2; fail "rsc-info on a deflated half gigabyte under ulimit -v 150000"; }
grep -q '^  x  *u8  *536870912  *536870912 .* yes  *ok$' info.txt || { cat info.txt >&2; fail "rsc-info's table"; }
"$B/rsct-bomb" --corrupt toy.rsct bigbad.rsct x=536870912
(ulimit -v 150000; exec timeout -k 5 120 rsc-info - <bigbad.rsct) >/dev/null 2>err.txt && fail "a bad crc passed"
grep -q "^rsc-info: stdin: tensor 'x': crc mismatch$" err.txt || { cat err.txt >&2; fail "rsc-info's crc message"; }
exit 0
