/* test-mia-logreg.c - the attack model (libcommon/mia/logreg.c, cv.c,
 * attack.c) against scikit-learn fixtures (tests/fixtures/mia/, made by
 * tests/gen/make-mia-fixtures.py), a hand-checked case where the mean of
 * the fold accuracies and the pooled accuracy choose different C, the
 * optimality conditions, separable data, and every error.
 *
 * Tolerances: our Newton optimum must match the fixture's independent
 * numpy Newton optimum to 1e-9 (both are exact to rounding) and
 * scikit-learn's newton-cholesky solution to 1e-6.  scikit-learn 1.2's
 * default lbfgs stops early: scipy's L-BFGS-B ends on a relative decrease
 * of the objective below its default ftol 2.2e-9 before reaching
 * tol=1e-10, so its coefficients sit up to 1e-4 from the optimum (the
 * fixture records each distance as lbfgs_dev_C); we require agreement
 * with lbfgs to max(1e-6, 1.5 x that distance).  Fold accuracies, the
 * chosen C and the fold assignment must be identical. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"
#include "mia/attack.h"
#include "mia/cv.h"
#include "mia/logreg.h"

/* ---- fixture reading (the table reader of libcommon/format is not used,
 * so that this test checks the numbers only) ---- */

typedef struct table {
    size_t n, d, ntrain, ntest;
    double *xtrain, *xtest;   /* raw features */
    uint8_t *ytrain, *ytest;
} table;

#define MAXKEYS 64
typedef struct expected {
    int nkeys;
    char key[MAXKEYS][48];
    double *val[MAXKEYS];
    size_t len[MAXKEYS];
} expected;

static FILE *open_fixture(const char *name)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/mia/%s", top ? top : ".", name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    return f;
}

static char *read_line(FILE *f)
{
    size_t cap = 0;
    char *line = NULL;
    ssize_t len = getline(&line, &cap, f);
    if (len < 0) {
        free(line);
        return NULL;
    }
    if (len && line[len - 1] == '\n')
        line[len - 1] = 0;
    return line;
}

static void read_table(const char *name, table *t)
{
    FILE *f = open_fixture(name);
    char *line = read_line(f);
    assert_non_null(line);
    size_t cols = 1;
    for (char *p = line; *p; p++)
        cols += *p == '\t';
    free(line);
    memset(t, 0, sizeof *t);
    t->d = cols - 2;
    size_t cap = 4096;
    t->xtrain = malloc(cap * t->d * sizeof(double));
    t->xtest = malloc(cap * t->d * sizeof(double));
    t->ytrain = malloc(cap);
    t->ytest = malloc(cap);
    while ((line = read_line(f))) {
        double row[64];
        char *p = line, *end;
        for (size_t j = 0; j < t->d; j++) {
            row[j] = strtod(p, &end);
            assert_true(end != p && *end == '\t');
            p = end + 1;
        }
        long m = strtol(p, &end, 10);
        assert_true(*end == '\t' && (m == 0 || m == 1));
        int test = strcmp(end + 1, "test") == 0;
        assert_true(test || strcmp(end + 1, "train") == 0);
        size_t *k = test ? &t->ntest : &t->ntrain;
        assert_true(*k < cap);
        memcpy((test ? t->xtest : t->xtrain) + *k * t->d, row, t->d * sizeof(double));
        (test ? t->ytest : t->ytrain)[*k] = (uint8_t)m;
        (*k)++;
        free(line);
    }
    t->n = t->ntrain + t->ntest;
    fclose(f);
}

static void free_table(table *t)
{
    free(t->xtrain);
    free(t->xtest);
    free(t->ytrain);
    free(t->ytest);
}

