#!/bin/sh
# man-pages.sh - the man pages' one .TH style, as written and as installed,
# and their width (HACKING.md, "Man pages"):
#  - every man/*.[1-8] has one .TH line,
#      .TH NAME SECTION "@MAN_DATE@" "rsc @VERSION@" "rsc manual"
#  - make install-data (into a scratch DESTDIR) installs every one of them
#    with configure's date and version in it (mk/man-th.sh);
#  - formatted for an 80-column terminal, no line is wider (rsct(5)'s
#    tables and every EXAMPLES line included).
. "$top_srcdir/tests/common.sh"

version=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
mandate=$(sed -n 's/^MAN_DATE = //p' "$top_builddir/Makefile")
[ -n "$version" ] || fail "no PACKAGE_VERSION in the Makefile"
echo "$mandate" | grep -q '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]$' || fail "configure's MAN_DATE is '$mandate'"

upper() { printf '%s\n' "$1" | tr '[:lower:]' '[:upper:]'; }
n=0
for page in "$top_srcdir"/man/*.[1-8]; do
    b=${page##*/}
    want=".TH $(upper "${b%.*}") ${b##*.} \"@MAN_DATE@\" \"rsc @VERSION@\" \"rsc manual\""
    [ "$(grep -c '^\.TH ' "$page")" -eq 1 ] || fail "$b: not one .TH line"
    [ "$(grep '^\.TH ' "$page")" = "$want" ] ||
        fail "$b: .TH is '$(grep '^\.TH ' "$page")', expected '$want'"
    n=$((n + 1))
done
[ "$n" -ge 8 ] || fail "only $n man pages"

# As installed.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" install-data \
    DESTDIR="$T/inst" > install.log 2>&1 || { cat install.log >&2; fail "make install-data"; }
for page in "$top_srcdir"/man/*.[1-8]; do
    b=${page##*/}
    inst=$(find "$T/inst" -path "*/man/man${b##*.}/$b" -type f)
    [ -n "$inst" ] || fail "$b is not installed (dist_man_MANS in its mk/*.am)"
    want=".TH $(upper "${b%.*}") ${b##*.} \"$mandate\" \"rsc $version\" \"rsc manual\""
    [ "$(grep '^\.TH ' "$inst")" = "$want" ] ||
        fail "installed $b: .TH is '$(grep '^\.TH ' "$inst")', expected '$want'"
    if grep -q '@VERSION@\|@MAN_DATE@' "$inst"; then fail "installed $b keeps a placeholder"; fi
done

# 80 columns, as man(1) lays a page out for MANWIDTH=80 (groff's line length
# 80 less the indent: no output line may pass column 80).
command -v groff > /dev/null 2>&1 || skip "groff is not installed (groff-base): the width is not checked"
for page in "$top_srcdir"/man/*.[1-8]; do
    b=${page##*/}
    groff -t -man -Tutf8 -rLL=80n -P-c "$page" 2> groff.err | sed 's/\x08.//g' > page.txt
    if grep -v 'cannot adjust line\|cannot break line' groff.err | grep . >&2; then
        fail "$b: groff warns"
    fi
    LC_ALL=C.UTF-8 grep -n '.\{81,\}' page.txt > wide || true
    [ ! -s wide ] || { cat wide >&2; fail "$b: lines wider than 80 columns at 80 columns"; }
done
exit 0
