/* test-theory-sim.c - the finite-sample simulation (libcommon/theory/simulation.c)
 * agrees with Theorem 1's closed forms within a tolerance derived from N
 * and the number of trials, with a fixed seed; it is deterministic; and it
 * is sharp enough to reject the formula printed in the paper.
 *
 * Tolerance for each quantity f (a, b, beta0, clean and spurious accuracy,
 * PD), mean of T trials at N training examples in dimension d:
 *
 *   |mean_T - f(theta*)| <= |mean_T - E_N f| + |E_N f - f(theta*)|
 *
 * 1. Sampling error: mean_T is an average of T independent trials (each
 *    with its own training set and its own M test draws, so the binomial
 *    noise of the test accuracy is included); with SE = sd / sqrt(T)
 *    estimated from the trials, 4 SE bounds the first term except with
 *    probability below 1e-3 (Student t, 19 degrees of freedom).
 * 2. Finite-sample bias, two parts:
 *    (a) the number of spurious examples is random: the empirical gamma
 *        has variance Var = 4 (gamma/2)(1 - gamma/2) / N = gamma (2 -
 *        gamma) / N, and a second-order Taylor expansion gives the bias
 *        f''(gamma) Var / 2 (f'' by central differences of the closed
 *        form);
 *    (b) estimating d + 1 coefficients from N examples: writing the fit
 *        as theta_hat - theta* = -M_hat^-1 e (e the mean of z r, zero mean),
 *        its bias is M^-1 E[(M_hat - M) M^-1 e] + O(N^-2) and the curvature
 *        of the accuracies adds tr(Hessian Cov(theta_hat)) / 2, both
 *        O((d + 1) / N).  We bound them by 1 * (d + 1) / N: measured with
 *        4000 trials at N = 100, d = 4, gamma = 0.5, lambda in {0, 1}, the
 *        largest bias of any of the six quantities was 0.0090 = 0.18 (d +
 *        1) / N, a margin of 5.
 *    tol = 4 SE + |f''(gamma)| gamma (2 - gamma) / (2 N) + (d + 1) / N. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "theory/theory.h"
#include "theory/simulation.h"

enum { Q_A, Q_B, Q_BETA0, Q_CLEAN, Q_SPUR, Q_PD, NQ };
static const char *const qname[NQ] = {"a", "b", "beta0", "clean_acc", "spurious_acc", "pd"};

static void closed(const rsc_theory_params *p, double gamma, double out[NQ])
{
    rsc_theory_params q = *p;
    rsc_theory_result r;
    q.gamma = gamma;
    assert_int_equal(rsc_theory_solve(&q, &r, NULL), 0);
    out[Q_A] = r.a;
    out[Q_B] = r.b;
    out[Q_BETA0] = r.beta0;
    out[Q_CLEAN] = r.clean_acc;
    out[Q_SPUR] = r.spurious_acc;
    out[Q_PD] = r.pd;
}

static void sim_values(const rsc_theory_sim_result *s, rsc_theory_stat out[NQ])
{
    out[Q_A] = s->a;
    out[Q_B] = s->b;
    out[Q_BETA0] = s->beta0;
    out[Q_CLEAN] = s->clean_acc;
    out[Q_SPUR] = s->spurious_acc;
    out[Q_PD] = s->pd;
}

/* The tolerance of the header comment, per quantity. */
static void tolerance(const rsc_theory_params *p, const rsc_theory_sim_opts *o,
                      const rsc_theory_stat st[NQ], double tol[NQ])
{
    double h = 1e-3, g = p->gamma;
    double c = fmin(fmax(g, h), 1 - h);    /* centre the stencil inside [0, 1] */
    double lo[NQ], mid[NQ], hi[NQ];
    closed(p, c - h, lo);
    closed(p, c, mid);
    closed(p, c + h, hi);
    double var_gamma = g * (2 - g) / (double)o->n_train;
    for (int k = 0; k < NQ; k++) {
        double f2 = (hi[k] - 2 * mid[k] + lo[k]) / (h * h);
        tol[k] = 4 * st[k].se + 0.5 * fabs(f2) * var_gamma + (double)(o->dim + 1) / (double)o->n_train;
    }
}

