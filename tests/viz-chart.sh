#!/bin/sh
# rsc-viz chart: the paper's chart figures, each one command from the
# aggregated TSV; decoded PNGs (size, not blank), determinism, --data-out
# numbers, and every error path.
. "$top_srcdir/tests/common.sh"
F=$top_srcdir/tests/fixtures
probe() { "$top_builddir/tests/png-probe" "$@"; }

# check_png FILE W H: the size, and not blank (many colours, much ink)
check_png() {
    set -- "$1" "$2" "$3" $(probe "$1")
    [ "$4" -eq "$2" ] && [ "$5" -eq "$3" ] || fail "$1: size $4x$5, expected $2x$3"
    [ "$6" -ge 20 ] || fail "$1: only $6 colours"
    [ "$7" -ge 5000 ] || fail "$1: only $7 non-white pixels"
}

# Fig. 2: spurious score vs count, one panel per dataset, one line per pattern
rsc-viz chart "$F/agg-fig2.tsv" --x count --y spurious_score --series pattern \
    --panel name --where target=0 --category -o fig2.png --data-out fig2.tsv
check_png fig2.png 1524 510
# 3 datasets x 7 patterns x 9 counts, plus the header
[ "$(wc -l < fig2.tsv)" -eq 190 ] || fail "fig2.tsv: $(wc -l < fig2.tsv) lines"
# the plotted numbers are the fixture's: cifar10, R3, count 500
want=$(awk -F'\t' '$1=="cifar10" && $2=="R3" && $4=="500" {print $16 "\t" $17}' "$F/agg-fig2.tsv")
got=$(awk -F'\t' '$1=="name = cifar10" && $2=="R3" && $3=="500" {print $4 "\t" $5}' fig2.tsv)
[ -n "$want" ] || fail "fixture row missing"
awk -v a="$want" -v b="$got" 'BEGIN { split(a, x, "\t"); split(b, y, "\t");
    exit !(x[1] - y[1] < 1e-8 && y[1] - x[1] < 1e-8 && x[2] - y[2] < 1e-8 && y[2] - x[2] < 1e-8) }' ||
    fail "fig2.tsv: cifar10/R3/500 is '$got', fixture '$want'"

# Fig. 5: spurious test accuracy, same layout; from stdin
rsc-viz chart --x count --y spurious_acc --series pattern --panel name --category \
    -o fig5.png < "$F/agg-fig2.tsv"
check_png fig5.png 1524 510

# Fig. 4: membership inference, all vs spurious examples, per dataset
rsc-viz chart "$F/agg-fig4.tsv" --x count --y attack_acc,attack_acc_spurious \
    --panel name --where optimizer=adam --category --ylabel "attack accuracy" -o fig4.png
check_png fig4.png 1700 510

# Fig. 7: three regularisers side by side, averaged over counts 1..100
rsc-viz chart "$F/agg-fig7.tsv" --x input_noise,weight_decay,clip_value \
    --y spurious_score,clean_acc,spurious_acc --dashed spurious_acc \
    --where name=fashion --where pattern=S3 --where count=1,3,5,10,20,100 --category \
    --title "Fashion, S3" -o fig7.png --data-out fig7.tsv
check_png fig7.png 1640 510
# 3 panels x 3 metrics x 5 strengths (the baseline is in every panel)
[ "$(wc -l < fig7.tsv)" -eq 46 ] || fail "fig7.tsv: $(wc -l < fig7.tsv) lines"
# each point averages the 6 counts' means
n=$(awk -F'\t' '$1=="weight_decay" && $2=="spurious_score" && $3=="0.001" {print $6}' fig7.tsv)
[ "$n" = 30 ] || fail "fig7.tsv: weight_decay 0.001 point has n=$n, expected 30"

# bar chart of raw rows: mean +- SE computed from the rows
rsc-viz chart "$F/raw-scores.tsv" --x count --y spurious_score --series pattern --kind bar \
    --size 640x420 -o bar.png --data-out bar.tsv
check_png bar.png 640 420
line=$(awk -F'\t' '$2=="R3" && $3=="10"' bar.tsv)
[ "$line" = "$(printf 'count\tR3\t10\t0.7\t0.05773502691896256\t3')" ] || fail "bar.tsv: '$line'"

# log x, default size for one panel
rsc-viz chart "$F/agg-fig2.tsv" --x count --y pd_mean --series pattern --where name=mnist \
    --logx -o logx.png 2> warn
check_png logx.png 900 600
grep -q "7 points with x <= 0 left out of the log x axis" warn || fail "no log-axis warning"

