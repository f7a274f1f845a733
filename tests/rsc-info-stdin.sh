#!/bin/sh
# rsc-info-stdin.sh - truncated, corrupted and garbage input on stdin: exit
# status 1 and one message naming stdin; never a crash.
. "$top_srcdir/tests/common.sh"
G="$top_srcdir/tests/fixtures/golden.rsct"
size=$(wc -c <"$G")

# stdin_error PATTERN: rsc-info on $T/in through a pipe
stdin_error() {
    set +e
    cat "$T/in" | rsc-info >"$T/out" 2>"$T/err"
    st=$?
    set -e
    [ "$st" -eq 1 ] || { cat "$T/err" >&2; fail "exit $st, expected 1 ($1)"; }
    [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "expected one message line ($1)"; }
    grep -q "^rsc-info: stdin: $1" "$T/err" || { cat "$T/err" >&2; fail "stderr lacks '$1'"; }
    if grep -q 'AddressSanitizer\|runtime error' "$T/err"; then fail "sanitizer report"; fi
}

# the whole file works through a pipe (reference)
cat "$G" | rsc-info >"$T/out"
grep -q '^stdin: rsct version 1, 4 keys, 8 tensors$' "$T/out" || fail "golden through a pipe"

# truncated at a spread of offsets: header, metadata, records, payload, trailer
for cut in 0 3 8 15 16 40 85 86 90 120 300 500 600 $((size - 9)) $((size - 1)); do
    head -c "$cut" "$G" >"$T/in"
    stdin_error '.*truncated'
done

# garbage: text, random-looking bytes, a short foreign prefix
printf 'hello, this is not a tensor file\n' >"$T/in"
stdin_error 'not an rsct, IDX or CIFAR-10 file'
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "%c", (i * 7919) % 251 + 1 }' >"$T/in"
stdin_error 'not an rsct, IDX or CIFAR-10 file'
printf 'ab' >"$T/in"
stdin_error 'not an rsct, IDX or CIFAR-10 file'

# a valid file followed by garbage
{ cat "$G"; printf 'x'; } >"$T/in"
stdin_error 'unexpected data after the trailer'

# a corrupted byte in the middle: some rule of rsct(5) catches it
head -c 300 "$G" >"$T/in"
printf '\377' >>"$T/in"
tail -c +302 "$G" >>"$T/in"
stdin_error "tensor '"

# gzip layer: truncated and corrupted streams
printf '\000\000\010\001\000\000\000\003abc' | gzip -c >"$T/ok.gz"
cat "$T/ok.gz" | rsc-info >"$T/out"
grep -q '^stdin: IDX u8 3 (gzip), 3 bytes of data$' "$T/out" || fail "gzip IDX on stdin"
head -c 20 "$T/ok.gz" >"$T/in"
stdin_error ".*truncated gzip stream"
{ head -c 12 "$T/ok.gz"; printf 'garbage garbage garbage'; } >"$T/in"
stdin_error ".*corrupt gzip data"

# IDX whose data is short
printf '\000\000\010\003\000\000\000\002\000\000\000\002\000\000\000\002abcdefg' >"$T/in"
stdin_error 'IDX u8 2x2x2: expected 8 bytes of data, got 7'

# -q: the status only
head -c 100 "$G" >"$T/in"
set +e
rsc-info -q <"$T/in" >"$T/out" 2>"$T/err"
st=$?
set -e
[ "$st" -eq 1 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "-q on truncated stdin"
