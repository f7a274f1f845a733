#!/bin/sh
# rsc-viz patterns: the Fig. 1 gallery on generated 1- and 3-channel data
# (and on Fashion-MNIST when installed): size, crisp pattern pixels,
# determinism, errors.
. "$top_srcdir/tests/common.sh"
probe() { "$top_builddir/tests/png-probe" "$@"; }

# 28x28 grey: 8 images of 6 px per pixel (labels need 142 px), 12 px gaps
mkdir idx && "$top_builddir/tests/mkdata" idx idx 100 20
rsc-viz patterns --data idx --index 3 -o g.png
set -- $(probe g.png)
[ "$1 $2" = "1452 244" ] || fail "g.png is $1x$2"
[ "$4" -ge 50000 ] || fail "g.png nearly blank"
# image i starts at x = 12 + 180 i, y = 38; S3 (image 3) whitens rows and
# columns 0-4, Inv (image 7) column 14 of rows 3-24
[ "$(probe g.png $((12 + 540 + 4 * 6 + 3)) $((38 + 4 * 6 + 3)))" = ffffff ] || fail "S3 corner not white"
[ "$(probe g.png $((12 + 1260 + 14 * 6 + 3)) $((38 + 10 * 6 + 3)))" = ffffff ] || fail "Inv bar not white"
[ "$(probe g.png $((12 + 1260 + 14 * 6 + 3)) $((38 + 1 * 6 + 3)))" = \
  "$(probe g.png $((12 + 14 * 6 + 3)) $((38 + 1 * 6 + 3)))" ] || fail "Inv changed row 1"
rsc-viz patterns --data idx --index 3 -o again.png
cmp g.png again.png || fail "same input, different bytes"

# a chosen subset, comma list and repeated option, no title
rsc-viz patterns --data idx -p S1,R3 --pattern Inv --seed 4 --title '' -o sub.png
set -- $(probe sub.png)
[ "$1 $2" = "732 218" ] || fail "sub.png is $1x$2"

# 3 channels (CIFAR-10 layout): colour noise in R3
mkdir cifar && "$top_builddir/tests/mkdata" cifar cifar 10 20
rsc-viz patterns --data cifar --split train --index 5 -o c.png
set -- $(probe c.png)
[ "$1 $2" = "1388 236" ] || fail "c.png is $1x$2"
[ "$3" -ge 1000 ] || fail "c.png has only $3 colours (no colour noise?)"

# an injected rsct dataset: R1-R3 follow its seed unless --seed is given
rsc-inject --data idx --pattern R3 --count 2 --target 1 --seed 7 -o inj.rsct
rsc-viz patterns --data inj.rsct -p R3 -o own.png
rsc-viz patterns --data inj.rsct -p R3 --seed 7 -o seed7.png
rsc-viz patterns --data inj.rsct -p R3 --seed 0 -o seed0.png
cmp own.png seed7.png || fail "the dataset's seed was not the default"
if cmp -s own.png seed0.png; then fail "--seed 0 drew the same R3 as seed 7"; fi

# errors
expect_error 1 "index 20 is out of range (the test split has 20 images)" \
    rsc-viz patterns --data idx --index 20 -o e.png
expect_error 1 "nosuch" rsc-viz patterns --data idx -p nosuch -o e.png
expect_error 1 "missing-dir" rsc-viz patterns --data missing-dir -o e.png
[ ! -e e.png ] || fail "a failed run left e.png"
expect_error 2 "--data NAME|PATH is required" rsc-viz patterns -o e.png
expect_error 2 "--split: 'valid' is not test or train" rsc-viz patterns --data idx --split valid
expect_error 2 "--index: -1 is out of range" rsc-viz patterns --data idx --index -1
expect_error 2 "unexpected argument 'x'" rsc-viz patterns --data idx x

# the real thing (Fig. 1), when Fashion-MNIST is installed
d=$(fashion_dir) || { echo "Fashion-MNIST not installed: real-data part skipped"; exit 0; }
rsc-viz patterns --data "$d" -o fashion.png
set -- $(probe fashion.png)
[ "$1 $2" = "1452 244" ] || fail "fashion.png is $1x$2"
[ "$3" -ge 200 ] || fail "fashion.png has only $3 grey levels"
exit 0