static void read_expected(const char *name, expected *e)
{
    FILE *f = open_fixture(name);
    memset(e, 0, sizeof *e);
    char *line;
    while ((line = read_line(f))) {
        if (line[0] == '#' || line[0] == 0) {
            free(line);
            continue;
        }
        assert_true(e->nkeys < MAXKEYS);
        int k = e->nkeys++;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        snprintf(e->key[k], sizeof e->key[k], "%s", line);
        size_t cap = 16;
        e->val[k] = malloc(cap * sizeof(double));
        char *p = tab + 1, *end;
        for (;;) {
            double v = strtod(p, &end);
            assert_true(end != p);
            if (e->len[k] == cap)
                e->val[k] = realloc(e->val[k], (cap *= 2) * sizeof(double));
            e->val[k][e->len[k]++] = v;
            if (*end == 0)
                break;
            assert_true(*end == '\t');
            p = end + 1;
        }
        free(line);
    }
    fclose(f);
}

static const double *get(const expected *e, const char *key, size_t len)
{
    for (int k = 0; k < e->nkeys; k++)
        if (strcmp(e->key[k], key) == 0) {
            if (e->len[k] != len)
                fail_msg("fixture key %s: %zu values, expected %zu", key, e->len[k], len);
            return e->val[k];
        }
    fail_msg("fixture key %s missing", key);
    return NULL;
}

static void free_expected(expected *e)
{
    for (int k = 0; k < e->nkeys; k++)
        free(e->val[k]);
}

/* ---- the fixture comparison ---- */

