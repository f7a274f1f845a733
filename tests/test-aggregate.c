/* test-aggregate.c - the group-by (rsc_groups), grouping over seeds,
 * mean/standard error, Pearson correlation and the incomplete beta
 * function, against values computed with scipy
 * (tests/gen/score-fixtures.py).  The table reader has test-table.c. */
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

static rsc_table *load(const char *name)
{
    char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", top ? top : ".", name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    rsc_error err;
    rsc_table *t = rsc_table_read(f, name, &err);
    if (!t)
        fail_msg("%s", err.msg);
    fclose(f);
    return t;
}

static rsc_table *from_string(const char *text, const char *name, rsc_error *err, int *rc)
{
    rsc_table *t = rsc_table_new(err);
    assert_non_null(t);
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    *rc = rsc_table_append(t, f, name, err);
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
    const double q[] = { 1, NAN, 3 };
    rsc_mean_se(q, 3, &m, &se);
    assert_true(isnan(m) && isnan(se));
}

static void test_betainc(void **state)
{
    (void)state;
    rsc_table *t = load("stats-betainc.tsv");
    assert_true(t->nrows >= 15);
    for (size_t r = 0; r < t->nrows; r++) {
        double a = num(rsc_table_cell(t, r, 0)), b = num(rsc_table_cell(t, r, 1));
        double x = num(rsc_table_cell(t, r, 2)), want = num(rsc_table_cell(t, r, 3));
        char what[128];
        snprintf(what, sizeof what, "I_%g(%g, %g)", x, a, b);
        close_to(rsc_betainc(a, b, x), want, 1e-11, what);
    }
    rsc_table_free(t);
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
    rsc_table *t = load("stats-pearson.tsv");
    assert_true(t->nrows >= 9);
    static double x[512], y[512];
    for (size_t row = 0; row < t->nrows; row++) {
        size_t n = parse_list(rsc_table_cell(t, row, 0), x, 512);
        assert_int_equal(parse_list(rsc_table_cell(t, row, 1), y, 512), n);
        double r, p;
        rsc_error err;
        assert_int_equal(rsc_pearson(x, y, n, &r, &p, &err), 0);
        char what[64];
        snprintf(what, sizeof what, "r (row %zu, n %zu)", row + 1, n);
        close_to(r, num(rsc_table_cell(t, row, 2)), 1e-13, what);
        snprintf(what, sizeof what, "p (row %zu, n %zu)", row + 1, n);
        close_to(p, num(rsc_table_cell(t, row, 3)), 1e-10, what);
    }
    rsc_table_free(t);
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
    rsc_table *t = load("score-runs.tsv");
    rsc_table *want = load("score-runs-aggregate.tsv");
    rsc_aggregate a;
    rsc_error err;
    assert_int_equal(rsc_aggregate_table(t, METRICS, 6, EXCLUDE, 4, &a, &err), 0);
    assert_int_equal(a.groups.ngroups, want->nrows);
    assert_int_equal(a.nkeys, 8);   /* name pattern target count arch lr epsilon n_test */
    assert_int_equal(a.nkeys + 2 * a.nmetrics + 1, want->ncols);
    for (size_t g = 0; g < a.groups.ngroups; g++) {
        for (size_t k = 0; k < a.nkeys; k++) {
            assert_string_equal(t->cols[a.key_cols[k]], want->cols[k]);
            assert_string_equal(rsc_table_cell(t, a.groups.first[g], a.key_cols[k]),
                                rsc_table_cell(want, g, k));
        }
        for (size_t m = 0; m < a.nmetrics; m++) {
            char what[128];
            snprintf(what, sizeof what, "group %zu %s mean", g + 1, METRICS[m]);
            close_to(a.groups.mean[g * 6 + m], num(rsc_table_cell(want, g, a.nkeys + 2 * m)), 1e-14, what);
            snprintf(what, sizeof what, "group %zu %s se", g + 1, METRICS[m]);
            double se = num(rsc_table_cell(want, g, a.nkeys + 2 * m + 1));
            if (se == 0)
                assert_true(a.groups.se[g * 6 + m] < 1e-17);
            else
                close_to(a.groups.se[g * 6 + m], se, 1e-12, what);
        }
        assert_int_equal(a.groups.count[g], (size_t)num(rsc_table_cell(want, g, want->ncols - 1)));
    }
    rsc_aggregate_free(&a);
    rsc_table_free(t);
    rsc_table_free(want);
}

