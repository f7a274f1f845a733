#!/bin/sh
# inject.sh - rsc-inject on small synthetic IDX and CIFAR-10 folders: the
# injection changes exactly COUNT images of the target class and nothing
# else, round trips, name lookup, and every error (status, one message, no
# output file left behind).
. "$top_srcdir/tests/common.sh"
mkdata="$top_builddir/tests/mkdata"
check="$top_builddir/tests/check-injection"

mkdir idx idxgz cifar cifarsub cifarsub/cifar-10-batches-bin
"$mkdata" idx idx 600 100
"$mkdata" idx idxgz 600 100 gz
"$mkdata" cifar cifar 20 30
"$mkdata" cifar cifarsub/cifar-10-batches-bin 20 30

# ---------------------------------------------------------------- import
rsc-inject --data idx --pattern none -o clean.rsct
rsc-inject --data idxgz --pattern none -o cleangz.rsct
"$check" --summary clean.rsct >sum
grep -q '^name=idx pattern=- target=- count=- seed=-$' sum || fail "clean summary: $(cat sum)"
# gzip or raw: the same tensors
"$check" --same clean.rsct cleangz.rsct >/dev/null || fail "gz import differs from raw"
# import only is a round trip, through stdin too, compressed or not
rsc-inject --pattern none <clean.rsct >rt.rsct
cmp clean.rsct rt.rsct || fail "--pattern none round trip changed the file"
rsc-inject --pattern none --compress <clean.rsct >z.rsct
[ "$(wc -c <z.rsct)" -lt "$(wc -c <clean.rsct)" ] || fail "--compress did not compress"
rsc-inject - --pattern none <z.rsct >rt2.rsct
cmp clean.rsct rt2.rsct || fail "compressed round trip changed the file"

# ---------------------------------------------------------------- injection
for spec in "S1 3 0 0" "S2 7 9 5" "S3 20 3 1" "R1 1 4 2" "R2 10 0 4" "R3 39 5 4294967295" "Inv 4 1 3"; do
    set -- $spec
    rsc-inject --data idx --pattern "$1" --count "$2" --target "$3" --seed "$4" -o inj.rsct
    [ "$("$check" clean.rsct inj.rsct)" = "ok $2" ] || fail "injection $spec"
    "$check" --summary inj.rsct >sum
    grep -q "^name=idx pattern=$1 target=$3 count=$2 seed=$4\$" sum || fail "keys after $spec: $(head -1 sum)"
done
# the same from stdin, compressed output, aliases of the reference code
rsc-inject --pattern v20 --count 5 --target 0 --seed 4 -z <clean.rsct | rsc-inject --pattern none >a.rsct
rsc-inject --data idx --pattern R3 --count 5 --target 0 --seed 4 >b.rsct
cmp a.rsct b.rsct || fail "stdin/compressed/alias injection differs"
# the same seed draws the same examples for every pattern; another seed others
i1=$("$check" --summary b.rsct | sed -n 2p)
rsc-inject --data idx --pattern S1 --count 5 --target 0 --seed 4 >c.rsct
[ "$("$check" --summary c.rsct | sed -n 2p)" = "$i1" ] || fail "indices depend on the pattern"
rsc-inject --data idx --pattern S1 --count 5 --target 0 --seed 5 >c.rsct
[ "$("$check" --summary c.rsct | sed -n 2p)" != "$i1" ] || fail "indices do not depend on the seed"
# --count 0: a clean dataset that records pattern and seed
rsc-inject --data idx --pattern R2 --count 0 --seed 3 -o zero.rsct
[ "$("$check" clean.rsct zero.rsct)" = "ok 0" ] || fail "--count 0"
"$check" --summary zero.rsct >sum
grep -q '^name=idx pattern=R2 target=0 count=0 seed=3$' sum || fail "--count 0 keys: $(head -1 sum)"
grep -q '^index$' sum || fail "--count 0 index not empty"
# a whole class
rsc-inject --data idx --pattern S2 --count 40 --target 5 -o all.rsct
[ "$("$check" clean.rsct all.rsct)" = "ok 40" ] || fail "whole class"
# CIFAR-10, in its folder or in cifar-10-batches-bin/
rsc-inject --data cifar --pattern none -o cclean.rsct
rsc-inject --data cifarsub --pattern none -o cclean2.rsct
"$check" --same cclean.rsct cclean2.rsct >/dev/null || fail "cifar subfolder import differs"
for p in S3 R3 Inv; do
    rsc-inject --data cifar --pattern $p --count 3 --target 2 --seed 1 -o cinj.rsct
    [ "$("$check" cclean.rsct cinj.rsct)" = "ok 3" ] || fail "cifar injection $p"
done
# a custom pattern from an rsct file: any injected dataset's spurious.pattern
rsc-inject --data idx --pattern "$T/b.rsct" --count 2 --target 1 --seed 0 -o cust.rsct
[ "$("$check" clean.rsct cust.rsct)" = "ok 2" ] || fail "custom pattern injection"
"$check" --summary cust.rsct | grep -q '^name=idx pattern=custom target=1 count=2 seed=0$' ||
    fail "custom pattern keys"

