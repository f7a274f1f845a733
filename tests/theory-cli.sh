#!/bin/sh
# theory-cli.sh - rsc-theory's command line: output format and values,
# lists and ranges, presets, --critical, --simulate, JSON, and every usage
# error (exit 2, one message naming the option).
. "$top_srcdir/tests/common.sh"

hdr='gamma	lambda	inv_norm2	sp_norm2	var_inv	var_sp	noise_var	a	b	beta0	clean_acc	spurious_acc	pd'

# Header and one row with known values: gamma 0.1 at the defaults (Fig. 13,
# lambda 0): a = 52/79, b = 4/79, beta0 = -1/79, PD = 20/79.
rsc-theory --gamma 0.1 > one.tsv
[ "$(sed -n 1p one.tsv)" = "$hdr" ] || fail "header: $(sed -n 1p one.tsv)"
[ "$(wc -l < one.tsv)" -eq 2 ] || fail "one row expected"
awk -F'\t' 'NR == 2 {
    d = 0
    d += ($8 - 52/79)^2 + ($9 - 4/79)^2 + ($10 + 1/79)^2 + ($13 - 20/79)^2
    if (d > 1e-28 || $1 != "0.1" || $2 != "0" || $4 != "5") exit 1
}' one.tsv || fail "values of gamma 0.1: $(sed -n 2p one.tsv)"

# gamma = 0: PD 0 and clean = spurious = Phi(sqrt 2)
rsc-theory -g 0 | awk -F'\t' 'NR == 2 && ($13 != 0 || $9 != 0 || $11 != $12 ||
    ($11 - 0.9213503964748574)^2 > 1e-28) { exit 1 }' || fail "gamma 0 row"

# Ranges and lists: 51 gammas x 4 lambdas, gamma fastest, clean values
rsc-theory --gamma 0:0.5:0.01 --lambda 0,1,10,100 > grid.tsv
[ "$(wc -l < grid.tsv)" -eq 205 ] || fail "grid: $(wc -l < grid.tsv) lines"
[ "$(sed -n '2,3p;53p' grid.tsv | cut -f1,2 | tr '\t\n' ' ')" = "0 0 0.01 0 0 1 " ] ||
    fail "grid order: $(sed -n '2,3p;53p' grid.tsv | cut -f1,2 | tr '\t\n' ' ')"
[ "$(cut -f1 grid.tsv | sed -n 32p)" = "0.3" ] || fail "range value printed as $(cut -f1 grid.tsv | sed -n 32p)"
# PD falls with lambda at every gamma > 0
awk -F'\t' 'NR > 1 { pd[$2, $1] = $13 } END {
    for (k in pd) { split(k, p, SUBSEP); if (p[2] > 0 && p[1] == 0 && !(pd[1, p[2]] < pd[0, p[2]])) exit 1 } }' grid.tsv ||
    fail "PD not falling with lambda"
rsc-theory -g 0,0.1:0.3:0.1 --var-sp 0.1,0.2 | cut -f1,6 | tail -n +2 | tr '\t\n' ' ' > mix
[ "$(cat mix)" = "0 0.1 0.1 0.1 0.2 0.1 0.3 0.1 0 0.2 0.1 0.2 0.2 0.2 0.3 0.2 " ] || fail "mixed list: $(cat mix)"

# Noise: the default puts it in training and test; train-only noise is
# exactly extra ridge for the solution
rsc-theory -g 0.2 --noise-var 0.3 --noise-train-only | cut -f8-10,13 | tail -1 > n1
rsc-theory -g 0.2 --lambda 0.3 | cut -f8-10,13 | tail -1 > n2
cmp -s n1 n2 || fail "train-only noise differs from ridge: $(cat n1) vs $(cat n2)"
a=$(rsc-theory -g 0.2 --noise-var 0.3 | cut -f11 | tail -1)
b=$(rsc-theory -g 0.2 --noise-var 0.3 --noise-train-only | cut -f11 | tail -1)
awk -v a="$a" -v b="$b" 'BEGIN { exit !(a < b) }' || fail "noisy test data should lower clean accuracy ($a vs $b)"

