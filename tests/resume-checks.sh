#!/bin/sh
# resume-checks.sh - what rsc-train reads back is checked as the command
# line is (issue 17): a resumed model's hyper-parameters get their options'
# range checks, a position past the epoch's end and a mid-epoch resume
# with another --limit or --batch-size are refused (naming the option), a
# bad file is exit 1 (not 2); --exclude reads lines of any length and
# names FILE:LINE; metadata integers are parsed in checked 64 bits.
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
set_=$top_builddir/tests/rsct-set
"$toy" 600 200 12 >toy.rsct
opts="--arch mlp-small -b 32 -j 1 -q --device cpu"
rsc-train $opts -e 1 toy.rsct -o m1.rsct

# Hyper-parameters as the options would be checked.
for kv in lr=nan lr=0 lr=-1 lr=inf lr=1e7 momentum=2 weight_decay=-1 gamma=nan \
    clip_value=-3 clip_norm=nan input_noise=-1 beta1=1.5 eps=0 batch_size=0 \
    batch_size=99999999 epochs=0 threads=-1; do
    "$set_" m1.rsct bad.rsct "$kv"
    expect_error 1 "bad.rsct: metadata key '${kv%%=*}': .* is out of range" \
        rsc-train $opts -e 3 --resume bad.rsct toy.rsct -o out.rsct
    [ ! -e out.rsct ] || fail "$kv: an output was written"
done
grep -q "(as --lr)" "$T/err" || grep -q "(as --threads)" "$T/err" || fail "the option is not named"
# epochs_done out of range: a bad file, exit 1 (was a usage error, 2)
"$set_" m1.rsct bad.rsct epochs_done=1099511627776
expect_error 1 "bad.rsct: metadata key 'epochs_done': 1099511627776 is out of range" \
    rsc-train $opts -e 3 --resume bad.rsct toy.rsct -o out.rsct
# Integers: no overflow, no trailing junk, no sscanf leniency.
for kv in epochs_done=99999999999999999999999 epochs_done=1x epochs_done=' 1' epochs_done=+1 \
    train_seed=-1 train_seed=18446744073709551616; do
    "$set_" m1.rsct bad.rsct "$kv"
    expect_error 1 "bad.rsct: metadata key '${kv%%=*}'" rsc-train $opts -e 3 --resume bad.rsct toy.rsct
done
for v in 1x8x8x 1x8 99999999999999999999x8x8 4294967297x8x8 1x8x-8 1x8x8junk; do
    "$set_" m1.rsct bad.rsct input="$v"
    expect_error 1 "bad.rsct: metadata key 'input' is missing or not CxHxW" \
        rsc-train $opts -e 3 --resume bad.rsct toy.rsct
done

# A position past the end of the epoch is refused, not skipped.
"$set_" m1.rsct bad.rsct batches_done=1000000000000
expect_error 1 "bad.rsct: metadata key 'batches_done': 1000000000000 is out of range" \
    rsc-train $opts -e 3 --resume bad.rsct toy.rsct
"$set_" m1.rsct bad.rsct batches_done=19
expect_error 1 "toy.rsct: bad.rsct: the checkpoint's position, batch 19 of the epoch, is past its end (19 batches of 32 over 600 examples)" \
    rsc-train $opts -e 3 --resume bad.rsct toy.rsct

# A mid-epoch checkpoint (SIGTERM while training) resumes only with the
# same --limit and --batch-size.
"$toy" 20000 200 12 >big.rsct
rsc-train --arch mlp-small -b 32 -j 1 --device cpu --progress -e 3 --limit 15000 \
    --checkpoint mid.rsct big.rsct -o full.rsct 2>prog.txt &
pid=$!
i=0
until grep -q 'epoch 1/3.*loss' prog.txt 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 600 ] || { kill -9 $pid; fail "no progress"; }
    sleep 0.05
