/* test-theory.c - Theorem 1 (libcommon/theory/theory.c): the closed forms against
 * the direct 3x3 solve, hand-computed rational values, the limits gamma = 0
 * and lambda -> infinity, the documented accuracy formulas, the critical
 * gamma, parameter checking, and the Cholesky solver. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "theory/cholesky.h"
#include "core/rng.h"
#include "theory/theory.h"

static rsc_theory_params P(double gamma, double lambda, double I, double S, double vi, double vs,
                           double noise)
{
    rsc_theory_params p = {gamma, lambda, I, S, vi, vs, noise, 0};
    return p;
}

static double Phi(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want))))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

/* Residuals of the three stationarity equations of App. D.4. */
static void stationarity(const rsc_theory_params *p, const rsc_theory_result *r, double res[3])
{
    double g = p->gamma / 2, I = p->inv_norm2, S = p->sp_norm2;
    double A = p->var_inv + p->noise_var + p->lambda, B = p->var_sp + p->noise_var + p->lambda;
    res[0] = r->a * A + r->a * I + g * S * r->b - 1;
    res[1] = r->b * B + g * (r->a * I + r->b * S + r->beta0 - 1);
    res[2] = g * S * r->b + r->beta0;
}

/* A random point: log-uniform norms and lambda, variances with zeros and
 * gamma with its end points now and then. */
static rsc_theory_params random_point(rsc_rng *rng)
{
    double u = rsc_rng_double(rng);
    rsc_theory_params p;
    p.gamma = u < 0.05 ? 0 : u < 0.1 ? 1 : rsc_rng_double(rng);
    p.lambda = rsc_rng_double(rng) < 0.2 ? 0 : pow(10, -3 + 6 * rsc_rng_double(rng));
    p.inv_norm2 = pow(10, -2 + 4 * rsc_rng_double(rng));
    p.sp_norm2 = pow(10, -2 + 4 * rsc_rng_double(rng));
    p.var_inv = 0.01 + 3 * rsc_rng_double(rng);
    p.var_sp = rsc_rng_double(rng) < 0.1 ? 0 : 3 * rsc_rng_double(rng);
    p.noise_var = rsc_rng_double(rng) < 0.5 ? 0 : rsc_rng_double(rng);
    p.noise_train_only = rsc_rng_double(rng) < 0.3;
    return p;
}

/* Closed forms = Gaussian elimination of the 3x3 system, to 1e-10, at
 * 20000 random points; and both satisfy the stationarity equations. */
static void test_closed_vs_direct(void **state)
{
    (void)state;
    rsc_rng rng;
    rsc_rng_derive(&rng, 12345, RSC_RNG_SIM);
    int singular = 0;
    for (int i = 0; i < 20000; i++) {
        rsc_theory_params p = random_point(&rng);
        rsc_theory_result r;
        rsc_error err;
        double x[3], res[3];
        assert_int_equal(rsc_theory_solve(&p, &r, &err), 0);
        if (rsc_theory_solve_direct(&p, x, &err) != 0) {
            /* only where the determinant is zero: no ridge, nothing
             * along x_sp (var_inv >= 0.01 rules out gamma = 1) */
            assert_true(p.lambda == 0 && p.var_sp + p.noise_var == 0 && p.gamma == 0);
            assert_true(r.b == 0 && r.beta0 == 0);
            singular++;
            continue;
        }
        assert_close(r.a, x[0], 1e-10);
        assert_close(r.b, x[1], 1e-10);
        assert_close(r.beta0, x[2], 1e-10);
        assert_close(r.pd, x[1] * p.sp_norm2, 1e-10);
        stationarity(&p, &r, res);
        double scale = 1 + p.inv_norm2 + p.sp_norm2 + p.lambda + p.var_inv + p.var_sp + p.noise_var;
        for (int k = 0; k < 3; k++)
            assert_true(fabs(res[k]) <= 1e-13 * scale);
    }
    assert_true(singular < 40);   /* about 20000 * 0.05 * 0.2 * 0.1 * 0.5 = 10 */
}

/* The paper's printed b (Theorem 1 / Eq. 2) differs from the solution:
 * its ||x_sp||^2 factor belongs to two of the three terms only. */