# JSON lines: same keys, one object per row
rsc-theory --json -g 0,0.1 > out.json
[ "$(wc -l < out.json)" -eq 2 ] || fail "json rows"
grep -q '^{"gamma":0,"lambda":0,"inv_norm2":1,"sp_norm2":5,"var_inv":0.5,"var_sp":0.1,"noise_var":0,"a":0.6666666666666666[0-9]*,"b":0,"beta0":0,"clean_acc":0.92135039647485[0-9]*,"spurious_acc":0.92135039647485[0-9]*,"pd":0}$' out.json ||
    fail "json: $(head -1 out.json)"

# --critical: columns and the analytic points (2B/S = 0.04, 2BI/(AS) = 0.08)
rsc-theory --critical > crit.tsv
[ "$(head -1 crit.tsv)" = "lambda	inv_norm2	sp_norm2	var_inv	var_sp	noise_var	gamma_ref	gamma_crit	gamma_crit_pd	gamma_crit_acc	gamma_half	pd_ref	gamma_10	gamma_90	width" ] ||
    fail "critical header: $(head -1 crit.tsv)"
awk -F'\t' 'NR == 2 && (($8 - 0.04)^2 > 1e-30 || ($10 - 0.08)^2 > 1e-30 || !($11 > 0.04 && $11 < 0.045)) { exit 1 }' crit.tsv ||
    fail "critical values: $(sed -n 2p crit.tsv)"
rsc-theory --critical --lambda 10 | awk -F'\t' 'NR == 2 && $11 != "nan" { exit 1 }' || fail "no transition at lambda 10"
rsc-theory --critical --var-inv 0 --json | grep -q '"gamma_crit_acc":null,"gamma_half":[^,]*,"pd_ref":0,"gamma_10":null,"gamma_90":null,"width":null}' ||
    fail "critical json nulls: $(rsc-theory --critical --var-inv 0 --json)"
rsc-theory --critical --gamma-ref 0.25 | awk -F'\t' 'NR == 2 && $7 != "0.25" { exit 1 }' || fail "--gamma-ref"

# Presets: full grids; an explicit option replaces the preset's value
[ "$(rsc-theory --preset fig13 | wc -l)" -eq 817 ] || fail "fig13 rows"
[ "$(rsc-theory --preset fig17 | wc -l)" -eq 1633 ] || fail "fig17 rows"
[ "$(rsc-theory --preset fig6c | wc -l)" -eq 252 ] || fail "fig6c rows"
[ "$(rsc-theory --preset fig13 | tail -n +2 | cut -f2,7 | sort -u | wc -l)" -eq 16 ] || fail "fig13 lambda x noise"
[ "$(rsc-theory --preset fig17 | tail -n +2 | cut -f6 | sort -u | tr '\n' ' ')" = "0.01 0.5 " ] || fail "fig17 var_sp"
[ "$(rsc-theory --preset fig13 --lambda 5 | tail -n +2 | cut -f2 | sort -u)" = 5 ] || fail "override"
[ "$(rsc-theory --preset fig13 --lambda 5 | wc -l)" -eq 205 ] || fail "override rows"

# --simulate: columns, determinism, seeds
rsc-theory -g 0.2 --lambda 0.5 --simulate 400 --dim 4 --trials 3 --test-size 300 --seed 5 > s1.tsv
rsc-theory -g 0.2 --lambda 0.5 --simulate 400 --dim 4 --trials 3 --test-size 300 --seed 5 > s2.tsv
rsc-theory -g 0.2 --lambda 0.5 --simulate 400 --dim 4 --trials 3 --test-size 300 --seed 6 > s3.tsv
[ "$(head -1 s1.tsv)" = "$hdr	sim_a	sim_a_se	sim_b	sim_b_se	sim_beta0	sim_beta0_se	sim_clean_acc	sim_clean_acc_se	sim_spurious_acc	sim_spurious_acc_se	sim_pd	sim_pd_se" ] ||
    fail "simulate header: $(head -1 s1.tsv)"