static void check_fixture(const char *name)
{
    char tname[64], ename[64], key[64];
    snprintf(tname, sizeof tname, "%s.tsv", name);
    snprintf(ename, sizeof ename, "%s-expected.tsv", name);
    table t;
    expected e;
    read_table(tname, &t);
    read_expected(ename, &e);
    rsc_error err;
    int d = (int)t.d, D = d + 1;
    assert_int_equal(t.ntrain, (size_t)get(&e, "n_train", 1)[0]);
    assert_int_equal(t.ntest, (size_t)get(&e, "n_test", 1)[0]);
    assert_int_equal(d, (int)get(&e, "d", 1)[0]);

    /* fold assignment, exactly */
    int *fold = malloc(t.ntrain * sizeof *fold);
    assert_int_equal(rsc_stratified_kfold(t.ytrain, t.ntrain, 3, fold, &err), 0);
    const double *want_fold = get(&e, "fold", t.ntrain);
    for (size_t i = 0; i < t.ntrain; i++)
        if (fold[i] != (int)want_fold[i])
            fail_msg("%s: row %zu in fold %d, scikit-learn %d", name, i, fold[i], (int)want_fold[i]);
    free(fold);

    /* the whole attack fit: scaler, CV, refit */
    rsc_mia_attack a;
    if (rsc_mia_attack_fit(&a, t.xtrain, t.ytrain, t.ntrain, d, rsc_mia_C_grid, RSC_MIA_N_C,
                           RSC_MIA_FOLDS, NULL, &err) != 0)
        fail_msg("%s: %s", name, err.msg);
    const double *mean = get(&e, "scaler_mean", t.d), *scale = get(&e, "scaler_scale", t.d);
    for (int j = 0; j < d; j++) {
        assert_true(fabs(a.scaler.mean[j] - mean[j]) <= 1e-13 * fmax(1, fabs(mean[j])));
        assert_true(fabs(a.scaler.scale[j] - scale[j]) <= 1e-13 * scale[j]);
    }
    for (int c = 0; c < RSC_MIA_N_C; c++) {
        snprintf(key, sizeof key, "cv_C%g", rsc_mia_C_grid[c]);
        const double *acc = get(&e, key, 3);
        for (int f = 0; f < 3; f++)
            if (a.cv.fold_acc[c][f] != acc[f])
                fail_msg("%s: C=%g fold %d: accuracy %.17g, scikit-learn %.17g", name,
                         rsc_mia_C_grid[c], f, a.cv.fold_acc[c][f], acc[f]);
        snprintf(key, sizeof key, "cv_mean_C%g", rsc_mia_C_grid[c]);
        assert_true(a.cv.mean_acc[c] == get(&e, key, 1)[0]);
    }
    double C = a.cv.C[a.cv.best];
    if (C != get(&e, "C_chosen", 1)[0])
        fail_msg("%s: chose C=%g, scikit-learn %g", name, C, get(&e, "C_chosen", 1)[0]);

    /* the refit model's test accuracy */
    double *score = malloc(t.ntest * sizeof *score);
    assert_int_equal(rsc_mia_attack_score(&a, t.xtest, t.ntest, score, &err), 0);
    size_t right = 0;
    for (size_t i = 0; i < t.ntest; i++)
        right += (score[i] > 0) == (t.ytest[i] == 1);
    assert_true((double)right / t.ntest == get(&e, "test_acc", 1)[0]);
    free(score);

    /* coefficients for every C on the whole standardised training set */
    double *xs = malloc(t.ntrain * t.d * sizeof *xs), coef[64];
    memcpy(xs, t.xtrain, t.ntrain * t.d * sizeof *xs);
    rsc_mia_scaler_apply(&a.scaler, xs, t.ntrain);
    double worst_exact = 0, worst_nc = 0, worst_lbfgs = 0;
    for (int c = 0; c < RSC_MIA_N_C; c++) {
        rsc_logreg_info info;
        double Cc = rsc_mia_C_grid[c];
        assert_int_equal(rsc_logreg_fit(xs, t.ytrain, t.ntrain, d, Cc, NULL, coef, &info, &err), 0);
        assert_true(info.grad_norm <= RSC_LOGREG_TOL);
        assert_int_equal(info.at_precision, 0);
        if (c == a.cv.best)
            for (int j = 0; j < D; j++)
                assert_true(coef[j] == a.coef[j]);
        snprintf(key, sizeof key, "exact_C%g", Cc);
        const double *ex = get(&e, key, (size_t)D);
        snprintf(key, sizeof key, "newton_cholesky_C%g", Cc);
        const double *nc = get(&e, key, (size_t)D);
        snprintf(key, sizeof key, "lbfgs_C%g", Cc);
        const double *lb = get(&e, key, (size_t)D);
        snprintf(key, sizeof key, "lbfgs_dev_C%g", Cc);
        double lb_tol = fmax(1e-6, 1.5 * get(&e, key, 1)[0]);
        for (int j = 0; j < D; j++) {
            double de = fabs(coef[j] - ex[j]), dn = fabs(coef[j] - nc[j]), dl = fabs(coef[j] - lb[j]);
            worst_exact = fmax(worst_exact, de);
            worst_nc = fmax(worst_nc, dn);
            worst_lbfgs = fmax(worst_lbfgs, dl);
            if (de > 1e-9 || dn > 1e-6 || dl > lb_tol)
                fail_msg("%s: C=%g coefficient %d: %.12g; numpy Newton %.12g, newton-cholesky "
                         "%.12g, lbfgs %.12g (tolerance %g)", name, Cc, j, coef[j], ex[j], nc[j],
                         lb[j], lb_tol);
        }
    }
    print_message("%s: max |coef - exact| %.2g, - sklearn newton-cholesky %.2g, - sklearn lbfgs %.2g; "
                  "C %g; cv %.4f %.4f %.4f %.4f\n", name, worst_exact, worst_nc, worst_lbfgs, C,
                  a.cv.mean_acc[0], a.cv.mean_acc[1], a.cv.mean_acc[2], a.cv.mean_acc[3]);
    free(xs);
    rsc_mia_attack_free(&a);
    free_expected(&e);
    free_table(&t);
}

static void test_fixture_small(void **state)
{
    (void)state;
    check_fixture("small");
}

static void test_fixture_logits(void **state)
{
    (void)state;
    check_fixture("logits");
}

static void test_fixture_separable(void **state)
{
    (void)state;
    check_fixture("separable");
}

/* ---- pooled vs mean of folds ---- */

/* 10 rows, one feature (found by make-mia-fixtures.py's search, checked
 * here by the fold counts; scikit-learn's GridSearchCV picks C = 10):
 *   x = 3 2 4 4 6 1 5 1 8 6,  y = 1 1 1 0 1 0 0 0 1 1
 * Folds (first label 1 is class 0; 6 ones, 4 zeros): sizes 4, 3, 3,
 *   fold = 0 0 1 0 1 0 1 2 2 2.
 * Rows right per fold:  C = 0.01, 0.1, 1: 2, 2, 2;  C = 10: 1, 2, 3.
 * Pooled: 6/10 for every C, so the pooled rule keeps C = 0.01; the mean of
 * the fold accuracies: (2/4 + 2/3 + 2/3) / 3 = 0.6111 for the first three,
 * (1/4 + 2/3 + 3/3) / 3 = 0.6389 for C = 10, which the mean rule picks.
 * (A case where the rules prefer different C strictly does not exist:
 * StratifiedKFold's fold sizes differ by at most one row, and then a gain
 * in pooled count is never a loss in mean accuracy; see the generator.) */
