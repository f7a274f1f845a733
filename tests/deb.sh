#!/bin/sh
# deb.sh - the Debian package end to end, on Debian 12, as root:
#   1. build it (dpkg-buildpackage -us -uc -b) in a scratch copy of the
#      tree (the files git tracks or would track, uncommitted changes
#      included; the whole tree outside git);
#   2. lintian: no error and no warning (info tags are shown);
#   3. install it with dpkg -i;
#   4. run the installed programs (from /usr/bin, outside the tree): every
#      --version, Table 1's norms on Fashion-MNIST with rsc-inject --norms
#      when dataset-fashion-mnist is installed, and a dataset written by
#      the installed Python module trained on, scored, viewed, drawn and
#      read back into Python; man -w for every page it installs; the
#      Python modules imported from /usr/lib/python3/dist-packages;
#   5. purge it: nothing it installed is left.
# It installs what it lacks with apt-get (the build dependencies through
# apt-get build-dep on the scratch copy, lintian, man-db, python3-numpy)
# and refuses to run where an rsc package is installed already (it would
# replace and purge it).  Not part of make check, since it installs into
# the machine: CI runs it after the tests (.ci/run), and so does `make
# deb`, which keeps the package files (RSC_DEB_OUT=DIR keeps them in DIR).
#
# The package's own make check (dh_auto_test) is skipped by default
# (DEB_BUILD_OPTIONS=nocheck): CI has just run make check on the same tree,
# and the two together would take more than the 5 minutes this script is
# allowed on 2 cores.  RSC_DEB_CHECK=1 runs it in the package build too.
set -eu
LC_ALL=C
export LC_ALL
start=$(date +%s)
say() { echo "deb: $*"; }
die() { echo "deb: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: it installs build dependencies and the package"
[ -r /etc/debian_version ] || die "not a Debian system"
src=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$src/debian/control" ] || die "$src/debian/control is missing"
present() {   # the package rsc is installed (or its configuration is left)
    s=$(dpkg-query -W -f='${Status}' rsc 2>/dev/null) || return 1
    case $s in *not-installed) return 1 ;; esac
}
if present; then
    die "package rsc is installed already; remove it first (this script would purge it)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rsc-deb.XXXXXX")
