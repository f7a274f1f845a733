#!/bin/sh
# data-malformed.sh - every malformed IDX and CIFAR-10 fixture (the fuzz
# corpora tests/fixtures/idx and tests/fixtures/cifar, written by
# tests/gen/make-bad-data.py) is rejected by rsc-inject with its own
# message: exit 1, one line naming the file, no output left.
. "$top_srcdir/tests/common.sh"
F="$top_srcdir/tests/fixtures"
mkdir od

# a valid folder of the good files, raw and gzip
mkdir good goodgz
for s in train t10k; do
    cp "$F/idx/good-images" good/$s-images-idx3-ubyte
    cp "$F/idx/good-labels" good/$s-labels-idx1-ubyte
    cp "$F/idx/good-images.gz" goodgz/$s-images-idx3-ubyte.gz
    cp "$F/idx/good-labels.gz" goodgz/$s-labels-idx1-ubyte.gz
done
rsc-inject --data good --pattern none -o a.rsct
rsc-inject --data goodgz --pattern none -o b.rsct
"$top_builddir/tests/check-injection" --same a.rsct b.rsct >/dev/null || fail "good IDX raw and gzip differ"

# bad FILE AS MESSAGE: FILE replaces the folder's file AS
bad() {
    rm -rf d && mkdir d
    cp good/* d/
    rm -f d/"$2" d/"$2".gz
    case $1 in *.gz) dest=d/$2.gz ;; *) dest=d/$2 ;; esac
    cp "$F/idx/$1" "$dest"
    expect_error 1 "rsc-inject: .*${3:+$dest: $3}" rsc-inject --data d --pattern none -o od/x.rsct
    [ -z "$(ls -A od)" ] || fail "output left for $1"
}
bad bad-magic t10k-images-idx3-ubyte "not an IDX file (bad magic 12 34 08 03)"
bad bad-type train-images-idx3-ubyte "unsupported IDX element type 0x0d (only unsigned bytes, 0x08)"
bad bad-ndim train-images-idx3-ubyte "IDX file with 2 dimensions, expected 3 (images N x H x W)"
bad good-images train-labels-idx1-ubyte "IDX file with 3 dimensions, expected 1 (labels N)"
bad bad-count-zero train-images-idx3-ubyte "bad IDX count 0 (1..100000000)"
bad bad-side train-images-idx3-ubyte "bad IDX image size 5000x4 (1..4096 per side)"
bad bad-truncated train-images-idx3-ubyte "truncated (header says 64 bytes, file has 59)"
bad bad-truncated-header t10k-images-idx3-ubyte "truncated IDX header (5 of 12 dimension bytes)"
bad bad-trailing train-images-idx3-ubyte "wrong size (header says 64 bytes, file has 65)"
bad bad-truncated.gz train-images-idx3-ubyte "truncated gzip stream (unexpected end of file)"
bad bad-crc.gz t10k-images-idx3-ubyte "corrupt gzip data (incorrect data check)"
# a header announcing 10^8 images of 4096x4096: refused before any allocation
bad bad-huge.gz train-images-idx3-ubyte ""
grep -q "^rsc-inject: d/train-labels-idx1-ubyte: 3 labels for 100000000 images in d/train-images-idx3-ubyte.gz$" "$T/err" ||
    fail "bad-huge.gz: $(cat "$T/err")"
bad bad-label.gz train-labels-idx1-ubyte "label 10 of example 1 out of range (0..9)"
bad bad-garbage.gz train-labels-idx1-ubyte "corrupt gzip data"

# CIFAR-10: five good batches and a test batch, then each bad file
mkdir c
for b in 1 2 3 4 5; do cp "$F/cifar/good-2.bin" c/data_batch_$b.bin; done
cp "$F/cifar/good-1.bin" c/test_batch.bin
rsc-inject --data c --pattern none -o c.rsct
cbad() {
    rm -rf e && cp -r c e
    cp "$F/cifar/$1" e/$2
    expect_error 1 "rsc-inject: e/$2: $3" rsc-inject --data e --pattern none -o od/x.rsct
    [ -z "$(ls -A od)" ] || fail "output left for $1"
}
cbad bad-label.bin data_batch_4.bin "label 10 of record 0 out of range (0..9)"
cbad bad-size.bin test_batch.bin "wrong size 3072 bytes for a CIFAR-10 batch (not a multiple of 3073-byte records; truncated?)"
cbad bad-cifar100.bin data_batch_1.bin "wrong size 3074 bytes for a CIFAR-10 batch (records of 3074 bytes: CIFAR-100 is not supported)"
cbad bad-empty.bin data_batch_2.bin "empty CIFAR-10 batch"
exit 0
