#!/bin/sh
# train-cli.sh - rsc-train on a small synthetic dataset: options in --help
# and the man page, parameter counts, determinism, checkpoint/resume
# (by --epochs and by SIGTERM) giving the same bytes, exclusions, and every
# error path (status, one message, no output file).
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
dump=$top_builddir/tests/rsct-dump

# Every long option is in --help and in the man page.
rsc-train --help >help.txt
sed 's/\\-/-/g' "$top_srcdir/man/rsc-train.1" >man.txt
for opt in arch describe optimizer lr momentum weight-decay batch-size epochs milestones \
    gamma clip-value clip-norm input-noise seed train-seed data exclude-spurious exclude \
    limit test-limit resume checkpoint threads device output compress quiet progress help version; do
    grep -q -- "--$opt" help.txt || fail "--help lacks --$opt"
    grep -q -- "--$opt" man.txt || fail "rsc-train.1 lacks --$opt"
done
rsc-train --version | grep -q '^rsc-train (rsc) '

# Parameter counts of Table 2 (and the linear model).
for pair in mlp-small:203530 mlp:335114 mlp-large:932362 linear:7850; do
    rsc-train --describe --arch "${pair%%:*}" >d.txt
    grep -q "^total parameters: ${pair#*:}\$" d.txt || { cat d.txt; fail "$pair"; }
done
grep -q '^param fc1.weight  *\[256, 784\]$' d.txt && fail "linear has no hidden layer"
rsc-train --describe --arch linear | grep -q '^param fc1.weight  *\[10, 784\]$'

"$toy" 600 200 12 >toy.rsct
"$toy" 600 200 12 drop >dropped.rsct

# Determinism: the same run twice gives the same bytes (stdin and file).
opts="--arch mlp-small -e 3 -b 32 -j 2 -q"
rsc-train $opts <toy.rsct >a.rsct
rsc-train $opts toy.rsct -o b.rsct
cmp a.rsct b.rsct || fail "two identical runs differ"
rsc-info a.rsct >info.txt
for kv in kind=model arch=mlp-small input=1x8x8 classes=4 optimizer=adam lr=0.01 batch_size=32 \
    epochs=3 epochs_done=3 milestones=15,25 gamma=0.1 train_seed=0 \
    name=toy pattern=S2 target=0 count=12 seed=1 train_size=600 examples=600 excluded=0; do
    grep -q "^  $kv" info.txt || { cat info.txt; fail "model lacks $kv"; }
done
# The thread count and the backend recorded are the CPU backend's (on a
# GPU the device's): pinned to the CPU.
rsc-train $opts --device cpu toy.rsct -o cpu.rsct
rsc-info cpu.rsct >cpuinfo.txt
for kv in threads=2 backend=cpu/; do
    grep -q "^  $kv" cpuinfo.txt || { cat cpuinfo.txt; fail "model lacks $kv"; }
done
for t in param/fc1.weight param/fc2.bias opt/exp_avg opt/exp_avg_sq opt/step rng/shuffle.state \
    history/loss history/train_acc history/test_acc spurious.index spurious.pattern; do
    grep -q "^  $t " info.txt || fail "model lacks tensor $t"
done
# A different training seed gives a different model; the noise option
# changes the result too.
rsc-train $opts --seed 1 <toy.rsct >c.rsct
cmp -s a.rsct c.rsct && fail "--seed had no effect"
rsc-train $opts --input-noise 0.1 <toy.rsct >n1.rsct
rsc-train $opts --input-noise 0.1 <toy.rsct >n2.rsct
cmp n1.rsct n2.rsct || fail "noise is not deterministic"
cmp -s a.rsct n1.rsct && fail "--input-noise had no effect"

# Resume by epochs: 1 epoch, then continue to 3 = 3 in one go (the
# milestones given explicitly, since the table depends on the total).
ms="--milestones 2 --gamma 0.5"
rsc-train $opts $ms <toy.rsct >full.rsct
rsc-train --arch mlp-small -e 1 -b 32 -j 2 -q $ms <toy.rsct >one.rsct
rsc-train --resume one.rsct -e 3 -j 2 -q <toy.rsct >resumed.rsct
cmp full.rsct resumed.rsct || fail "1 + 2 epochs differ from 3"
# With SGD and momentum, weight decay and clipping as well.
sgd="--optimizer sgd --lr 0.05 --momentum 0.9 --weight-decay 1e-3 --clip-value 0.5 --clip-norm 2"
rsc-train $opts $sgd $ms <toy.rsct >sfull.rsct
rsc-train --arch mlp-small -e 2 -b 32 -j 2 -q $sgd $ms <toy.rsct >stwo.rsct
rsc-train --resume stwo.rsct -e 3 -j 2 -q <toy.rsct >sresumed.rsct
cmp sfull.rsct sresumed.rsct || fail "SGD: 2 + 1 epochs differ from 3"
rsc-info sfull.rsct | grep -q '^  momentum=0.9$'
rsc-info sfull.rsct | grep -q '^  clip_norm=2$'