static void test_correlation_fixture(void **state)
{
    (void)state;
    rsc_table *t = load("score-runs.tsv");
    rsc_table *norms = load("score-norms.tsv");
    rsc_table *want = load("score-correlation.tsv");
    rsc_correlation c;
    rsc_error err;
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), 0);
    assert_int_equal(c.ngroups, want->nrows);
    assert_int_equal(c.nkeys + 3, want->ncols);
    for (size_t g = 0; g < c.ngroups; g++) {
        for (size_t k = 0; k < c.nkeys; k++)
            assert_string_equal(rsc_table_cell(t, c.first_row[g], c.key_cols[k]),
                                rsc_table_cell(want, g, k));
        assert_int_equal(c.npatterns[g], (size_t)num(rsc_table_cell(want, g, c.nkeys)));
        close_to(c.r[g], num(rsc_table_cell(want, g, c.nkeys + 1)), 1e-13, "r");
        close_to(c.p[g], num(rsc_table_cell(want, g, c.nkeys + 2)), 1e-10, "p");
    }
    rsc_correlation_free(&c);

    /* a pattern without a norm */
    rsc_table_free(norms);
    int rc;
    norms = from_string("dataset\tpattern\tseed\tnorm\nfashion\tR3\t0\t13.6\nmnist\tS1\t0\t1\n",
                        "n.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), -1);
    assert_string_equal(err.msg, "n.tsv: no norm for dataset 'fashion', pattern 'S3'");
    rsc_table_free(norms);
    /* a non-numeric norm */
    norms = from_string("dataset\tpattern\tseed\tnorm\nfashion\tR3\t0\tbig\n", "n.tsv", &err, &rc);
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), -1);
    assert_string_equal(err.msg, "n.tsv:2: column 'norm': 'big' is not a number");
    rsc_table_free(norms);
    /* no norm column */
    norms = from_string("dataset\tpattern\tseed\tl2\nfashion\tR3\t0\t1\n", "n.tsv", &err, &rc);
    assert_int_equal(rsc_norm_correlation(t, norms, METRICS, 6, EXCLUDE, 4, &c, &err), -1);
    assert_string_equal(err.msg, "n.tsv:1: no column 'norm' (columns: dataset, pattern, seed, l2)");
    rsc_table_free(norms);
    rsc_table_free(t);
    rsc_table_free(want);
}

