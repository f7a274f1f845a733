#!/bin/sh
# conv-train.sh - rsc-train with the convolutional architectures:
# --describe gives Table 2's parameter counts; --augment crop-flip and
# batch-norm running statistics are recorded in the model and a run
# resumed from a checkpoint equals an uninterrupted one bit for bit; a
# ResNet-20 on a generated CIFAR-10 binary dataset lowers its loss; the CNN
# learns real Fashion-MNIST (when installed); usage errors.
. "$top_srcdir/tests/common.sh"

# Table 2 (doc/paper-facts.md): exact parameter counts.
for spec in cnn:312202 resnet20:269722 resnet32:464154 resnet110:1727962 vgg16:134301514; do
    arch=${spec%%:*}; want=${spec#*:}
    rsc-train --arch "$arch" --describe >d.txt
    got=$(sed -n 's/^total parameters: //p' d.txt)
    [ "$got" = "$want" ] || { cat d.txt; fail "$arch: $got parameters, Table 2 says $want"; }
done
rsc-train --arch resnet20 --describe >d.txt
grep -q '^input 3x32x32, 10 classes$' d.txt || fail "resnet20 is described on 3x32x32"
grep -q '^param layer2.0.conv1.weight  *\[32, 16, 3, 3\]$' d.txt || fail "resnet20 names"
grep -q '^param linear.weight  *\[10, 64\]$' d.txt || fail "resnet20 linear"
grep -q '^state layer3.2.bn2.running_var  *\[64\]$' d.txt || fail "resnet20 running statistics"
[ "$(grep -c '^state ' d.txt)" -eq 38 ] || fail "resnet20: 38 state tensors expected"
rsc-train --arch cnn --describe >d.txt
grep -q '^param classifier.fc1.weight  *\[200, 1024\]$' d.txt || fail "cnn names"

# Usage errors.
expect_error 2 "unknown augmentation 'flip'" rsc-train --augment flip --arch cnn
expect_error 2 "unknown architecture 'resnet18'" rsc-train --arch resnet18 --describe

# A learnable CIFAR-format dataset: 5 x 12 training and 20 test images.
mkdir cifar
"$top_builddir/tests/cifar-toy" cifar 12 20
common="--data cifar --arch resnet20 --optimizer sgd --lr 0.05 --momentum 0.9 \
    --weight-decay 1e-4 -b 20 --augment crop-flip -j 2 --milestones none"
# shellcheck disable=SC2086
rsc-train $common --epochs 1 -o e1.rsct 2>s1.txt
# shellcheck disable=SC2086
rsc-train $common --epochs 2 --resume e1.rsct -o e2.rsct 2>s2.txt
cat s1.txt s2.txt >&2
# Mean loss of epoch 1 then of epoch 2 (3 SGD steps each): 2.99 then 1.26
# measured; we require a drop of 20%.
l1=$(sed -n 's/.* loss \([0-9.]*\) train acc.*/\1/p' s1.txt)
l2=$(sed -n 's/.* loss \([0-9.]*\) train acc.*/\1/p' s2.txt)
[ -n "$l1" ] && [ -n "$l2" ] || fail "no loss in the summaries"
awk -v a="$l1" -v b="$l2" 'BEGIN { exit !(b < 0.8 * a) }' ||
    fail "resnet20 loss did not decrease: epoch 1 $l1, epoch 2 $l2"
rsc-info e2.rsct >info.txt
for kv in arch=resnet20 augment=crop-flip input=3x32x32 epochs_done=2; do
    grep -q "^  $kv\$" info.txt || { cat info.txt; fail "model lacks $kv"; }
done
for t in param/bn1.running_mean param/layer3.2.bn2.running_var param/layer3.2.bn2.weight \
    rng/augment.state; do
    grep -q "^  $t " info.txt || { cat info.txt; fail "model lacks tensor $t"; }
done
# rsc-score reads the model through model.h (eval mode: running
# statistics, no augmentation): its clean accuracy is rsc-train's test
# accuracy of the last epoch.
rsc-score --data cifar --pattern S3 --target 0 e2.rsct >score.tsv
clean=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "clean_acc") c = i }
    NR == 2 { print $c }' score.tsv)
