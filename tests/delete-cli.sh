#!/bin/sh
# delete-cli.sh - rsc-delete on a small synthetic dataset: options in
# --help and the man page; --method exact gives rsc-train --exclude's
# model tensor for tensor; retrain with 0 epochs returns the model's
# parameters bit for bit, and with E epochs what rsc-train --resume
# --exclude gives; retrain killed by SIGTERM and resumed gives the
# uninterrupted bytes; influence is deterministic, moves the parameters
# and records itself, also on a convolutional model (exact products, or
# central differences on request); the report's columns, with membership
# inference against rsc-mia's own figures; every error path (status, one
# message, no output file).
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
dump=$top_builddir/tests/rsct-dump
mkmodel=$top_builddir/tests/mkmodel

# Every long option is in --help and in the man page.
rsc-delete --help >help.txt
sed 's/\\-/-/g' "$top_srcdir/man/rsc-delete.1" >man.txt
for opt in method delete epochs lr damp scale depth repeats batch solver seed data resume \
    checkpoint threads device no-verify output compress report reference json quiet progress \
    help version hvp hvp-step shadow-model shadow-data; do
    grep -q -- "--$opt" help.txt || fail "--help lacks --$opt"
    grep -q -- "--$opt" man.txt || fail "rsc-delete.1 lacks --$opt"
done
rsc-delete --version | grep -q '^rsc-delete (rsc) '

"$toy" 600 200 12 >toy.rsct
"$toy" 600 200 12 drop >other.rsct
opts="--arch mlp-small -e 3 -b 32 -j 2 -q"
rsc-train $opts -o m.rsct toy.rsct
rsc-info m.rsct | grep -q '^  name=toy$' || fail "the toy model names no dataset"

# same A B PREFIX...: the tensors under each prefix are equal.
same() {
    a=$1 b=$2
    shift 2
    for p in "$@"; do
        "$dump" "$a" "$p" >a.dump
        "$dump" "$b" "$p" >b.dump
        [ -s a.dump ] || fail "$a has no tensor $p"
        cmp -s a.dump b.dump || fail "$a and $b differ in $p"
    done
}

# exact = rsc-train --exclude-spurious (the dataset found by the model's
# name through --data), and --delete FILE = rsc-train --exclude FILE.
rsc-train $opts --exclude-spurious -o ex.rsct toy.rsct
rsc-delete --method exact -d toy.rsct -q -o d-ex.rsct m.rsct
same ex.rsct d-ex.rsct param/ opt/ rng/ history/ train/excluded
rsc-info d-ex.rsct >info.txt
for kv in creator=rsc-delete deletion=exact deleted=12 excluded=12 epochs_done=3; do
    grep -q "^  $kv" info.txt || { cat info.txt; fail "exact model lacks $kv"; }
done
grep -q '^  deletion/index ' info.txt || fail "no deletion/index tensor"
printf '# two examples\n5 9\n' >del.txt
rsc-train $opts --exclude del.txt -o ex2.rsct toy.rsct
rsc-delete --method exact --delete del.txt -d toy.rsct -q -o d-ex2.rsct m.rsct
same ex2.rsct d-ex2.rsct param/ opt/ history/

# retrain: 0 epochs is the model; E epochs at the last scheduled rate is
# rsc-train --resume --exclude-spurious --lr RATE to the new total.
rsc-delete -e 0 -d toy.rsct -q -o r0.rsct m.rsct
same m.rsct r0.rsct param/ opt/
rsc-delete -e 2 -d toy.rsct -q -o r2.rsct m.rsct
rsc-train --resume m.rsct --exclude-spurious --lr 0.01 -e 5 -q -o t2.rsct toy.rsct
same t2.rsct r2.rsct param/ opt/ history/ train/excluded
rsc-info r2.rsct | grep -q '^  deletion_lr=0.01$' || fail "deletion_lr"
rsc-delete -e 2 --lr 0.001 -d toy.rsct -q -o r3.rsct m.rsct
rsc-train --resume m.rsct --exclude-spurious --lr 0.001 -e 5 -q -o t3.rsct toy.rsct
same t3.rsct r3.rsct param/