done
kill -TERM $pid
st=0; wait $pid || st=$?
[ $st -eq 143 ] || { cat prog.txt; fail "stopped run exited $st"; }
if rsc-info mid.rsct | grep -q '^  batches_done=0$'; then
    # Stopped at an epoch's end (the toy epoch is short): the same
    # checkpoint moved 100 batches into its next epoch is a mid-epoch one.
    echo "note: stopped at an epoch's end; batches_done set to 100" >&2
    mv mid.rsct end.rsct
    "$set_" end.rsct mid.rsct batches_done=100
fi
rsc-info mid.rsct | grep -q '^  batches_done=0$' && fail "no mid-epoch checkpoint"
{
    expect_error 2 "--batch-size 64: mid.rsct stopped in the middle of an epoch of batches of 32" \
        rsc-train $opts -b 64 -e 3 --resume mid.rsct big.rsct
    expect_error 1 "--limit 6000: the checkpoint stopped in the middle of an epoch over --limit 15000 examples" \
        rsc-train $opts -e 3 --limit 6000 --resume mid.rsct big.rsct
    # the same --limit: fine (the epoch in progress is the next one)
    next=$(($(rsc-info mid.rsct | sed -n 's/^  epochs_done=//p') + 1))
    rsc-train $opts -e $next --limit 15000 --resume mid.rsct big.rsct -o ok.rsct
    rsc-info ok.rsct | grep -q "^  epochs_done=$next\$" || fail "the mid-epoch resume did not finish"
    "$top_builddir/tests/rsct-dump" ok.rsct history/train_acc | awk '!/^#/ && ($1 + 0 > 1 || $1 + 0 < 0) { exit 1 }' ||
        fail "training accuracy out of [0, 1]"
}

# --exclude FILE: a line of any length, numbers never split; FILE:LINE.
awk 'BEGIN { s = ""; for (i = 0; i < 4093; i++) s = s " "; print s "12345"; print "7 # c"; print "" }' >ex.txt
rsc-train $opts -e 1 --exclude ex.txt toy.rsct -o /dev/null 2>err.txt &&
    fail "index 12345 (beyond 600 examples) was accepted: the line was split"
grep -q "excluded index 12345 is not a training example" err.txt || { cat err.txt; fail "--exclude long line"; }
awk 'BEGIN { s = ""; for (i = 0; i < 100000; i++) s = s " "; print "1"; print s "3 4"; print "5" }' >ex2.txt
rsc-train $opts -e 1 --exclude ex2.txt toy.rsct -o ex2.rsct
rsc-info ex2.rsct | grep -q '^  excluded=4$' || fail "--exclude with a 100000-character line"
printf '1 2\n3 x4\n' >ex3.txt
expect_error 1 "ex3.txt:2: 'x4' is not an example index" rsc-train $opts -e 1 --exclude ex3.txt toy.rsct
printf '1\n99999999999999999999\n' >ex4.txt
expect_error 1 "ex4.txt:2: '99999999999999999999' is not an example index" rsc-train $opts -e 1 --exclude ex4.txt toy.rsct

# The checkpoint's location is checked before the first epoch: a folder
# without write permission, or (as root, who has every permission) one
# on a read-only bind mount in a private mount namespace.
mkdir ro; chmod 555 ro
if ! touch ro/x 2>/dev/null; then
    expect_error 1 "ro/ck.rsct: cannot create output" rsc-train $opts -e 50 --checkpoint ro/ck.rsct big.rsct -o m.rsct
elif unshare -m true 2>/dev/null; then
    st=0
    unshare -m sh -c 'mount --bind ro ro && mount -o remount,ro,bind ro &&
        exec rsc-train "$@"' sh $opts -e 50 --checkpoint ro/ck.rsct big.rsct -o m.rsct 2>err.txt || st=$?
    [ $st -eq 1 ] && grep -q "ro/ck.rsct: cannot create output" err.txt ||
        { cat err.txt >&2; fail "read-only --checkpoint location: exit $st"; }
    [ -e m.rsct ] && fail "read-only --checkpoint location: the model was written"
else
    echo "note: root without unshare: read-only --checkpoint location not tried" >&2
fi
mkdir ckdir
expect_error 1 "ckdir: is a directory" rsc-train $opts -e 50 --checkpoint ckdir big.rsct -o m.rsct
exit 0
