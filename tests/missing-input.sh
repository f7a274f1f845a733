#!/bin/sh
# missing-input.sh - a program whose input would come from standard input
# says so when none comes (rsc_stdin_input, libcommon/core/cli.h): an
# empty stdin is "no WHAT on standard input (what produces one)", exit 1;
# stdin a terminal is a usage error, exit 2, instead of waiting; a
# non-empty stdin still reads whole (the byte looked at is put back).
. "$top_srcdir/tests/common.sh"
have() { [ -x "$top_builddir/tools/$1" ]; }

if have rsc-train; then
    expect_error 1 "^rsc-train: no dataset on standard input (pipe one from rsc-inject, or give DATASET or --data)$" \
        rsc-train -q -o m.rsct < /dev/null
    [ ! -e m.rsct ] || fail "rsc-train wrote a model without data"
    : > ck.rsct
    expect_error 1 "^rsc-train: no dataset on standard input (a model does not hold its data: give the dataset again, piped from rsc-inject or as DATASET or --data)$" \
        rsc-train --resume ck.rsct -q -o m.rsct < /dev/null
    # a usage error comes first
    expect_error 2 "name the same file" rsc-train -o a.rsct --checkpoint a.rsct < /dev/null
fi
if have rsc-inject; then
    expect_error 1 "^rsc-inject: no dataset on standard input (give --data NAME|PATH, or pipe an rsct dataset)$" \
        rsc-inject --pattern S1 --count 1 -o d.rsct < /dev/null
    expect_error 1 "no dataset on standard input" rsc-inject --norms < /dev/null
    # a piped dataset still reads whole
    mkdir idx && "$top_builddir/tests/mkdata" idx idx 100 20
    rsc-inject --data idx --pattern none -q -o clean.rsct
    rsc-inject --pattern S1 --count 2 -q < clean.rsct > piped.rsct
    rsc-inject --data clean.rsct --pattern S1 --count 2 -q -o named.rsct
    cmp piped.rsct named.rsct || fail "rsc-inject read another dataset from the pipe"
fi
if have rsc-score; then
    expect_error 1 "^rsc-score: no model on standard input (name MODEL files, or pipe one from rsc-train)$" \
        rsc-score --data fashion < /dev/null
    expect_error 1 "^rsc-score: no model on standard input" rsc-score --data fashion - < /dev/null
    expect_error 1 "^rsc-score: no score rows on standard input (name TSV files, or pipe rsc-score's output)$" \
        rsc-score --aggregate < /dev/null
    expect_error 1 "^rsc-score: no dataset on standard input (pipe an rsct dataset, or give --data)$" \
        rsc-score --data - m.rsct < /dev/null
    expect_error 1 "^rsc-score: no norms table on standard input" \
        rsc-score --aggregate --norms - "$top_srcdir/tests/fixtures/score-runs.tsv" < /dev/null
fi
if have rsc-viz; then
    expect_error 1 "^rsc-viz: no table on standard input (name a TSV file, or pipe one from rsc-score or rsc-theory)$" \
        rsc-viz chart --x a --y b -o c.png < /dev/null
    expect_error 1 "^rsc-viz: no model on standard input" rsc-viz importance - -o i.png < /dev/null
    expect_error 1 "^rsc-viz: no dataset on standard input" rsc-viz patterns --data - -o p.png < /dev/null
    [ ! -e c.png ] && [ ! -e i.png ] && [ ! -e p.png ] || fail "a figure was written without input"
fi

# stdin a terminal: script(1) runs the command on a pseudo-terminal
if ! command -v script > /dev/null 2>&1 || ! script -qec true /dev/null > /dev/null 2>&1 < /dev/null; then
    echo "script(1) cannot open a pseudo-terminal here: the terminal cases are not run" >&2
    exit 0
fi
# on_tty STATUS PATTERN CMD: CMD with a terminal as stdin exits STATUS at
# once (timeout: it waited for typed input) and prints PATTERN
on_tty() {
    want=$1; pat=$2; shift 2
    set +e
    timeout 20 script -qec "$*" /dev/null < /dev/null > tty.out 2>&1
    got=$?
    set -e
    [ "$got" -ne 124 ] || fail "'$*' waited for input on a terminal"
    [ "$got" -eq "$want" ] || { cat tty.out >&2; fail "'$*' on a terminal exited $got, expected $want"; }
    grep -q -- "$pat" tty.out || { cat tty.out >&2; fail "'$*' on a terminal: no '$pat'"; }
}
have rsc-score && on_tty 2 "rsc-score: no model given (name MODEL files, or pipe one from rsc-train)" \
    rsc-score --data fashion
have rsc-score && on_tty 2 "rsc-score: no score rows given" rsc-score --aggregate
have rsc-train && on_tty 2 "rsc-train: no dataset given (pipe one from rsc-inject, or give DATASET or --data)" \
    rsc-train -o m.rsct
have rsc-train && on_tty 2 "rsc-train: no dataset given (a model does not hold its data" \
    rsc-train --resume ck.rsct -o m.rsct
have rsc-inject && on_tty 2 "rsc-inject: no dataset given" rsc-inject --pattern S1 --count 1 -o d.rsct
have rsc-info && on_tty 2 "rsc-info: no file given (name FILEs, or pipe one)" rsc-info
have rsc-viz && on_tty 2 "rsc-viz: no table given" rsc-viz chart --x a --y b -o c.png
exit 0