/* An empty input adds nothing; aggregating nothing is an error. */
static void test_aggregate_empty(void **state)
{
    (void)state;
    rsc_error err;
    int rc;
    rsc_table *t = from_string("", "e.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(t->nrows, 0);
    rsc_aggregate a;
    assert_int_equal(rsc_aggregate_table(t, METRICS, 6, EXCLUDE, 4, &a, &err), -1);
    assert_string_equal(err.msg, "e.tsv: no rows to aggregate");
    rsc_table_free(t);
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
    rsc_table *t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 6, EXCLUDE, 4, &a, &err), -1);
    assert_string_equal(err.msg, "r.tsv:1: no column 'asr' (columns: model, name, seed, clean_acc, "
                                 "spurious_acc, spurious_score, pd_mean, pd_max)");
    rsc_table_free(t);
    /* non-numeric value, reported with its line */
    snprintf(text, sizeof text, "%sm\tf\t0\t1\t1\t1\t1\t1\nm\tf\t1\t0.5\t1\t1x\t1\t1\n", hdr);
    t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 5, EXCLUDE, 4, &a, &err), -1);
    assert_string_equal(err.msg, "r.tsv:3: column 'spurious_score': '1x' is not a number");
    rsc_table_free(t);
    /* an empty value is missing (as NA, nan and -): its metric's mean is
     * nan, the others are the values */
    snprintf(text, sizeof text, "%sm\tf\t0\t\t1\tNA\t-\t0.5\nm\tf\t1\t1\t0\t1\t1\t1\n", hdr);
    t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 5, EXCLUDE, 4, &a, &err), 0);
    assert_int_equal(a.groups.ngroups, 1);
    assert_true(isnan(a.groups.mean[0]) && isnan(a.groups.se[0]));
    assert_true(a.groups.mean[1] == 0.5 && a.groups.se[1] == 0.5);
    assert_true(isnan(a.groups.mean[2]) && isnan(a.groups.mean[3]));
    assert_true(a.groups.mean[4] == 0.75 && a.groups.se[4] == 0.25);
    rsc_aggregate_free(&a);
    rsc_table_free(t);
    /* grouping ignores model and seed, keeps name; nan propagates */
    snprintf(text, sizeof text,
             "%sm1\tf\t0\t1\t1\t1\t1\t1\nm2\tf\t1\t0.5\t1\t0\t1\tnan\nm3\tg\t0\t0.25\t1\t1\t1\t1\n", hdr);
    t = from_string(text, "r.tsv", &err, &rc);
    assert_int_equal(rsc_aggregate_table(t, METRICS, 5, EXCLUDE, 4, &a, &err), 0);
    assert_int_equal(a.groups.ngroups, 2);
    assert_int_equal(a.nkeys, 1);
    assert_int_equal(a.groups.count[0], 2);
    assert_int_equal(a.groups.count[1], 1);
    assert_true(a.groups.mean[0] == 0.75 && a.groups.se[0] == 0.25);
    assert_true(a.groups.mean[2] == 0.5 && a.groups.se[2] == 0.5);
    assert_true(isnan(a.groups.mean[4]));
    assert_true(a.groups.mean[5] == 0.25 && isnan(a.groups.se[5]));
    rsc_aggregate_free(&a);
    rsc_table_free(t);
}

/* The group-by itself: many keys (the hash table grows), keys that
 * concatenate alike, first-appearance order, find, means and SEs. */
static void test_groups(void **state)
{
    (void)state;
    rsc_error err;
    rsc_groups g;
    assert_int_equal(rsc_groups_init(&g, 2, 2, &err), 0);
    enum { N = 300, REP = 3 };
    char a[32], b[32];
    for (int rep = 0; rep < REP; rep++)
        for (int i = 0; i < N; i++) {
            snprintf(a, sizeof a, "k%d", i);
            snprintf(b, sizeof b, "%d", i % 7);
            const char *key[2] = { a, b };
            double v[2] = { i + rep, rep == 1 ? NAN : (double)rep };
            long gi = rsc_groups_add(&g, key, v, (size_t)(rep * N + i), &err);
            assert_int_equal(gi, i);
        }
    /* "ab"+"c" and "a"+"bc" are different keys */
    const char *k1[2] = { "ab", "c" }, *k2[2] = { "a", "bc" };
    double v0[2] = { 1, 2 };
    assert_int_equal(rsc_groups_add(&g, k1, v0, 7, &err), N);
    assert_int_equal(rsc_groups_add(&g, k2, v0, 8, &err), N + 1);
    assert_int_equal(rsc_groups_finish(&g, &err), 0);
    assert_int_equal(g.ngroups, N + 2);
    for (int i = 0; i < N; i++) {
        snprintf(a, sizeof a, "k%d", i);
        snprintf(b, sizeof b, "%d", i % 7);
        const char *key[2] = { a, b };
        assert_int_equal(rsc_groups_find(&g, key), i);
        assert_string_equal(rsc_groups_key(&g, (size_t)i, 0), a);
        assert_int_equal(g.first[i], i);
        assert_int_equal(g.count[i], REP);
        /* values i, i+1, i+2: mean i+1, se sqrt(1/3); NaN propagates */
        assert_true(g.mean[2 * i] == i + 1);
        close_to(g.se[2 * i], sqrt(1.0 / 3), 1e-15, "se");
        assert_true(isnan(g.mean[2 * i + 1]) && isnan(g.se[2 * i + 1]));
    }
    assert_true(g.mean[2 * N] == 1 && isnan(g.se[2 * N]) && g.first[N + 1] == 8);
    const char *absent[2] = { "k1", "2" };
    assert_int_equal(rsc_groups_find(&g, absent), -1);
    rsc_groups_free(&g);
    /* no values, and a group-by of nothing */
    assert_int_equal(rsc_groups_init(&g, 1, 0, &err), 0);
    assert_int_equal(rsc_groups_find(&g, absent), -1);
    const char *x[1] = { "x" }, *y[1] = { "y" };
    assert_int_equal(rsc_groups_add(&g, x, NULL, 0, &err), 0);
    assert_int_equal(rsc_groups_add(&g, y, NULL, 1, &err), 1);
    assert_int_equal(rsc_groups_add(&g, x, NULL, 2, &err), 0);
    assert_int_equal(rsc_groups_finish(&g, &err), 0);
    assert_int_equal(g.count[0], 2);
    rsc_groups_free(&g);
}

