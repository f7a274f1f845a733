#!/bin/sh
# repro-make.sh - the logic of repro/Makefile on a tiny synthetic dataset
# (one epoch): make -n lists the grid and writes nothing; a figure builds
# with every output; a rerun does nothing; deleting one model retrains
# only it and remakes only what depends on it; changing one setting (the
# seeds) trains only the new models; an interrupted make resumes; -j2
# gives the same bytes as -j1; repro/jobs prints the missing models; a
# missing dataset is skipped with one line; fig18's deletions are targets
# made from the original models, also of a convolutional architecture;
# lira's target and shadows are file targets, its report and chart made.
. "$top_srcdir/tests/common.sh"
[ -x "$top_builddir/tools/rsc-viz" ] || skip "rsc-viz is not built (no libpng)"
command -v make >/dev/null || skip "no make"
unset MAKEFLAGS MFLAGS MAKELEVEL
mkdir toy && "$top_builddir/tests/mkdata" idx toy 300 100
# The test's grid, through the environment (the Makefile's defaults use ?=)
BIN=$top_builddir/tools DATASETS=toy DATA_toy=$T/toy EPOCHS=1
fig2_PATTERNS="S3 R3" fig2_COUNTS="0 3" fig2_SEEDS="0 1"
export BIN DATASETS DATA_toy EPOCHS fig2_PATTERNS fig2_COUNTS fig2_SEEDS
mk() {     # mk OUT [MAKE ARGUMENT...]
    o=$1; shift
    make -s --no-print-directory -f "$top_srcdir/repro/Makefile" OUT="$T/$o" "$@"
}
models=out/models/toy/mlp

# make -n lists the grid (4 injected models and one clean one) and writes nothing
mk out -n fig2 >dry.log
[ "$(grep -c 'rsc-train' dry.log)" -eq 5 ] || { cat dry.log >&2; fail "make -n fig2: expected 5 trainings"; }
grep -q 'rsc-inject -q --data [^ ]*/toy --pattern R3 --count 3 --target 0 --seed 1 |' dry.log || fail "make -n: no R3 seed 1 model"
[ ! -e out/models ] || fail "make -n wrote models"
# repro/jobs prints the same 5 commands, each runnable by sh
"$top_srcdir/repro/jobs" OUT="$T/out" fig2 fig5 >jobs.txt
[ "$(wc -l <jobs.txt)" -eq 5 ] || { cat jobs.txt >&2; fail "repro/jobs: expected 5 lines"; }
sed -n 1p jobs.txt | sh || fail "a line of repro/jobs failed"
[ "$(ls $models | grep -c '\.rsct$')" -eq 1 ] || fail "the job line did not write its model"
"$top_srcdir/repro/jobs" OUT="$T/out" fig2 | wc -l | grep -qx 4 || fail "repro/jobs: a trained model is listed again"

# -j2: every output
mk out -j2 fig2 >build.log 2>&1 || { cat build.log >&2; fail "make -j2 fig2 failed"; }
for f in fig2.png fig2.tsv scores.tsv summary.tsv README; do
    [ -s "out/fig2/$f" ] || fail "fig2/$f missing"
done
[ "$(ls $models | grep -c '\.rsct$')" -eq 5 ] || fail "expected 5 models"
ls $models | grep -q '\.part$' && fail "a .part file is left"
# 4 injected models + the clean one against 2 patterns x 2 seeds; 2 x 2 conditions
[ "$(($(wc -l <out/fig2/scores.tsv) - 1))" -eq 8 ] || fail "expected 8 score rows"
[ "$(($(wc -l <out/fig2/summary.tsv) - 1))" -eq 4 ] || fail "expected 4 summary rows"
head -1 out/fig2/fig2.tsv | grep -q "^panel	series	x	y	se	n" || fail "fig2.tsv header"
grep -q 'Made by: make -C repro PROFILE=quick' out/fig2/README || fail "README lacks the command"
grep -q 'fig2.tsv' out/fig2/README || fail "README lacks the plotted numbers"

# a rerun does nothing
mk out -n fig2 >rerun.log
grep -q 'rsc-train\|rsc-score\|rsc-viz\|\.part' rerun.log && { cat rerun.log >&2; fail "a rerun does work"; }