static void test_agreement(void **state)
{
    (void)state;
    const rsc_theory_params pts[] = {
        {0.1, 0, 1, 5, 0.5, 0.1, 0, 0},
        {0.3, 1, 1, 5, 0.5, 0.1, 0.1, 0},
        {0.05, 0.1, 1, 5, 0.5, 0.1, 0.2, 1},
        {0.5, 10, 2, 3, 1, 0.5, 0, 0},
        {0, 0.5, 1, 5, 0.5, 0.1, 0, 0},
        {1, 0.01, 0.5, 2, 0.3, 0.2, 0.05, 0},
    };
    const rsc_theory_sim_opts o = {20000, 6, 20, 20000, 2024};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        rsc_theory_sim_result s;
        rsc_error err;
        assert_int_equal(rsc_theory_simulate(&pts[i], &o, &s, &err), 0);
        double want[NQ], tol[NQ];
        rsc_theory_stat got[NQ];
        closed(&pts[i], pts[i].gamma, want);
        sim_values(&s, got);
        tolerance(&pts[i], &o, got, tol);
        for (int k = 0; k < NQ; k++) {
            assert_true(got[k].se > 0 && isfinite(got[k].se));
            if (!(fabs(got[k].mean - want[k]) <= tol[k]))
                fail_msg("point %zu, %s: simulated %.6g (SE %.2g), closed form %.6g, tolerance %.3g",
                         i, qname[k], got[k].mean, got[k].se, want[k], tol[k]);
        }
    }
}

/* The same check rejects the PD printed in Theorem 1 (its ||x_sp||^2
 * factor applied to all three terms): the test can fail. */
static void test_rejects_printed_formula(void **state)
{
    (void)state;
    rsc_theory_params p = {0.1, 0, 1, 5, 0.5, 0.1, 0, 0};
    const rsc_theory_sim_opts o = {20000, 6, 20, 20000, 2024};
    rsc_theory_sim_result s;
    assert_int_equal(rsc_theory_simulate(&p, &o, &s, NULL), 0);
    double want[NQ], tol[NQ];
    rsc_theory_stat got[NQ];
    closed(&p, p.gamma, want);
    sim_values(&s, got);
    tolerance(&p, &o, got, tol);
    double g = 0.05, A = 0.5, B = 0.1, S = 5;
    double printed_pd = g * A * S / (A * B + (B + g * (1 - g) * A + g * (1 - 0.1) * S) * S);
    assert_true(fabs(got[Q_PD].mean - printed_pd) > 10 * tol[Q_PD]);
    assert_true(fabs(got[Q_PD].mean - want[Q_PD]) <= tol[Q_PD]);
}

/* Same seed, same numbers; another seed, other numbers; one trial has no
 * standard error. */
static void test_deterministic(void **state)
{
    (void)state;
    rsc_theory_params p = {0.2, 0.5, 1, 5, 0.5, 0.1, 0.1, 0};
    rsc_theory_sim_opts o = {500, 4, 3, 500, 7};
    rsc_theory_sim_result s1, s2, s3;
    assert_int_equal(rsc_theory_simulate(&p, &o, &s1, NULL), 0);
    assert_int_equal(rsc_theory_simulate(&p, &o, &s2, NULL), 0);
    assert_memory_equal(&s1, &s2, sizeof s1);
    o.seed = 8;
    assert_int_equal(rsc_theory_simulate(&p, &o, &s3, NULL), 0);
    assert_true(s3.pd.mean != s1.pd.mean && s3.clean_acc.mean != s1.clean_acc.mean);
    o.trials = 1;
    assert_int_equal(rsc_theory_simulate(&p, &o, &s3, NULL), 0);
    assert_true(isnan(s3.pd.se) && isfinite(s3.pd.mean));
}

/* Fewer examples than coefficients and no ridge: singular normal
 * equations, reported; bad options refused. */
static void test_errors(void **state)
{
    (void)state;
    rsc_theory_params p = {0.2, 0, 1, 5, 0.5, 0.1, 0, 0};
    rsc_theory_sim_opts o = {5, 20, 1, 10, 0};
    rsc_theory_sim_result s;
    rsc_error err;
    assert_int_equal(rsc_theory_simulate(&p, &o, &s, &err), -1);
    assert_non_null(strstr(err.msg, "normal equations"));
    assert_non_null(strstr(err.msg, "not positive definite"));
    p.lambda = 0.1;     /* ridge makes it solvable */
    assert_int_equal(rsc_theory_simulate(&p, &o, &s, &err), 0);
    o.dim = 1;
    assert_int_equal(rsc_theory_simulate(&p, &o, &s, &err), -1);
    p.var_sp = -1;
    o.dim = 4;
    assert_int_equal(rsc_theory_simulate(&p, &o, &s, &err), -1);
    assert_non_null(strstr(err.msg, "--var-sp"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agreement),
        cmocka_unit_test(test_rejects_printed_formula),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
