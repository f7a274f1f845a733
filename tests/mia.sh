#!/bin/sh
# mia.sh - membership inference end to end on tiny synthetic data (seconds):
# rsc-inject --mia-split makes deterministic, disjoint parts of the pool
# (NumPy's permutation when python3-numpy is there); rsc-train carries the
# split into the model; rsc-mia's attack on models that memorise noise
# finds their members (shadow attack and LiRA), its outputs parse and agree
# with each other; rsc-mia fit reproduces the scikit-learn fixtures; every
# error path exits 1 (or 2) with one line and no output file.
. "$top_srcdir/tests/common.sh"
fx=$top_srcdir/tests/fixtures/mia
dump() { "$top_builddir/tests/rsct-dump" "$@"; }

# ---------------------------------------------------------------- the split
# 200 + 40 examples of 8x8 noise with random labels (4 classes): only
# memorised, so that members and non-members differ.
"$top_builddir/tests/toy-dataset" 200 40 0 noise >noise.rsct
rsc-inject noise.rsct --mia-split target -p S2 -n 3 -t 1 -s 4 --split-seed 7 -o t.rsct
rsc-inject noise.rsct --mia-split target -p S2 -n 3 -t 1 -s 4 --split-seed 7 -o t2.rsct
cmp t.rsct t2.rsct || fail "the target split is not deterministic"
rsc-inject noise.rsct --mia-split shadow --shadows 2 --split-seed 7 -o s-%d.rsct
[ -f s-1.rsct ] && [ -f s-2.rsct ] && [ ! -f s-0.rsct ] || fail "--shadows 2 did not write s-1 and s-2"
rsc-info t.rsct >info.txt
for kv in mia_split=four-way mia_part=target mia_shadow=0 mia_split_seed=7 mia_pool=240 \
          mia_pool_train=200 pattern=S2 count=3 target=1 seed=4; do
    grep -q "^  $kv\$" info.txt || { cat info.txt; fail "target split lacks $kv"; }
done
grep -q "^  train.x  *u8  *60x1x8x8 " info.txt || fail "target-train is not a quarter of 240"
rsc-info s-2.rsct | grep -q '^  mia_shadow=2$' || fail "shadow 2 lacks mia_shadow=2"
rsc-info s-2.rsct | grep -q 'spurious' && fail "a shadow has spurious examples"
rows() { dump "$1" "mia.$2_rows" | grep -v '^#'; }
# the four quarters are disjoint and cover 240 rows (the four-way split of seed 7)
{ rows t.rsct train; rows t.rsct test; rows s-1.rsct train; rows s-1.rsct test; } >all.txt
[ "$(sort -n all.txt | uniq | wc -l)" -eq 240 ] || fail "the four parts overlap or miss rows"
# shadow 2 reorders the shadow pool: same rows, other halves
{ rows s-1.rsct train; rows s-1.rsct test; } | sort -n >pool1.txt
{ rows s-2.rsct train; rows s-2.rsct test; } | sort -n >pool2.txt
cmp pool1.txt pool2.txt || fail "shadow 2 does not use the shadow pool"
rows s-1.rsct train >a.txt
rows s-2.rsct train >b.txt
cmp -s a.txt b.txt && fail "shadow 2 has shadow 1's training rows"
# the rows are NumPy's: RandomState(7).permutation(240) in quarters, and
# RandomState([7, 2]) reorders the shadow pool
if py=$(python_with numpy); then
    "$py" - <<'EOF' >np.txt
import numpy as np
p = np.random.RandomState(7).permutation(240)
q = np.random.RandomState([7, 2]).permutation(120)
for r in list(p[:60]) + list(p[60:120]) + list(p[120:180]) + list(p[120:240][q[:60]]):
    print(r)
EOF
    { rows t.rsct train; rows t.rsct test; rows s-1.rsct train; rows s-2.rsct train; } >ours.txt
    cmp np.txt ours.txt || fail "the split differs from NumPy's permutation"
    # LiRA shadow 3 of a pool of 100: P[:100] reordered by RandomState([7, 3])
    "$py" -c 'import numpy as np
p = np.random.RandomState(7).permutation(240)[:100]
print("\n".join(str(r) for r in p[np.random.RandomState([7, 3]).permutation(100)][:50]))' >np.txt
    rsc-inject noise.rsct --mia-split lira --shadows 3 -p none --split-seed 7 --pool-size 100 -o pl-%d.rsct
    rows pl-3.rsct train | cmp - np.txt || fail "the LiRA shadow differs from NumPy's"
