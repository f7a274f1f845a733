/* test-aggregate.c - result tables, grouping over seeds, mean/standard
 * error, Pearson correlation and the incomplete beta function, against
 * values computed with scipy (tests/gen/score-fixtures.py). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "score/aggregate.h"
#include "score/stats.h"

static const char *const METRICS[] = { "clean_acc", "spurious_acc", "spurious_score",
                                       "pd_mean", "pd_max", "asr" };
static const char *const EXCLUDE[] = { "model", "seed", "train_seed", "pattern_seed" };

static rsc_results *load(const char *name)
{
    char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", top ? top : ".", name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    rsc_error err;
    rsc_results *t = rsc_results_new(&err);
    assert_non_null(t);
    if (rsc_results_read(t, f, name, &err) != 0)
        fail_msg("%s", err.msg);
    fclose(f);
    return t;
}

static rsc_results *from_string(const char *text, const char *name, rsc_error *err, int *rc)
{
    rsc_results *t = rsc_results_new(err);
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    *rc = rsc_results_read(t, f, name, err);
    fclose(f);
    return t;
}

static double num(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end)
        fail_msg("'%s' is not a number", s);
    return v;
}

/* |a - b| <= rel * |b| (both NaN counts as equal) */
static void close_to(double a, double b, double rel, const char *what)
{
    if (isnan(a) && isnan(b))
        return;
    if (!(fabs(a - b) <= rel * fabs(b)))
        fail_msg("%s: got %.17g, expected %.17g", what, a, b);
}

