#!/bin/sh
# train-e2e.sh - rsc-inject | rsc-train on real Fashion-MNIST: the paper's
# MLP with the reference recipe (Adam, lr 0.01, batch 128) on the first
# 3000 training images for 3 epochs reaches a test accuracy of about 0.75
# on the first 2000 test images (0.7545 measured with 2 threads, SkylakeX kernels); we require
# 0.70, seven times chance.  Skipped without Debian's dataset-fashion-mnist.
. "$top_srcdir/tests/common.sh"
dir=$(fashion_dir) || skip "Fashion-MNIST is not installed (dataset-fashion-mnist)"

rsc-inject --data "$dir" --pattern R3 --count 10 --target 0 --seed 0 \
    | rsc-train --arch mlp --epochs 3 --limit 3000 --test-limit 2000 -j 2 -o m.rsct 2>sum.txt
cat sum.txt >&2
acc=$(sed -n 's/.* test acc \([0-9.]*\);.*/\1/p' sum.txt)
[ -n "$acc" ] || fail "no test accuracy in the summary"
awk -v a="$acc" 'BEGIN { exit !(a >= 0.70) }' || fail "test accuracy $acc < 0.70"
# The model records the provenance of the injected dataset.
rsc-info m.rsct >info.txt
for kv in name=fashion pattern=R3 target=0 count=10 seed=0 limit=3000 examples=3000 epochs_done=3; do
    grep -q "^  $kv\$" info.txt || { cat info.txt; fail "model lacks $kv"; }
done
grep -q '^  spurious.index ' info.txt || fail "model lacks spurious.index"
exit 0
