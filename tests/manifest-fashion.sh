#!/bin/sh
# manifest-fashion.sh - the real Fashion-MNIST (Debian's
# dataset-fashion-mnist, whose .gz files are recompressed) passes the
# compiled-in manifest by its content; one changed label in a copy fails
# with both checksums named.  Skipped without the dataset.
. "$top_srcdir/tests/common.sh"
dir=$(fashion_dir) || skip "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"

rsc-inject --data fashion --pattern none -o a.rsct
rsc-info a.rsct | grep -q "^  name=fashion$" || fail "name key"
# the same data as the folder given by path (not checked)
rsc-inject --data "$dir" --pattern none -o b.rsct
cmp a.rsct b.rsct || fail "by name and by path differ"

# a copy with the first training label changed (and recompressed)
mkdir -p lib/fashion-mnist
cp "$dir"/*.gz lib/fashion-mnist/
gzip -dc "$dir/train-labels-idx1-ubyte.gz" >labels
first=$(od -An -tu1 -j8 -N1 labels | tr -d ' ')
printf "\\$(printf '%03o' $(( (first + 1) % 10 )))" | dd of=labels bs=1 seek=8 conv=notrunc 2>/dev/null
gzip -9n <labels >lib/fashion-mnist/train-labels-idx1-ubyte.gz
got=$(md5sum <labels | cut -c1-32)
gzgot=$(md5sum <lib/fashion-mnist/train-labels-idx1-ubyte.gz | cut -c1-32)
RSC_DATA_PATH=$T/lib expect_error 1 "$T/lib/fashion-mnist/train-labels-idx1-ubyte.gz: content does not match Fashion-MNIST's checksum (md5 $got, expected 9018921c3c673c538a1fc5bad174d6f9; of the file itself $gzgot, published 25c81989df183df01b3e8a0aad5dffbe); --no-verify skips this check" \
    rsc-inject --data fashion --pattern none -o x.rsct
RSC_DATA_PATH=$T/lib rsc-inject --data fashion --no-verify --pattern none -o c.rsct