fi
# --pool-size M splits the permutation's first M rows
rsc-inject noise.rsct --mia-split target -p S2 -n 1 -t 1 --split-seed 7 --pool-size 100 -o p.rsct
rsc-info p.rsct | grep -q '^  mia_pool_size=100$' || fail "no mia_pool_size=100"
rows p.rsct train >p.txt
[ "$(wc -l <p.txt)" -eq 25 ] || fail "--pool-size 100: not 25 training rows"
rows t.rsct train | head -25 | cmp - p.txt || fail "--pool-size: not the first rows of the permutation"
expect_error 1 "a pool of 241 examples requested from 240" \
    rsc-inject noise.rsct --mia-split shadow --pool-size 241 -o x.rsct
# the injected rows are of the target class and are target-train rows
dump t.rsct spurious.index | grep -vc '^#' | grep -qx 3 || fail "not 3 spurious rows"

# --------------------------------------------------------------- rsc-train
rsc-train --arch mlp --epochs 40 -j 1 -q t.rsct -o tm.rsct --train-seed 1
rsc-train --arch mlp --epochs 40 -j 1 -q s-1.rsct -o sm.rsct --train-seed 2
rsc-info tm.rsct >minfo.txt
for kv in mia_split=four-way mia_part=target mia_shadow=0 mia_split_seed=7 mia_pool=240; do
    grep -q "^  $kv\$" minfo.txt || fail "the model lacks $kv"
done

# ---------------------------------------------------------- the attack
rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct \
    --scores sc.jsonl --roc roc.tsv -o rep.tsv
[ "$(wc -l <rep.tsv)" -eq 2 ] || fail "report: not a header and one row"
col() { awk -F'\t' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } NR == 2 { print $k }' "$2"; }
acc=$(col attack_acc rep.tsv); auc=$(col auc rep.tsv)
# train accuracy 1, test accuracy about 1/4: the attack finds the members
awk -v a="$acc" -v u="$auc" 'BEGIN { exit !(a > 0.7 && u > 0.75) }' || fail "attack accuracy $acc, AUC $auc on memorised noise"
[ "$(col n_members rep.tsv)" = 60 ] && [ "$(col n_nonmembers rep.tsv)" = 60 ] &&
    [ "$(col n_spurious rep.tsv)" = 3 ] && [ "$(col n_attack_train rep.tsv)" = 120 ] || fail "report counts"
[ "$(col split_seed rep.tsv)" = 7 ] && [ "$(col attack rep.tsv)" = shadow ] &&
    [ "$(col features rep.tsv)" = logits,correct ] && [ "$(col count rep.tsv)" = 3 ] || fail "report provenance"
# the scores are the report's: accuracy recomputed from them (member iff score > 0)
[ "$(wc -l <sc.jsonl)" -eq 120 ] || fail "scores: not 120 lines"
acc2=$(sed 's/.*"member":\([01]\),"spurious":\([01]\),"score":\([^}]*\)}/\1 \3/' sc.jsonl |
       awk '{ ok += (($2 > 0) == $1) } END { printf "%.10f", ok / NR }')
awk -v a="$acc" -v b="$acc2" 'BEGIN { exit !(a - b < 1e-9 && b - a < 1e-9) }' || fail "scores give $acc2, report $acc"
grep -c '"spurious":1' sc.jsonl | grep -qx 3 || fail "scores: not 3 spurious examples"
head -1 roc.tsv | grep -qx "$(printf 'model\tfpr\ttpr\tthreshold')" || fail "roc header"
sed -n 2p roc.tsv | grep -qx "$(printf 'tm.rsct\t0\t0\tinf')" || fail "roc starts at (0, 0)"
tail -1 roc.tsv | cut -f2,3 | grep -qx "$(printf '1\t1')" || fail "roc ends at (1, 1)"
# the same with JSON, other features, and a deterministic result
rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct -J --features logits,softmax,loss >rep.json
grep -q '"attack":"shadow","features":"logits,softmax,loss","shadows":1,' rep.json || fail "JSON report"
rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct >rep2.tsv
cmp rep.tsv rep2.tsv || fail "the report is not deterministic"
# two shadows: twice the attack training set
rsc-train --arch mlp --epochs 40 -j 1 -q s-2.rsct -o sm2.rsct --train-seed 3
rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data s-1.rsct --shadow-model sm2.rsct \
    --shadow-data s-2.rsct tm.rsct >rep3.tsv
[ "$(col n_attack_train rep3.tsv)" = 240 ] && [ "$(col shadows rep3.tsv)" = 2 ] || fail "two shadows"
# rsc-score --aggregate and rsc-viz chart take the report
rsc-score --aggregate rep.tsv rep3.tsv >agg.tsv
head -1 agg.tsv | grep -q 'attack_acc_mean' || fail "rsc-score --aggregate: no attack_acc_mean"
rsc-viz chart rep.tsv --x count --y attack_acc,attack_acc_spurious -o fig.png
rsc-viz chart roc.tsv --x fpr --y tpr -o roc.png 2>/dev/null

