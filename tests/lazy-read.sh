#!/bin/sh
# lazy-read.sh - what is not needed is not read (issue 17, defects 3 and
# 6).  rsc-score reads only the test split: beside a gzip bomb in the
# training files of an IDX folder (headers announcing 10^8 images, a
# gigabyte of zeros behind them), or in train.x of an rsct dataset (a
# deflated gigabyte), it scores under ulimit -v exactly as on the clean
# dataset.  rsc-info streams every payload through its crc and keeps none:
# a 0.5 MB file holding a deflated half gigabyte reads under 150 MB.
# Every reader's memory ceiling (--max-memory, RSC_MAX_MEMORY) refuses what
# a file declares beyond it before reading it: file, size and option named.
. "$top_srcdir/tests/common.sh"
B=$top_builddir/tests
F=$top_srcdir/tests/fixtures/idx
LIMIT=700000   # KiB of address space: a gigabyte does not fit
# A sanitizer build cannot start under an address-space limit: the runs
# then go without one (the scores and messages are still checked).
ulim() { ulimit -v "$1"; }
(ulimit -v $LIMIT; exec rsc-score --version) >/dev/null 2>&1 ||
    { echo "note: no ulimit -v (rsc-score cannot start under $LIMIT KiB)" >&2; ulim() { :; }; }

# gzip of N MiB of zeros, one member each
zeros() {
    head -c 1048576 /dev/zero | gzip -c >z1.gz
    i=0
    while [ $i -lt "$1" ]; do cat z1.gz; i=$((i + 1)); done
}
# lim CMD...: CMD under the address-space limit, promptly
lim() { (ulim $LIMIT; exec timeout -k 5 120 "$@"); }

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
lim rsc-score --data bomb --sensitivity --split train --examples 1 -j 1 --device cpu m.rsct >/dev/null 2>err.txt
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
(ulim 150000; exec timeout -k 5 120 rsc-info big.rsct) >info.txt 2>err.txt ||
    { cat err.txt >&2; fail "rsc-info on a deflated half gigabyte under ulimit -v 150000"; }
grep -q '^  x  *u8  *536870912  *536870912 .* yes  *ok$' info.txt || { cat info.txt >&2; fail "rsc-info's table"; }
"$B/rsct-bomb" --corrupt toy.rsct bigbad.rsct x=536870912
(ulim 150000; exec timeout -k 5 120 rsc-info - <bigbad.rsct) >/dev/null 2>err.txt && fail "a bad crc passed"
grep -q "^rsc-info: stdin: tensor 'x': crc mismatch$" err.txt || { cat err.txt >&2; fail "rsc-info's crc message"; }
# --- the memory ceiling (--max-memory, RSC_MAX_MEMORY): what a file
# declares is refused before it is read, with one line naming the file,
# the size and the option
ceil="more than the memory ceiling of 512 MiB (raise it with --max-memory=SIZE or RSC_MAX_MEMORY)"
need="bomb.rsct: reading up to tensor 'train.x' needs 976.56 MiB, $ceil\$"
expect_error 1 "$need" lim rsc-train --max-memory=512M -e 1 -q -j 1 --device cpu bomb.rsct -o x.rsct
[ ! -e x.rsct ] || fail "an output beside the refused input"
expect_error 1 "$need" env RSC_MAX_MEMORY=512M rsc-train -e 1 -q -j 1 --device cpu bomb.rsct -o x.rsct
expect_error 1 "$need" rsc-inject --max-memory=0.5G --data bomb.rsct --pattern none -o x.rsct
# over a pipe the buffer grows with the data: refused once past the ceiling
expect_error 1 "stdin: reading up to tensor 'train.x' needs 976.56 MiB, $ceil\$" \
    lim sh -c 'exec rsc-train --max-memory=512M -e 1 -q -j 1 --device cpu - -o x.rsct <bomb.rsct'
# an invalid bomb (its crc is wrong) is refused before it is inflated:
# the message is the ceiling's, not the crc's
"$B/rsct-bomb" --corrupt toy.rsct badbomb.rsct train.x=16000000x1x8x8
expect_error 1 "badbomb.rsct: reading up to tensor 'train.x' needs 976.56 MiB, $ceil\$" \
    rsc-train --max-memory=512M -e 1 -q -j 1 --device cpu badbomb.rsct -o x.rsct
# IDX headers and CIFAR-10 folders are checked against it too
expect_error 1 "bomb/train-images-idx3-ubyte.gz: the data its header announces needs 1.49 GiB, more than the memory ceiling of 1 GiB (raise" \
    rsc-inject --max-memory=1G --data bomb --pattern none -o x.rsct
mkdir cifar
cp "$top_srcdir/tests/fixtures/cifar/good-1.bin" cifar/test_batch.bin
for i in 1 2 3 4 5; do cp "$top_srcdir/tests/fixtures/cifar/good-1.bin" cifar/data_batch_$i.bin; done
n=$(( $(wc -c <cifar/test_batch.bin) / 3073 ))
expect_error 1 "cifar: its training batches need" rsc-inject --max-memory=$((5 * n * 3076 - 1)) --data cifar --pattern none -o x.rsct
rsc-inject --max-memory=$((5 * n * 3076)) --data cifar --pattern none -o x.rsct
# rsc-info keeps only the table
expect_error 1 "toy.rsct: reading up to tensor 'test.x' needs" rsc-info --max-memory=1K toy.rsct
for size in 512M 4G 1.5G 1048576 64KiB 2TB; do
    rsc-info --max-memory=$size toy.rsct >/dev/null || fail "--max-memory=$size refused"
done
for size in abc 0 -1 1X 5e; do
    expect_error 2 "^rsc-info: --max-memory: '$size' is not a size (a number of bytes, or with K, M, G or T: 512M, 4G)\$" \
        rsc-info --max-memory=$size toy.rsct
done
expect_error 2 "^rsc-score: RSC_MAX_MEMORY: 'lots' is not a size" env RSC_MAX_MEMORY=lots rsc-score --data toy.rsct t.rsct
exit 0
