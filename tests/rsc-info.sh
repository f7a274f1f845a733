#!/bin/sh
# rsc-info.sh - rsc-info on the golden file (text and JSON, exactly), stdin,
# several files, IDX and CIFAR-10 detection, options and usage errors.
. "$top_srcdir/tests/common.sh"
G="$top_srcdir/tests/fixtures/golden.rsct"
cp "$G" golden.rsct

# text output, exactly
rsc-info golden.rsct >"$T/out"
cat >"$T/want" <<'END'
golden.rsct: rsct version 1, 4 keys, 8 tensors
  kind=golden
  name=golden
  note=utf-8 ünïcøde, a=b is fine
  empty=
  name                 dtype  shape            bytes  stored  compressed  crc
  u8                   u8     2x3                  6       6  no          ok
  i32                  i32    4                   16      16  no          ok
  i64                  i64    3                   24      24  no          ok
  f32                  f32    2x2                 16      16  no          ok
  f64                  f64    2                   16      16  no          ok
  scalar               f64    scalar               8       8  no          ok
  deep/eight.d         u8     1x2x1x2x1x2x1x2     16      16  no          ok
  Mixed_Case-1:packed  f32    64                 256     133  yes         ok
END
diff "$T/want" "$T/out" || fail "text output differs"

# JSON: one object per file
rsc-info --json golden.rsct >"$T/out"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "--json: not one line"
cat >"$T/want" <<'END'
{"file":"golden.rsct","format":"rsct","version":1,"compression":"none","valid":true,"meta":{"kind":"golden","name":"golden","note":"utf-8 ünïcøde, a=b is fine","empty":""},"tensors":[{"name":"u8","dtype":"u8","shape":[2,3],"bytes":6,"stored":6,"compressed":false,"crc_ok":true},{"name":"i32","dtype":"i32","shape":[4],"bytes":16,"stored":16,"compressed":false,"crc_ok":true},{"name":"i64","dtype":"i64","shape":[3],"bytes":24,"stored":24,"compressed":false,"crc_ok":true},{"name":"f32","dtype":"f32","shape":[2,2],"bytes":16,"stored":16,"compressed":false,"crc_ok":true},{"name":"f64","dtype":"f64","shape":[2],"bytes":16,"stored":16,"compressed":false,"crc_ok":true},{"name":"scalar","dtype":"f64","shape":[],"bytes":8,"stored":8,"compressed":false,"crc_ok":true},{"name":"deep/eight.d","dtype":"u8","shape":[1,2,1,2,1,2,1,2],"bytes":16,"stored":16,"compressed":false,"crc_ok":true},{"name":"Mixed_Case-1:packed","dtype":"f32","shape":[64],"bytes":256,"stored":133,"compressed":true,"crc_ok":true}]}
END
diff "$T/want" "$T/out" || fail "JSON output differs"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$T/out" || fail "invalid JSON"
fi

# stdin: no argument, "-", and a pipe; gzip of an rsct file too
rsc-info <golden.rsct | head -1 | grep -qx 'stdin: rsct version 1, 4 keys, 8 tensors' || fail "stdin"
cat golden.rsct | rsc-info - | head -1 | grep -qx 'stdin: rsct version 1, 4 keys, 8 tensors' || fail "pipe -"
gzip -c golden.rsct | rsc-info | head -1 | grep -qx 'stdin: rsct version 1 (gzip), 4 keys, 8 tensors' || fail "gzip rsct"

# several files: each reported, exit 1 when any is bad, one message for it
cp "$top_srcdir/tests/fixtures/bad-magic.rsct" bad.rsct
expect_error 1 '^rsc-info: bad.rsct: not an rsct' rsc-info golden.rsct bad.rsct golden.rsct
[ "$(grep -c '^golden.rsct: rsct version 1' "$T/out")" -eq 2 ] || fail "several files"
expect_error 1 '^rsc-info: missing.rsct: No such file or directory' rsc-info missing.rsct
rsc-info -J golden.rsct golden.rsct >"$T/out"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "--json with two files"

# -q: the status only
rsc-info -q golden.rsct >"$T/out" 2>"$T/err"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "-q printed something"
expect_status 1 rsc-info --quiet golden.rsct bad.rsct
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "-q printed something on failure"

# IDX, raw and gzip; header-only dims; wrong data length
printf '\000\000\010\003\000\000\000\002\000\000\000\002\000\000\000\003abcdefghijkl' >img.idx
rsc-info img.idx | grep -qx 'img.idx: IDX u8 2x2x3, 12 bytes of data' || fail "IDX"
gzip -c img.idx >img.idx.gz
rsc-info img.idx.gz | grep -qx 'img.idx.gz: IDX u8 2x2x3 (gzip), 12 bytes of data' || fail "IDX gzip"
rsc-info -J img.idx.gz >"$T/out"
grep -qx '{"file":"img.idx.gz","format":"idx","compression":"gzip","valid":true,"dtype":"u8","shape":\[2,2,3\],"bytes":12}' "$T/out" || fail "IDX JSON"
printf '\000\000\010\001\000\000\000\005abcdef' >long.idx
expect_error 1 'long.idx: IDX u8 5: expected 5 bytes of data, got 6' rsc-info long.idx
printf '\000\000\010\001\000\000' >short.idx
expect_error 1 'short.idx: IDX: truncated header' rsc-info short.idx

# CIFAR-10: records of 1 label byte + 3072 pixels
{ printf '\003'; head -c 3072 /dev/zero; printf '\011'; head -c 3072 /dev/zero | tr '\000' 'x'; } >batch.bin
rsc-info batch.bin | grep -qx 'batch.bin: CIFAR-10 binary batch, 2 images u8 3x32x32, labels per class 0,0,0,1,0,0,0,0,0,1' \
    || { rsc-info batch.bin; fail "CIFAR"; }
rsc-info -J batch.bin | grep -q '"format":"cifar10",.*"shape":\[2,3,32,32\],"labels":\[0,0,0,1,0,0,0,0,0,1\]' || fail "CIFAR JSON"
{ printf '\012'; head -c 3072 /dev/zero; } >badlabel.bin
expect_error 1 'badlabel.bin: not an rsct, IDX or CIFAR-10 file' rsc-info badlabel.bin

# real data when installed
if d=$(fashion_dir); then
    rsc-info "$d/t10k-labels-idx1-ubyte.gz" | grep -q 'IDX u8 10000 (gzip), 10000 bytes of data' || fail "Fashion-MNIST labels"
fi

# options
rsc-info --help >"$T/out"
for o in -J --json -q --quiet -h --help -V --version; do
    grep -q -- "$o" "$T/out" || fail "--help lacks $o"
done
rsc-info --version | head -1 | grep -q '^rsc-info (rsc) ' || fail "--version"
expect_error 2 "unrecognized option '--bogus'" rsc-info --bogus
expect_error 2 "invalid option -- 'z'" rsc-info -z
grep -q "^Try 'rsc-info --help'" "$T/err" || fail "usage error without the Try line"
