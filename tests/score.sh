#!/bin/sh
# score.sh - rsc-score on a hand-built linear model and dataset
# (tests/score-fixture.c) where every metric is known, its aggregation
# against scipy values, the sensitivity curve, and every error path.
. "$top_srcdir/tests/common.sh"
F=$top_srcdir/tests/fixtures

"$top_builddir/tests/score-fixture" "$T" || fail "score-fixture"

# col NAME [ROW]: the value of column NAME in row ROW (default 1) of $T/out
col() {
    awk -F '\t' -v c="$1" -v r="${2:-1}" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
        NR == r + 1 { if (k) print $k; else print "NO-COLUMN"; exit }' "$T/out"
}
# want NAME VALUE [ROW]: exact string
want() {
    got=$(col "$1" "${3:-1}")
    [ "$got" = "$2" ] || fail "column $1 row ${3:-1}: got '$got', expected '$2'"
}
# near NAME VALUE [ROW]: |got - VALUE| < 1e-6
near() {
    got=$(col "$1" "${3:-1}")
    awk -v g="$got" -v w="$2" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d < 1e-6) }' ||
        fail "column $1 row ${3:-1}: got '$got', expected $2"
}

# The model: logits z = W x with class 1 <- pixel 5, class 2 <- pixel 10,
# class 0 <- pixel 15 (weight 4) and class 0 <- pixel 0 (the S1 pixel,
# weight 3).  Test examples (label: pixels set; clean logits -> patterned):
#   e0 0: 15     [4 0 0] right  -> [7 0 0]
#   e1 1: 5      [0 4 0] right  -> [3 4 0] right
#   e2 2: 10     [0 0 4] right  -> [3 0 4] right
#   e3 1: 5, 0   [3 4 0] right  -> [3 4 0] right (S1 pixel already 1: pd 0)
#   e4 2: 5      [0 4 0] wrong  -> [3 4 0] wrong (predicts 1)
#   e5 1: none   [0 0 0] wrong (tie -> class 0) -> [3 0 0] predicts 0
# clean_acc 4/6; of the 5 non-target examples 3 stay right with the
# pattern (spurious_acc 0.6) and one goes to class 0 (asr 0.2).
# f_0 differences: e0 e^7/(e^7+2) - e^4/(e^4+2), e1 e2 e4
# e^3/(e^3+e^4+1) - 1/(e^4+2), e3 0, e5 e^3/(e^3+2) - 1/3; only e5 is
# above epsilon = 1/3.
PD=$(awk 'BEGIN { a = exp(7)/(exp(7)+2) - exp(4)/(exp(4)+2);
                  b = exp(3)/(exp(3)+exp(4)+1) - 1/(exp(4)+2);
                  c = exp(3)/(exp(3)+2) - 1/3;
                  printf "%.12f %.12f %.12f", (a + 3*b + c) / 6, c, b }')