static void test_printed_formula_is_wrong(void **state)
{
    (void)state;
    rsc_theory_params p = P(0.1, 0, 1, 5, 0.5, 0.1, 0);
    rsc_theory_result r;
    assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
    double g = 0.05, A = 0.5, B = 0.1, S = 5;
    double printed = g * A / (A * B + (B + g * (1 - g) * A + g * (1 - 0.1) * S) * S);
    assert_true(fabs(printed - r.b) > 0.01);
}

/* gamma = 0.1, lambda = 0, ||x_inv||^2 = 1, ||x_sp||^2 = 5, variances 0.5
 * and 0.1 by hand from App. D.4: g = 1/20, D = 0.49375 = 79/160,
 * a = 0.325/D = 52/79, b = 0.025/D = 4/79, beta0 = -gSb = -1/79,
 * PD = 20/79.  With input noise 0.25: A = 0.75, B = 0.35, D = 0.2625 +
 * 0.35 + 0.178125 + 0.225 = 65/64, a = 0.575/D, b = 0.0375/D. */
static void test_exact_values(void **state)
{
    (void)state;
    rsc_theory_params p = P(0.1, 0, 1, 5, 0.5, 0.1, 0);
    rsc_theory_result r;
    assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
    assert_close(r.a, 52.0 / 79, 1e-15);
    assert_close(r.b, 4.0 / 79, 1e-15);
    assert_close(r.beta0, -1.0 / 79, 1e-15);
    assert_close(r.pd, 20.0 / 79, 1e-15);
    /* s^2 = a^2 0.5 + b^2 0.1 * 5 = (52^2 * 0.5 + 16 * 0.5) / 79^2 */
    double s = sqrt(52.0 * 52 * 0.5 + 16 * 0.5) / 79;
    assert_close(r.clean_acc, 0.5 * Phi((52.0 - 1) / 79 / s) + 0.5 * Phi((52.0 + 1) / 79 / s), 1e-15);
    assert_close(r.spurious_acc, Phi((52.0 - 20 + 1) / 79 / s), 1e-15);

    p.noise_var = 0.25;
    assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
    assert_close(r.a, 0.575 * 64 / 65, 1e-15);
    assert_close(r.b, 0.0375 * 64 / 65, 1e-15);
    /* the noise is the same as raising both variances */
    rsc_theory_params q = P(0.1, 0, 1, 5, 0.75, 0.35, 0);
    rsc_theory_result rq;
    assert_int_equal(rsc_theory_solve(&q, &rq, NULL), 0);
    assert_true(r.a == rq.a && r.b == rq.b && r.clean_acc == rq.clean_acc && r.spurious_acc == rq.spurious_acc);
    /* noise only in training: same solution, clean test variances */
    p.noise_train_only = 1;
    rsc_theory_result rt;
    assert_int_equal(rsc_theory_solve(&p, &rt, NULL), 0);
    assert_true(rt.a == r.a && rt.b == r.b && rt.beta0 == r.beta0);
    double st = sqrt(rt.a * rt.a * 0.5 + rt.b * rt.b * 0.1 * 5);
    assert_close(rt.spurious_acc, Phi((rt.a - rt.b * 5 - rt.beta0) / st), 1e-15);
    assert_true(rt.clean_acc > r.clean_acc);
}

/* gamma = 0: no spurious weight, PD = 0, and the accuracy of the
 * unperturbed problem Phi(||x_inv|| / sigma_inv) on both test sets. */
static void test_gamma_zero(void **state)
{
    (void)state;
    rsc_theory_params p = P(0, 0, 1, 5, 0.5, 0.1, 0);
    rsc_theory_result r;
    assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
    assert_true(r.b == 0 && r.pd == 0 && r.beta0 == 0 && !signbit(r.beta0));
    assert_close(r.a, 1 / 1.5, 1e-15);
    assert_close(r.clean_acc, 0.92135039647485740, 1e-15);   /* Phi(sqrt 2) */
    assert_true(r.spurious_acc == r.clean_acc);
    rsc_rng rng;
    rsc_rng_derive(&rng, 7, RSC_RNG_SIM);
    for (int i = 0; i < 1000; i++) {
        p = random_point(&rng);
        p.gamma = 0;
        assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
        double vt = p.var_inv + (p.noise_train_only ? 0 : p.noise_var);
        assert_true(r.pd == 0);
        assert_close(r.a, 1 / (p.var_inv + p.noise_var + p.lambda + p.inv_norm2), 1e-15);
        assert_close(r.clean_acc, Phi(sqrt(p.inv_norm2 / vt)), 1e-14);
        assert_close(r.spurious_acc, r.clean_acc, 1e-15);
    }
}