installed=no
cleanup() {
    [ "$installed" = yes ] && dpkg --purge rsc >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- what it needs
export DEBIAN_FRONTEND=noninteractive
updated=no
need() {   # need PACKAGE...: apt-get install those not installed
    missing=
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    say "installing$missing"
    if [ "$updated" = no ]; then apt-get update -qq; updated=yes; fi
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >"$work/apt.log" 2>&1 ||
        { tail -20 "$work/apt.log" >&2; die "apt-get install$missing"; }
}
need dpkg-dev lintian man-db python3-numpy

# ---------------------------------------------------------------- the scratch copy
mkdir "$work/rsc"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z -c -o --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$work/rsc"
else
    (cd "$src" && tar --exclude='./build*' --exclude=./out --exclude=./debian/rsc -cf - .) |
        tar -xf - -C "$work/rsc"
fi
version=$(cd "$work/rsc" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)

if [ "${RSC_DEB_CHECK:-0}" = 1 ]; then
    opts="parallel=$(nproc)"; profiles=
else
    opts="nocheck parallel=$(nproc)"; profiles=nocheck
fi
if ! (cd "$work/rsc" && dpkg-checkbuilddeps ${profiles:+-P "$profiles"}) >/dev/null 2>&1; then
    say "installing the build dependencies"
    if [ "$updated" = no ]; then apt-get update -qq; updated=yes; fi
    apt-get build-dep -y -qq ${profiles:+-P "$profiles"} "$work/rsc" >"$work/apt.log" 2>&1 ||
        { tail -20 "$work/apt.log" >&2; die "apt-get build-dep"; }
fi

# ---------------------------------------------------------------- build
say "building rsc $version ($arch) in $work/rsc, DEB_BUILD_OPTIONS='$opts'"
t0=$(date +%s)
(cd "$work/rsc" && DEB_BUILD_OPTIONS="$opts" DEB_BUILD_PROFILES="$profiles" \
    dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log" >&2; die "dpkg-buildpackage (log above)"; }
t_build=$(( $(date +%s) - t0 ))
deb="$work/rsc_${version}_$arch.deb"
[ -f "$deb" ] || die "no $deb"
say "built $(basename "$deb") in ${t_build} s"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/contents"

# ---------------------------------------------------------------- lintian
t0=$(date +%s)
set +e
lintian -I --fail-on error,warning "$work/rsc_${version}_$arch.changes" >"$work/lintian.log" 2>&1
lrc=$?
set -e
grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/deb: lintian: /'
[ "$lrc" -eq 0 ] || die "lintian reports errors or warnings"
say "lintian: no errors, no warnings ($(grep -c '^[IP]: ' "$work/lintian.log" || true) info tags) in $(( $(date +%s) - t0 )) s"

# ---------------------------------------------------------------- install and run
# (minimal container images tell dpkg to leave man pages and docs out:
# the includes bring this package's back)
dpkg -i --path-include='/usr/share/man/*' --path-include='/usr/share/doc/rsc/*' "$deb" \
    >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; die "dpkg -i"; }
installed=yes
say "installed"
run=$work/run
mkdir "$run"
cd "$run"
PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH RSC_DATA_PATH || true

for p in rsc-inject rsc-train rsc-score rsc-viz rsc-theory rsc-info; do
    [ "$(command -v $p)" = "/usr/bin/$p" ] || die "$p is not /usr/bin/$p"
    $p --version | grep -q "$version" || die "$p --version does not say $version"
done

if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    rsc-inject --norms --data fashion --seed 4 >norms.tsv
    got=$(awk -F'\t' 'NR > 1 { s = s (NR > 2 ? " " : "") sprintf("%.2f", $4) } END { print s }' norms.tsv)
    [ "$got" = "1.00 3.00 4.98 3.90 7.40 13.65 4.44" ] || { cat norms.tsv; die "Table 1 norms: $got"; }
    say "rsc-inject --norms --data fashion: $got (Table 1)"
else
    say "dataset-fashion-mnist is not installed: rsc-inject --norms not run"
fi

# The installed Python module writes a dataset; the installed programs
# train on it, score it, show it, draw the model; Python reads the model.
py=/usr/bin/python3
$py -I -c '
import rsct, sys
assert rsct.__file__ == "/usr/lib/python3/dist-packages/rsct.py", rsct.__file__
import numpy as np
rng = np.random.RandomState(0)
def split(n):
    y = rng.randint(0, 4, n).astype(np.int32)
    x = rng.randint(0, 60, (n, 1, 8, 8)).astype(np.uint8)
    for i, c in enumerate(y):
        x[i, 0, 2 * c:2 * c + 2] = 200
    return x, y
tx, ty = split(200)
vx, vy = split(100)
rsct.save("d.rsct", {"kind": "dataset", "creator": "deb.sh", "name": "toy", "classes": 4,
                     "source": "deb.sh"},
          {"train.x": tx, "train.y": ty, "test.x": vx, "test.y": vy}, compress=True)
' || die "the installed rsct module could not write a dataset"
rsc-info d.rsct >info.txt || die "rsc-info d.rsct"
grep -q '^  train.x  *u8  *200x1x8x8 .* yes  *ok$' info.txt || { cat info.txt; die "rsc-info d.rsct"; }
rsc-train --data d.rsct --arch mlp-small --epochs 3 --lr 0.01 -o m.rsct 2>train.txt ||
    { cat train.txt; die "rsc-train"; }
rsc-score --data d.rsct --pattern S1 --target 0 m.rsct >score.tsv || die "rsc-score"
acc=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "clean_acc") c = i } NR == 2 { print $c }' score.tsv)
awk -v a="$acc" 'BEGIN { exit !(a >= 0.9) }' || { cat train.txt score.tsv; die "clean accuracy $acc < 0.9"; }
rsc-viz importance m.rsct -o m.png || die "rsc-viz importance"
[ "$(head -c 8 m.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || die "m.png is not a PNG"
rsc-theory --gamma 0.1 --lambda 1 >theory.tsv || die "rsc-theory"
[ "$(wc -l <theory.tsv)" -eq 2 ] || die "rsc-theory: $(cat theory.tsv)"
$py -I -c '
import rsct
sd = rsct.state_dict("m.rsct")
assert [(k, v.shape) for k, v in sd.items()] == [("fc1.weight", (256, 64)), ("fc1.bias", (256,)),
    ("fc2.weight", (4, 256)), ("fc2.bias", (4,))], sd
' || die "the installed rsct module could not read the model"
say "programs: the installed rsct module wrote a dataset, rsc-train learned it (clean accuracy $acc), rsc-score, rsc-viz, rsc-theory, rsc-info ran, rsct read the model"
if $py -I -c 'import torch' 2>/dev/null; then
    $py -I -c '
import rsc_torch, torch
assert rsc_torch.__file__ == "/usr/lib/python3/dist-packages/rsc_torch.py"
m = rsc_torch.load("m.rsct")
assert m(torch.zeros(2, 1, 8, 8)).shape == (2, 4)
' || die "the installed rsc_torch module"
    say "rsc_torch: the model runs in PyTorch"
fi

pages=0
for f in $(grep '^/usr/share/man/man[1-9]/.*\.gz$' "$work/contents"); do
    base=$(basename "$f" .gz)
    name=${base%.*}; sec=${base##*.}
    where=$(man -w "$sec" "$name" 2>/dev/null) || die "man -w $sec $name: not found"
    [ "$where" = "$f" ] || die "man -w $sec $name gives $where, not $f"
    pages=$((pages + 1))
done
[ "$pages" -ge 8 ] || die "only $pages man pages"
say "man -w: all $pages pages"

# ---------------------------------------------------------------- purge
cd /
dpkg --purge rsc >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; die "dpkg --purge"; }
installed=no
! present || die "rsc is still installed after dpkg --purge"
left=$(grep -v '/$' "$work/contents" | while read -r f; do [ ! -e "$f" ] || echo "$f"; done)
[ -z "$left" ] || die "left after purge: $left"
for f in /usr/lib/python3/dist-packages/__pycache__/rsct.* /usr/lib/python3/dist-packages/__pycache__/rsc_torch.*; do
    [ ! -e "$f" ] || die "$f left after purge"
done
[ ! -e /usr/share/doc/rsc ] || die "/usr/share/doc/rsc left after purge"
say "purged: nothing left"

if [ -n "${RSC_DEB_OUT:-}" ]; then
    cp "$work"/rsc_"$version"_* "$work"/rsc-dbgsym_"$version"_* "$RSC_DEB_OUT"/ 2>/dev/null || true
    say "package files in $RSC_DEB_OUT"
fi
say "passed in $(( $(date +%s) - start )) s (build ${t_build} s)"