# deterministic bytes
rsc-viz chart "$F/agg-fig2.tsv" --x count --y spurious_score --series pattern \
    --panel name --where target=0 --category -o again.png
cmp fig2.png again.png || fail "same input, different bytes"

# PNG on stdout (a pipe); concatenated tables (repeated headers) read as one
cat "$F/raw-scores.tsv" "$F/raw-scores.tsv" |
    rsc-viz chart --x count --y spurious_score --series pattern -o - --data-out twice.tsv > out.png
check_png out.png 900 600
line=$(awk -F'\t' '$2=="S3" && $3=="100"' twice.tsv)
[ "$line" = "$(printf 'count\tS3\t100\t0.4\t0.036514837167011066\t6')" ] || fail "twice.tsv: '$line'"

# errors in the table: one message naming file and line, exit 1, no output
expect_error 1 "agg-fig2.tsv:1: no column 'nope' (columns: name, pattern" \
    rsc-viz chart "$F/agg-fig2.tsv" --x nope --y spurious_score -o e.png
expect_error 1 "agg-fig2.tsv:1: no column 'acc' or 'acc_mean'" \
    rsc-viz chart "$F/agg-fig2.tsv" --x count --y acc -o e.png
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 5 { $16 = "0.5x" } { print }' "$F/agg-fig2.tsv" > bad.tsv
expect_error 1 "bad.tsv:5: column 'spurious_score_mean': '0.5x' is not a number" \
    rsc-viz chart bad.tsv --x count --y spurious_score -o e.png
head -3 "$F/agg-fig2.tsv" > short.tsv
printf 'mnist\tS1\n' >> short.tsv
expect_error 1 "short.tsv:4: 2 fields, but the header (line 1) has 24" \
    rsc-viz chart short.tsv --x count --y spurious_score -o e.png
expect_error 1 "no rows to plot (check the --where filters)" \
    rsc-viz chart "$F/agg-fig2.tsv" --x count --y spurious_score --where name=svhn -o e.png
expect_error 1 "missing.tsv: No such file" rsc-viz chart missing.tsv --x a --y b -o e.png
expect_error 1 "too small" rsc-viz chart "$F/agg-fig2.tsv" --x count --y spurious_score \
    --panel name --size 150x150 -o e.png
expect_error 1 "no-such-dir/e.png: cannot create output" \
    rsc-viz chart "$F/agg-fig2.tsv" --x count --y spurious_score -o no-such-dir/e.png
[ ! -e e.png ] || fail "an output was left behind by a failed run"
ls -a | grep -q '^\.e\.png' && fail "a temporary file was left behind"

# usage errors: exit 2
expect_error 2 "--x COLUMN is required" rsc-viz chart "$F/agg-fig2.tsv" --y spurious_score -o e.png
expect_error 2 "--y METRIC is required" rsc-viz chart "$F/agg-fig2.tsv" --x count -o e.png
expect_error 2 "--kind: 'pie' is not line or bar" rsc-viz chart --kind pie --x a --y b
expect_error 2 "--xscale: 'sqrt'" rsc-viz chart --xscale sqrt --x a --y b
expect_error 2 "--size: '900' is not WIDTHxHEIGHT" rsc-viz chart --size 900 --x a --y b
expect_error 2 "--size: 50 is out of range" rsc-viz chart --size 50x600 --x a --y b
expect_error 2 "--ymin: 'low' is not a finite number" rsc-viz chart --ymin low --x a --y b
expect_error 2 "--ymin 1 must be below --ymax 0" rsc-viz chart --ymin 1 --ymax 0 --x a --y b
expect_error 2 "--where 'name': expected COLUMN=VALUE" rsc-viz chart --where name --x a --y b
expect_error 2 "--kind bar needs a category x axis" rsc-viz chart --kind bar --logx --x a --y b
expect_error 2 "unexpected argument 'b.tsv'" rsc-viz chart a.tsv b.tsv --x a --y b
expect_error 2 "unrecognized option '--bogus'" rsc-viz chart --bogus --x a --y b
expect_error 2 "invalid option -- 'q'" rsc-viz chart -q --x a --y b
expect_error 2 "option '--y' requires an argument" rsc-viz chart --x a --y
expect_error 2 "unknown command 'pie'" rsc-viz pie
expect_error 2 "missing COMMAND" rsc-viz
expect_error 2 "cannot both be stdout" rsc-viz chart --x a --y b --data-out -

# help and version
rsc-viz --help | grep -q "^  chart" || fail "--help lacks the chart command"
rsc-viz chart --help | grep -q -- "--data-out" || fail "chart --help lacks --data-out"
rsc-viz --version | grep -q "^rsc-viz (rsc) " || fail "--version"
exit 0
