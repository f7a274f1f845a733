#!/bin/sh
# train-many.sh - many models in one rsc-train call (several datasets,
# --seeds, -o TEMPLATE or DIR/): every model is the bytes its own call
# makes, one after another and in lockstep (pinned to the CPU, where both
# are bit for bit; lockstep at one thread, where the single runs do not
# split batches), and every error path.
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
"$toy" 600 200 0 >n0.rsct
"$toy" 600 200 12 >n12.rsct
"$toy" 600 200 30 >n30.rsct
opts="--arch mlp-small -e 2 -b 32 -q --device cpu"

# The reference: one call per dataset and seed.
for d in n0 n12 n30; do
    for s in 1 2 3; do
        rsc-train $opts -j 2 --seed $s -o "ref2-$d-$s.rsct" "$d.rsct"
        rsc-train $opts -j 1 --seed $s -o "ref1-$d-$s.rsct" "$d.rsct"
    done
done

# One call, one model after another (the CPU's default), at 2 threads.
rsc-train $opts -j 2 --seeds 1-3 -o 'out2/{data}-{seed}.rsct' n0.rsct n12.rsct n30.rsct 2>err.txt &&
    fail "a missing output folder was accepted"
mkdir out2 out1 dir
rsc-train $opts -j 2 --seeds 1-3 -o 'out2/{data}-{seed}.rsct' n0.rsct n12.rsct n30.rsct
# In lockstep, at 1 thread.
rsc-train $opts -j 1 --seeds 1,2,3 --lockstep on -o 'out1/{data}-{seed}.rsct' n0.rsct n12.rsct n30.rsct
for d in n0 n12 n30; do
    for s in 1 2 3; do
        cmp "ref2-$d-$s.rsct" "out2/$d-$s.rsct" || fail "$d seed $s: one after another differs from its own call"
        cmp "ref1-$d-$s.rsct" "out1/$d-$s.rsct" || fail "$d seed $s: lockstep differs from its own call"
    done
done
[ "$(ls out2 | wc -l)" -eq 9 ] || fail "not 9 models"
# The summary says how the models were trained: in lockstep, or in turn
# when the datasets do not share their images (then each is still its
# own call's model).
"$toy" 500 200 12 >other.rsct
rsc-train --arch mlp-small -e 2 -b 32 --device cpu -j 1 --seed 1 -q -o other-1.rsct other.rsct
rsc-train --arch mlp-small -e 2 -b 32 --device cpu -j 1 --seeds 1 --lockstep on -o 'sum-{data}.rsct' \
    n12.rsct n30.rsct 2>sum.txt
[ "$(grep -c '(2 models in lockstep)$' sum.txt)" -eq 2 ] || { cat sum.txt; fail "lockstep summary"; }
rsc-train --arch mlp-small -e 2 -b 32 --device cpu -j 1 --seeds 1 --lockstep on -o 'sum-{data}.rsct' \
    n12.rsct other.rsct 2>sum.txt
[ "$(grep -c '(2 models in turn)$' sum.txt)" -eq 2 ] || { cat sum.txt; fail "in-turn summary"; }
cmp sum-n12.rsct ref1-n12-1.rsct && cmp sum-other.rsct other-1.rsct || fail "models in turn"
# The models differ (seeds and datasets are each model's own).
cmp -s out1/n12-1.rsct out1/n12-2.rsct && fail "two seeds gave the same model"
cmp -s out1/n0-1.rsct out1/n12-1.rsct && fail "two datasets gave the same model"
rsc-info out1/n30-3.rsct | grep -q '^  train_seed=3$' || fail "train_seed key"
rsc-info out1/n30-3.rsct | grep -q '^  count=30$' || fail "count key"