# deleting one model retrains it alone, and remakes what depends on it
snap() { ls -l --time-style=+%s.%N $models out/fig2 | awk '{ print $6, $7 }' | sort -k2; }
snap >before
rm $models/R3-t0-n3-s1+epochs_1.rsct
mk out -n fig2 >one.log
[ "$(grep -c 'rsc-train' one.log)" -eq 1 ] || { cat one.log >&2; fail "deleting one model: expected 1 training"; }
grep -q 'R3 --count 3 --target 0 --seed 1' one.log || fail "the wrong model is retrained"
sleep 1
mk out fig2 >/dev/null 2>&1 || fail "make after deleting a model failed"
snap >after
changed=$(join -1 2 -2 2 before after | awk '$2 != $3 { print $1 }' | tr '\n' ' ')
[ "$changed" = "R3-t0-n3-s1+epochs_1.rsct README fig2.png fig2.tsv scores.tsv summary.tsv " ] ||
    fail "deleting one model remade: $changed"

# changing a setting (a third seed) trains only the new models
mk out -n "fig2_SEEDS=0 1 2" fig2 >seed.log
[ "$(grep -c 'rsc-train' seed.log)" -eq 2 ] || { cat seed.log >&2; fail "a third seed: expected 2 trainings"; }
grep -q 'seed 2 |' seed.log || fail "a third seed: the new models are not seed 2's"
# ... and a smaller grid remakes the tables (the .settings file changed)
mk out "fig2_SEEDS=0" fig2 >/dev/null 2>&1 || fail "make with one seed failed"
[ "$(($(wc -l <out/fig2/scores.tsv) - 1))" -eq 4 ] || fail "one seed: expected 4 score rows"

