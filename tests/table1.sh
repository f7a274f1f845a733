#!/bin/sh
# table1.sh - on the real Fashion-MNIST (Debian's dataset-fashion-mnist):
# Table 1's Fashion row to the paper's two decimals, the norms, chosen
# examples and injected images equal to NumPy's (tests/fixtures/
# fashion-numpy.txt, from tests/gen/make-fashion-fixtures.py), and the
# pipeline of rsc(7) through a pipe.  Skipped without the dataset.
. "$top_srcdir/tests/common.sh"
fashion_dir >/dev/null || skip "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"
check="$top_builddir/tests/check-injection"
fix="$top_srcdir/tests/fixtures/fashion-numpy.txt"

# Table 1, Fashion row (R1-R3 with the seed-4 noise the paper used)
rsc-inject --data fashion --norms --seed 4 >t1.tsv
row=$(tail -n +2 t1.tsv | awk -F'\t' '{ printf "%s%.2f", (NR > 1 ? " " : ""), $4 }')
[ "$row" = "1.00 3.00 4.98 3.90 7.40 13.65 4.44" ] || fail "Table 1 Fashion row: $row"
tail -n +2 t1.tsv | cut -f1,3 | sort -u | grep -qx "$(printf 'fashion\t4')" || fail "dataset/seed columns"

# every norm as NumPy computes it, seeds 0 and 4 (relative 1e-8: NumPy sums in
# another order)
for seed in 0 4; do
    rsc-inject --data fashion --norms --seed $seed >n.tsv
    grep "^norm [A-Za-z0-9]* $seed " "$fix" | while read -r _ p s want; do
        got=$(awk -F'\t' -v p="$p" '$2 == p { print $4 }' n.tsv)
        awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-8 * b) }' ||
            fail "norm $p seed $seed: $got, numpy $want"
    done
done

# the examples chosen and the injected images, bit for bit
grep '^inject ' "$fix" | while read -r _ p n t s hash idx; do
    rsc-inject --data fashion --pattern "$p" --count "$n" --target "$t" --seed "$s" | "$check" --summary - >sum
    [ "$(sed -n 2p sum)" = "index $idx" ] || fail "examples for $p $n $t $s differ from numpy"
    [ "$(sed -n 3p sum)" = "hash $hash" ] || fail "injected images for $p $n $t $s differ from numpy"
done

# nothing else changes: the clean import plus the injection
rsc-inject --data fashion --pattern none -o clean.rsct
rsc-inject --data clean.rsct --pattern R3 --count 10 --target 0 --seed 0 -o inj.rsct
[ "$("$check" clean.rsct inj.rsct)" = "ok 10" ] || fail "Fashion injection touches other bytes"

# in a pipe (datasets come on standard input too: rsc(7)), compressed or not
rsc-inject --data fashion --pattern R3 --count 10 --target 0 --seed 0 | rsc-info - >info
grep -q '^  pattern=R3$' info && grep -q '^  spurious.x  *f32  *10x1x28x28 ' info &&
    grep -q '^  train.x  *u8  *60000x1x28x28 ' info || fail "rsc-info in a pipe: $(cat info)"
rsc-inject --data fashion --pattern R3 --count 10 --target 0 --seed 0 | "$check" --summary - >sum
grep -q '^name=fashion pattern=R3 target=0 count=10 seed=0$' sum || fail "pipe: $(head -1 sum)"
rsc-inject --data fashion --pattern R3 --count 10 --target 0 --seed 0 -z | rsc-inject --pattern none >p.rsct
cmp p.rsct inj.rsct || fail "compressed pipe and file differ"
exit 0
