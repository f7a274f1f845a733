#!/bin/sh
# rsc-viz -o FILE.svg: the structure of the SVG of every command (XML
# declaration, root element and its physical size, one <text> element per
# label with the label as text, Greek and symbols included, escaping,
# images), checked without any XML library (tests/viz-svg-xml.sh parses the
# same files with python3); --dpi/--scale sizes and the pHYs chunk; the
# warnings about characters the PNG font lacks; the man page's SVG example.
. "$top_srcdir/tests/common.sh"
F=$top_srcdir/tests/fixtures
probe() { "$top_builddir/tests/png-probe" "$@"; }
mkmodel() { "$top_builddir/tests/mkmodel" "$@"; }

# check_svg FILE W H NTEXT: declaration, root with width/height in inches
# (100 figure pixels an inch) and the viewBox, NTEXT <text> elements, the
# groups and clip paths closed, nothing after </svg>
check_svg() {
    f=$1 w=$2 h=$3 n=$4
    [ "$(sed -n 1p "$f")" = '<?xml version="1.0" encoding="UTF-8"?>' ] || fail "$f: no XML declaration"
    inch() { awk -v p="$1" 'BEGIN { s = sprintf("%.2f", p / 100); sub(/0+$/, "", s); sub(/\.$/, "", s); print s }'; }
    root="<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" width=\"$(inch "$w")in\" height=\"$(inch "$h")in\" viewBox=\"0 0 $w $h\">"
    [ "$(grep -c '<svg' "$f")" -eq 1 ] || fail "$f: not one <svg> element"
    grep -qxF "$root" "$f" || fail "$f: root element is '$(grep '<svg' "$f")', expected '$root'"
    [ "$(tail -n 1 "$f")" = "</svg>" ] || fail "$f: does not end with </svg>"
    [ "$(grep -c '<text ' "$f")" -eq "$n" ] || fail "$f: $(grep -c '<text ' "$f") <text> elements, expected $n"
    [ "$(grep -c '</text>$' "$f")" -eq "$n" ] || fail "$f: <text> elements not closed on their line"
    [ "$(grep -c '^<g[ >]' "$f")" -eq "$(grep -c '^</g>$' "$f")" ] || fail "$f: unbalanced <g>"
    [ "$(grep -c '<clipPath ' "$f")" -eq "$(grep -c '</clipPath>' "$f")" ] || fail "$f: unbalanced <clipPath>"
    # every element line is one complete element (or an open/close of a group)
    bad=$(sed '1,2d' "$f" | grep -v '^<[a-zA-Z][^<>]*/>$' | grep -v '^<text [^<>]*>[^<>]*</text>$' |
          grep -v '^<g [^<>]*>$' | grep -v '^</g>$' | grep -v '^<svg ' | grep -v '^</svg>$' |
          grep -v '^<clipPath id="clip[0-9]*"><rect [^<>]*/></clipPath>$' || true)
    [ -z "$bad" ] || fail "$f: unexpected line: $(echo "$bad" | head -1 | cut -c1-120)"
}
# has_text FILE STRING: STRING is the whole content of a <text> element
has_text() {
    grep -qF ">$2</text>" "$1" || fail "$1: no <text> element holding '$2'"
}

# chart: 16 texts (title, 4 + 6 tick labels, x and y label, legend title, 2 series)
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --series pattern \
    --title "score: γ λ σ ε ± ≥ x²" --xlabel "count (λ)" --ylabel "mean ± SE" -o c.svg 2> err
[ ! -s err ] || { cat err >&2; fail "chart -o c.svg wrote to stderr"; }
check_svg c.svg 900 600 16
has_text c.svg "score: γ λ σ ε ± ≥ x²"
has_text c.svg "count (λ)"
has_text c.svg "mean ± SE"
has_text c.svg "S3"
has_text c.svg "0.8"
grep -qF 'transform="rotate(-90 ' c.svg || fail "c.svg: the y label is not rotated"
grep -qF 'font-weight="bold"' c.svg || fail "c.svg: no bold title"
# the data are clipped to the plot area; lines, markers and error bars are shapes
grep -q '^<g clip-path="url(#clip0)">$' c.svg || fail "c.svg: data not clipped"
[ "$(grep -c '^<polyline ' c.svg)" -ge 8 ] || fail "c.svg: too few polylines (lines, error bars)"
[ "$(grep -c '^<circle ' c.svg)" -eq 4 ] || fail "c.svg: not 4 circles (3 S3 markers and the legend)"
# no padded numbers: at most two decimals, no trailing zeros
if sed 1d c.svg | grep -Eq '="[-0-9.]*\.[0-9]{3,}"|="-?[0-9]+\.([0-9]*0)?"'; then
    fail "c.svg: long or padded numbers"