# retrain stopped by SIGTERM after its first checkpoint and resumed gives
# the uninterrupted run's bytes.
rsc-delete -e 40 -d toy.rsct -q -o ref.rsct m.rsct
rsc-delete -e 40 -d toy.rsct -q --checkpoint ck.rsct -o killed.rsct m.rsct 2>killed.err &
pid=$!
i=0
while [ ! -f ck.rsct ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
[ -f ck.rsct ] || fail "no checkpoint after the first epoch"
kill -TERM $pid
set +e
wait $pid
st=$?
set -e
if [ $st -eq 143 ]; then
    grep -q 'stopped by signal 15; checkpoint written' killed.err || { cat killed.err; fail "signal message"; }
    [ -f killed.rsct ] && fail "an interrupted run wrote its model"
    rsc-delete -e 40 -d toy.rsct -q --resume ck.rsct -o after.rsct m.rsct
    cmp ref.rsct after.rsct || fail "resumed after SIGTERM differs from the uninterrupted run"
elif [ $st -eq 0 ]; then
    echo "note: the run ended before the signal; checkpoint check only" >&2
else
    cat killed.err >&2
    fail "killed run exited $st"
fi
expect_error 1 "not a checkpoint of this deletion" \
    rsc-delete --method exact -d toy.rsct --resume ck.rsct -o e.rsct m.rsct

# influence: deterministic, moves the parameters, logs each repeat.
iopts="--method influence -d toy.rsct --depth 50 --repeats 2 --scale 10"
rsc-delete $iopts -o i1.rsct m.rsct 2>log.txt
rsc-delete $iopts -q -o i2.rsct m.rsct
cmp i1.rsct i2.rsct || fail "influence is not deterministic"
[ "$(grep -c 'LiSSA repeat [12]/2: |h|/scale = ' log.txt)" -eq 2 ] || { cat log.txt; fail "repeat log"; }
"$dump" m.rsct param/ >a.dump
"$dump" i1.rsct param/ >b.dump
cmp -s a.dump b.dump && fail "influence left the parameters unchanged"
rsc-info i1.rsct >info.txt
for kv in deletion=influence influence_solver=lissa influence_hvp=exact lissa_scale=10 lissa_depth=50 \
    lissa_repeats=2 lissa_batch=1 lissa_damp=0.01 excluded=12; do
    grep -q "^  $kv\$" info.txt || { cat info.txt; fail "influence model lacks $kv"; }
done
rsc-delete $iopts -s 3 -q -o i3.rsct m.rsct
cmp -s i1.rsct i3.rsct && fail "--seed had no effect"
# The exact solve on the linear model (260 parameters).
rsc-train --arch linear -e 3 -b 32 -j 2 -q -o lin.rsct toy.rsct
rsc-delete --method influence --solver exact -d toy.rsct -q -o li.rsct lin.rsct
rsc-info li.rsct | grep -q '^  influence_solver=exact$' || fail "solver key"

# The report: one row with rsc-score's provenance and the measurements.
rsc-delete --method exact -d toy.rsct -q -o e1.rsct --report rep.tsv --reference d-ex.rsct m.rsct
head -1 rep.tsv | tr '\t' '\n' >cols.txt
for c in model name pattern count train_seed method deleted spurious_score_before \
    spurious_score clean_acc ua ra l2_to_exact score_gap_to_exact seconds; do
    grep -qx "$c" cols.txt || fail "report lacks column $c"
done
[ "$(wc -l <rep.tsv)" -eq 2 ] || fail "report rows"
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
    NR == 2 { if ($c["method"] != "exact" || $c["deleted"] != 12 || $c["l2_to_exact"] != 0 ||
                  $c["score_gap_to_exact"] != 0 || $c["ua"] < 0 || $c["ua"] > 1 ||
                  $c["ra"] < 0.5 || $c["ra"] > 1) exit 1 }' rep.tsv || { cat rep.tsv; fail "report values"; }
rsc-delete -e 1 -d toy.rsct -q -o e2.rsct --report rep.json -J m.rsct
grep -q '"method":"retrain"' rep.json || fail "JSON report"
rsc-score --aggregate --metrics spurious_score,clean_acc rep.tsv >agg.tsv
grep -q spurious_score_mean agg.tsv || { cat agg.tsv; fail "the report does not aggregate"; }

# Membership inference in the report (rsc-mia's shadow attack) on models
# that memorise noise: before the deletion = rsc-mia's accuracy on the
# spurious (= deleted) examples of the input model; mia_acc = rsc-mia's
# attack_acc on the output model; the exact retrain forgets them.
"$toy" 200 40 0 noise >noise.rsct
rsc-inject noise.rsct --mia-split target -p S2 -n 3 -t 1 -s 4 --split-seed 7 -o t.rsct
rsc-inject noise.rsct --mia-split shadow --split-seed 7 -o s-1.rsct
rsc-train --arch mlp --epochs 40 -j 1 -q t.rsct -o tm.rsct --train-seed 1
rsc-train --arch mlp --epochs 40 -j 1 -q s-1.rsct -o sm.rsct --train-seed 2
rsc-delete --method exact -d t.rsct -q -o te.rsct --report mrep.tsv \
    --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct
rsc-mia -d t.rsct --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct te.rsct -o mia.tsv
col() { awk -F'\t' -v c="$1" -v r="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i }
    NR == r { print $k }' "$3"; }
before=$(col mia_deleted_before 2 mrep.tsv) after=$(col mia_deleted 2 mrep.tsv)
[ "$before" = "$(col attack_acc_spurious 2 mia.tsv)" ] ||
    fail "mia_deleted_before $before is not rsc-mia's attack_acc_spurious"
[ "$(col mia_acc 2 mrep.tsv)" = "$(col attack_acc 3 mia.tsv)" ] ||
    fail "mia_acc is not rsc-mia's attack_acc on the output model"
# (the attack calls none of these 3 members members: 0 before and after)
# 20 memorised examples deleted: the exact retrain makes fewer of them
# look like members (measured 0.55 -> 0.35).
seq 0 2 38 >del20.txt
rsc-delete --method exact --delete del20.txt -d t.rsct -q -o te2.rsct --report mrep2.tsv \
    --shadow-model sm.rsct --shadow-data s-1.rsct tm.rsct
before=$(col mia_deleted_before 2 mrep2.tsv) after=$(col mia_deleted 2 mrep2.tsv)
awk -v b="$before" -v a="$after" 'BEGIN { exit !(b >= 0.5 && a < b) }' ||
    fail "membership of the deleted examples: $before before, $after after the exact retrain"
# Without shadows the columns are there, nan.
[ "$(col mia_deleted 2 rep.tsv)" = nan ] || fail "mia_deleted without shadows"
expect_error 2 "go with --report" rsc-delete -m exact --shadow-model sm.rsct --shadow-data s-1.rsct \
    -d t.rsct -o e.rsct tm.rsct
expect_error 2 "2 --shadow-model but 1 --shadow-data" rsc-delete -m exact --report r.tsv \
    --shadow-model sm.rsct --shadow-model sm.rsct --shadow-data s-1.rsct -d t.rsct -o e.rsct tm.rsct

# Errors: status, one message, no output file.
expect_error 2 "no model given" rsc-delete -o e.rsct
expect_error 2 "is not retrain, influence or exact" rsc-delete -m forget -o e.rsct m.rsct
expect_error 2 "apply to --method retrain" rsc-delete -m exact -e 3 -o e.rsct m.rsct
expect_error 2 "apply to --method influence" rsc-delete --scale 3 -o e.rsct m.rsct
expect_error 2 "apply to retrain and exact" rsc-delete -m influence -c c.rsct -o e.rsct m.rsct
expect_error 2 "--reference and --shadow-model go with --report" rsc-delete --reference m.rsct -o e.rsct m.rsct
printf '3 700\n' >range.txt
expect_error 1 "index 700 is not a training example (0..599)" \
    rsc-delete --delete range.txt -d toy.rsct -o e.rsct m.rsct
printf '3 4\n3\n' >dup.txt
expect_error 1 "index 3 is listed twice" rsc-delete --delete dup.txt -d toy.rsct -o e.rsct m.rsct
printf '3 x\n' >bad.txt
expect_error 1 "bad.txt:1: 'x' is not an example index" \
    rsc-delete --delete bad.txt -d toy.rsct -o e.rsct m.rsct
expect_error 1 "m.rsct was not trained on other.rsct" rsc-delete -d other.rsct -o e.rsct m.rsct
"$mkmodel" mlp nopt.rsct 16 1x8x8 1,1 2,2 12
expect_error 1 "nopt.rsct: no optimiser state" rsc-delete -d toy.rsct -o e.rsct nopt.rsct
expect_error 1 "not a model file" rsc-delete -d toy.rsct -o e.rsct toy.rsct
expect_error 1 "LiSSA diverged .*give a larger --scale" \
    rsc-delete --method influence --scale 1e-3 --depth 200 -d toy.rsct -o e.rsct lin.rsct
expect_error 1 "at most 4096 parameters" \
    rsc-delete --method influence --solver exact -d toy.rsct -o e.rsct m.rsct
"$toy" 600 200 0 >clean.rsct
rsc-train $opts -o mc.rsct clean.rsct
expect_error 1 "no spurious examples .*--delete FILE" rsc-delete -d clean.rsct -o e.rsct mc.rsct
# Influence on a convolutional model: the exact product by default
# (recorded in the output), the parameters moved, the file usable; the
# central difference on request, with its step and product counts
# recorded; the exact mode's solve is refused for its size.
mkdir cifar
"$top_builddir/tests/cifar-toy" cifar 12 20
rsc-train --data cifar --arch cnn -e 1 -b 20 -j 2 -q -o cnn.rsct
printf '1 2\n' >two.txt
rsc-delete --method influence --delete two.txt --depth 5 --repeats 2 --scale 1000 -q \
    -d cifar -o cnni.rsct cnn.rsct
rsc-info cnni.rsct >info.txt
grep -q '^  influence_hvp=exact$' info.txt || fail "conv: hvp mode not recorded"
grep -q 'influence_hvp_step' info.txt && fail "conv: a step recorded for the exact product"
"$dump" cnn.rsct param/ >a.dump
"$dump" cnni.rsct param/ >b.dump
cmp -s a.dump b.dump && fail "conv influence left the parameters unchanged"
rsc-delete --method influence --delete two.txt --depth 5 --repeats 2 --scale 1000 -q \
    --hvp central-difference -d cifar -o cnnf.rsct cnn.rsct
rsc-info cnnf.rsct >info.txt
grep -q '^  influence_hvp=central-difference$' info.txt || fail "conv: --hvp not recorded"
grep -q '^  influence_hvp_step=0.0001$' info.txt || fail "conv: hvp step not recorded"
grep -q '^  influence_hvp_products=10$' info.txt || fail "conv: product count not recorded"
"$dump" cnnf.rsct param/ >c.dump
cmp -s b.dump c.dump && fail "conv: the central difference gave the exact product's bytes"
rsc-delete --method influence --delete two.txt --depth 5 --repeats 2 --scale 1000 -q \
    --hvp central-difference --hvp-step 1e-3 -d cifar -o cnni2.rsct cnn.rsct
rsc-info cnni2.rsct | grep -q '^  influence_hvp_step=0.001$' || fail "conv: --hvp-step not recorded"
cmp -s cnnf.rsct cnni2.rsct && fail "conv: the step changed nothing"
expect_error 2 "^rsc-delete: --hvp-step: must be positive" \
    rsc-delete --method influence --hvp central-difference --hvp-step 0 -d cifar -o e.rsct cnn.rsct
expect_error 2 "^rsc-delete: --hvp-step applies to --hvp central-difference" \
    rsc-delete --method influence --hvp-step 1e-3 -d cifar -o e.rsct cnn.rsct
expect_error 2 "^rsc-delete: --hvp: 'fd' is not exact or central-difference" \
    rsc-delete --method influence --hvp fd -d cifar -o e.rsct cnn.rsct
expect_error 2 "apply to --method influence" rsc-delete --hvp-step 1e-3 -o e.rsct cnn.rsct
expect_error 2 "apply to --method influence" rsc-delete --hvp exact -o e.rsct cnn.rsct
[ -e e.rsct ] && fail "a failed run left its output"
exit 0
