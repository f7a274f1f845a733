#!/bin/sh
# cli-vocabulary.sh - one command-line vocabulary (rsc(7), COMMON OPTIONS):
# every built program (tools/rsc-*, so new ones are covered) and every
# command of those that have commands is read from its --help, and
#  - each common letter stands for its common long option and each common
#    long option has its letter (--device has none);
#  - an option that takes an argument is spelled --name=ARG;
#  - --threads 0 (all cores) is accepted;
# then the deprecated spellings still work and warn in one line.
. "$top_srcdir/tests/common.sh"

# letter, long name, takes an argument
cat > table <<'EOF'
j threads 1
J json 0
s seed 1
q quiet 0
o output 1
d data 1
p pattern 1
t target 1
h help 0
V version 0
- device 1
EOF

# The option lines of a --help (up to an "Example" line), one line per
# long option: SHORT LONG ARG (SHORT '-' when none; ARG '-' for none,
# 'SPACE' when written --name ARG).  Options on a line are separated by ", ".
options_of() {
    sed '/^Example/,$d' | awk '
    /^ +-/ && match($0, /^ +/) && RLENGTH <= 6 {
        s = $0; sub(/^ +/, "", s); short = "-"
        while (1) {
            if (match(s, /^-[A-Za-z0-9]/) && substr(s, 3, 1) !~ /[A-Za-z0-9-]/) {
                short = substr(s, 2, 1); s = substr(s, 3)
            } else if (match(s, /^--[a-z][a-z0-9-]*/)) {
                name = substr(s, 3, RLENGTH - 2); s = substr(s, RLENGTH + 1); arg = "-"
                if (s ~ /^=/) {
                    match(s, /^=[^ ,]+/); arg = substr(s, 2, RLENGTH - 1); s = substr(s, RLENGTH + 1)
                } else if (s ~ /^ [A-Z[]/ || s ~ /^ [a-z]+\|/)
                    arg = "SPACE"
                print short, name, arg
            } else
                break
            if (substr(s, 1, 2) != ", ") break
            s = substr(s, 3)
        }
    }'
}

# check PROGRAM [COMMAND]: the vocabulary of one --help
check() {
    label="$*"
    "$@" --help > help.txt 2> help.err || fail "$label --help exited $?"
    [ ! -s help.err ] || fail "$label --help wrote to stderr"
    options_of < help.txt > opts
    [ -s opts ] || fail "$label --help lists no options"
    grep -q '^h help -$' opts || fail "$label --help lacks -h, --help"
    while read -r short name arg; do
        [ "$arg" != SPACE ] || fail "$label --help spells --$name ARG, not --$name=ARG"
        row=$(awk -v n="$name" '$2 == n' table)
        if [ -n "$row" ]; then
            set -- $row
            [ "$short" = "$1" ] ||
                fail "$label: --$name is -$short in --help; the common letter is ${1#-}"
            if [ "$3" = 1 ] && [ "$arg" = - ]; then fail "$label: --$name takes an argument"; fi
            if [ "$3" = 0 ] && [ "$arg" != - ]; then fail "$label: --$name takes no argument"; fi
        fi
        if [ "$short" != - ]; then
            row=$(awk -v s="$short" '$1 == s' table)
            [ -z "$row" ] || grep -q "^$short $(echo "$row" | cut -d' ' -f2) " opts ||
                fail "$label: -$short is --$name; the common -$short is --$(echo "$row" | cut -d' ' -f2)"
        fi
    done < opts
    # What getopt does agrees with the help: a common letter that takes an
    # argument asks for it, and --threads takes 0 (all cores).
    while read -r short name arg; do
        row=$(awk -v n="$name" '$2 == n' table)
        [ -n "$row" ] && [ "$short" != - ] || continue
        set -- $row
        if [ "$3" = 1 ]; then
            expect_error 2 "requires an argument" $label "-$short"
        fi
    done < opts
    if grep -q '^j threads ' opts; then
        $label -j 0 --help > /dev/null 2>&1 || fail "$label: -j 0 (all cores) refused"
        $label --threads=0 --help > /dev/null 2>&1 || fail "$label: --threads=0 refused"
    fi
    # every letter of every program, for the check across programs below
    # (a letter's first long name: "-s, --seed=S, --train-seed=S" is one)
    awk -v l="$label" '$1 != "-" && !seen[$1]++ { print $1, $2, l }' opts >> letters
}

checked=0
for prog in "$top_builddir"/tools/rsc-*; do
    case ${prog##*/} in *.*) continue ;; esac
    [ -f "$prog" ] && [ -x "$prog" ] || continue
    tool=${prog##*/}
    check "$tool"
    grep -q '^V version -$' opts || fail "$tool --help lacks -V, --version"
    # commands: the "Commands:" block of the help, "  NAME  what it does"
    for cmd in $(sed -n '/^Commands:/,/^$/p' help.txt | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
        check "$tool" "$cmd"
        checked=$((checked + 1))
    done
    checked=$((checked + 1))
done
[ "$checked" -ge 6 ] || fail "only $checked programs and commands checked"
# Across programs a letter stands for one long option, common or not
# (rsc-train's -a, -c, -e, -l are --arch, --checkpoint, --epochs, --lr
# wherever a letter is given).
sort -u letters | awk '{ if ($1 in long && long[$1] != $2) {
        printf "-%s is --%s in %s and --%s in %s\n", $1, long[$1], who[$1], $2, $3 " " $4; bad = 1 }
    long[$1] = $2; who[$1] = $3 " " $4 } END { exit bad }' > clash.txt ||
    { cat clash.txt >&2; fail "a letter with two meanings across programs"; }
[ "$(cut -d' ' -f1 letters | sort -u | wc -l)" -ge 15 ] || fail "too few letters collected"

# ---- deprecated spellings: still work, with one warning line
# deprecated EXPECTED_FILE CMD...: CMD's stdout equals EXPECTED_FILE's and
# its stderr is one line saying what is deprecated
deprecated() {
    want=$1; shift
    "$@" > dep.out 2> dep.err || { cat dep.err >&2; fail "'$*' failed"; }
    cmp -s "$want" dep.out || fail "'$*' printed other output than the new spelling"
    [ "$(wc -l < dep.err)" -eq 1 ] && grep -q "^${1##*/}: warning: .* is deprecated, use " dep.err ||
        { cat dep.err >&2; fail "'$*': no one-line deprecation warning"; }
}
have() { [ -x "$top_builddir/tools/$1" ]; }

if have rsc-info; then
    rsc-info -J "$top_srcdir/tests/fixtures/golden.rsct" > new.out
    deprecated new.out rsc-info -j "$top_srcdir/tests/fixtures/golden.rsct"
fi
if have rsc-theory; then
    rsc-theory --preset fig6c > new.out
    deprecated new.out rsc-theory -p fig6c
fi
if have rsc-score; then
    F="$top_srcdir/tests/fixtures"
    rsc-score --aggregate "$F/score-runs.tsv" > new.out
    deprecated new.out rsc-score -T 1 --aggregate "$F/score-runs.tsv"
    # -j and -s changed meaning (they were --json and --sensitivity): an old
    # command line is refused with the new spelling named
    expect_error 2 "the old -j is -J, --json" rsc-score -j m.rsct
    expect_error 2 "the old -s is --sensitivity" rsc-score -s --examples 4 m.rsct
    # -a, -e and -k: rsc-train's --arch and --epochs, rsc-viz chart's --kind
    deprecated new.out rsc-score -a "$F/score-runs.tsv"
fi
if have rsc-theory; then
    rsc-theory --gamma 0.1 --lambda 1 > new.out
    deprecated new.out rsc-theory --gamma 0.1 -l 1
    rsc-theory --lambda 1 --critical > new.out
    deprecated new.out rsc-theory --lambda 1 -c
fi
if have rsc-viz; then
    rsc-theory --gamma 0:0.5:0.25 --lambda 0,1 --noise-var 0,0.1 > grid.tsv
    rsc-viz chart --x gamma --y pd --series lambda --panel noise_var -o new.png grid.tsv
    rsc-viz chart --x gamma --y pd -s lambda --panel noise_var -o old.png grid.tsv 2> dep.err
    cmp -s new.png old.png || fail "rsc-viz chart -s drew another chart than --series"
    grep -q "^rsc-viz: warning: -s (series) is deprecated, use --series" dep.err || fail "chart -s: no warning"
    rsc-viz chart --x gamma --y pd --series lambda -p noise_var -o old.png grid.tsv 2> dep.err
    cmp -s new.png old.png || fail "rsc-viz chart -p drew another chart than --panel"
    grep -q "^rsc-viz: warning: -p (panel) is deprecated, use --panel" dep.err || fail "chart -p: no warning"
    mkdir idx && "$top_builddir/tests/mkdata" idx idx 100 20
    rsc-viz patterns --data idx -p S1,R3 -s 4 -o new.png
    rsc-viz patterns --data idx -P S1,R3 --seed 4 -o old.png 2> dep.err
    cmp -s new.png old.png || fail "rsc-viz patterns -P drew another figure than -p"
    [ "$(wc -l < dep.err)" -eq 1 ] && grep -q "^rsc-viz: warning: -P is deprecated, use -p" dep.err ||
        fail "patterns -P: no one-line warning"
fi
exit 0