# an interrupted make resumes: stop it after its first model
setsid make -s -f "$top_srcdir/repro/Makefile" OUT="$T/out2" -j1 fig2 >int.log 2>&1 &
pid=$!
i=0
until ls out2/models/toy/mlp/*.rsct >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 300 ] || fail "no model after 30 s"; sleep 0.1
done
kill -INT -- "-$pid" 2>/dev/null || true
wait "$pid" || true
for m in out2/models/toy/mlp/*.rsct; do
    rsc-info -q "$m" || fail "an interrupted make left a broken $m"
done
mk out2 -j1 fig2 >resume.log 2>&1 || { cat resume.log >&2; fail "resuming failed"; }
# -j1 and -j2 give the same bytes (one thread per model)
for m in $models/*.rsct; do
    cmp -s "$m" "out2/models/toy/mlp/${m##*/}" || fail "-j1 and -j2 differ: ${m##*/}"
done
mk out fig2 >/dev/null 2>&1
cmp -s out/fig2/fig2.tsv out2/fig2/fig2.tsv || fail "-j1 and -j2 give different fig2.tsv"
cmp -s out/fig2/summary.tsv out2/fig2/summary.tsv || fail "-j1 and -j2 give different summaries"

# a missing dataset: one line naming what to install, the rest builds
mk out "DATASETS=toy mnist" DATA_mnist=/nonexistent fig2 >miss.log 2>&1 || { cat miss.log >&2; fail "a missing dataset failed the target"; }
[ "$(grep -c 'no mnist panel\|no MNIST panel' miss.log)" -eq 1 ] || { cat miss.log >&2; fail "expected one line for MNIST"; }
# the theory figures need no data
mk out fig13 >/dev/null 2>&1 || fail "make fig13 failed"
[ -s out/fig13/fig13.png ] && [ -s out/fig13/theory.tsv ] || fail "fig13 outputs missing"

# fig18: models made from models (rsc-delete's exact, retrain and influence
# of each original), the report beside each, the chart; deleting the exact
# model remakes it and the two that use it as --reference, not the original
f18="fig18_EPOCHS=1 fig18_RETRAIN=1 fig18_COUNTS=3 fig18_LISSA=--depth=20"
mk out4 $f18 -j2 fig18 >f18.log 2>&1 || { cat f18.log >&2; fail "make fig18 failed"; }
for f in fig18.png fig18.tsv scores.tsv summary.tsv reports.tsv reports-summary.tsv README; do
    [ -s "out4/fig18/$f" ] || fail "fig18/$f missing"
done
del=out4/models/toy/mlp/delete
[ "$(ls $del | grep -c '\.rsct$')" -eq 6 ] && [ "$(ls $del | grep -c '\.tsv$')" -eq 6 ] ||
    fail "fig18: expected 6 deleted models and 6 reports"
ls -a $del | grep -q '^\.tmp' && fail "fig18 left a temporary folder"
# 2 seeds x (exact, retrain, influence, original) + the clean model x 2 seeds
[ "$(($(wc -l <out4/fig18/scores.tsv) - 1))" -eq 10 ] || fail "fig18: expected 10 score rows"
for m in exact original retrain influence n=0; do
    grep -q "	$m	[^	]*	[^	]*	2\$" out4/fig18/summary.tsv || fail "fig18: no summary of $m over 2 seeds"
done
grep -q "^model	.*	method	" out4/fig18/reports.tsv || fail "fig18: reports.tsv header"
grep -q "/delete/R3-t0-n3-s1+epochs_1+milestones_3-4-5+method_retrain+epochs_1.rsct	" out4/fig18/reports.tsv ||
    fail "fig18: the reports do not name the deleted models"
mk out4 $f18 -n fig18 >f18.log
grep -q 'rsc-inject\|rsc-train\|rsc-delete\|rsc-score\|rsc-viz\|\.part' f18.log && { cat f18.log >&2; fail "fig18: a rerun does work"; }
rm $del/R3-t0-n3-s0+epochs_1+milestones_3-4-5+method_exact.rsct
mk out4 $f18 -n fig18 >f18.log
[ "$(grep -c 'rsc-delete' f18.log)" -eq 3 ] && ! grep -q 'rsc-train' f18.log ||
    { cat f18.log >&2; fail "fig18: deleting an exact model should remake it and its 2 dependents only"; }
# with a convolutional architecture (as CIFAR-10's resnet20): the models
# under its name, influence with exact Hessian-vector products
mk out5 $f18 ARCH_toy=cnn fig18_SEEDS=0 fig18 >f18c.log 2>&1 ||
    { cat f18c.log >&2; fail "make fig18 with a cnn failed"; }
inf=$(ls out5/models/toy/cnn/delete/*method_influence*.rsct) || fail "fig18: no cnn influence model"
rsc-info "$inf" | grep -q '^  influence_hvp=exact$' || fail "fig18: cnn influence not exact"

# lira: the target and its shadows each a file target (repro/jobs lists
# them), the two attacks' rows with the spurious TPR at 1 % FPR, the chart;
# no temporary folder left, and a rerun does nothing
lr="lira_POOL=0 lira_SHADOWS=2 lira_COUNTS=1 lira_SEEDS=1 lira_EPOCHS=1"
"$top_srcdir/repro/jobs" OUT="$T/out6" $lr lira | grep -c 'rsc-train' | grep -qx 3 ||
    fail "repro/jobs lira: expected 3 trainings"
mk out6 $lr -j2 lira >lira.log 2>&1 || { cat lira.log >&2; fail "make lira failed"; }
for f in lira.png lira.tsv mia.tsv summary.tsv README; do
    [ -s "out6/lira/$f" ] || fail "lira/$f missing"
done
ls -a out6/models/toy/mlp | grep -q '^\.lira' && fail "lira left a temporary folder"
[ "$(ls out6/models/toy/mlp | grep -c '^lira-R3-t0-n1-s1-k[012]+pool_0+epochs_1\.rsct$')" -eq 3 ] ||
    fail "lira: expected the target and 2 shadows"
head -1 out6/lira/mia.tsv | grep -q '	tpr_at_0.1pct_spurious	.*	tpr_at_1pct_spurious$' ||
    fail "lira: mia.tsv lacks tpr_at_1pct_spurious"
[ "$(cut -f1 out6/lira/mia.tsv | grep -c 'k0+')" -eq 2 ] || fail "lira: expected 2 rows of model 0"
grep -q '	lira-offline	' out6/lira/summary.tsv || fail "lira: no lira-offline summary"
grep -q 'tpr_at_1pct_spurious' out6/lira/lira.tsv || fail "lira: tpr_at_1pct_spurious not plotted"
mk out6 $lr -n lira >lira.log
grep -q 'rsc-inject\|rsc-train\|rsc-mia\|rsc-viz\|\.part' lira.log && { cat lira.log >&2; fail "lira: a rerun does work"; }

# many-models mode (when rsc-train has it): one rsc-train process per
# group, the same bytes as one process per model on one CPU thread
if rsc-train --help 2>/dev/null | grep -q -e --lockstep; then
    mk out3 MANY=yes -n fig2 >many.log
    [ "$(grep -c 'rsc-train' many.log)" -eq 1 ] || { cat many.log >&2; fail "MANY=yes: expected one rsc-train"; }
    mk out3 MANY=yes MANY_SIZE=3 fig2 >many.log 2>&1 || { cat many.log >&2; fail "MANY=yes fig2 failed"; }
    for m in $models/*.rsct; do
        cmp -s "$m" "out3/models/toy/mlp/${m##*/}" || fail "MANY=yes gives other bytes: ${m##*/}"
    done
    ls out3/models | grep -q many && fail "MANY=yes left its temporary folder"
fi
exit 0