/* lambda -> infinity: lambda (a, b, beta0) -> (1, gamma/2, -gamma^2 S/4),
 * the mean-difference classifier E[yx] shifted by -E[x].beta; the
 * accuracies tend to that classifier's.  The error is O(1/lambda). */
static void test_lambda_infinity(void **state)
{
    (void)state;
    const double gs[] = {0.01, 0.1, 0.5, 1};
    for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) {
        double gam = gs[i], g = gam / 2, I = 1.5, S = 5, vi = 0.5, vs = 0.1;
        rsc_theory_params p = P(gam, 1e9, I, S, vi, vs, 0.2);
        rsc_theory_result r;
        assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
        assert_close(1e9 * r.a, 1, 1e-7);
        assert_close(1e9 * r.b, g, 1e-7);
        assert_close(1e9 * r.beta0, -g * g * S, 1e-7);
        assert_close(1e9 * r.pd, g * S, 1e-7);
        double s = sqrt((vi + 0.2) * I + g * g * (vs + 0.2) * S);
        assert_close(r.clean_acc, 0.5 * Phi((I - g * g * S) / s) + 0.5 * Phi((I + g * g * S) / s), 1e-7);
        assert_close(r.spurious_acc, Phi((I - g * S + g * g * S) / s), 1e-7);
    }
    /* and PD decreases in lambda along the way */
    double last = INFINITY;
    for (double lam = 0; lam <= 1e4; lam = lam ? lam * 2 : 0.01) {
        rsc_theory_params p = P(0.1, lam, 1, 5, 0.5, 0.1, 0);
        rsc_theory_result r;
        assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
        assert_true(r.pd < last);
        last = r.pd;
    }
}

/* The accuracy formulas as written in rsc-theory.1 (divided through by
 * b / g, with R = (g (1 - gamma) S + B) / A), for gamma > 0. */
static void test_documented_accuracy(void **state)
{
    (void)state;
    rsc_rng rng;
    rsc_rng_derive(&rng, 99, RSC_RNG_SIM);
    for (int i = 0; i < 2000; i++) {
        rsc_theory_params p = random_point(&rng);
        if (p.gamma == 0)
            p.gamma = 0.3;
        rsc_theory_result r;
        assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
        double g = p.gamma / 2, I = p.inv_norm2, S = p.sp_norm2;
        double A = p.var_inv + p.noise_var + p.lambda, B = p.var_sp + p.noise_var + p.lambda;
        double vi = p.var_inv + (p.noise_train_only ? 0 : p.noise_var);
        double vs = p.var_sp + (p.noise_train_only ? 0 : p.noise_var);
        double R = (g * (1 - p.gamma) * S + B) / A;
        double den = sqrt(R * R * I * vi + g * g * S * vs);
        if (den == 0)
            continue;
        double clean = 0.5 * Phi((R * I + g * g * S) / den) + 0.5 * Phi((R * I - g * g * S) / den);
        double spur = Phi((R * I + (g - 1) * g * S) / den);
        double pd = g * A * S / (A * B + (B + g * (1 - p.gamma) * S) * I + g * (1 - g) * A * S);
        assert_close(r.clean_acc, clean, 1e-12);
        assert_close(r.spurious_acc, spur, 1e-12);
        assert_close(r.pd, pd, 1e-12);
    }
}

/* lambda = 0 where the system is singular: the lambda -> 0+ limit, which
 * is continuous with small lambda; the direct solve refuses. */
