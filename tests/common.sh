# common.sh - sourced by every shell test: strict mode, C locale, a private
# temporary folder removed on exit, and helpers for asserting behaviour.
set -eu
LC_ALL=C
export LC_ALL
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PATH="$top_builddir/tools:$PATH"
export PATH
T=$(mktemp -d "${TMPDIR:-/tmp}/rsc-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# expect_status N CMD...: run CMD, require exit status N, keep its stderr in $T/err
expect_status() {
    want=$1; shift
    set +e
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    set -e
    [ "$got" -eq "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, expected $want"; }
}
# expect_error STATUS PATTERN CMD...: exit STATUS, exactly one stderr line
# (plus the "Try --help" line for usage errors) matching PATTERN
expect_error() {
    want=$1; pat=$2; shift 2
    expect_status "$want" "$@"
    grep -q -- "$pat" "$T/err" || { cat "$T/err" >&2; fail "'$*': stderr lacks '$pat'"; }
    n=$(grep -vc "^Try '" "$T/err" || true)
    [ "$n" -eq 1 ] || { cat "$T/err" >&2; fail "'$*': expected one message line, got $n"; }
    if grep -q 'AddressSanitizer\|runtime error' "$T/err"; then fail "'$*': sanitizer report"; fi
}
# The Fashion-MNIST folder of Debian's dataset-fashion-mnist, if installed.
fashion_dir() {
    for d in /usr/share/datasets/fashion-mnist; do
        [ -f "$d/train-images-idx3-ubyte.gz" ] && { echo "$d"; return 0; }
    done
    return 1
}
# python_with MODULE...: the first Python 3 among configure's $PYTHON,
# python3 and /usr/bin/python3 (Debian's, where python3-numpy and
# python3-torch install) that imports every MODULE; fails when none does.
python_with() {
    mods=$(echo "$*" | tr ' ' ',')
    for py in ${PYTHON:+"$PYTHON"} python3 /usr/bin/python3; do
        [ "$py" != ":" ] && command -v "$py" >/dev/null 2>&1 || continue
        "$py" -c "import $mods" 2>/dev/null && { echo "$py"; return 0; }
    done
    return 1
}
