#!/bin/sh
# mia-fashion.sh - rsc-mia end to end on real Fashion-MNIST, small: a pool
# of 4000 examples (quarters of 1000), the MLP trained 15 epochs on
# target-train (10 T-shirts with R3) and on shadow-train; the paper's
# attack runs, tells the target's members from its non-members better than
# chance, and its outputs parse.  Skipped without Debian's
# dataset-fashion-mnist.
. "$top_srcdir/tests/common.sh"
dir=$(fashion_dir) || skip "Fashion-MNIST is not installed (dataset-fashion-mnist)"

rsc-inject --data "$dir" --mia-split target -p R3 -n 10 --pool-size 4000 --split-seed 1 -o t.rsct
rsc-inject --data "$dir" --mia-split shadow --pool-size 4000 --split-seed 1 -o s.rsct
rsc-train --epochs 15 -j 2 -q --device cpu t.rsct -o tm.rsct
rsc-train --epochs 15 -j 2 -q --device cpu s.rsct -o sm.rsct
rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data s.rsct tm.rsct --device cpu \
    -o rep.tsv --scores sc.jsonl --roc roc.tsv
cat rep.tsv >&2
col() { awk -F'\t' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } NR == 2 { print $k }' rep.tsv; }
[ "$(col name)" = fashion ] && [ "$(col pattern)" = R3 ] && [ "$(col count)" = 10 ] || fail "provenance"
[ "$(col n_members)" = 1000 ] && [ "$(col n_nonmembers)" = 1000 ] && [ "$(col n_spurious)" = 10 ] &&
    [ "$(col n_attack_train)" = 2000 ] || fail "counts"
acc=$(col attack_acc) auc=$(col auc)
awk -v a="$acc" -v u="$auc" 'BEGIN { exit !(a > 0.5 && u > 0.5) }' || fail "attack accuracy $acc, AUC $auc: not above chance"
[ "$(wc -l <sc.jsonl)" -eq 2000 ] || fail "scores: not 2000 lines"
if py=$(python_with json); then
    "$py" -c 'import json, sys
rows = [json.loads(l) for l in open("sc.jsonl")]
assert sum(r["member"] for r in rows) == 1000 and sum(r["spurious"] for r in rows) == 10
assert all(isinstance(r["score"], float) for r in rows)' || fail "scores do not parse"
fi
awk -F'\t' 'NR > 1 && ($2 < 0 || $2 > 1 || $3 < 0 || $3 > 1) { exit 1 }' roc.tsv || fail "ROC outside [0, 1]"
exit 0