static void test_pooled_vs_mean(void **state)
{
    (void)state;
    double x[] = {3, 2, 4, 4, 6, 1, 5, 1, 8, 6};
    uint8_t y[] = {1, 1, 1, 0, 1, 0, 0, 0, 1, 1};
    const int want_fold[] = {0, 0, 1, 0, 1, 0, 1, 2, 2, 2};
    rsc_error err;
    int fold[10];
    assert_int_equal(rsc_stratified_kfold(y, 10, 3, fold, &err), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(fold[i], want_fold[i]);
    rsc_mia_attack a;
    assert_int_equal(rsc_mia_attack_fit(&a, x, y, 10, 1, rsc_mia_C_grid, RSC_MIA_N_C, 3, NULL, &err), 0);
    const double sizes[3] = {4, 3, 3};
    const int right[4][3] = {{2, 2, 2}, {2, 2, 2}, {2, 2, 2}, {1, 2, 3}};
    for (int c = 0; c < 4; c++)
        for (int f = 0; f < 3; f++)
            assert_true(a.cv.fold_acc[c][f] == right[c][f] / sizes[f]);
    assert_int_equal(a.cv.best, 3);
    assert_true(a.cv.C[a.cv.best] == 10);
    rsc_mia_attack_free(&a);
}

/* ---- fold assignment ---- */

/* The numbering by first appearance matters: with four 0s and five 1s,
 * label 0 gets 2, 1, 1 rows in folds 0, 1, 2 when a 0 comes first, but
 * 1, 1, 2 when a 1 comes first.  Each label's rows fill the folds in
 * order.  (Expected ids from scikit-learn 1.2.1's StratifiedKFold(3).) */
static void test_kfold_order(void **state)
{
    (void)state;
    rsc_error err;
    int fold[10];
    uint8_t a[] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
    const int fa[] = {0, 0, 1, 2, 0, 1, 1, 2, 2};
    assert_int_equal(rsc_stratified_kfold(a, 9, 3, fold, &err), 0);
    for (int i = 0; i < 9; i++)
        assert_int_equal(fold[i], fa[i]);
    uint8_t b[] = {1, 0, 0, 0, 0, 1, 1, 1, 1};
    const int fb[] = {0, 0, 1, 2, 2, 0, 1, 1, 2};
    assert_int_equal(rsc_stratified_kfold(b, 9, 3, fold, &err), 0);
    for (int i = 0; i < 9; i++)
        assert_int_equal(fold[i], fb[i]);
    uint8_t c[] = {1, 0, 1, 0, 1, 0, 1, 1, 1, 0};
    const int fc[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    assert_int_equal(rsc_stratified_kfold(c, 10, 3, fold, &err), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(fold[i], fc[i]);
}

/* ---- the optimum itself ---- */

/* At the returned coefficients the gradient of f, recomputed here in long
 * double, is below the tolerance; and f is lower there than at nearby
 * points. */
static long double objective_ld(const double *x, const uint8_t *y, size_t n, int d, double C,
                                const double *coef, long double *g)
{
    long double f = 0;
    for (int j = 0; j <= d; j++)
        g[j] = j < d ? coef[j] : 0;
    for (size_t i = 0; i < n; i++) {
        long double z = coef[d];
        for (int j = 0; j < d; j++)
            z += (long double)coef[j] * x[i * d + j];
        long double t = y[i] ? 1 : -1;
        f += C * log1pl(expl(-t * z));
        long double r = C * (1 / (1 + expl(-z)) - y[i]);
        for (int j = 0; j < d; j++)
            g[j] += r * x[i * d + j];
        g[d] += r;
    }
    for (int j = 0; j < d; j++)
        f += 0.5L * coef[j] * coef[j];
    return f;
}

/* ||grad f|| in long double at coef (f itself returned through *f) */
static long double grad_norm_ld(const double *x, const uint8_t *y, size_t n, int d, double C,
                                const double *coef, long double *f)
{
    long double g[16], gs = 0;
    long double fv = objective_ld(x, y, n, d, C, coef, g);
    for (int j = 0; j <= d; j++)
        gs += g[j] * g[j];
    if (f)
        *f = fv;
    return sqrtl(gs);
}

/* n rows, d features: every third row has label 1; the first two features
 * are shifted by +-sep with the label, all have N(0, 1) noise */
static void make_data(double *x, uint8_t *y, size_t n, int d, double sep, unsigned seed)
{
    rsc_rng r;
    rsc_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        y[i] = (uint8_t)(i % 3 == 0);
        for (int j = 0; j < d; j++)
            x[i * d + j] = rsc_rng_normal(&r) + (j < 2 ? (y[i] ? sep : -sep) : 0);
    }
}

static void test_optimality(void **state)
{
    (void)state;
    enum { N = 600, Dm = 4 };
    static double x[N * Dm];
    static uint8_t y[N];
    make_data(x, y, N, Dm, 0.3, 1);
    rsc_error err;
    for (double C = 0.01; C <= 100; C *= 10) {
        double coef[Dm + 1];
        rsc_logreg_info info;
        assert_int_equal(rsc_logreg_fit(x, y, N, Dm, C, NULL, coef, &info, &err), 0);
        long double f, gn = grad_norm_ld(x, y, N, Dm, C, coef, &f);
        if (!(gn <= 1e-8))
            fail_msg("C=%g: gradient norm %Lg", C, gn);
        assert_true(info.iterations >= 1 && info.iterations <= 20);
        assert_true(fabs(info.objective - (double)f) <= 1e-12 * (double)f);
        for (int j = 0; j <= Dm; j++)
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                double c2[Dm + 1];
                memcpy(c2, coef, sizeof c2);
                c2[j] += sgn * 1e-3;
                long double g2[Dm + 1];
                assert_true(objective_ld(x, y, N, Dm, C, c2, g2) > f);
            }
        /* a warm start from the optimum takes no step */
        rsc_logreg_opts warm = rsc_logreg_defaults();
        warm.warm = 1;
        double best[Dm + 1];
        memcpy(best, coef, sizeof best);
        assert_int_equal(rsc_logreg_fit(x, y, N, Dm, C, &warm, coef, &info, &err), 0);
        assert_int_equal(info.iterations, 0);
        /* a tolerance no computed gradient reaches: the machine-precision
         * rule stops the fit, at the same optimum */
        rsc_logreg_opts strict = rsc_logreg_defaults();
        strict.tol = 1e-300;
        double prec[Dm + 1];
        assert_int_equal(rsc_logreg_fit(x, y, N, Dm, C, &strict, prec, &info, &err), 0);
        assert_int_equal(info.at_precision, 1);
        assert_true(info.iterations <= 25);
        /* best is within ||g|| / lambda_min(H) <= 1e-8 of the optimum
         * (lambda_min >= 1, the L2 term); prec is closer still */
        long double gp = grad_norm_ld(x, y, N, Dm, C, prec, NULL);
        print_message("C=%g: %d steps to gradient %.2Lg at machine precision (%.2Lg at tol)\n", C,
                      info.iterations, gp, gn);
        assert_true(gp <= fmaxl(gn, 1e-12L));
        for (int j = 0; j <= Dm; j++)
            assert_true(fabs(prec[j] - best[j]) <= 1e-8);
        /* A start so far away that sigma(z) sigma(-z) underflows to 0 on
         * every row: the intercept's Hessian is 0 and the Cholesky
         * factorisation fails; the added multiple of the identity still
         * gives a descent direction, and the fit reaches the optimum. */
        double far[Dm + 1] = {1e4, -1e4, 1e4, -1e4, 5e3};
        assert_int_equal(rsc_logreg_fit(x, y, N, Dm, C, &warm, far, &info, &err), 0);
        for (int j = 0; j <= Dm; j++)
            if (!(fabs(far[j] - best[j]) <= 1e-8))
                fail_msg("C=%g: from far away coefficient %d is %.12g, from zero %.12g", C, j,
                         far[j], best[j]);
    }
}

/* Perfectly separable data: without the L2 term there is no optimum; with
 * it the fit converges at every C, also with far-apart classes and C = 1e4,
 * and separates the data. */
static void test_separable(void **state)
{
    (void)state;
    enum { N = 300, Dm = 3 };
    static double x[N * Dm];
    static uint8_t y[N];
    make_data(x, y, N, Dm, 5, 2);
    rsc_error err;
    const double Cs[] = {0.01, 10, 1e4};
    for (int c = 0; c < 3; c++) {
        double coef[Dm + 1];
        rsc_logreg_info info;
        if (rsc_logreg_fit(x, y, N, Dm, Cs[c], NULL, coef, &info, &err) != 0)
            fail_msg("C=%g: %s", Cs[c], err.msg);
        assert_true(info.grad_norm <= RSC_LOGREG_TOL || info.at_precision);
        assert_true(rsc_logreg_accuracy(coef, x, y, N, Dm) == 1.0);
        /* the gradient's rounding grows with C: 1e-8 relative to C */
        long double gn = grad_norm_ld(x, y, N, Dm, Cs[c], coef, NULL);
        if (!(gn <= 1e-8 * fmax(1, Cs[c])))
            fail_msg("C=%g: gradient norm %Lg", Cs[c], gn);
        print_message("separable, C=%g: %d Newton steps, gradient norm %.2g (long double %.2Lg)%s, "
                      "|w| %.3g\n", Cs[c], info.iterations, info.grad_norm, gn,
                      info.at_precision ? " at machine precision" : "", sqrt(coef[0] * coef[0] + coef[1] * coef[1]));
    }
    /* a feature that repeats another (singular X^T X): the L2 term still
     * gives a unique optimum, with equal weights on the two copies */
    static double x2[N * 2];
    for (int i = 0; i < N; i++)
        x2[2 * i] = x2[2 * i + 1] = x[i * Dm];
    double coef[3];
    assert_int_equal(rsc_logreg_fit(x2, y, N, 2, 1.0, NULL, coef, NULL, &err), 0);
    assert_true(fabs(coef[0] - coef[1]) <= 1e-10 * fabs(coef[0]));
}

/* ---- errors ---- */

static void test_errors(void **state)
{
    (void)state;
    rsc_error err;
    double x[] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t y[] = {0, 1, 0, 1, 0, 1, 0, 1};
    uint8_t one[] = {1, 1, 1, 1, 1, 1, 1, 1};
    double coef[2];
    assert_int_equal(rsc_logreg_fit(x, y, 8, 1, 0, NULL, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: C = 0 (must be positive and finite)");
    assert_int_equal(rsc_logreg_fit(x, y, 8, 1, INFINITY, NULL, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: C = inf (must be positive and finite)");
    assert_int_equal(rsc_logreg_fit(x, one, 8, 1, 1, NULL, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: only label 1 among the 8 rows (need both 0 and 1)");
    uint8_t y2[] = {0, 1, 2, 1, 0, 1, 0, 1};
    assert_int_equal(rsc_logreg_fit(x, y2, 8, 1, 1, NULL, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: row 3: label 2 (must be 0 or 1)");
    double xn[] = {1, 2, 3, NAN, 5, 6, 7, 8};
    assert_int_equal(rsc_logreg_fit(xn, y, 4, 2, 1, NULL, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: row 2, feature 2 is NaN");
    assert_int_equal(rsc_logreg_fit(x, y, 8, 0, 1, NULL, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: no features");
    rsc_logreg_opts o = rsc_logreg_defaults();
    o.max_iter = 0;
    assert_int_equal(rsc_logreg_fit(x, y, 8, 1, 1, &o, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: bad options (tol 1e-08, max_iter 0)");
    /* one Newton step from zero does not reach 1e-8 */
    o.max_iter = 1;
    assert_int_equal(rsc_logreg_fit(x, y, 8, 1, 1, &o, coef, NULL, &err), -1);
    assert_true(strncmp(err.msg, "logistic regression (C=1): no convergence in 1 Newton steps "
                                 "(gradient norm ", 75) == 0);
    o = rsc_logreg_defaults();
    o.warm = 1;
    coef[0] = NAN;
    assert_int_equal(rsc_logreg_fit(x, y, 8, 1, 1, &o, coef, NULL, &err), -1);
    assert_string_equal(err.msg, "logistic regression: starting coefficient 1 is not finite");

    int fold[8];
    assert_int_equal(rsc_stratified_kfold(one, 8, 3, fold, &err), -1);
    assert_string_equal(err.msg, "cross-validation: no row has label 0 (need both 0 and 1)");
    uint8_t few[] = {0, 0, 1, 1, 1, 1, 1, 1};
    assert_int_equal(rsc_stratified_kfold(few, 8, 3, fold, &err), -1);
    assert_string_equal(err.msg, "cross-validation: label 0 has 2 rows, fewer than the 3 folds");
    assert_int_equal(rsc_stratified_kfold(y, 8, 1, fold, &err), -1);
    assert_string_equal(err.msg, "cross-validation: 1 folds (must be 2 to 16)");
    assert_int_equal(rsc_stratified_kfold(y2, 8, 3, fold, &err), -1);
    assert_string_equal(err.msg, "cross-validation: row 3: label 2 (must be 0 or 1)");

    rsc_cv_result res;
    const double badC[] = {1, -1};
    assert_int_equal(rsc_cv_logreg(x, y, 8, 1, badC, 2, 3, &res, NULL, &err), -1);
    assert_string_equal(err.msg, "cross-validation: C = -1 (must be positive and finite)");
    assert_int_equal(rsc_cv_logreg(x, y, 8, 1, badC, 0, 3, &res, NULL, &err), -1);
    assert_string_equal(err.msg, "cross-validation: 0 values of C (must be 1 to 16)");

    /* the whole attack: each failing step's message */
    rsc_mia_attack a;
    double xc[] = {1, 5, 2, 5, 3, 5, 4, 5, 5, 5, 6, 5, 7, 5, 8, 5};
    const char *names[] = {"sorted logit 1", "correct"};
    assert_int_equal(rsc_mia_attack_fit(&a, xc, y, 8, 2, rsc_mia_C_grid, 4, 3, names, &err), -1);
    assert_string_equal(err.msg, "feature 2 (correct) is constant over the attack training set");
    assert_null(a.coef);
    assert_int_equal(rsc_mia_attack_fit(&a, x, one, 8, 1, rsc_mia_C_grid, 4, 3, NULL, &err), -1);
    assert_string_equal(err.msg, "cross-validation: no row has label 0 (need both 0 and 1)");
    assert_int_equal(rsc_mia_attack_fit(&a, x, few, 8, 1, rsc_mia_C_grid, 4, 3, NULL, &err), -1);
    assert_string_equal(err.msg, "cross-validation: label 0 has 2 rows, fewer than the 3 folds");
    assert_int_equal(rsc_mia_attack_fit(&a, xn, y, 4, 2, rsc_mia_C_grid, 4, 3, NULL, &err), -1);
    assert_string_equal(err.msg, "attack training set: row 2, feature 2 is NaN");
    /* scoring a NaN row */
    assert_int_equal(rsc_mia_attack_fit(&a, x, y, 8, 1, rsc_mia_C_grid, 4, 2, NULL, &err), 0);
    double s[2], xs[] = {1, NAN};
    assert_int_equal(rsc_mia_attack_score(&a, xs, 2, s, &err), -1);
    assert_string_equal(err.msg, "row 2, feature 1 is NaN");
    rsc_mia_attack_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_small),
        cmocka_unit_test(test_fixture_logits),
        cmocka_unit_test(test_fixture_separable),
        cmocka_unit_test(test_pooled_vs_mean),
        cmocka_unit_test(test_kfold_order),
        cmocka_unit_test(test_optimality),
        cmocka_unit_test(test_separable),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