# -o DIR/: DIR/{data}-s{seed}.rsct; one dataset with --seeds; stdin as
# one of the datasets; --exclude-spurious applies to each.
rsc-train $opts -j 1 --seeds 2 -o dir/ n12.rsct
cmp ref1-n12-2.rsct dir/n12-s2.rsct || fail "-o DIR/ with --seeds"
rsc-train $opts -j 1 -o 'dir/{data}.rsct' --exclude-spurious - n30.rsct <n12.rsct
rsc-train $opts -j 1 --exclude-spurious <n12.rsct >ex12.rsct
cmp ex12.rsct dir/stdin.rsct || fail "stdin as a dataset"
rsc-info dir/n30.rsct | grep -q '^  excluded=30$' || fail "--exclude-spurious for each dataset"
# Several seeds of standard input (read once), one after another and in
# lockstep.
rsc-train $opts -j 1 --seeds 1,2 -o 'st-{seed}.rsct' <n12.rsct
rsc-train $opts -j 1 --seeds 2,3 --lockstep on -o 'sl-{seed}.rsct' - <n12.rsct
cmp ref1-n12-1.rsct st-1.rsct && cmp ref1-n12-2.rsct st-2.rsct || fail "--seeds on stdin"
cmp ref1-n12-2.rsct sl-2.rsct && cmp ref1-n12-3.rsct sl-3.rsct || fail "--seeds on stdin, lockstep"
# A lockstep run on the linear model, with input noise and clipping.
more="--arch linear --input-noise 0.1 --clip-value 0.5 -j 1"
rsc-train $opts $more --seed 4 -o lin-ref.rsct n30.rsct
rsc-train $opts $more --seeds 4,5 --lockstep on -o 'lin-{seed}.rsct' n30.rsct n30.rsct 2>err.txt &&
    fail "two models of the same name were accepted"
grep -q "names two models 'lin-4.rsct'" err.txt || { cat err.txt; fail "same-name message"; }
rsc-train $opts $more --seeds 4,5 --lockstep on -o 'lin-{data}-{seed}.rsct' n30.rsct
cmp lin-ref.rsct lin-n30-4.rsct || fail "lockstep linear model with noise and clipping"

# rsc-train.1's example, on real Fashion-MNIST with a smaller budget
# (--limit, one epoch).
if dir=$(fashion_dir); then
    for p in S1 S2 R3; do
        rsc-inject --data "$dir" --pattern $p --count 10 -q -o fashion-$p.rsct
    done
    mkdir models
    rsc-train --seeds 0-4 -o models/ fashion-S1.rsct fashion-S2.rsct fashion-R3.rsct \
        -e 1 --limit 500 --test-limit 100 -q
    [ "$(ls models | wc -l)" -eq 15 ] || fail "the example did not write 15 models"
    for f in fashion-S1-s0 fashion-R3-s4; do
        [ -s "models/$f.rsct" ] || fail "the example did not write $f.rsct"
    done
    rsc-info models/fashion-S2-s3.rsct | grep -q '^  pattern=S2$' || fail "the example's provenance"
fi

# Errors: usage (2) before any work, no files left.
expect_error 2 "-o TEMPLATE or -o DIR/" rsc-train --seeds 0-1 n0.rsct
expect_error 2 "apply to one model" rsc-train --seeds 0-1 --resume ref1-n0-1.rsct -o 'e{seed}' n0.rsct
expect_error 2 "apply to one model" rsc-train --checkpoint ck.rsct -o 'e{data}' n0.rsct n12.rsct
expect_error 2 "--seed and --seeds" rsc-train --seed 1 --seeds 0-1 -o 'e{seed}' n0.rsct
expect_error 2 "only be one of the datasets" rsc-train -o 'e{data}' - - </dev/null
expect_error 2 "'3-1' is descending" rsc-train --seeds 3-1 -o 'e{seed}' n0.rsct
expect_error 2 "'x' is not a seed" rsc-train --seeds 1,x -o 'e{seed}' n0.rsct
expect_error 2 "'' is not a seed" rsc-train --seeds 1, -o 'e{seed}' n0.rsct
expect_error 2 "unknown field '{name}'" rsc-train --seeds 1,2 -o 'e{name}' n0.rsct
expect_error 2 "is not auto, on or off" rsc-train --lockstep yes n0.rsct
ls | grep -q "^e[0-9n]" && fail "an output was left behind"
# A runtime error stops the run; the models written before it are complete.
expect_error 1 "nonexistent.rsct" rsc-train $opts -j 1 -o 'e-{data}.rsct' n0.rsct nonexistent.rsct
rsc-train $opts -j 1 -o ref1-n0-0.rsct n0.rsct
cmp e-n0.rsct ref1-n0-0.rsct || fail "the model written before the error"
[ ! -e e-nonexistent.rsct ] || fail "the failed model was written"
ls -a | grep -q '^\.e' && fail "a temporary file was left behind"
exit 0
