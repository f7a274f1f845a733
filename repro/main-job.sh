#!/bin/sh
# main-job.sh - the paper's headline experiment on real Fashion-MNIST, end to
# end: Table 1's pattern norms, then pattern R3 injected into n training
# images of class 0 (n = 0, 1, 3, 10, 100; several injection seeds), the
# paper's MLP trained on each with a short Adam schedule, the spurious score
# and the clean and spurious test accuracies of every model, their mean and
# standard error over seeds, and the figure (spurious score against n).
#
# Environment: OUT (result folder, default out/main-job), EPOCHS (default
# 10), SEEDS (default "0 1 2"), COUNTS (default "0 1 3 10 100"), JOBS
# (parallel trainings, default the number of cores; each uses one thread).
# Models already in OUT are reused, so an interrupted run continues.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/tools:$PATH"
export PATH
out=${OUT:-$top/out/main-job}
epochs=${EPOCHS:-10}

if [ "${1:-}" = --train-one ]; then      # internal: one model, for xargs -P
    n=$2 s=$3
    m="$out/m-n$n-s$s.rsct"
    [ -s "$m" ] && exit 0
    t0=$(date +%s)
    rsc-inject --data fashion --pattern R3 --count "$n" --target 0 --seed "$s" -q |
        rsc-train --arch mlp --epochs "$epochs" --threads 1 --quiet -o "$m"
    echo "  n=$n seed=$s trained in $(( $(date +%s) - t0 )) s"
    exit 0
fi

seeds=${SEEDS:-"0 1 2"}
counts=${COUNTS:-"0 1 3 10 100"}
jobs=${JOBS:-$(nproc)}
mkdir -p "$out"
export OUT="$out" EPOCHS="$epochs"
start=$(date +%s)

echo "== Fashion-MNIST, R3 inserted into 10 training images of class 0 (seed 0)"
rsc-inject --data fashion --pattern R3 --count 10 --target 0 --seed 0 -q | rsc-info -

echo
echo "== Table 1, Fashion-MNIST row: mean ||x - Phi(x)||_2 over the test set"
echo "   (R1-R3 drawn with seed 4, as in the paper)"
rsc-inject --data fashion --norms --seed 4 >"$out/norms.tsv"
awk -F'\t' 'NR > 1 { printf "   %-4s %6.2f\n", $2, $4 }' "$out/norms.tsv"

echo
echo "== Training the MLP: $epochs epochs of Adam (lr 0.01, batch 128), n in {$counts}, seeds {$seeds}, $jobs at a time"
for s in $seeds; do
    for n in $counts; do
        echo "$n $s"
    done
done | xargs -P "$jobs" -L 1 "$0" --train-one

echo
echo "== Scoring on the Fashion-MNIST test set (pattern R3 of each model's seed)"
models=""
for s in $seeds; do
    for n in $counts; do
        models="$models $out/m-n$n-s$s.rsct"
    done
done
# shellcheck disable=SC2086
rsc-score --data fashion $models >"$out/scores.tsv"
rsc-score --aggregate <"$out/scores.tsv" >"$out/summary.tsv"
printf "   %5s  %-22s %-22s %-22s %s\n" n "spurious score" "clean accuracy" "spurious accuracy" models
awk -F'\t' '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{ printf "   %5s  %.4f +- %-12.4f %.4f +- %-12.4f %.4f +- %-12.4f %d\n", $col["count"],
         $col["spurious_score_mean"], $col["spurious_score_se"], $col["clean_acc_mean"], $col["clean_acc_se"],
         $col["spurious_acc_mean"], $col["spurious_acc_se"], $col["n"] }' "$out/summary.tsv" | sort -n

rsc-viz chart "$out/summary.tsv" --x count --y spurious_score --category \
    --xlabel "spurious examples n" --ylabel "spurious score" \
    --title "R3 on Fashion-MNIST, MLP, target class 0" -o "$out/spurious-score.png"
echo
echo "== Results in $out: scores.tsv (per model), summary.tsv (mean, SE), spurious-score.png"
echo "   total time $(( $(date +%s) - start )) s"