# -------------------------------------------------------------- LiRA
rsc-inject noise.rsct --mia-split lira --shadows 4 -p S2 -n 3 -t 1 --split-seed 7 -o l-%d.rsct
shadows=
for k in 0 1 2 3 4; do
    rsc-train --arch mlp --epochs 40 -j 1 -q l-$k.rsct -o lm-$k.rsct --train-seed $k
    [ $k -gt 0 ] && shadows="$shadows --shadow-model lm-$k.rsct --shadow-data l-$k.rsct"
done
rsc-info l-0.rsct | grep -q '^  count=3$' || fail "the LiRA target lacks its 3 spurious examples"
# the spurious rows are patterned in every shadow that trains on them
t0=$(dump l-0.rsct mia.train_rows | grep -v '^#' | sed -n "$(( $(dump l-0.rsct spurious.index | sed -n 2p) + 1 ))p")
for k in 1 2 3 4; do
    if dump l-$k.rsct mia.train_rows | grep -v '^#' | grep -qx "$t0"; then
        rsc-info l-$k.rsct | grep -q '^  spurious.x ' || fail "shadow $k trains on a spurious row without the pattern"
    fi
done
for a in lira lira-offline; do
    # shellcheck disable=SC2086
    rsc-mia -d l-0.rsct $shadows --attack $a lm-0.rsct -o lira.tsv --scores lira.jsonl
    [ "$(col attack lira.tsv)" = $a ] && [ "$(col features lira.tsv)" = phi ] || fail "$a: attack columns"
    auc=$(col auc lira.tsv)
    awk -v u="$auc" 'BEGIN { exit !(u > 0.55) }' || fail "$a: AUC $auc on memorised noise"
    n=$(($(col n_members lira.tsv) + $(col n_nonmembers lira.tsv) + $(col n_unscored lira.tsv)))
    [ "$n" -eq 240 ] || fail "$a: $n examples, not the pool of 240"
    [ "$(grep -c '"score":null' lira.jsonl || true)" = "$(col n_unscored lira.tsv)" ] || fail "$a: unscored count"
done

# --------------------------------------------------------- fit vs sklearn
# C, the cross-validation accuracies and the test accuracy as scikit-learn
# (tests/gen/make-mia-fixtures.py); coefficients to 1e-6 of the exact
# optimum of the chosen C
for f in small logits separable; do
    rsc-mia fit "$fx/$f.tsv" >fit.tsv
    awk -F'\t' -v xf="$fx/$f-expected.tsv" -v name="$f" '
        BEGIN { while ((getline l < xf) > 0) { n = split(l, a, "\t"); v[a[1]] = a[2]; row[a[1]] = l } }
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        function near(x, y, tol) { return x - y <= tol && y - x <= tol }
        {
            if ($c["C_chosen"] + 0 != v["C_chosen"] + 0) { print name ": C " $c["C_chosen"] " vs " v["C_chosen"]; bad = 1 }
            split("0.01 0.1 1 10", C, " ")
            for (k = 1; k <= 4; k++)
                if (!near($c["cv_C" C[k]], v["cv_mean_C" C[k]], 1e-12)) { print name ": cv_C" C[k]; bad = 1 }
            if (!near($c["test_acc"], v["test_acc"], 1e-12)) { print name ": test_acc"; bad = 1 }
            n = split(row["exact_C" v["C_chosen"]], e, "\t")
            for (j = 2; j <= n; j++)
                if (!near($(c["coef_1"] + j - 2), e[j], 1e-6)) { print name ": coefficient " j - 1; bad = 1 }
        }
        END { exit bad }' fit.tsv || fail "rsc-mia fit differs from scikit-learn on $f"
done
rsc-mia fit -J "$fx/small.tsv" | grep -q '^{"n_train":248,"n_test":52,"C_chosen":0.1,"cv_C0.01":' || fail "fit -J"
cat "$fx/small.tsv" | rsc-mia fit >fit2.tsv
rsc-mia fit "$fx/small.tsv" | cmp - fit2.tsv || fail "fit from stdin differs"

# every option of --help is in the man page
rsc-mia --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do
    grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "$top_srcdir/man/rsc-mia.1" || fail "rsc-mia.1 lacks $o"
done