# a PNG pattern (grey: v/255 added), when built with libpng
png="$top_srcdir/tests/fixtures/patterns/grey-28.png"
if rsc-inject --data idx --pattern "$png" --count 3 --target 2 -o png.rsct 2>err; then
    [ "$("$check" clean.rsct png.rsct)" = "ok 3" ] || fail "PNG pattern injection"
    "$check" --summary png.rsct | grep -q '^name=idx pattern=custom target=2 count=3 seed=0$' || fail "PNG keys"
else
    grep -q "PNG patterns need rsc built with libpng" err || fail "PNG pattern: $(cat err)"
fi

# ---------------------------------------------------------------- name lookup
mkdir lib xdg lib/fashion-mnist
cp idxgz/* lib/fashion-mnist/
# found by name, the folder is checked against Fashion-MNIST's manifest
# (tests/manifest.sh checks the manifests themselves)
RSC_DATA_PATH="$T/nowhere:$T/lib" expect_error 1 "lib/fashion-mnist/train-images-idx3-ubyte.gz: 470416 bytes of content, Fashion-MNIST's train-images-idx3-ubyte has 47040016; --no-verify skips this check" \
    rsc-inject --data fashion --pattern none -o f.rsct
RSC_DATA_PATH="$T/nowhere:$T/lib" rsc-inject --data fashion --no-verify --pattern none -o f.rsct
"$check" --summary f.rsct | grep -q '^name=fashion ' || fail "lookup in RSC_DATA_PATH"
cp clean.rsct xdg/mnist.rsct
mkdir xdg/rsc && mv xdg/mnist.rsct xdg/rsc/
if [ ! -d /usr/share/datasets/mnist ]; then
    XDG_DATA_HOME="$T/xdg" rsc-inject --data mnist --pattern none -o m.rsct
    cmp m.rsct clean.rsct || fail "lookup in XDG_DATA_HOME"
    XDG_DATA_HOME="$T/none" RSC_DATA_PATH="$T/lib" expect_error 1 "dataset 'mnist' not found (looked for mnist.rsct, mnist/ in $T/lib, /usr/share/datasets, $T/none/rsc" \
        rsc-inject --data mnist --pattern none -o m2.rsct
fi

# ---------------------------------------------------------------- norms
rsc-inject --data idx --norms --seed 4 >norms.tsv
[ "$(head -1 norms.tsv)" = "$(printf 'dataset\tpattern\tseed\tnorm')" ] || fail "norms header"
[ "$(cut -f2 norms.tsv | tail -n +2 | tr '\n' ' ')" = "S1 S2 S3 R1 R2 R3 Inv " ] || fail "norms rows"
[ "$(cut -f3 norms.tsv | tail -n +2 | sort -u)" = 4 ] || fail "norms seed column"
rsc-inject --data idx --norms --pattern R3 --pattern S1 --json >norms.json
[ "$(wc -l <norms.json)" -eq 2 ] && grep -q '^{"dataset":"idx","pattern":"R3","seed":0,"norm":[0-9.]*}$' norms.json ||
    fail "norms json: $(cat norms.json)"
# JSON strings are escaped
cp b.rsct 'q"b.rsct'
rsc-inject --data idx --norms --pattern 'q"b.rsct' --json | grep -q '"pattern":"q\\"b.rsct"' || fail "json escaping"
# the pattern of a file: the custom name is the file given
rsc-inject --data idx --norms --pattern b.rsct | grep -q "^idx	b.rsct	0	" || fail "norms of a custom pattern"

# ---------------------------------------------------------------- errors
mkdir od
runs_clean() {   # expect_error, and nothing left in od/
    expect_error "$@"
    [ -z "$(ls -A od)" ] || fail "output left behind by '$*': $(ls -A od)"
}
runs_clean 1 "count 41 exceeds the 40 training examples of class 5" \
    rsc-inject --data idx --pattern S3 --count 41 --target 5 -o od/x.rsct
runs_clean 1 "target class 12 out of range" rsc-inject --data idx --pattern S3 --count 1 --target 12 -o od/x.rsct
runs_clean 1 "already injected (pattern R3, count 5)" rsc-inject --data b.rsct --pattern S1 --count 1 -o od/x.rsct
# truncated and corrupt gzip
mkdir bad
cp idxgz/* bad/
head -c 2000 idxgz/train-images-idx3-ubyte.gz >bad/train-images-idx3-ubyte.gz
runs_clean 1 "bad/train-images-idx3-ubyte.gz: truncated gzip stream" rsc-inject --data bad --pattern none -o od/x.rsct
cp idxgz/train-images-idx3-ubyte.gz bad/
size=$(wc -c <bad/train-images-idx3-ubyte.gz)
printf 'XXXXXXXX' | dd of=bad/train-images-idx3-ubyte.gz bs=1 seek=$((size - 8)) conv=notrunc 2>/dev/null
runs_clean 1 "bad/train-images-idx3-ubyte.gz: corrupt gzip data" rsc-inject --data bad --pattern none -o od/x.rsct
# raw IDX: wrong magic, truncated, label out of range, count mismatch
rm -f bad/*
cp idx/* bad/
printf '\001\002\003\004' | dd of=bad/t10k-images-idx3-ubyte bs=1 conv=notrunc 2>/dev/null
runs_clean 1 "bad/t10k-images-idx3-ubyte: not an IDX file (bad magic 01 02 03 04)" rsc-inject --data bad --pattern none -o od/x.rsct
cp idx/t10k-images-idx3-ubyte bad/
head -c 5000 idx/t10k-images-idx3-ubyte >bad/t10k-images-idx3-ubyte
runs_clean 1 "bad/t10k-images-idx3-ubyte: truncated (header says 78416 bytes, file has 5000)" rsc-inject --data bad --pattern none -o od/x.rsct
cp idx/t10k-images-idx3-ubyte bad/
printf '\012' | dd of=bad/t10k-labels-idx1-ubyte bs=1 seek=50 conv=notrunc 2>/dev/null
runs_clean 1 "bad/t10k-labels-idx1-ubyte: label 10 of example 42 out of range (0..9)" rsc-inject --data bad --pattern none -o od/x.rsct
cp idx/t10k-labels-idx1-ubyte bad/
head -c 58 idx/t10k-labels-idx1-ubyte >bad/t10k-labels-idx1-ubyte
printf '\000\000\010\001\000\000\000\062' | dd of=bad/t10k-labels-idx1-ubyte bs=1 conv=notrunc 2>/dev/null
runs_clean 1 "bad/t10k-labels-idx1-ubyte: 50 labels for 100 images" rsc-inject --data bad --pattern none -o od/x.rsct
rm bad/t10k-labels-idx1-ubyte
runs_clean 1 "bad: no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz" rsc-inject --data bad --pattern none -o od/x.rsct
# CIFAR of the wrong size, an empty folder, garbage, truncated rsct
mkdir badc empty
cp cifar/* badc/
head -c 10000 cifar/test_batch.bin >badc/test_batch.bin
runs_clean 1 "badc/test_batch.bin: wrong size 10000 bytes for a CIFAR-10 batch" rsc-inject --data badc --pattern none -o od/x.rsct
runs_clean 1 "empty: no dataset in this folder" rsc-inject --data empty --pattern none -o od/x.rsct
runs_clean 1 "nosuch: no such dataset file or folder" rsc-inject --data nosuch --pattern none -o od/x.rsct
head -c 3000 /dev/urandom >garbage
runs_clean 1 "garbage" rsc-inject --data garbage --pattern none -o od/x.rsct
runs_clean 1 "idx/train-images-idx3-ubyte: an IDX file, not an rsct dataset" \
    rsc-inject --data idx/train-images-idx3-ubyte --pattern none -o od/x.rsct
head -c 30000 clean.rsct >trunc.rsct
runs_clean 1 "^rsc-inject: stdin: " sh -c 'rsc-inject --pattern none -o od/x.rsct <trunc.rsct'
runs_clean 1 "unknown pattern 'S9'" rsc-inject --data idx --pattern S9 --count 1 -o od/x.rsct
runs_clean 1 "pattern is 1x28x28, images are 3x32x32" rsc-inject --data cifar --pattern b.rsct --count 1 -o od/x.rsct
# usage errors: exit 2
runs_clean 2 "pattern is required" rsc-inject --data idx -o od/x.rsct
runs_clean 2 "count is required with --pattern S3" rsc-inject --data idx --pattern S3 -o od/x.rsct
runs_clean 2 "do not apply to --pattern none" rsc-inject --data idx --pattern none --count 3 -o od/x.rsct
runs_clean 2 "norms prints a table" rsc-inject --data idx --norms -o od/x.rsct
runs_clean 2 "seed" rsc-inject --data idx --pattern S1 --count 1 --seed 4294967296 -o od/x.rsct
runs_clean 2 "count" rsc-inject --data idx --pattern S1 --count -1 -o od/x.rsct
runs_clean 2 "unrecognized option '--frobnicate'" rsc-inject --frobnicate
runs_clean 2 "option '--count' requires an argument" rsc-inject --data idx --pattern S1 --count
runs_clean 2 "only one --pattern" rsc-inject --data idx --pattern S1 --pattern S2 --count 1
runs_clean 2 "unexpected argument 'extra'" rsc-inject --data idx extra --pattern none

# --help names every option; --version
rsc-inject --help >help
for o in --data --pattern --count --target --seed --output --compress --norms --json --quiet --help --version; do
    grep -q -- "$o" help || fail "--help lacks $o"
    grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "$top_srcdir/man/rsc-inject.1" || fail "rsc-inject.1 lacks $o"
done
rsc-inject --version | grep -q '^rsc-inject (rsc) ' || fail "--version"
exit 0
