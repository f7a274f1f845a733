#!/bin/sh
# rsc-viz importance: hand-built models with a known largest and smallest
# first-layer weight; the decoded PNG puts viridis's top and bottom colours
# exactly there; --vs, --data-out, determinism, every error path.
. "$top_srcdir/tests/common.sh"
probe() { "$top_builddir/tests/png-probe" "$@"; }
mkmodel() { "$top_builddir/tests/mkmodel" "$@"; }
TOP=fde725     # viridis entry 255 (253, 231, 37)
BOTTOM=440154  # viridis entry 0 (68, 1, 84)

# largest weight leaves pixel (2, 3), smallest (every row -1) leaves (20, 25)
mkmodel mlp a.rsct 32 1x28x28 2,3 20,25 10
rsc-viz importance a.rsct -o a.png --data-out a.tsv
set -- $(probe a.png)
[ "$1 $2" = "566 505" ] || fail "a.png is $1x$2"
[ "$3" -ge 100 ] || fail "a.png has only $3 colours"
# Default layout of one 28x28 map: 12 px margin, a 24 px title row, 16 px
# per value: value (r, c) covers x 12+16c.., y 36+16r..
[ "$(probe a.png $((12 + 16 * 3 + 8)) $((36 + 16 * 2 + 8)))" = $TOP ] || fail "max pixel not top colour"
[ "$(probe a.png $((12 + 16 * 25 + 8)) $((36 + 16 * 20 + 8)))" = $BOTTOM ] || fail "min pixel not bottom colour"
# exactly those blocks (16 x 16) plus one row of the 20 px wide colour bar
[ "$(probe a.png count $TOP)" -eq 276 ] || fail "top colour on $(probe a.png count $TOP) pixels"
[ "$(probe a.png count $BOTTOM)" -eq 276 ] || fail "bottom colour on $(probe a.png count $BOTTOM) pixels"
# the values: 1 at (2, 3), -1 at (20, 25), 784 rows and a header
[ "$(wc -l < a.tsv)" -eq 785 ] || fail "a.tsv has $(wc -l < a.tsv) lines"
grep -q "^count 10	2	3	1$" a.tsv || fail "a.tsv lacks the max"
grep -q "^count 10	20	25	-1$" a.tsv || fail "a.tsv lacks the min"

# deterministic bytes; stdin input
rsc-viz importance - -o b.png < a.rsct
cmp a.png b.png || fail "same model, different bytes"

# several models side by side on one scale; a colour model (max over channels)
mkmodel mlp c.rsct 16 3x8x8 1,1 6,6
mkmodel mlp d.rsct 16 3x8x8 0,7 6,6
rsc-viz importance c.rsct d.rsct --title "two maps" -o cd.png --data-out cd.tsv
grep -q "^c.rsct	1	1	1$" cd.tsv || fail "cd.tsv: c.rsct max"
grep -q "^d.rsct	0	7	1$" cd.tsv || fail "cd.tsv: d.rsct max"
[ "$(probe cd.png count $TOP)" -gt 0 ] || fail "cd.png: no top colour"

# --vs: |A - B| is 0 except at the two max pixels (about 1 - small)
mkmodel mlp b.rsct 32 1x28x28 5,5 20,25 0
rsc-viz importance a.rsct --vs b.rsct -o vs.png --data-out vs.tsv
awk -F'\t' 'NR > 1 && $4 > 0.5 { n++ } END { exit n != 2 }' vs.tsv || fail "vs.tsv: not two large differences"
grep -q "^|count 10 - count 0|	20	25	0$" vs.tsv || fail "vs.tsv: min pixel difference not 0"
# a fixed scale: values above --vmax take the top colour
rsc-viz importance a.rsct --vmin -0.05 --vmax 0.05 --size 400x300 -o fixed.png
set -- $(probe fixed.png)
[ "$1 $2" = "400 300" ] || fail "fixed.png is $1x$2"

# errors: exit 1 with one message; exit 2 for usage
mkmodel conv conv.rsct
expect_error 1 "conv.rsct: importance is defined only for models whose first layer is linear" \
    rsc-viz importance conv.rsct -o e.png
mkmodel dataset ds.rsct
expect_error 1 "ds.rsct: not a model (kind=dataset)" rsc-viz importance ds.rsct -o e.png
expect_error 1 "nope.rsct" rsc-viz importance nope.rsct -o e.png
expect_error 1 "c.rsct: input 8x8 differs from a.rsct's 28x28" rsc-viz importance a.rsct c.rsct -o e.png
expect_error 1 "too small for 3 maps of 28x28" rsc-viz importance a.rsct b.rsct a.rsct --size 100x100 -o e.png
[ ! -e e.png ] || fail "a failed run left e.png"
expect_error 2 "missing MODEL" rsc-viz importance -o e.png
expect_error 2 "--vmin 1 must be below --vmax 0" rsc-viz importance --vmin 1 --vmax 0 a.rsct
expect_error 2 "--vmax: 'x' is not a finite number" rsc-viz importance --vmax x a.rsct
expect_error 2 "stdin (-) can be read only once" rsc-viz importance - --vs - -o e.png
expect_error 2 "unrecognized option '--bogus'" rsc-viz importance --bogus a.rsct
rsc-viz importance --help | grep -q -- "--vs=MODEL2" || fail "importance --help lacks --vs"
exit 0
