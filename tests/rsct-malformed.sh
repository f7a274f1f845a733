#!/bin/sh
# rsct-malformed.sh - rsc-info on each malformed rsct file of tests/fixtures
# (one per rejection rule of rsct(5)): exit status 1 and one line naming the
# file, the tensor where there is one, and the problem; with -q nothing at all.
. "$top_srcdir/tests/common.sh"
F="$top_srcdir/tests/fixtures"

# file|expected problem (a grep pattern; the line starts "rsc-info: FILE: ")
cases='bad-empty|truncated header (empty input)
bad-magic|not an rsct, IDX or CIFAR-10 file
bad-version|unsupported rsct version 2
bad-meta-len|metadata block of 1048577 bytes exceeds the 1 MiB limit
bad-meta-line|metadata line 2: no .=.
bad-meta-newline|metadata line 2: missing newline
bad-meta-dupkey|metadata line 3: duplicate key .seed.
bad-meta-key|metadata line 1: bad key .Kind.
bad-meta-emptykey|metadata line 1: bad key ..
bad-meta-nul|metadata line 1: value of .kind. contains a NUL byte
bad-meta-utf8|metadata line 1: value of .kind. is not valid UTF-8
bad-header-crc|header crc mismatch
bad-tag|bad record tag .TNSX. after tensor 0
bad-name|tensor .bad name.: bad name
bad-name-len|tensor 1: bad name length 0
bad-dup-name|tensor .x.: duplicate name
bad-dtype|tensor .x.: unknown dtype 6
bad-dtype-zero|tensor .x.: unknown dtype 0
bad-flags|tensor .x.: unknown flags 0x02
bad-ndim|tensor .x.: ndim 9 exceeds 8
bad-dims-overflow|tensor .x.: dims product overflows
bad-bytes-overflow|tensor .x.: dims product overflows
bad-size|tensor .x.: size 20 disagrees with dims (24 bytes
bad-record-crc|tensor .x.: crc mismatch
bad-payload-flip|tensor .x.: crc mismatch
bad-deflate|tensor .x.: corrupt compressed payload
bad-deflate-size|tensor .x.: compressed payload inflates to more than 24 bytes
bad-deflate-ratio|tensor .x.: 26 compressed bytes cannot inflate to the 1099511627776 declared
bad-deflate-empty|tensor .x.: empty compressed payload
bad-deflate-extra|tensor .x.: 3 bytes after the end of the compressed stream
bad-name-long|tensor 1: bad name length 256
bad-trailer-missing|truncated after 1 tensor (no END. trailer)
bad-trailer-tag|bad record tag .END!. after tensor 1
bad-trailer-count|trailer count 2 disagrees with the 1 tensor record read
bad-trailer-short|truncated trailer
bad-trailing-data|unexpected data after the trailer
bad-huge-tensor|tensor .x.: truncated
bad-huge-deflate|tensor .x.: truncated compressed payload
bad-truncated-header|truncated header checksum
bad-truncated-payload|tensor .x.: truncated'

n=0
echo "$cases" | while IFS='|' read -r name problem; do
    f="$F/$name.rsct"
    [ -f "$f" ] || fail "fixture $name.rsct is missing"
    expect_error 1 "^rsc-info: $f: $problem" rsc-info "$f"
    expect_status 1 rsc-info -q "$f"
    [ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "rsc-info -q $name.rsct printed something"
    # the same through a pipe, named stdin
    set +e
    rsc-info <"$f" >"$T/out" 2>"$T/err"
    st=$?
    set -e
    [ "$st" -eq 1 ] || fail "stdin $name: exit $st"
    grep -q "^rsc-info: stdin: " "$T/err" || fail "stdin $name: $(cat "$T/err")"
    n=$((n + 1))
    echo "ok $n $name"
done

# every committed bad-*.rsct has its case above
for f in "$F"/bad-*.rsct; do
    name=$(basename "$f" .rsct)
    echo "$cases" | grep -q "^$name|" || fail "$name.rsct has no case in rsct-malformed.sh"
done

# the crc cases still show the table, with the bad tensor marked
expect_status 1 rsc-info "$F/bad-record-crc.rsct"
grep -q '^  x  *f32  *2x3  *24  *24  *no  *BAD$' "$T/out" || { cat "$T/out"; fail "crc table"; }
