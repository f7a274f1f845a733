#!/bin/sh
# manifest.sh - the check of a dataset found by name against its manifest
# (data/manifests, libcommon/data/manifest.c), on small synthetic folders
# with manifests written here (RSC_MANIFEST_DIR): the content checksum,
# raw or gzip; the .gz file's own checksum; sizes; every message; a
# malformed or missing manifest; --no-verify in every tool that imports;
# and the compiled-in manifests against toy data (sizes, at once).
. "$top_srcdir/tests/common.sh"
mkdata="$top_builddir/tests/mkdata"

mkdir -p lib/mnist gz/mnist man bad cif/cifar10
"$mkdata" idx lib/mnist 200 50
"$mkdata" idx gz/mnist 200 50 gz
"$mkdata" cifar cif/cifar10 4 6
RSC_MANIFEST_DIR=$T/man
RSC_DATA_PATH=$T/lib
export RSC_MANIFEST_DIR RSC_DATA_PATH

# A manifest of the raw files, by coreutils' md5sum: rsc's MD5 must agree.
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    printf '%s %s %s\n' "$f" "$(wc -c <lib/mnist/$f | tr -d ' ')" "$(md5sum <lib/mnist/$f | cut -c1-32)"
done >content
{ echo '# toy MNIST'; cat content; } >man/mnist.manifest
rsc-inject --data mnist --pattern none -o raw.rsct
# the content entries hold for the gzip folder too (decompressed as read)
RSC_DATA_PATH=$T/gz rsc-inject --data mnist --pattern none -o gz.rsct

# one wrong content checksum: named, with both values
labmd5=$(md5sum <lib/mnist/t10k-labels-idx1-ubyte | cut -c1-32)
sed "/^t10k-labels-idx1-ubyte /s/ [0-9a-f]*\$/ 00000000000000000000000000000000/" content >man/mnist.manifest
expect_error 1 "rsc-inject: $T/lib/mnist/t10k-labels-idx1-ubyte: content does not match MNIST's checksum (md5 $labmd5, expected 00000000000000000000000000000000); --no-verify skips this check" \
    rsc-inject --data mnist --pattern none -o x.rsct
[ ! -e x.rsct ] || fail "output left after a failed check"
RSC_DATA_PATH=$T/gz expect_error 1 "$T/gz/mnist/t10k-labels-idx1-ubyte.gz: content does not match MNIST's checksum (md5 $labmd5, expected 0*); --no-verify" \
    rsc-inject --data mnist --pattern none -o x.rsct
# ... unless the .gz file itself is the published one
gzmd5=$(md5sum <gz/mnist/t10k-labels-idx1-ubyte.gz | cut -c1-32)
{ cat man/mnist.manifest; echo "t10k-labels-idx1-ubyte.gz - $gzmd5"; } >m && mv m man/mnist.manifest
RSC_DATA_PATH=$T/gz rsc-inject --data mnist --pattern none -o gz2.rsct
cmp gz.rsct gz2.rsct || fail "accepted by the .gz checksum: another dataset"
sed "/^t10k-labels-idx1-ubyte.gz /s/ [0-9a-f]*\$/ ffffffffffffffffffffffffffffffff/" man/mnist.manifest >m && mv m man/mnist.manifest
RSC_DATA_PATH=$T/gz expect_error 1 "t10k-labels-idx1-ubyte.gz: content does not match MNIST's checksum (md5 $labmd5, expected 0*; of the file itself $gzmd5, published f*); --no-verify skips this check" \
    rsc-inject --data mnist --pattern none -o x.rsct

# only the .gz files listed: their own checksums are compared
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    printf '%s.gz - %s\n' "$f" "$(md5sum <gz/mnist/$f.gz | cut -c1-32)"
done >man/mnist.manifest
RSC_DATA_PATH=$T/gz rsc-inject --data mnist --pattern none -o gz3.rsct
cmp gz.rsct gz3.rsct || fail "gz-only manifest: another dataset"
timgs=$(md5sum <gz/mnist/train-images-idx3-ubyte.gz | cut -c1-32)
sed "/^train-images/s/ - [0-9a-f]*\$/ 12 $timgs/" man/mnist.manifest >m && mv m man/mnist.manifest
RSC_DATA_PATH=$T/gz expect_error 1 "train-images-idx3-ubyte.gz: [0-9]* bytes, MNIST's published train-images-idx3-ubyte.gz has 12; --no-verify" \
    rsc-inject --data mnist --pattern none -o x.rsct
sed "/^train-images/s/ 12 [0-9a-f]*\$/ - 0123456789abcdef0123456789abcdef/" man/mnist.manifest >m && mv m man/mnist.manifest
RSC_DATA_PATH=$T/gz expect_error 1 "train-images-idx3-ubyte.gz: does not match MNIST's published checksum (md5 $timgs, expected 0123456789abcdef0123456789abcdef); --no-verify skips this check" \
    rsc-inject --data mnist --pattern none -o x.rsct
# ... and the raw files are not in it
expect_error 1 "$T/lib/mnist/train-labels-idx1-ubyte: not listed in MNIST's manifest ($T/man/mnist.manifest); --no-verify skips this check" \
    rsc-inject --data mnist --pattern none -o x.rsct