cmp -s s1.tsv s2.tsv || fail "same seed, different output"
cmp -s s1.tsv s3.tsv && fail "different seeds, same output"
cut -f1-13 s1.tsv > c1; rsc-theory -g 0.2 --lambda 0.5 > c2
cmp -s c1 c2 || fail "closed-form columns change with --simulate"
rsc-theory -g 0.2 --simulate 50 --trials 1 --dim 2 --test-size 10 | awk -F'\t' 'NR == 2 && $15 != "nan" { exit 1 }' ||
    fail "one trial: SE should be nan"

# Usage errors: exit 2, one message naming the problem
expect_error 2 "gamma: 1.5 is out of range" rsc-theory --gamma 1.5
expect_error 2 "gamma: -0.1 is out of range" rsc-theory --gamma 0,-0.1
expect_error 2 "gamma: 1.1 is out of range" rsc-theory --gamma 0:1.1:0.1
expect_error 2 "lambda: -1 is out of range" rsc-theory --lambda -1
expect_error 2 "var-inv: -0.5 is out of range" rsc-theory --var-inv -0.5
expect_error 2 "var-sp: -1 is out of range" rsc-theory --var-sp 0.1,-1
expect_error 2 "noise-var: -0.1 is out of range" rsc-theory --noise-var -0.1
expect_error 2 "inv-norm2: 0 is out of range" rsc-theory --inv-norm2 0
expect_error 2 "sp-norm2: -2 is out of range" rsc-theory --sp-norm2 -2
expect_error 2 "gamma: range 0.5:0.1:0.1 is empty" rsc-theory --gamma 0.5:0.1:0.1
expect_error 2 "lambda: range 0:1:0 is empty or has a zero step" rsc-theory --lambda 0:1:0
expect_error 2 "gamma: empty list" rsc-theory --gamma ,
expect_error 2 "gamma" rsc-theory --gamma abc
expect_error 2 "lambda: 'nan' is not a finite number" rsc-theory --lambda nan
expect_error 2 "unknown preset 'fig99'" rsc-theory --preset fig99
expect_error 2 "not used with --critical" rsc-theory --critical --gamma 0.1
expect_error 2 "cannot be combined" rsc-theory --critical --simulate 100
expect_error 2 "need --simulate" rsc-theory --dim 5
expect_error 2 "only meaningful with --critical" rsc-theory --gamma-ref 0.3
expect_error 2 "gamma-ref: must be in" rsc-theory --critical --gamma-ref 0
expect_error 2 "simulate" rsc-theory --simulate 1
expect_error 2 "trials" rsc-theory --simulate 100 --trials 0
expect_error 2 "dim" rsc-theory --simulate 100 --dim 1
expect_error 2 "seed" rsc-theory --simulate 100 --seed -1
expect_error 2 "unexpected argument 'extra'" rsc-theory extra
expect_error 2 "unrecognized option '--bogus'" rsc-theory --bogus
expect_error 2 "invalid option -- 'x'" rsc-theory -x
expect_error 2 "option '--gamma' requires an argument" rsc-theory --gamma
# Runtime error: fewer examples than coefficients, no ridge
expect_error 1 "normal equations: matrix is not positive definite" rsc-theory -g 0.1 --simulate 5 --dim 20
[ ! -s "$T/out" ] || [ "$(wc -l < "$T/out")" -le 1 ] || fail "rows printed after a runtime error"

# --help names every option; --version
rsc-theory --help > help
for o in gamma lambda inv-norm2 sp-norm2 var-inv var-sp noise-var noise-train-only preset critical \
         gamma-ref simulate dim trials test-size seed json progress quiet help version; do
    grep -q -- "--$o" help || fail "--help lacks --$o"
done
rsc-theory --version | grep -q '^rsc-theory (rsc) ' || fail "--version"
if [ -w /dev/full ]; then
    expect_error 1 "write error" sh -c 'rsc-theory > /dev/full'
fi
exit 0