static void test_singular_limit(void **state)
{
    (void)state;
    const rsc_theory_params pts[] = {
        P(0, 0, 1, 5, 0.5, 0, 0),   /* no variance, no signal along x_sp */
        P(1, 0, 1, 5, 0, 0, 0),     /* both classes are single points */
        P(0, 0, 2, 3, 0, 0, 0),
    };
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        rsc_theory_params p = pts[i], q = pts[i];
        rsc_theory_result r, rq;
        double x[3];
        rsc_error err;
        assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
        assert_int_equal(rsc_theory_solve_direct(&p, x, &err), -1);
        assert_non_null(strstr(err.msg, "singular"));
        q.lambda = 1e-10;
        assert_int_equal(rsc_theory_solve(&q, &rq, NULL), 0);
        assert_close(r.a, rq.a, 1e-8);
        assert_close(r.b, rq.b, 1e-8);
        assert_close(r.beta0, rq.beta0, 1e-8);
    }
    /* gamma = 1 without noise: +(x_inv, x_sp) vs -(x_inv, 0), minimum-norm
     * interpolation: a = 4 / (4I + S), b = 2 / (4I + S), beta0 = -5/9;
     * the clean positives lack x_sp and score -1/9: clean accuracy 1/2 */
    rsc_theory_result r;
    rsc_theory_params p = pts[1];
    assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
    assert_close(r.a, 4.0 / 9, 1e-15);
    assert_close(r.b, 2.0 / 9, 1e-15);
    assert_close(r.beta0, -5.0 / 9, 1e-15);
    assert_true(r.clean_acc == 0.5);   /* zero variance: deterministic scores */
    assert_true(r.spurious_acc == 0);  /* -aI + bS + beta0 = 1/9 > 0 */
}

/* --critical: the analytic points and the exact/numeric ones. */
static void test_critical(void **state)
{
    (void)state;
    rsc_theory_critical c;
    rsc_error err;
    rsc_theory_params p = P(0, 0, 1, 5, 0.5, 0.1, 0);
    assert_int_equal(rsc_theory_critical_gamma(&p, 0.5, 0.1, 0.9, &c, &err), 0);
    assert_close(c.gamma_pd, 0.04, 1e-15);              /* 2 * 0.1 / 5 */
    assert_close(c.gamma_acc, 0.08, 1e-15);             /* 0.04 * 1 / 0.5 */
    assert_close(c.gamma_crit, 0.04, 1e-15);
    rsc_theory_result r0, r1;
    /* PD'(0) = A S / (2 (A + I) B) = 2.5 / 0.3; PD(gamma_half) is half the
     * linear extrapolation */
    double slope = 2.5 / 0.3;
    rsc_theory_params q = p;
    q.gamma = 1e-7;
    assert_int_equal(rsc_theory_solve(&q, &r0, NULL), 0);
    assert_close(r0.pd / 1e-7, slope, 1e-5);
    q.gamma = c.gamma_half;
    assert_int_equal(rsc_theory_solve(&q, &r1, NULL), 0);
    assert_close(r1.pd, 0.5 * slope * c.gamma_half, 1e-12);
    assert_true(c.gamma_half > 0.04 && c.gamma_half < 0.045);  /* near 2B/S */
    q.gamma = 0.5;
    assert_int_equal(rsc_theory_solve(&q, &r1, NULL), 0);
    assert_true(c.pd_ref == r1.pd);
    q.gamma = c.gamma_lo;
    assert_int_equal(rsc_theory_solve(&q, &r0, NULL), 0);
    assert_close(r0.pd, 0.1 * c.pd_ref, 1e-12);
    q.gamma = c.gamma_hi;
    assert_int_equal(rsc_theory_solve(&q, &r0, NULL), 0);
    assert_close(r0.pd, 0.9 * c.pd_ref, 1e-12);
    assert_close(c.width, c.gamma_hi - c.gamma_lo, 1e-15);

    /* strong regularisation: linear throughout, no gamma_half */
    p.lambda = 10;
    assert_int_equal(rsc_theory_critical_gamma(&p, 0.5, 0.1, 0.9, &c, &err), 0);
    assert_true(isnan(c.gamma_half));
    assert_close(c.gamma_crit, 2 * 10.1 * 1 / (10.5 * 5), 1e-15);
    /* no variance along x_sp at lambda = 0: PD jumps at gamma = 0 */
    p.lambda = 0;
    p.var_sp = 0;
    assert_int_equal(rsc_theory_critical_gamma(&p, 0.5, 0.1, 0.9, &c, &err), 0);
    assert_true(c.gamma_half == 0 && c.gamma_crit == 0 && c.gamma_lo == 0);
    /* pd_ref = 0 (var_inv = 0: x_inv alone is perfect): no width */
    p = P(0, 0, 1, 5, 0, 0.1, 0);
    assert_int_equal(rsc_theory_critical_gamma(&p, 0.5, 0.1, 0.9, &c, &err), 0);
    assert_true(c.pd_ref == 0 && isnan(c.width) && isinf(c.gamma_acc));
    assert_int_equal(rsc_theory_critical_gamma(&p, 0, 0.1, 0.9, &c, &err), -1);
    assert_non_null(strstr(err.msg, "--gamma-ref"));
}

