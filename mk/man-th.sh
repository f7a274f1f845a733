#!/bin/sh
# man-th.sh VERSION DATE PAGE... - give each man page (in place) the one
# .TH line of rsc's pages:
#   .TH NAME SECTION "DATE" "rsc VERSION" "rsc manual"
# NAME being the file name without its section, in upper case.  The pages
# in man/ carry it with @MAN_DATE@ and @VERSION@; make install runs this
# on the installed pages (Makefile.am, install-data-hook) with configure's
# version and date (MAN_DATE: $SOURCE_DATE_EPOCH, else the newest
# debian/changelog entry, else the day configure ran).
set -eu
if [ $# -lt 2 ]; then
    echo "usage: man-th.sh VERSION DATE PAGE..." >&2
    exit 2
fi
version=$1
date=$2
shift 2
for page in "$@"; do
    base=${page##*/}
    sec=${base##*.}
    name=$(printf '%s\n' "${base%.*}" | tr '[:lower:]' '[:upper:]')
    if ! grep -q '^\.TH ' "$page"; then
        echo "man-th.sh: $page: no .TH line" >&2
        exit 1
    fi
    sed "s|^\.TH .*|.TH $name $sec \"$date\" \"rsc $version\" \"rsc manual\"|" "$page" > "$page.th"
    cat "$page.th" > "$page"
    rm -f "$page.th"
done
