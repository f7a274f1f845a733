#!/bin/sh
# score-fashion.sh - end to end on real Fashion-MNIST (skipped without it):
# the first 6000 training and 2000 test images; R3 injected into 300 of the
# ~600 class-0 training images vs the same recipe with none; a small MLP
# trained a few epochs.  The injected model must score clearly higher.
. "$top_srcdir/tests/common.sh"
dir=$(fashion_dir) || skip "Fashion-MNIST not installed (dataset-fashion-mnist)"
for p in rsc-inject rsc-train; do
    command -v $p > /dev/null || skip "$p not built"
done

"$top_builddir/tests/score-fixture" --subset "$dir" "$T/fs.rsct" 6000 2000 || fail "subset"
for n in 0 300; do
    rsc-inject -q --data "$T/fs.rsct" --pattern R3 --count $n --target 0 --seed 0 -o "$T/d$n.rsct" ||
        fail "rsc-inject --count $n"
    rsc-train -q --arch mlp-small --epochs 4 --threads 2 < "$T/d$n.rsct" > "$T/m$n.rsct" ||
        fail "rsc-train --count $n"
done
expect_status 0 rsc-score -q --threads 2 --data "$T/fs.rsct" "$T/m0.rsct" "$T/m300.rsct"
cat "$T/out" >&2
val() {  # val ROW COLUMN
    awk -F '\t' -v c="$2" -v r="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
        NR == r + 1 { print $k; exit }' "$T/out"
}
s0=$(val 1 spurious_score); s300=$(val 2 spurious_score)
a0=$(val 1 clean_acc); a300=$(val 2 clean_acc)
[ "$(val 1 count)" = 0 ] && [ "$(val 2 count)" = 300 ] && [ "$(val 2 pattern)" = R3 ] || fail "provenance"
[ "$(val 1 n_test)" = 2000 ] || fail "n_test"
# Both models learned the task (10 classes: chance is 0.1; a few epochs on
# 6000 images give ~0.8).  With the pattern on 5% of the training set,
# all in class 0, R3 (norm ~13.7) is the strongest feature of class 0: the
# model moves most test images towards class 0 when the pattern is added
# (score well above 0.5), while the clean model, which never saw the
# pattern, moves few.  Measured (CPU, OpenBLAS): count 0 scores 0, clean
# accuracy 0.845; count 300 scores 0.9665 (ASR 0.98), clean accuracy 0.85.
# The margin of 0.4 leaves room for other seeds and backends.
awk -v a="$a0" -v b="$a300" 'BEGIN { exit !(a > 0.6 && b > 0.6) }' || fail "clean accuracy $a0 / $a300"
awk -v s="$s0" -v t="$s300" 'BEGIN { exit !(t > 0.5 && t > s + 0.4) }' ||
    fail "spurious score: count 300 $s300, count 0 $s0"
exit 0
