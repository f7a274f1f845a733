#!/bin/sh
# rsc-viz -o FILE.svg, read by an XML parser (python3's xml.etree; skipped
# without python3): the SVG of each command is well-formed, its root is an
# SVG 1.1 element whose viewBox is the PNG's size and whose width/height are
# that size at 100 pixels an inch; the labels, Greek ones included, are the
# text of <text> elements; every number is finite; every embedded image is
# a PNG of the element's size.
. "$top_srcdir/tests/common.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
F=$top_srcdir/tests/fixtures

rsc-viz chart "$F/agg-fig7.tsv" --x input_noise,weight_decay,clip_value \
    --y spurious_score,clean_acc,spurious_acc --dashed spurious_acc --where name=fashion \
    --where pattern=S3 --where count=1,3,5,10,20,100 --category \
    --title "Fashion, S3: σ, λ and clipping" --ylabel "mean ± SE" -o chart.svg
"$top_builddir/tests/mkmodel" mlp a.rsct 32 1x28x28 2,3 20,25 10
"$top_builddir/tests/mkmodel" mlp b.rsct 32 1x28x28 5,5 20,25 0
# the SVG shows U+207B, which the PNG font lacks: no warning
rsc-viz importance a.rsct b.rsct --title "γ = 0.5, ε ≥ 10⁻³" -o importance.svg 2> err
[ ! -s err ] || { cat err >&2; fail "importance -o importance.svg warned"; }
mkdir cifar && "$top_builddir/tests/mkdata" cifar cifar 10 20
rsc-viz patterns --data cifar --split train --index 5 --title "Δ: R1–R3" -o patterns.svg

cat > check.py <<'EOF'
import base64, math, re, struct, sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"

def check(path, size, labels, ntext, nimage):
    root = ET.parse(path).getroot()          # raises on malformed XML
    assert root.tag == NS + "svg", (path, root.tag)
    assert root.get("version") == "1.1", path
    w, h = size
    assert root.get("viewBox") == "0 0 %d %d" % (w, h), (path, root.get("viewBox"))
    for attr, px in (("width", w), ("height", h)):
        v = root.get(attr)
        assert v.endswith("in") and abs(float(v[:-2]) - px / 100) < 0.006, (path, attr, v)
    texts = ["".join(t.itertext()) for t in root.iter(NS + "text")]
    assert len(texts) == ntext, (path, len(texts), texts)
    for label in labels:
        assert label in texts, (path, label, texts)
    for el in root.iter():
        for k, v in el.attrib.items():
            for num in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", v if k != XLINK else ""):
                assert math.isfinite(float(num)), (path, k, v)
            assert "nan" not in v.lower() or k == XLINK, (path, k, v)
    images = list(root.iter(NS + "image"))
    assert len(images) == nimage, (path, len(images))
    for im in images:
        href = im.get(XLINK)
        assert href.startswith("data:image/png;base64,"), path
        png = base64.b64decode(href[22:], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", path
        pw, ph = struct.unpack(">II", png[16:24])
        assert (pw, ph) == (int(im.get("width")), int(im.get("height"))), (path, pw, ph)
    return texts

# 3 panels: 4 y tick labels, 3 x 5 x tick labels, 3 x labels, the y label,
# the title and 3 legend entries
check("chart.svg", tuple(map(int, sys.argv[1:3])),
      ["Fashion, S3: σ, λ and clipping", "mean ± SE", "weight_decay", "0.0001", "spurious_acc"],
      27, 0)
check("importance.svg", tuple(map(int, sys.argv[3:5])),
      ["γ = 0.5, ε ≥ 10⁻³", "count 10", "count 0", "1.0"], 8, 3)
check("patterns.svg", tuple(map(int, sys.argv[5:7])),
      ["Δ: R1–R3", "(a) original", "(h) Inv"], 9, 8)
print("ok")
EOF
# the sizes of the PNGs of the same figures
size() { "$top_builddir/tests/png-probe" "$1" | cut -d' ' -f1-2; }
rsc-viz chart "$F/agg-fig7.tsv" --x input_noise,weight_decay,clip_value \
    --y spurious_score,clean_acc,spurious_acc --dashed spurious_acc --where name=fashion \
    --where pattern=S3 --where count=1,3,5,10,20,100 --category \
    --title "Fashion, S3: σ, λ and clipping" --ylabel "mean ± SE" -o chart.png
rsc-viz importance a.rsct b.rsct --title "γ = 0.5, ε ≥ 10⁻³" -o importance.png 2> /dev/null
rsc-viz patterns --data cifar --split train --index 5 --title "Δ: R1–R3" -o patterns.png
out=$(python3 check.py $(size chart.png) $(size importance.png) $(size patterns.png) 2>&1) ||
    fail "the SVG does not check out: $out"
[ "$out" = ok ] || fail "check.py: $out"
exit 0