fi
# the PNG of the same figure has the viewBox's size; same bytes again
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --series pattern \
    --title "score: γ λ σ ε ± ≥ x²" --xlabel "count (λ)" --ylabel "mean ± SE" -o c.png 2> err
[ ! -s err ] || { cat err >&2; fail "chart -o c.png warned: the font lacks a glyph"; }
set -- $(probe c.png)
[ "$1 $2" = "900 600" ] || fail "c.png is $1x$2"
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --series pattern \
    --title "score: γ λ σ ε ± ≥ x²" --xlabel "count (λ)" --ylabel "mean ± SE" -o again.SVG
cmp c.svg again.SVG || fail "same input, different SVG bytes (or .SVG not taken as SVG)"

# escaping: & < > and both quotes in text (14 texts: 5 + 6 tick labels, 3 more)
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score \
    --title "a<b & \"c\" 'd' >" -o esc.svg
check_svg esc.svg 900 600 14
has_text esc.svg "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;"

# importance: 2 map titles, the title, 5 colour-bar labels; maps and bar as images
mkmodel mlp a.rsct 32 1x28x28 2,3 20,25 10
mkmodel mlp b.rsct 32 1x28x28 5,5 20,25 0
rsc-viz importance a.rsct b.rsct --title "MNIST, S3 (λ = 0.1)" -o i.svg
check_svg i.svg 690 363 8
has_text i.svg "MNIST, S3 (λ = 0.1)"
has_text i.svg "count 10"
has_text i.svg "-0.5"
[ "$(grep -c '^<image x="[0-9]*" y="[0-9]*" width="280" height="280" .*xlink:href="data:image/png;base64,iVBORw0KGgo' i.svg)" -eq 2 ] ||
    fail "i.svg: not two 280x280 embedded PNG maps"
grep -q '^<image x="600" y="62" width="20" height="280" ' i.svg || fail "i.svg: no colour bar image"
rsc-viz importance a.rsct b.rsct --title "MNIST, S3 (λ = 0.1)" -o i.png
set -- $(probe i.png)
[ "$1 $2" = "690 363" ] || fail "i.png is $1x$2"

# patterns: 8 labelled images and the title
mkdir idx && "$top_builddir/tests/mkdata" idx idx 100 20
rsc-viz patterns --data idx --index 3 --title "σ = 0.5" -o g.svg
check_svg g.svg 1452 244 9
has_text g.svg "σ = 0.5"
has_text g.svg "(h) Inv"
[ "$(grep -c '^<image ' g.svg)" -eq 8 ] || fail "g.svg: not 8 images"

# --dpi and --scale: the PNG is round(W*dpi/100) x round(H*dpi/100), with a
# pHYs chunk; without them, none; the SVG does not change
for case in "--dpi 300:2700 1800" "--scale 1.5:1350 900" "--dpi 72:648 432" \
            "--scale 0.1:90 60" "--dpi 100:900 600"; do
    rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --series pattern \
        ${case%%:*} -o d.png
    set -- $(probe d.png)
    [ "$1 $2" = "${case#*:}" ] || fail "${case%%:*}: d.png is $1x$2, expected ${case#*:}"
    grep -aq pHYs d.png || fail "${case%%:*}: no pHYs chunk"
done
grep -aq pHYs c.png && fail "c.png has a pHYs chunk without --dpi"
rsc-viz importance a.rsct --dpi 150 -o i150.png   # 566x505: 849 x 757.5 -> 758
set -- $(probe i150.png)
[ "$1 $2" = "849 758" ] || fail "i150.png is $1x$2, expected 849x758"
rsc-viz patterns --data idx --index 3 --scale 2 -o g2.png
set -- $(probe g2.png)
[ "$1 $2" = "2904 488" ] || fail "g2.png is $1x$2"
rsc-viz importance a.rsct b.rsct --title "MNIST, S3 (λ = 0.1)" --dpi 300 -o i300.svg
cmp i.svg i300.svg || fail "--dpi changed the SVG"

# a character without a glyph: one warning for the PNG, however often it
# occurs; none for the SVG, which shows it
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --series pattern \
    --title "snow ☃ ☃" --xlabel "☃ and ☄" -o w.png 2> err
[ "$(wc -l < err)" -eq 2 ] || { cat err >&2; fail "not two warnings"; }
grep -qxF "rsc-viz: warning: no glyph for U+2603 '☃' in title; drawn as '?'" err || { cat err >&2; fail "no warning for U+2603"; }
grep -qxF "rsc-viz: warning: no glyph for U+2604 '☄' in x label; drawn as '?'" err || { cat err >&2; fail "no warning for U+2604"; }
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --series pattern \
    --title "snow ☃ ☃" --xlabel "☃ and ☄" -o w.svg 2> err
[ ! -s err ] || { cat err >&2; fail "the SVG warned about a character it shows"; }
has_text w.svg "snow ☃ ☃"
# invalid UTF-8: one warning in both formats; '?' in the SVG
bad=$(printf 'caf\351 \351t\351')
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --title "$bad" -o u.svg 2> err
[ "$(cat err)" = "rsc-viz: warning: invalid UTF-8 (byte 0xe9) in title; drawn as '?'" ] || { cat err >&2; fail "invalid UTF-8 warning"; }
has_text u.svg "caf? ?t?"
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --title "$bad" -o u.png 2> err
[ "$(wc -l < err)" -eq 1 ] || { cat err >&2; fail "not one warning for invalid UTF-8 in the PNG"; }

# errors: exit status, one message, no output left
expect_error 2 "--dpi: 5 is out of range" rsc-viz chart --dpi 5 --x a --y b
expect_error 2 "--scale: 0 is out of range" rsc-viz chart --scale 0 --x a --y b
expect_error 2 "--scale: 'x' is not a finite number" rsc-viz importance --scale x a.rsct
expect_error 2 "--dpi and --scale set the same resolution" rsc-viz patterns --data idx --dpi 300 --scale 2
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --dpi 300 --dpi 50 -o last.png
set -- $(probe last.png)
[ "$1 $2" = "450 300" ] || fail "--dpi 300 --dpi 50: last.png is $1x$2, expected the last one's 450x300"
expect_error 1 "e.png: the 900x600 figure at 2400 dpi would be 21600x14400 pixels" \
    rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --dpi 2400 -o e.png
expect_error 1 "no-such-dir/e.svg: cannot create output" \
    rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score -o no-such-dir/e.svg
[ ! -e e.png ] || fail "a failed run left e.png"
if ls -a | grep -q '^\.e\.'; then fail "a temporary file was left behind"; fi
for cmd in patterns importance chart; do
    rsc-viz $cmd --help | grep -q -- "--dpi=N" || fail "$cmd --help lacks --dpi"
    rsc-viz $cmd --help | grep -q -- "--scale=F" || fail "$cmd --help lacks --scale"
done

# the man page's SVG example runs as written, on the Fig. 7 fixture
sed -n '/^\.SH EXAMPLES/,/^\.SH SEE ALSO/p' "$top_srcdir/man/rsc-viz.1" |
    awk '/\\e$/ { sub(/\\e$/, ""); line = line $0; next } { print line $0; line = "" }' |
    grep '^rsc-viz .*fig7\\-wd' |
    sed 's/\\(\*l/λ/g; s/\\(+-/±/g; s/\\-/-/g' > examples
[ "$(wc -l < examples)" -eq 2 ] || fail "the man page has $(wc -l < examples) fig7-wd examples, expected 2"
cp "$F/agg-fig7.tsv" agg.tsv
while IFS= read -r cmd; do
    sh -c "$cmd" 2> ex.err || { cat ex.err >&2; fail "example failed: $cmd"; }
    [ ! -s ex.err ] || { cat ex.err >&2; fail "example wrote to stderr: $cmd"; }
done < examples
has_text fig7-wd.svg "weight decay λ"
has_text fig7-wd.svg "mean ± SE"
set -- $(probe fig7-wd.png)
[ "$1 $2" = "2700 1800" ] || fail "fig7-wd.png is $1x$2, expected 2700x1800"
exit 0