/* PD grows with gamma (the width definition relies on it). */
static void test_pd_monotone(void **state)
{
    (void)state;
    rsc_rng rng;
    rsc_rng_derive(&rng, 3, RSC_RNG_SIM);
    for (int i = 0; i < 500; i++) {
        rsc_theory_params p = random_point(&rng);
        double last = -1;
        for (int k = 0; k <= 100; k++) {
            rsc_theory_result r;
            p.gamma = k / 100.0;
            assert_int_equal(rsc_theory_solve(&p, &r, NULL), 0);
            assert_true(r.pd > last || (k == 0 && r.pd == 0));
            last = r.pd;
        }
    }
}

static void test_check(void **state)
{
    (void)state;
    const struct { rsc_theory_params p; const char *opt; } bad[] = {
        {P(-0.1, 0, 1, 5, 0.5, 0.1, 0), "--gamma"},
        {P(1.5, 0, 1, 5, 0.5, 0.1, 0), "--gamma"},
        {P(0.1, -1, 1, 5, 0.5, 0.1, 0), "--lambda"},
        {P(0.1, 0, 0, 5, 0.5, 0.1, 0), "--inv-norm2"},
        {P(0.1, 0, 1, -5, 0.5, 0.1, 0), "--sp-norm2"},
        {P(0.1, 0, 1, 5, -0.5, 0.1, 0), "--var-inv"},
        {P(0.1, 0, 1, 5, 0.5, -1e-9, 0), "--var-sp"},
        {P(0.1, 0, 1, 5, 0.5, 0.1, -0.1), "--noise-var"},
        {P(NAN, 0, 1, 5, 0.5, 0.1, 0), "--gamma"},
        {P(0.1, INFINITY, 1, 5, 0.5, 0.1, 0), "--lambda"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rsc_error err;
        rsc_theory_result r;
        assert_int_equal(rsc_theory_check(&bad[i].p, &err), -1);
        assert_true(strncmp(err.msg, bad[i].opt, strlen(bad[i].opt)) == 0);
        assert_int_equal(rsc_theory_solve(&bad[i].p, &r, &err), -1);
    }
    rsc_theory_params ok = P(1, 0, 1e-300, 1e300, 0, 0, 0);
    assert_int_equal(rsc_theory_check(&ok, NULL), 0);
}

/* Cholesky: A = L L^T with a known L, and x known; singular refused. */
static void test_cholesky(void **state)
{
    (void)state;
    const double L[4][4] = {{2, 0, 0, 0}, {1, 3, 0, 0}, {-1, 0.5, 1, 0}, {0.25, -2, 1, 0.5}};
    const double x[4] = {1, -2, 0.5, 3};
    double A[16], b[4] = {0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0;
            for (int k = 0; k < 4; k++)
                s += L[i][k] * L[j][k];
            A[i * 4 + j] = s;
        }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            b[i] += A[i * 4 + j] * x[j];
    rsc_error err;
    assert_int_equal(rsc_cholesky_solve(A, b, 4, &err), 0);
    for (int i = 0; i < 4; i++) {
        assert_close(b[i], x[i], 1e-13);
        for (int j = 0; j <= i; j++)
            assert_close(A[i * 4 + j], L[i][j], 1e-14);
    }
    double S[9] = {1, 2, 3, 2, 4, 6, 3, 6, 10}, c[3] = {1, 1, 1};   /* rank 2 */
    assert_int_equal(rsc_cholesky_solve(S, c, 3, &err), -1);
    assert_non_null(strstr(err.msg, "pivot 2 of 3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_vs_direct),
        cmocka_unit_test(test_printed_formula_is_wrong),
        cmocka_unit_test(test_exact_values),
        cmocka_unit_test(test_gamma_zero),
        cmocka_unit_test(test_lambda_infinity),
        cmocka_unit_test(test_documented_accuracy),
        cmocka_unit_test(test_singular_limit),
        cmocka_unit_test(test_critical),
        cmocka_unit_test(test_pd_monotone),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_cholesky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
