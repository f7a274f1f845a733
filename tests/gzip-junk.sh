#!/bin/sh
# gzip-junk.sh - the IDX importer and rsc-info judge gzip alike (issue 17):
# one reader (libcommon/format/gunzip.c).  Bytes after the gzip stream are
# rejected by both with the same message; a second gzip member is data for
# both; truncation and corruption read the same.
. "$top_srcdir/tests/common.sh"
F="$top_srcdir/tests/fixtures/idx"
mkdir good
for s in train t10k; do
    cp "$F/good-images.gz" good/$s-images-idx3-ubyte.gz
    cp "$F/good-labels.gz" good/$s-labels-idx1-ubyte.gz
done
# judge CASE MESSAGE: both tools on the labels file built by the caller
judge() {
    rm -rf d && cp -r good d
    cp lab.gz d/train-labels-idx1-ubyte.gz
    expect_error 1 "d/train-labels-idx1-ubyte.gz: $2\$" rsc-inject --data d --pattern none -o x.rsct
    [ ! -e x.rsct ] || fail "$1: output written"
    expect_error 1 "d/train-labels-idx1-ubyte.gz: IDX: $2\$" rsc-info d/train-labels-idx1-ubyte.gz
    expect_error 1 "stdin: IDX: $2\$" sh -c 'rsc-info <d/train-labels-idx1-ubyte.gz'
}
{ cat "$F/good-labels.gz"; printf 'junk'; } >lab.gz
judge junk "junk after the gzip stream (4 bytes that are not a gzip member)"
{ cat "$F/good-labels.gz"; printf '\037'; } >lab.gz
judge "one byte" "junk after the gzip stream (1 byte that are not a gzip member)"
{ cat "$F/good-labels.gz"; head -c 1000 /dev/zero; } >lab.gz
judge zeros "junk after the gzip stream (1000 bytes that are not a gzip member)"
size=$(wc -c <"$F/good-labels.gz")
head -c $((size - 3)) "$F/good-labels.gz" >lab.gz
judge truncated "truncated gzip stream (unexpected end of file)"
# Two members: the labels split in two gzip members is the same file.
gzip -dc "$F/good-labels.gz" >lab.raw
n=$(wc -c <lab.raw)
{ head -c 10 lab.raw | gzip -c; tail -c $((n - 10)) lab.raw | gzip -c; } >lab.gz
rm -rf d && cp -r good d && cp lab.gz d/train-labels-idx1-ubyte.gz
rsc-inject --data good --pattern none -o a.rsct
rsc-inject --data d --pattern none -o b.rsct
"$top_builddir/tests/check-injection" --same a.rsct b.rsct >/dev/null || fail "two gzip members read differently"
rsc-info lab.gz | grep -q "(gzip), $((n - 8)) bytes of data" || fail "rsc-info on two members"
# An rsct file in gzip with junk after it: rejected too.
gzip -c a.rsct >a.rsct.gz
rsc-info a.rsct.gz >/dev/null
{ cat a.rsct.gz; printf 'xx'; } >j.rsct.gz
expect_error 1 "j.rsct.gz: junk after the gzip stream (2 bytes" rsc-info j.rsct.gz
exit 0