static void test_mean_se(void **state)
{
    (void)state;
    double m, se;
    const double v[] = { 1, 2, 3, 4 };
    rsc_mean_se(v, 4, &m, &se);
    assert_true(m == 2.5);
    close_to(se, sqrt(5.0 / 3 / 4), 1e-15, "se");
    rsc_mean_se(v, 1, &m, &se);
    assert_true(m == 1 && isnan(se));
    rsc_mean_se(v, 0, &m, &se);
    assert_true(isnan(m) && isnan(se));
    /* large offset: the variance of {1e9+1, 1e9+2, 1e9+3} is exactly 1 */
    const double w[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
    rsc_mean_se(w, 3, &m, &se);
    assert_true(m == 1e9 + 2);
    close_to(se, sqrt(1.0 / 3), 1e-15, "se offset");
    const double z[] = { 0.5, 0.5, 0.5 };
    rsc_mean_se(z, 3, &m, &se);
    assert_true(m == 0.5 && se == 0);
}

static void test_betainc(void **state)
{
    (void)state;
    rsc_results *t = load("stats-betainc.tsv");
    assert_true(t->nrows >= 15);
    for (size_t r = 0; r < t->nrows; r++) {
        double a = num(rsc_results_cell(t, r, 0)), b = num(rsc_results_cell(t, r, 1));
        double x = num(rsc_results_cell(t, r, 2)), want = num(rsc_results_cell(t, r, 3));
        char what[128];
        snprintf(what, sizeof what, "I_%g(%g, %g)", x, a, b);
        close_to(rsc_betainc(a, b, x), want, 1e-11, what);
    }
    rsc_results_free(t);
    assert_true(isnan(rsc_betainc(0, 1, 0.5)));
    assert_true(isnan(rsc_betainc(1, -1, 0.5)));
    assert_true(isnan(rsc_betainc(1, 1, 1.5)));
    assert_true(isnan(rsc_betainc(1, 1, NAN)));
    /* symmetry I_x(a, b) = 1 - I_{1-x}(b, a) */
    close_to(rsc_betainc(3.5, 1.25, 0.3), 1 - rsc_betainc(1.25, 3.5, 0.7), 1e-13, "symmetry");
}

/* "1,2,3" -> array */
static size_t parse_list(const char *s, double *out, size_t max)
{
    size_t n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
        out[n++] = num(tok);
    free(copy);
    return n;
}

static void test_pearson(void **state)
{
    (void)state;
    rsc_results *t = load("stats-pearson.tsv");
    assert_true(t->nrows >= 9);
    static double x[512], y[512];
    for (size_t row = 0; row < t->nrows; row++) {
        size_t n = parse_list(rsc_results_cell(t, row, 0), x, 512);
        assert_int_equal(parse_list(rsc_results_cell(t, row, 1), y, 512), n);
        double r, p;
        rsc_error err;
        assert_int_equal(rsc_pearson(x, y, n, &r, &p, &err), 0);
        char what[64];
        snprintf(what, sizeof what, "r (row %zu, n %zu)", row + 1, n);
        close_to(r, num(rsc_results_cell(t, row, 2)), 1e-13, what);
        snprintf(what, sizeof what, "p (row %zu, n %zu)", row + 1, n);
        close_to(p, num(rsc_results_cell(t, row, 3)), 1e-10, what);
    }
    rsc_results_free(t);
    double r, p;
    rsc_error err;
    const double c[] = { 2, 2, 2 }, d[] = { 1, 2, 3 };
    assert_int_equal(rsc_pearson(d, c, 3, &r, &p, &err), -1);
    assert_non_null(strstr(err.msg, "second variable is constant"));
    assert_int_equal(rsc_pearson(c, d, 3, &r, &p, &err), -1);
    assert_non_null(strstr(err.msg, "first variable is constant"));
    assert_int_equal(rsc_pearson(c, d, 1, &r, &p, &err), -1);
    assert_non_null(strstr(err.msg, "at least 2"));
    /* perfect correlation: r rounds just below 1 here (as in scipy, which
     * gives p = 1.34e-8), and exactly to 1 (p = 0) where sqrt is exact */
    const double e[] = { 2, 4, 6 };
    assert_int_equal(rsc_pearson(d, e, 3, &r, &p, &err), 0);
    close_to(r, 1, 1e-15, "r");
    assert_true(p < 1e-7);
    const double f[] = { 0, 0, 2, 2 }, g[] = { 5, 5, 1, 1 };
    assert_int_equal(rsc_pearson(f, g, 4, &r, &p, &err), 0);
    assert_true(r == -1 && p == 0);
}

static void test_aggregate_fixture(void **state)
{
    (void)state;
    rsc_results *t = load("score-runs.tsv");
    rsc_results *want = load("score-runs-aggregate.tsv");
    rsc_aggregate a;
    rsc_error err;
    assert_int_equal(rsc_aggregate_table(t, METRICS, 6, EXCLUDE, 4, &a, &err), 0);
    assert_int_equal(a.ngroups, want->nrows);
    assert_int_equal(a.nkeys, 8);   /* name pattern target count arch lr epsilon n_test */
    assert_int_equal(a.nkeys + 2 * a.nmetrics + 1, want->ncols);
    for (size_t g = 0; g < a.ngroups; g++) {
        for (size_t k = 0; k < a.nkeys; k++) {
            assert_string_equal(t->cols[a.key_cols[k]], want->cols[k]);
            assert_string_equal(rsc_results_cell(t, a.first_row[g], a.key_cols[k]),
                                rsc_results_cell(want, g, k));
        }
        for (size_t m = 0; m < a.nmetrics; m++) {
            char what[128];
            snprintf(what, sizeof what, "group %zu %s mean", g + 1, METRICS[m]);
            close_to(a.mean[g * 6 + m], num(rsc_results_cell(want, g, a.nkeys + 2 * m)), 1e-14, what);
            snprintf(what, sizeof what, "group %zu %s se", g + 1, METRICS[m]);
            double se = num(rsc_results_cell(want, g, a.nkeys + 2 * m + 1));
            if (se == 0)
                assert_true(a.se[g * 6 + m] < 1e-17);
            else
                close_to(a.se[g * 6 + m], se, 1e-12, what);
        }
        assert_int_equal(a.count[g], (size_t)num(rsc_results_cell(want, g, want->ncols - 1)));
    }
    rsc_aggregate_free(&a);
    rsc_results_free(t);
    rsc_results_free(want);
}

static void test_correlation_fixture(void **state)
{
    (void)state;
    rsc_results *t = load("score-runs.tsv");
    rsc_results *norms = load("score-norms.tsv");
    rsc_results *want = load("score-correlation.tsv");
    rsc_correlation c;
    rsc_error err;
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), 0);
    assert_int_equal(c.ngroups, want->nrows);
    assert_int_equal(c.nkeys + 3, want->ncols);
    for (size_t g = 0; g < c.ngroups; g++) {
        for (size_t k = 0; k < c.nkeys; k++)
            assert_string_equal(rsc_results_cell(t, c.first_row[g], c.key_cols[k]),
                                rsc_results_cell(want, g, k));
        assert_int_equal(c.npatterns[g], (size_t)num(rsc_results_cell(want, g, c.nkeys)));
        close_to(c.r[g], num(rsc_results_cell(want, g, c.nkeys + 1)), 1e-13, "r");
        close_to(c.p[g], num(rsc_results_cell(want, g, c.nkeys + 2)), 1e-10, "p");
    }
    rsc_correlation_free(&c);

    /* a pattern without a norm */
    rsc_results_free(norms);
    int rc;
    norms = from_string("dataset\tpattern\tseed\tnorm\nfashion\tR3\t0\t13.6\nmnist\tS1\t0\t1\n",
                        "n.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), -1);
    assert_string_equal(err.msg, "n.tsv: no norm for dataset 'fashion', pattern 'S3'");
    rsc_results_free(norms);
    /* a non-numeric norm */
    norms = from_string("dataset\tpattern\tseed\tnorm\nfashion\tR3\t0\tbig\n", "n.tsv", &err, &rc);
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), -1);
    assert_string_equal(err.msg, "n.tsv: line 2: column 'norm': 'big' is not a number");
    rsc_results_free(norms);
    /* no norm column */
    norms = from_string("dataset\tpattern\tseed\tl2\nfashion\tR3\t0\t1\n", "n.tsv", &err, &rc);
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), -1);
    assert_string_equal(err.msg, "n.tsv: line 1: no column 'norm'");
    rsc_results_free(norms);
    rsc_results_free(t);
    rsc_results_free(want);
}

