#!/bin/sh
# fig18.sh - Fig. 18's Fashion-MNIST panel (App. E) on real data: pattern
# R3 inserted into n training images of class 0 (n = 3, 5, 10, 20, 100),
# the paper's MLP trained with Adam, then the spurious examples deleted by
# incremental retraining, by first-order group influence (LiSSA) and by
# exact retraining (rsc-delete); the spurious score of the four models
# (original, retrain, influence, exact) per n, mean and standard error over
# seeds, beside the level of models trained without the pattern (n = 0),
# and the chart.
#
# Profiles (PROFILE=quick|paper):
#   quick  6 epochs with the rate divided by 10 at epochs 3, 4 and 5 (so
#          that retraining continues at 1e-5 as in the paper), 6 more
#          epochs of retraining, LiSSA depth 200 and 2 repeats, seeds 0 1:
#          minutes on 2 cores;
#   paper  the reference: 70 epochs (schedule 40, 50, 60), 70 more at
#          1e-5, LiSSA with rsc-delete's defaults for Fashion-MNIST
#          (scale 100, damp 0.01, depth 2000 or 1000, 10 repeats), seeds
#          0-4.
# Environment (each overrides the profile): OUT (default out/fig18-PROFILE),
# EPOCHS, MILESTONES, RETRAIN (epochs), DEPTH, REPEATS, SEEDS, COUNTS,
# JOBS (parallel runs, default the number of cores; each uses one thread).
# Models already in OUT are reused, so an interrupted run continues.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
# The programs of an in-tree build, else of build/, else the PATH's.
for d in "$top/tools" "$top/build/tools"; do
    if [ -x "$d/rsc-delete" ]; then PATH="$d:$PATH"; break; fi
done
export PATH
profile=${PROFILE:-quick}
case $profile in
quick) d_epochs=6 d_ms=3,4,5 d_retrain=6 d_depth=200 d_repeats=2 d_seeds="0 1" ;;
paper) d_epochs=70 d_ms=40,50,60 d_retrain=70 d_depth= d_repeats= d_seeds="0 1 2 3 4" ;;
*) echo "fig18.sh: PROFILE is quick or paper, not '$profile'" >&2; exit 2 ;;
esac
out=${OUT:-$top/out/fig18-$profile}
epochs=${EPOCHS:-$d_epochs}
ms=${MILESTONES:-$d_ms}
retrain=${RETRAIN:-$d_retrain}
depth=${DEPTH:-$d_depth}
repeats=${REPEATS:-$d_repeats}

if [ "${1:-}" = --one ]; then      # internal: one (n, seed), for xargs -P
    n=$2 s=$3
    d="$out/d-n$n-s$s.rsct" m="$out/m-n$n-s$s.rsct"
    [ -s "$d" ] || rsc-inject --data fashion --pattern R3 --count "$n" --target 0 --seed "$s" \
        -q -o "$d"
    [ -s "$m" ] || rsc-train --data "$d" --arch mlp --epochs "$epochs" --milestones "$ms" \
        --threads 1 -q -o "$m"
    [ "$n" -eq 0 ] && exit 0
    e="$out/exact-n$n-s$s.rsct"
    [ -s "$e" ] || rsc-delete --method exact -d "$d" -q -o "$e" --report "$e.tsv" "$m"
    r="$out/retrain-n$n-s$s.rsct"
    [ -s "$r" ] || rsc-delete --method retrain --epochs "$retrain" -d "$d" -q -o "$r" \
        --report "$r.tsv" --reference "$e" "$m"
    i="$out/influence-n$n-s$s.rsct"
    [ -s "$i" ] || rsc-delete --method influence ${depth:+--depth "$depth"} \
        ${repeats:+--repeats "$repeats"} -d "$d" -q -o "$i" --report "$i.tsv" --reference "$e" "$m"
    echo "  n=$n seed=$s done"
    exit 0
fi

seeds=${SEEDS:-$d_seeds}
counts=${COUNTS:-"3 5 10 20 100"}
jobs=${JOBS:-$(nproc)}
mkdir -p "$out"
export OUT="$out" EPOCHS="$epochs" MILESTONES="$ms" RETRAIN="$retrain" DEPTH="$depth" \
    REPEATS="$repeats" PROFILE="$profile"
start=$(date +%s)
echo "== Fig. 18 ($profile): R3, target 0, n in $counts, seeds $seeds; $epochs epochs" \
    "(milestones $ms), retrain $retrain, LiSSA depth ${depth:-default} repeats ${repeats:-default}"
for n in 0 $counts; do
    for s in $seeds; do echo "$n $s"; done
done | xargs -P "$jobs" -n 2 "$0" --one

# The rows: every method's report, and the original model (the reports'
# spurious_score_before) and the n = 0 level as methods of their own.
awk 'NR == 1 || FNR > 1' "$out"/exact-*.tsv "$out"/retrain-*.tsv "$out"/influence-*.tsv \
    >"$out/reports.tsv"
rsc-score -q --data fashion "$out"/m-n0-*.rsct >"$out/n0.tsv"
awk -F'\t' 'FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    FILENAME ~ /reports/ { print $c["count"] "\t" $c["seed"] "\t" $c["method"] "\t" $c["spurious_score"]
        if ($c["method"] == "exact") print $c["count"] "\t" $c["seed"] "\toriginal\t" $c["spurious_score_before"] }
    FILENAME ~ /n0/ { print "0\t" $c["seed"] "\tn=0\t" $c["spurious_score"] }' \
    "$out/reports.tsv" "$out/n0.tsv" | { printf 'count\tseed\tmethod\tspurious_score\n'; cat; } \
    >"$out/fig18.tsv"
rsc-score --aggregate --metrics spurious_score "$out/fig18.tsv" >"$out/fig18-agg.tsv"
rsc-score --aggregate --metrics spurious_score_before,spurious_score,clean_acc,ua,ra,l2_to_exact,score_gap_to_exact,seconds \
    "$out/reports.tsv" >"$out/reports-agg.tsv"
rsc-viz chart "$out/fig18.tsv" --x count --y spurious_score --series method --xscale category \
    -o "$out/fig18.png"
echo "== spurious score by n and method (mean, SE, seeds):"
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { printf "  n=%-4s %-10s %.4f +- %.4f (%s)\n", $c["count"], $c["method"],
          $c["spurious_score_mean"], $c["spurious_score_se"], $c["n"] }' "$out/fig18-agg.tsv" |
    sort -t= -k2 -n
echo "== wall time of each method, mean over runs (s):"
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { t[$c["method"]] += $c["seconds"]; k[$c["method"]]++ }
    END { for (m in t) printf "  %-10s %.1f\n", m, t[m] / k[m] }' "$out/reports.tsv"
echo "== done in $(( $(date +%s) - start )) s; tables and fig18.png in $out"
