#!/bin/sh
# tool-size.sh - every tool stays thin: no main (nor rsc-viz's per-command
# cmd_* functions, the mains of its commands) over 150 lines, from its
# opening line to its closing brace.  Numerical and format work belongs in
# libcommon/ (HACKING.md).
. "$top_srcdir/tests/common.sh"
limit=150
n=0
for f in "$top_srcdir"/tools/rsc-*.c; do
    n=$((n + 1))
    awk -v limit=$limit -v file="${f##*/}" '
        /^(int|static int) (main|cmd_[a-z_]+)\(/ { name = $0; sub(/\(.*/, "", name); sub(/.* /, "", name); start = NR; next }
        start && /^}/ { len = NR - start + 1; found++
                        if (len > limit) { printf "%s: %s is %d lines (at most %d)\n", file, name, len, limit; bad = 1 }
                        start = 0 }
        END { if (!found) { printf "%s: no main found\n", file; bad = 1 }; exit bad }' "$f" ||
        fail "a tool's main is too long"
done
[ "$n" -ge 6 ] || fail "only $n tools found"
exit 0