# Resume after SIGTERM: a long run stopped mid-way by a signal writes its
# checkpoint and exits 143; resuming it gives the uninterrupted bytes.
long="--arch mlp-small -e 60 -b 32 -j 2 -q --milestones 30,50"
rsc-train $long <toy.rsct >ref.rsct
rsc-train $long --checkpoint ck.rsct <toy.rsct >killed.rsct 2>killed.err &
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
    grep -q 'stopped by signal 15 .*checkpoint written to ck.rsct' killed.err || { cat killed.err; fail "signal message"; }
    [ -s killed.rsct ] && fail "an interrupted run wrote its model to stdout"
    rsc-train --resume ck.rsct -j 2 -q <toy.rsct >after.rsct
    cmp ref.rsct after.rsct || fail "resumed after SIGTERM differs from the uninterrupted run"
    if ! rsc-info ck.rsct | grep -q '^  batches_done=0$'; then
        # Mid-epoch: new exclusions would change the epoch under way.
        expect_error 1 "in the middle of an epoch" rsc-train --resume ck.rsct --exclude-spurious -o e.rsct toy.rsct
    fi
elif [ $st -eq 0 ]; then
    echo "note: the run ended before the signal; checkpoint check only" >&2
else
    cat killed.err >&2
    fail "killed run exited $st"
fi
# The checkpoint of a finished run is the model itself.
rsc-train $opts --checkpoint ck2.rsct <toy.rsct >m2.rsct
cmp m2.rsct ck2.rsct || fail "final checkpoint differs from the model"

# --exclude-spurious drops the injected examples: the same bytes of
# parameters as training on the dataset without them (the model files
# differ only in keys and provenance).
rsc-train $opts --exclude-spurious <toy.rsct >ex.rsct
rsc-train $opts <dropped.rsct >dr.rsct
rsc-info ex.rsct | grep -q '^  excluded=12$' || fail "excluded count"
rsc-info ex.rsct | grep -q '^  examples=588$' || fail "examples count"
"$dump" ex.rsct param/ >v1.txt
"$dump" dr.rsct param/ >v2.txt
[ "$(grep -vc '^#' v1.txt)" -eq 17668 ] || fail "parameter dump"
cmp v1.txt v2.txt || fail "--exclude-spurious differs from removing the examples"
# --exclude FILE with the same indices: the same model as --exclude-spurious.
"$dump" toy.rsct spurious.index >idx.txt
[ "$(grep -vc '^#' idx.txt)" -eq 12 ] || fail "spurious.index dump"
rsc-train $opts --exclude idx.txt <toy.rsct >ex2.rsct
"$dump" ex2.rsct param/ >v3.txt
cmp v1.txt v3.txt || fail "--exclude FILE differs from --exclude-spurious"

# Error paths: exit status, one message, no output file left.
expect_error 2 "unknown architecture 'resnet9' (linear, mlp-small, mlp, mlp-large, cnn, resnet20, resnet32, resnet110, vgg16)" rsc-train --arch resnet9 -o e.rsct toy.rsct
# --help lists every architecture of the table
for a in linear mlp-small mlp mlp-large cnn resnet20 resnet32 resnet110 vgg16; do
    grep -q "[ ,]$a[ ,]" help.txt || fail "--help lacks architecture $a"
done
expect_error 2 "unrecognized option '--bogus'" rsc-train --bogus toy.rsct
expect_error 2 "'x' is not a finite number" rsc-train --lr x toy.rsct
expect_error 2 "not adam or sgd" rsc-train --optimizer adamw toy.rsct
expect_error 2 "not ascending" rsc-train --milestones 5,3 toy.rsct
expect_error 2 "is not auto, cpu or cuda" rsc-train --device tpu toy.rsct
printf 'not an rsct file\n' >junk.rsct
expect_error 1 "junk.rsct" rsc-train -o e.rsct junk.rsct
expect_error 1 "nonexistent.rsct" rsc-train -o e.rsct nonexistent.rsct
expect_error 1 "not a model file" rsc-train --resume toy.rsct -o e.rsct toy.rsct
expect_error 1 "junk.rsct" rsc-train --resume junk.rsct -o e.rsct toy.rsct
expect_error 2 "already trained for 3 epochs" rsc-train --resume a.rsct -o e.rsct toy.rsct
expect_error 2 "the resumed model is mlp-small" rsc-train --resume a.rsct --arch mlp -e 5 -o e.rsct toy.rsct
printf '3\n-1\n' >badidx.txt
expect_error 1 "badidx.txt:2: '-1' is not an example index" rsc-train --exclude badidx.txt -o e.rsct toy.rsct
printf '600\n' >outidx.txt
expect_error 1 "excluded index 600 is not a training example" rsc-train --exclude outidx.txt -o e.rsct toy.rsct
expect_error 1 "no spurious examples" rsc-train --exclude-spurious -o e.rsct dropped.rsct
if rsc-train --device cuda -e 1 -q -o e.rsct toy.rsct 2>err.txt; then
    rm -f e.rsct   # a CUDA build on a machine with a GPU
else
    grep -q "no CUDA backend\|no CUDA device" err.txt || { cat err.txt; fail "--device cuda message"; }
fi
[ ! -e e.rsct ] || fail "an output file was left behind"
ls -a | grep -q '^\.e\.rsct' && fail "a temporary file was left behind"
exit 0