t2=$(sed -n 's/.* test acc \([0-9.]*\);.*/\1/p' s2.txt)
[ -n "$clean" ] && [ -n "$t2" ] || { cat score.tsv; fail "no clean_acc or test acc"; }
awk -v a="$clean" -v b="$t2" 'BEGIN { d = a - b; exit !(d < 5e-5 && d > -5e-5) }' ||
    fail "rsc-score clean_acc $clean differs from rsc-train's test acc $t2"
# The running statistics moved away from their start (mean 0, variance 1).
"$top_builddir/tests/rsct-dump" e2.rsct param/bn1.running_var >rv.txt
grep -qv '^#\|^0x1p+0$' rv.txt || fail "bn1.running_var never updated"

# Resume equals an uninterrupted run, with augmentation, batch norm and a
# ResNet on small 1x8x8 images (the toy dataset).
"$top_builddir/tests/toy-dataset" 96 32 >toy.rsct
# Architectures that cannot take 8x8 images say so (exit 1, no output).
expect_error 1 "architecture 'vgg16' on 1x8x8 input: layer 'features.23': 2x2 pooling window larger than the 1x1 input" \
    rsc-train --data toy.rsct --arch vgg16 -o v.rsct
[ ! -e v.rsct ] || fail "a failed run left v.rsct"
expect_error 1 "architecture 'cnn' on 1x8x8 input: layer 'feature_extractor.conv3': 3x3 kernel" \
    rsc-train --data toy.rsct --arch cnn -o v.rsct
small="--data toy.rsct --arch resnet20 -b 16 --augment crop-flip -j 2 --milestones none"
# shellcheck disable=SC2086
rsc-train $small --epochs 2 -q -o a.rsct
# shellcheck disable=SC2086
rsc-train $small --epochs 1 -q -o b1.rsct
# shellcheck disable=SC2086
rsc-train $small --epochs 2 -q --resume b1.rsct -o b2.rsct
for p in param/ opt/ rng/; do
    "$top_builddir/tests/rsct-dump" a.rsct $p >a.txt
    "$top_builddir/tests/rsct-dump" b2.rsct $p >b.txt
    cmp -s a.txt b.txt || fail "resumed run differs from the uninterrupted one in $p"
done
# Another seed gives other crops, hence another model.
# shellcheck disable=SC2086
rsc-train $small --epochs 2 -q --seed 1 -o c.rsct
"$top_builddir/tests/rsct-dump" c.rsct param/ >c.txt
"$top_builddir/tests/rsct-dump" a.rsct param/ >a.txt
! cmp -s a.txt c.txt || fail "seed 1 gave the same model as seed 0"

# The CNN on 3000 real Fashion-MNIST images, one epoch of Adam (lr 0.003,
# batch 32): 0.668 test accuracy on the first 1000 test images measured
# (2 threads, data-parallel replicas); we require 0.58, almost six times
# chance.
dir=$(fashion_dir) || { echo "Fashion-MNIST not installed: CNN part skipped" >&2; exit 0; }
rsc-train --data "$dir" --arch cnn --epochs 1 --lr 0.003 -b 32 --limit 3000 --test-limit 1000 \
    -j 2 -o cnn.rsct 2>sum.txt
cat sum.txt >&2
acc=$(sed -n 's/.* test acc \([0-9.]*\);.*/\1/p' sum.txt)
[ -n "$acc" ] || fail "no test accuracy in the summary"
awk -v a="$acc" 'BEGIN { exit !(a >= 0.58) }' || fail "cnn test accuracy $acc < 0.58"
exit 0