# a size that differs stops the import before the pixels are read
sed "/^train-images/s/ [0-9]* / 1000 /" content >man/mnist.manifest
expect_error 1 "$T/lib/mnist/train-images-idx3-ubyte: 156816 bytes of content, MNIST's train-images-idx3-ubyte has 1000; --no-verify skips this check" \
    rsc-inject --data mnist --pattern none -o x.rsct
# unknown size and checksum ('-'): listed, nothing to compare
sed "s/ [0-9]* [0-9a-f]*\$/ - -/" content >man/mnist.manifest
rsc-inject --data mnist --pattern none -o dash.rsct
cmp raw.rsct dash.rsct || fail "'-' entries: another dataset"

# --no-verify in every tool that imports a dataset by name, with the
# manifest of a one-byte change in t10k-labels
sed "/^t10k-labels-idx1-ubyte /s/ [0-9a-f]*\$/ 00000000000000000000000000000000/" content >man/mnist.manifest
expect_error 1 "content does not match MNIST's checksum" rsc-inject --data mnist --norms
rsc-inject --data mnist --no-verify --norms >norms.tsv
[ "$(wc -l <norms.tsv)" -eq 8 ] || fail "--norms with --no-verify"
rsc-inject --data mnist --no-verify --pattern none -o nv.rsct
cmp raw.rsct nv.rsct || fail "--no-verify: another dataset"
expect_error 1 "content does not match MNIST's checksum" rsc-train --data mnist --arch linear --epochs 1 -q -o m.rsct
rsc-train --data mnist --no-verify --arch linear --epochs 1 -q -o m.rsct
expect_error 1 "content does not match MNIST's checksum" rsc-train --describe --arch mlp-small --data mnist
rsc-train --describe --arch mlp-small --data mnist --no-verify >/dev/null
expect_error 1 "content does not match MNIST's checksum" rsc-score --data mnist -p S1 -t 0 m.rsct
rsc-score --data mnist --no-verify -p S1 -t 0 m.rsct >score.tsv
[ "$(wc -l <score.tsv)" -eq 2 ] || fail "rsc-score --no-verify"
if rsc-viz patterns --help | grep -q no-verify; then
    expect_error 1 "content does not match MNIST's checksum" rsc-viz patterns --data mnist -o p.png
    rsc-viz patterns --data mnist --no-verify -o p.png
    [ -s p.png ] || fail "rsc-viz patterns --no-verify"
else
    fail "rsc-viz patterns has no --no-verify"
fi
# a path is not checked
rsc-inject --data lib/mnist --pattern none -o path.rsct

# a malformed manifest names its line; a missing one its path
printf '# ok\ntrain-images-idx3-ubyte 12\n' >man/mnist.manifest
expect_error 1 "$T/man/mnist.manifest:2: 2 fields, expected 3 (FILE SIZE MD5)" rsc-inject --data mnist --pattern none -o x.rsct
printf 'a/b 1 -\n' >man/mnist.manifest
expect_error 1 "mnist.manifest:1: bad file name 'a/b'" rsc-inject --data mnist --pattern none -o x.rsct
printf 'x 1k -\n' >man/mnist.manifest
expect_error 1 "mnist.manifest:1: bad size '1k' (bytes, or '-')" rsc-inject --data mnist --pattern none -o x.rsct
printf 'x 1 abc\n' >man/mnist.manifest
expect_error 1 "mnist.manifest:1: bad checksum 'abc' (32 hex digits of an MD5, or '-')" rsc-inject --data mnist --pattern none -o x.rsct
printf 'x 1 - extra\n' >man/mnist.manifest
expect_error 1 "mnist.manifest:1: 4 fields, expected 3" rsc-inject --data mnist --pattern none -o x.rsct
printf 'x 1 -\nx 2 -\n' >man/mnist.manifest
expect_error 1 "mnist.manifest:2: file 'x' listed twice" rsc-inject --data mnist --pattern none -o x.rsct
rm man/mnist.manifest
expect_error 1 "$T/man/mnist.manifest: cannot open (RSC_MANIFEST_DIR): No such file or directory" \
    rsc-inject --data mnist --pattern none -o x.rsct

# The compiled-in manifests (RSC_MANIFEST_DIR unset): toy data named mnist
# or cifar10 fails on the first file's size
unset RSC_MANIFEST_DIR
expect_error 1 "$T/lib/mnist/train-images-idx3-ubyte: 156816 bytes of content, MNIST's train-images-idx3-ubyte has 47040016; --no-verify skips this check" \
    rsc-inject --data mnist --pattern none -o x.rsct
if [ ! -d /usr/share/datasets/cifar10 ] && [ ! -d /usr/share/datasets/cifar-10-batches-bin ]; then
    RSC_DATA_PATH=$T/cif expect_error 1 "$T/cif/cifar10/data_batch_1.bin: 12292 bytes of content, CIFAR-10's data_batch_1.bin has 30730000; --no-verify skips this check" \
        rsc-inject --data cifar10 --pattern none -o x.rsct
    RSC_DATA_PATH=$T/cif rsc-inject --data cifar10 --no-verify --pattern none -o c.rsct
fi
exit 0