PD_MEAN=${PD%% *}; rest=${PD#* }; PD_MAX=${rest%% *}; PD_B=${rest#* }

# Numbers in their shortest exact form (rsc(7), OUTPUT): the rates are
# ratios of counts (doubles), epsilon and the prediction differences are
# float32 as compared and computed; a missing key is nan.
expect_status 0 rsc-score --data "$T/tiny.rsct" "$T/linear.rsct"
[ "$(wc -l < "$T/out")" -eq 2 ] || fail "expected a header and one row"
head -1 "$T/out" | grep -q "^model	name	pattern	pattern_seed	target	count	seed	train_seed	arch	optimizer	lr	momentum	weight_decay	batch_size	epochs	epochs_done	milestones	gamma	clip_value	clip_norm	input_noise	augment	epsilon	clean_acc	spurious_acc	spurious_score	pd_mean	pd_max	asr	n_test$" ||
    fail "header: $(head -1 "$T/out")"
want model "$T/linear.rsct"
want name tiny; want pattern S1; want pattern_seed 7; want target 0; want count 1
want seed 7; want train_seed 3; want arch linear; want optimizer adam; want lr 0.01
want momentum nan; want epochs_done 70
want epsilon 0.33333334
want clean_acc 0.6666666666666666
want spurious_acc 0.6
want spurious_score 0.16666666666666666
want asr 0.2
want n_test 6
near pd_mean "$PD_MEAN"
near pd_max "$PD_MAX"

# The epsilon comparison is strict: e3's difference is exactly 0, so at
# epsilon 0 five examples count, just below 0 all six; at PD_B - 1e-6 the
# three e1-like examples and e5 count.
expect_status 0 rsc-score --data "$T/tiny.rsct" --epsilon 0 "$T/linear.rsct"
want spurious_score 0.8333333333333334
want epsilon 0
expect_status 0 rsc-score --data "$T/tiny.rsct" --epsilon -1e-9 "$T/linear.rsct"
want spurious_score 1
eps=$(awk -v b="$PD_B" 'BEGIN { printf "%.9f", b - 1e-6 }')
expect_status 0 rsc-score --data "$T/tiny.rsct" --epsilon "$eps" "$T/linear.rsct"
want spurious_score 0.6666666666666666

# Target 2 from the command line: e2 and e4 are now the target examples;
# the pattern moves no example to class 2 (asr 0) and keeps e0 0, e1 1,
# e3 1 right, e5 wrong (spurious_acc 3/4).
expect_status 0 rsc-score --data "$T/tiny.rsct" --target 2 "$T/linear.rsct"
want target 2; want asr 0; want spurious_acc 0.75; want clean_acc 0.6666666666666666

# Many models in one call, one from stdin; every row the same but model.
expect_status 0 sh -c "rsc-score -q --data '$T/tiny.rsct' '$T/linear.rsct' - '$T/linear.rsct' < '$T/linear.rsct'"
[ "$(wc -l < "$T/out")" -eq 4 ] || fail "three models: expected 4 lines"
want model stdin 2
[ "$(cut -f2- "$T/out" | sed -n 2,4p | sort -u | wc -l)" -eq 1 ] || fail "rows of the same model differ"
cp "$T/out" "$T/three.tsv"

# The dataset may come from stdin when the models do not.
expect_status 0 sh -c "rsc-score --data - '$T/linear.rsct' < '$T/tiny.rsct'"
want model "$T/linear.rsct"; want spurious_score 0.16666666666666666

# JSON lines: numbers unquoted, missing values as null, strings quoted.
expect_status 0 rsc-score --json --data "$T/tiny.rsct" "$T/linear.rsct"
grep -q '^{"model":"[^"]*linear.rsct","name":"tiny","pattern":"S1","pattern_seed":7,"target":0,"count":1,"seed":7,"train_seed":3,"arch":"linear","optimizer":"adam","lr":0.01,"momentum":null,.*"epsilon":0.33333334,"clean_acc":0.6666666666666666,"spurious_acc":0.6,"spurious_score":0.16666666666666666,"pd_mean":[-0-9.e]*,"pd_max":[-0-9.e]*,"asr":0.2,"n_test":6}$' "$T/out" ||
    fail "json: $(cat "$T/out")"

# A model trained on clean data needs --pattern (or an injected dataset).
expect_error 1 "clean.rsct: the model records no pattern" rsc-score --data "$T/tiny.rsct" "$T/clean.rsct"
expect_status 0 rsc-score --data "$T/tiny.rsct" --pattern s1 --target 0 "$T/clean.rsct"
want pattern S1; want pattern_seed 0; want count nan; want seed nan
want spurious_score 0.16666666666666666; want asr 0.2
expect_status 0 rsc-score --data "$T/tiny.rsct" --pattern S1 --pattern-seed 9 "$T/linear.rsct"
want pattern_seed 9; want spurious_score 0.16666666666666666
# ... a custom pattern from a file (tiny-inj.rsct's spurious.pattern is
# S1's) gives the same metrics
expect_status 0 rsc-score --data "$T/tiny.rsct" --pattern "$T/tiny-inj.rsct" -t 0 "$T/linear.rsct" "$T/clean.rsct"
want pattern custom 1; want spurious_score 0.16666666666666666 1; want pattern custom 2; want asr 0.2 2
# ... the injected dataset's pattern and target serve as well
expect_status 0 rsc-score --data "$T/tiny-inj.rsct" "$T/clean.rsct"
want pattern S1; want target 0; want spurious_score 0.16666666666666666
# Patterns that do not fit 4x4 images.
expect_error 1 "pattern Inv needs images of at least" rsc-score --data "$T/tiny.rsct" --pattern Inv "$T/linear.rsct"
expect_error 1 "pattern S3 needs images of at least 5x5" rsc-score --data "$T/tiny.rsct" --pattern S3 "$T/linear.rsct"

# Aggregation of rows: the three identical rows form one group (model and
# seeds are not keys): mean = the value, se 0, n 3.
expect_status 0 rsc-score --aggregate "$T/three.tsv"
want n 3; near clean_acc_mean 0.666666667; want clean_acc_se 0; near asr_mean 0.2
head -1 "$T/out" | grep -q "^name	pattern	target	count	arch	optimizer	lr	momentum	weight_decay	batch_size	epochs	epochs_done	milestones	gamma	clip_value	clip_norm	input_noise	augment	epsilon	n_test	clean_acc_mean	clean_acc_se	spurious_acc_mean" ||
    fail "aggregate header: $(head -1 "$T/out")"
expect_status 0 sh -c "cat '$T/three.tsv' '$T/three.tsv' | rsc-score --aggregate"
want n 6

# Aggregation against scipy (tests/gen/score-fixtures.py): same groups,
# keys, counts; means and standard errors to 1e-12 relative.
compare() {  # compare GOT WANT
    awk -F '\t' 'NR == FNR { w[FNR] = $0; n = FNR; next }
        { split(w[FNR], e, "\t");
          if (NF != split(w[FNR], e, "\t")) { print "line " FNR ": field count"; bad = 1; next }
          for (i = 1; i <= NF; i++) {
              if ($i == e[i]) continue
              if ($i ~ /^-?[0-9.e+-]+$/ && e[i] ~ /^-?[0-9.e+-]+$/) {
                  d = $i - e[i]; if (d < 0) d = -d; m = e[i] < 0 ? -e[i] : e[i]
                  if (d <= 1e-12 * m) continue
              }
              print "line " FNR " field " i ": got " $i ", expected " e[i]; bad = 1
          } }
        END { if (FNR != n) { print "got " FNR " lines, expected " n; bad = 1 }; exit bad }' "$2" "$1"
}
expect_status 0 rsc-score --aggregate "$F/score-runs.tsv"
compare "$T/out" "$F/score-runs-aggregate.tsv" || fail "aggregate differs from scipy"
expect_status 0 sh -c "rsc-score --aggregate < '$F/score-runs.tsv'"
compare "$T/out" "$F/score-runs-aggregate.tsv" || fail "aggregate from stdin differs"
expect_status 0 rsc-score --aggregate --norms "$F/score-norms.tsv" "$F/score-runs.tsv"
sed 's/\t-\{0,1\}nan/\tnan/g' "$T/out" > "$T/corr"
# r and p print with 9 digits: compare to 1e-8
awk -F '\t' 'NR == FNR { w[FNR] = $0; next }
    { split(w[FNR], e, "\t"); for (i = 1; i <= NF; i++) if ($i != e[i]) {
          d = $i - e[i]; if (d < 0) d = -d; if (!(d < 1e-8 * (e[i] < 0 ? -e[i] : e[i]))) { print FNR, i, $i, e[i]; bad = 1 } } }
    END { exit bad }' "$F/score-correlation.tsv" "$T/corr" || fail "correlation differs from scipy"
expect_status 0 rsc-score --aggregate --json "$F/score-runs.tsv"
[ "$(wc -l < "$T/out")" -eq 6 ] || fail "aggregate --json: expected 6 lines"
head -1 "$T/out" | grep -q '^{"name":"fashion","pattern":"R3","target":0,"count":0,"arch":"mlp","lr":0.01,"epsilon":0.1,"n_test":10000,"clean_acc_mean":0.88452639330287[0-9]*,.*"n":5}$' ||
    fail "aggregate --json: $(head -1 "$T/out")"
grep -q '"asr_se":null,"n":1}$' "$T/out" || fail "aggregate --json: a single row's se is not null"
expect_status 0 rsc-score --aggregate --metrics clean_acc,asr "$F/score-runs.tsv"
head -1 "$T/out" | grep -q "	n_test	clean_acc_mean	clean_acc_se	asr_mean	asr_se	n$" || fail "--metrics header"

# Aggregation errors name the file and line (FILE:LINE, as every table error).
printf 'model\tname\tclean_acc\nm\tf\t0.5\n' > "$T/short.tsv"
expect_error 1 "short.tsv:1: no column 'spurious_acc' (columns: model, name, clean_acc)" rsc-score --aggregate "$T/short.tsv"
sed '3s/\t0\.8[0-9]*\t/\tabc\t/' "$F/score-runs.tsv" > "$T/bad.tsv"
expect_error 1 "bad.tsv:3: column '[a-z_]*': 'abc' is not a number" rsc-score --aggregate "$T/bad.tsv"
printf 'a\tb\n1\n' > "$T/ragged.tsv"
expect_error 1 "ragged.tsv:2: 1 fields, but the header (line 1) has 2" rsc-score --aggregate "$T/ragged.tsv"
expect_error 1 "score-norms.tsv:1: header differs" rsc-score --aggregate "$F/score-runs.tsv" "$F/score-norms.tsv"
printf 'dataset\tpattern\tseed\tnorm\nfashion\tR3\t0\t13\n' > "$T/norms.tsv"
expect_error 1 "norms.tsv: no norm for dataset 'fashion', pattern 'S3'" rsc-score --aggregate --norms "$T/norms.tsv" "$F/score-runs.tsv"
expect_error 1 "missing.tsv" rsc-score --aggregate "$T/missing.tsv"

# Sensitivity: all 6 test examples; at fraction 0 the mean probability of
# the true label of the clean images, at 1 every pixel is zero and every
# class has probability 1/3.
expect_status 0 rsc-score --sensitivity --examples 6 --split test --fractions 0,1 --data "$T/tiny.rsct" "$T/linear.rsct"
[ "$(wc -l < "$T/out")" -eq 3 ] || fail "sensitivity: expected 2 rows"
head -1 "$T/out" | grep -q "	augment	fraction	mean_prob	n$" || fail "sensitivity header"
P0=$(awk 'BEGIN { a = exp(4)/(exp(4)+2); printf "%.12f", (3*a + exp(4)/(exp(3)+exp(4)+1) + 1/(exp(4)+2) + 1/3) / 6 }')
want fraction 0 1; near mean_prob "$P0" 1; want n 6 1
want fraction 1 2; near mean_prob 0.333333333 2
# default fractions 0, 0.02, ..., 1: 51 rows, nested occlusion, same seed same rows
expect_status 0 rsc-score --sensitivity --examples 4 --seed 5 --data "$T/tiny.rsct" "$T/linear.rsct"
[ "$(wc -l < "$T/out")" -eq 52 ] || fail "default fractions: expected 51 rows"
want fraction 0.02 2; want fraction 1 51
cp "$T/out" "$T/sens1"
expect_status 0 rsc-score --sensitivity --examples 4 --seed 5 --data "$T/tiny.rsct" "$T/linear.rsct"
cmp -s "$T/out" "$T/sens1" || fail "sensitivity is not deterministic"
expect_error 1 "examples 7: .* has only 6 train examples" rsc-score --sensitivity --examples 7 --data "$T/tiny.rsct" "$T/linear.rsct"

# Runtime errors: shape, classes, target, missing files, dataset lookup.
expect_error 1 "wide.rsct: the model takes 1x5x5 images, those of .*tiny.rsct are 1x4x4" \
    rsc-score --data "$T/tiny.rsct" "$T/wide.rsct"
expect_error 1 "four.rsct: the model has 4 classes, .*tiny.rsct has 3" \
    rsc-score --data "$T/tiny.rsct" "$T/four.rsct"
expect_error 1 "target 3: .* has only 3 classes" rsc-score --data "$T/tiny.rsct" -t 3 "$T/linear.rsct"
expect_error 1 "nope.rsct" rsc-score --data "$T/tiny.rsct" "$T/nope.rsct"
expect_error 1 "the model's dataset 'tiny' is not one the lookup knows" rsc-score "$T/linear.rsct"
expect_error 1 "nodata" rsc-score --data "$T/nodata" "$T/linear.rsct"
head -c 100 "$T/linear.rsct" > "$T/trunc.rsct"
expect_error 1 "trunc.rsct" rsc-score --data "$T/tiny.rsct" "$T/trunc.rsct"
[ ! -s "$T/out" ] || fail "a failed run printed rows"

# Usage errors.
expect_error 2 "epsilon" rsc-score --epsilon 2 "$T/linear.rsct"
expect_error 2 "epsilon" rsc-score --epsilon x "$T/linear.rsct"
expect_error 2 "needs --aggregate" rsc-score --norms "$F/score-norms.tsv" "$T/linear.rsct"
expect_error 2 "needs --sensitivity" rsc-score --examples 5 "$T/linear.rsct"
expect_error 2 "needs --pattern" rsc-score --pattern-seed 3 "$T/linear.rsct"
expect_error 2 "do not apply" rsc-score --aggregate --data fashion "$F/score-runs.tsv"
expect_error 2 "do not apply" rsc-score --sensitivity --pattern S1 "$T/linear.rsct"
expect_error 2 "exclude each other" rsc-score --aggregate --sensitivity
expect_error 2 "split" rsc-score --sensitivity --split val "$T/linear.rsct"
expect_error 2 "device" rsc-score --device tpu "$T/linear.rsct"
expect_error 2 "fractions" rsc-score --sensitivity --fractions 0,1.5 --data "$T/tiny.rsct" "$T/linear.rsct"
expect_error 2 "batch-size" rsc-score -b 0 "$T/linear.rsct"
expect_error 2 "given 2 times" rsc-score - -
expect_error 2 "cannot both come from standard input" rsc-score --data - "$T/linear.rsct" -
expect_error 2 "cannot both come from standard input" rsc-score --aggregate --norms - < "$F/score-runs.tsv"
expect_error 2 "do not apply" rsc-score --sensitivity --target 1 "$T/linear.rsct"
expect_error 2 "unrecognized option" rsc-score --bogus
expect_error 2 "requires an argument" rsc-score --data
expect_status 0 rsc-score --help
for opt in --data --pattern --pattern-seed --target --epsilon --aggregate --metrics --norms \
    --sensitivity --examples --seed --fractions --split --json --threads --device --batch-size \
    --progress --quiet --help --version; do
    grep -q -- "$opt" "$T/out" || fail "--help lacks $opt"
    grep -qF -- "\\fB\\-\\-${opt#--}" "$top_srcdir/man/rsc-score.1" ||
        fail "rsc-score.1 lacks $opt"
done
expect_status 0 rsc-score --version
grep -q "rsc-score" "$T/out" || fail "--version"
exit 0