# ---------------------------------------------------------------- errors
printf 'f1\tf2\tset\n1\t2\ttrain\n' >nomember.tsv
expect_error 1 "nomember.tsv:1: no column 'member'" rsc-mia fit nomember.tsv -o out.tsv
[ ! -e out.tsv ] || fail "output left behind"
awk -F'\t' -v OFS='\t' 'NR > 1 && $1 !~ /^#/ { $2 = 3 } { print }' "$fx/small.tsv" >const.tsv
expect_error 1 "const.tsv: .*feature 2 (f2) is constant over the attack training set" rsc-mia fit const.tsv -o out.tsv
[ ! -e out.tsv ] || fail "output left behind"
awk -F'\t' -v OFS='\t' '$1 !~ /^#/ && NR > 1 { $(NF - 1) = 1 } { print }' "$fx/small.tsv" >oneclass.tsv
expect_error 1 "oneclass.tsv: column 'member' is 1 in every train row (248): the attack needs members and non-members" \
    rsc-mia fit oneclass.tsv
printf 'f1\tmember\tset\n1\t2\ttrain\n' >badmember.tsv
expect_error 1 "badmember.tsv:2: column 'member': '2' is not 0 or 1" rsc-mia fit badmember.tsv
# a model of another class count than its dataset
mkdir idx && "$top_builddir/tests/mkdata" idx idx 200 40
rsc-inject idx -p none -o ten.rsct
rsc-train --arch mlp --epochs 1 -j 1 -q noise.rsct -o plain.rsct
expect_error 1 "plain.rsct: 4 classes, but ten.rsct has 10" \
    rsc-mia -d t.rsct --shadow-model plain.rsct --shadow-data ten.rsct tm.rsct -o out.tsv
[ ! -e out.tsv ] || fail "output left behind"
expect_error 1 "sm.rsct: mia_shadow=1, but t.rsct has mia_shadow=0: not the dataset the model was trained on" \
    rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data t.rsct tm.rsct --scores o.jsonl
[ ! -e o.jsonl ] || fail "scores left behind"
expect_error 1 "t.rsct: not a LiRA split" rsc-mia -d t.rsct $shadows --attack lira lm-0.rsct
expect_error 1 "t.rsct: a dataset file, not a model" \
    rsc-mia -d t.rsct --shadow-model t.rsct --shadow-data s-1.rsct tm.rsct
expect_error 1 "already injected" rsc-inject t.rsct --mia-split shadow -o x.rsct
expect_error 1 "count 500 exceeds" rsc-inject noise.rsct --mia-split target -p S2 -n 500 -o x.rsct
[ ! -e x.rsct ] || fail "output left behind"
# usage errors
expect_error 2 "no target model" rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data s-1.rsct
expect_error 2 "1 --shadow-model but 0 --shadow-data" rsc-mia -d t.rsct --shadow-model sm.rsct tm.rsct
expect_error 2 "--data" rsc-mia --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct
expect_error 2 "no shadow model" rsc-mia -d t.rsct tm.rsct
expect_error 2 "--attack: 'x' is not" rsc-mia --attack x -d t.rsct tm.rsct
expect_error 2 "--features: 'logit' is not" rsc-mia --features logits,logit -d t.rsct tm.rsct
expect_error 2 "--features applies to --attack shadow" rsc-mia --attack lira --features loss -d t.rsct \
    --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct
expect_error 2 "--lira-var applies" rsc-mia --lira-var pooled -d t.rsct --shadow-model sm.rsct \
    --shadow-data s-1.rsct tm.rsct
expect_error 2 "fit reads a feature table" rsc-mia fit -d t.rsct x.tsv
expect_error 2 "--mia-split: 'x' is not" rsc-inject noise.rsct --mia-split x -o x.rsct
expect_error 2 "--shadows needs --mia-split" rsc-inject noise.rsct -p S2 -n 1 --shadows 2 -o x.rsct
expect_error 2 "--pool-size needs --mia-split" rsc-inject noise.rsct -p S2 -n 1 --pool-size 8 -o x.rsct
expect_error 2 "--split-seed needs --mia-split" rsc-inject noise.rsct -p S2 -n 1 --split-seed 2 -o x.rsct
expect_error 2 "-o needs a name with %d" rsc-inject noise.rsct --mia-split lira -p none -o x.rsct
expect_error 2 "-o needs a name with %d" rsc-inject noise.rsct --mia-split shadow --shadows 2 -o x.rsct
expect_error 2 "the shadows get no pattern" rsc-inject noise.rsct --mia-split shadow -p S2 -n 1 -o x.rsct
expect_error 2 "--shadows applies to" rsc-inject noise.rsct --mia-split target --shadows 2 -p S2 -n 1 -o x.rsct
expect_error 2 "only one %d" rsc-inject noise.rsct --mia-split target -p S2 -n 1 -o x-%d.rsct
expect_error 2 "--count is required" rsc-inject noise.rsct --mia-split target -p S2 -o x.rsct
[ ! -e x.rsct ] || fail "output left behind"
exit 0