static void test_read_concat(void **state)
{
    (void)state;
    rsc_error err;
    int rc;
    /* repeated headers (cat a.tsv b.tsv), blank lines and CRLF are fine */
    rsc_results *t = from_string("# comment\na\tb\n1\t2\n\na\tb\r\n# note\n3\t4\r\n", "x.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->nrows, 2);
    assert_string_equal(rsc_results_cell(t, 1, 1), "4");
    assert_int_equal(t->line[1], 7);
    /* a second input with the same header appends */
    FILE *f = fmemopen((void *)"a\tb\n5\t6\n", 8, "r");
    assert_int_equal(rsc_results_read(t, f, "y.tsv", &err), 0);
    fclose(f);
    assert_int_equal(t->nrows, 3);
    double v;
    assert_int_equal(rsc_results_number(t, 2, 0, &v, &err), 0);
    assert_true(v == 5);
    /* a different header does not */
    f = fmemopen((void *)"a\tc\n5\t6\n", 8, "r");
    assert_int_equal(rsc_results_read(t, f, "z.tsv", &err), -1);
    fclose(f);
    assert_string_equal(err.msg, "z.tsv: line 1: header differs from that of x.tsv");
    rsc_results_free(t);
    /* an empty input adds nothing */
    t = from_string("", "e.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(t->nrows, 0);
    rsc_aggregate a;
    assert_int_equal(rsc_aggregate_table(t, METRICS, 6, EXCLUDE, 4, &a, &err), -1);
    assert_string_equal(err.msg, "e.tsv: no rows to aggregate");
    rsc_results_free(t);
}

static void test_read_errors(void **state)
{
    (void)state;
    rsc_error err;
    int rc;
    rsc_results *t = from_string("a\tb\n1\t2\n1\t2\t3\n", "x.tsv", &err, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err.msg, "x.tsv: line 3: 3 fields, expected 2");
    rsc_results_free(t);
    t = from_string("a\tb\n1\n", "x.tsv", &err, &rc);
    assert_string_equal(err.msg, "x.tsv: line 2: 1 fields, expected 2");
    rsc_results_free(t);
    t = from_string("a\t\tb\n", "x.tsv", &err, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err.msg, "x.tsv: line 1: empty column name (column 2)");
    rsc_results_free(t);
    t = from_string("a\tb\ta\n", "x.tsv", &err, &rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err.msg, "x.tsv: line 1: duplicate column 'a'");
    rsc_results_free(t);
}

static void test_aggregate_errors(void **state)
{
    (void)state;
    rsc_error err;
    int rc;
    rsc_aggregate a;
    const char *hdr = "model\tname\tseed\tclean_acc\tspurious_acc\tspurious_score\tpd_mean\tpd_max\n";
    char text[1024];
    /* missing column asr */
    snprintf(text, sizeof text, "%sm\tf\t0\t1\t1\t1\t1\t1\n", hdr);
    rsc_results *t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 6, EXCLUDE, 4, &a, &err), -1);
    assert_string_equal(err.msg, "r.tsv: line 1: no column 'asr'");
    rsc_results_free(t);
    /* non-numeric value, reported with its line */
    snprintf(text, sizeof text, "%sm\tf\t0\t1\t1\t1\t1\t1\nm\tf\t1\t0.5\t1\t1x\t1\t1\n", hdr);
    t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 5, EXCLUDE, 4, &a, &err), -1);
    assert_string_equal(err.msg, "r.tsv: line 3: column 'spurious_score': '1x' is not a number");
    rsc_results_free(t);
    /* empty value */
    snprintf(text, sizeof text, "%sm\tf\t0\t\t1\t1\t1\t1\n", hdr);
    t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 5, EXCLUDE, 4, &a, &err), -1);
    assert_string_equal(err.msg, "r.tsv: line 2: column 'clean_acc': '' is not a number");
    rsc_results_free(t);
    /* grouping ignores model and seed, keeps name; nan propagates */
    snprintf(text, sizeof text,
             "%sm1\tf\t0\t1\t1\t1\t1\t1\nm2\tf\t1\t0.5\t1\t0\t1\tnan\nm3\tg\t0\t0.25\t1\t1\t1\t1\n", hdr);
    t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 5, EXCLUDE, 4, &a, &err), 0);
    assert_int_equal(a.ngroups, 2);
    assert_int_equal(a.nkeys, 1);
    assert_int_equal(a.count[0], 2);
    assert_int_equal(a.count[1], 1);
    assert_true(a.mean[0] == 0.75 && a.se[0] == 0.25);
    assert_true(a.mean[2] == 0.5 && a.se[2] == 0.5);
    assert_true(isnan(a.mean[4]));
    assert_true(a.mean[5] == 0.25 && isnan(a.se[5]));
    rsc_aggregate_free(&a);
    rsc_results_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_se),
        cmocka_unit_test(test_betainc),
        cmocka_unit_test(test_pearson),
        cmocka_unit_test(test_aggregate_fixture),
        cmocka_unit_test(test_correlation_fixture),
        cmocka_unit_test(test_read_concat),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_aggregate_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
