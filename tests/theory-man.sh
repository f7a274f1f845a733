#!/bin/sh
# theory-man.sh - rsc-theory.1 runs as written: every command of its
# EXAMPLES section succeeds (a pipe into rsc-viz only when rsc-viz is
# built), and the page and --help document the same options.
. "$top_srcdir/tests/common.sh"
man="$top_srcdir/man/rsc-theory.1"

sed -n '/^\.SH EXAMPLES/,/^\.SH SEE ALSO/p' "$man" |
    sed -n '/^\.EX/,/^\.EE/p' | sed 's/\\e$/\\/; s/\\-/-/g' |
    sed -e :a -e '/\\$/N; s/\\\n *//; ta' | grep '^rsc-theory' > examples
[ "$(wc -l < examples)" -ge 5 ] || fail "EXAMPLES has $(wc -l < examples) commands"
n=0
while IFS= read -r cmd; do
    case $cmd in
    *'| rsc-viz'*)
        command -v rsc-viz >/dev/null 2>&1 || cmd=${cmd%%|*} ;;
    esac
    sh -c "$cmd" > ex.out 2> ex.err || { cat ex.err >&2; fail "example failed: $cmd"; }
    [ ! -s ex.err ] || { cat ex.err >&2; fail "example wrote to stderr: $cmd"; }
    case $cmd in *'>'*|*'-o '*) ;; *) [ -s ex.out ] || fail "example printed nothing: $cmd" ;; esac
    n=$((n + 1))
done < examples
[ -s fig13.tsv ] && [ "$(wc -l < fig13.tsv)" -eq 817 ] || fail "fig13.tsv from the examples"

# The same long options in --help and in the page.
rsc-theory --help | sed '/^Example/,$d' | grep '^ *-' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u > help.opts
grep -o -- '\\-\\-[a-z][a-z0-9\\-]*' "$man" | sed 's/\\-/-/g' | sort -u > man.opts
comm -23 help.opts man.opts > missing
comm -13 help.opts man.opts > extra
[ ! -s missing ] || fail "options in --help but not in rsc-theory.1: $(tr '\n' ' ' < missing)"
[ ! -s extra ] || fail "options in rsc-theory.1 but not in --help: $(tr '\n' ' ' < extra)"
exit 0