static char *written(int json, const char *text, int norms)
{
    rsc_error err;
    int rc;
    rsc_table *t = from_string(text, "w.tsv", &err, &rc);
    assert_int_equal(rc, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    const char *const metrics[] = { "acc" };
    if (norms) {
        rsc_table *n = from_string("dataset\tpattern\tnorm\nf\tS1\t1\nf\tS2\t2\nf\tS3\t3\n",
                                   "n.tsv", &err, &rc);
        rsc_correlation c;
        assert_int_equal(rsc_norm_correlation(t, n, METRICS, 6, EXCLUDE, 4, &c, &err), 0);
        assert_int_equal(rsc_correlation_write(t, &c, out, "out", json, &err), 0);
        rsc_correlation_free(&c);
        rsc_table_free(n);
    } else {
        rsc_aggregate a;
        assert_int_equal(rsc_aggregate_table(t, metrics, 1, EXCLUDE, 4, &a, &err), 0);
        assert_int_equal(rsc_aggregate_write(t, &a, out, "out", json, &err), 0);
        rsc_aggregate_free(&a);
    }
    fclose(out);
    rsc_table_free(t);
    return buf;
}

/* Aggregates as rows: doubles in their shortest exact form (0.04, not
 * 0.040000000000000001), a missing SE as nan / null, keys as read. */
static void test_aggregate_write(void **state)
{
    (void)state;
    const char *text = "model\tname\tseed\tacc\nm1\tf\t0\t0.04\nm2\tf\t1\t0.04\nm3\tg\t0\t0.5\n"
                       "m4\tg\t1\t0.1\n";
    char *s = written(0, text, 0);
    assert_string_equal(s, "name\tacc_mean\tacc_se\tn\nf\t0.04\t0\t2\ng\t0.3\t0.2\t2\n");
    free(s);
    s = written(1, text, 0);
    assert_string_equal(s, "{\"name\":\"f\",\"acc_mean\":0.04,\"acc_se\":0,\"n\":2}\n"
                           "{\"name\":\"g\",\"acc_mean\":0.3,\"acc_se\":0.2,\"n\":2}\n");
    free(s);
    /* correlation: scores 0.1, 0.2, 0.4 against norms 1, 2, 3 (with n = 3,
     * p = 1 - 2 atan(r / sqrt(1 - r^2)) / pi = 0.12103771832367671); a group of
     * one pattern has no r and p */
    text = "model\tname\tpattern\tcount\tspurious_score\n"
           "a\tf\tS1\t1\t0.1\nb\tf\tS2\t1\t0.2\nc\tf\tS3\t1\t0.4\nd\tf\tS3\t5\t0.4\n";
    s = written(0, text, 1);
    assert_string_equal(s, "name\tn_patterns\tpearson_r\tp_value\n"
                           "f\t3\t0.9819805060619657\t0.12103771832367663\n");
    free(s);
    text = "model\tname\tpattern\tcount\tspurious_score\nd\tf\tS3\t5\t0.4\n";
    s = written(1, text, 1);
    assert_string_equal(s, "{\"name\":\"f\",\"n_patterns\":1,\"pearson_r\":null,\"p_value\":null}\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_se),
        cmocka_unit_test(test_betainc),
        cmocka_unit_test(test_pearson),
        cmocka_unit_test(test_aggregate_fixture),
        cmocka_unit_test(test_correlation_fixture),
        cmocka_unit_test(test_aggregate_empty),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_aggregate_write),
        cmocka_unit_test(test_aggregate_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
