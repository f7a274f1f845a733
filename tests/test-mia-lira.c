/* test-mia-lira.c - the likelihood-ratio attack (libcommon/mia/lira.c):
 * phi against closed forms, the fitted Gaussians and both scores against
 * the closed-form likelihood ratio on shadows built to have exactly known
 * means and variances, the statistical behaviour on sampled Gaussian phi
 * (the ratio of the true Gaussians, and the AUC Phi(d'/sqrt 2) of the
 * optimal test), pooled variances, unscorable examples, and the errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/rng.h"
#include "mia/lira.h"
#include "mia/roc.h"

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want))))
        fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

static double log_normal_pdf(double x, double mu, double var)
{
    return -0.5 * log(2 * M_PI * var) - (x - mu) * (x - mu) / (2 * var);
}

static double normal_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

static void test_phi(void **state)
{
    (void)state;
    /* p = e^2 / (e^2 + 1 + e^-1): phi = log(p / (1 - p)) = 2 - log(1 + e^-1) */
    const float l[] = {2, 0, -1};
    assert_close(rsc_lira_phi(l, 3, 0), 2 - log(1 + exp(-1)), 1e-15);
    /* y = 2: p = e^-1 / Z, phi = -1 - log(e^2 + 1) */
    assert_close(rsc_lira_phi(l, 3, 2), -1 - log(exp(2) + 1), 1e-15);
    /* p rounds to 1 in double, phi does not overflow: 100 - log 2 */
    const float big[] = {100, 0, 0};
    assert_close(rsc_lira_phi(big, 3, 0), 100 - log(2), 1e-15);
    assert_close(rsc_lira_phi(big, 3, 1), -100 - log1p(exp(-100)), 1e-15);
    const float nan[] = {1, NAN};
    assert_true(isnan(rsc_lira_phi(nan, 2, 0)));

    double phi[2];
    const int32_t y[] = {0, 2};
    rsc_error err;
    const float two[] = {2, 0, -1, 2, 0, -1};
    assert_int_equal(rsc_lira_phis(two, y, 2, 3, phi, &err), 0);
    assert_true(phi[0] == rsc_lira_phi(l, 3, 0) && phi[1] == rsc_lira_phi(l, 3, 2));
    const int32_t ybad[] = {0, 3};
    assert_int_equal(rsc_lira_phis(two, ybad, 2, 3, phi, &err), -1);
    assert_string_equal(err.msg, "example 1: label 3 outside [0, 3)");
    const float tn[] = {2, 0, -1, 2, INFINITY, -1};
    assert_int_equal(rsc_lira_phis(tn, y, 2, 3, phi, &err), -1);
    assert_string_equal(err.msg, "example 1: a logit is not finite");
}

/* Shadows built so that each example's sample means and unbiased sample
 * variances are exactly mu and var: m shadows at mu - a and m at mu + a,
 * a = sqrt(var (2m - 1) / (2m)). */
enum { NE = 5, HALF = 40, KS = 4 * HALF };

static void build(double *phi, uint8_t *in, const double *mu_in, const double *mu_out,
                  const double *var_in, const double *var_out)
{
    for (int i = 0; i < NE; i++) {
        double ain = sqrt(var_in[i] * (2.0 * HALF - 1) / (2.0 * HALF));
        double aout = sqrt(var_out[i] * (2.0 * HALF - 1) / (2.0 * HALF));
        /* example i is "in" the shadows s with (s + i) % 2 == 0 */
        int kin = 0, kout = 0;
        for (int s = 0; s < KS; s++) {
            int isin = (s + i) % 2 == 0;
            in[(size_t)s * NE + i] = (uint8_t)isin;
            double v = isin ? mu_in[i] + (kin++ % 2 ? ain : -ain)
                            : mu_out[i] + (kout++ % 2 ? aout : -aout);
            phi[(size_t)s * NE + i] = v;
        }
    }
}

static void test_closed_form(void **state)
{
    (void)state;
    const double mu_in[NE] = {3, 2.5, 0, 4, -1}, mu_out[NE] = {1, 2, -1, 0, -1.5};
    const double var_in[NE] = {0.5, 1, 2, 0.25, 1}, var_out[NE] = {1, 1.5, 2, 4, 0.8};
    static double phi[KS * NE];
    static uint8_t in[KS * NE];
    build(phi, in, mu_in, mu_out, var_in, var_out);
    rsc_error err;
    rsc_lira_fit fit;
    /* K = 160 >= 64: AUTO gives per-example variances */
    assert_int_equal(rsc_lira_fit_shadows(phi, in, KS, NE, RSC_LIRA_VAR_AUTO, &fit, &err), 0);
    assert_int_equal(fit.pooled, 0);
    assert_true(isnan(fit.pooled_var_in));
    for (int i = 0; i < NE; i++) {
        assert_int_equal(fit.n_in[i], 2 * HALF);
        assert_int_equal(fit.n_out[i], 2 * HALF);
        assert_close(fit.mu_in[i], mu_in[i], 1e-14);
        assert_close(fit.mu_out[i], mu_out[i], 1e-14);
        assert_close(fit.var_in[i], var_in[i], 1e-13);
        assert_close(fit.var_out[i], var_out[i], 1e-13);
    }
    const double target[NE] = {2.9, 0, 7, 1, -1.2};
    double score[NE], z[NE];
    assert_int_equal(rsc_lira_score_online(&fit, target, 0, score, &err), 0);
    for (int i = 0; i < NE; i++)
        assert_close(score[i], log_normal_pdf(target[i], mu_in[i], var_in[i]) -
                               log_normal_pdf(target[i], mu_out[i], var_out[i]), 1e-12);
    /* a target at mu_in of example 0 with sd_in < sd_out: a clear member */
    assert_true(score[0] > 0);
    assert_int_equal(rsc_lira_score_offline(&fit, target, 0, score, z, &err), 0);
    for (int i = 0; i < NE; i++) {
        double zz = (target[i] - mu_out[i]) / sqrt(var_out[i]);
        assert_close(z[i], zz, 1e-13);
        assert_close(score[i], normal_cdf(zz), 1e-13);
    }
    assert_close(score[1], normal_cdf(-2 / sqrt(1.5)), 1e-13);
    /* offline without z */
    assert_int_equal(rsc_lira_score_offline(&fit, target, 0, score, NULL, &err), 0);
    rsc_lira_fit_free(&fit);
    assert_null(fit.mu_in);

    /* Pooled: every example's squared deviations over the pooled degrees
     * of freedom; with equal counts, the mean of the variances. */
    assert_int_equal(rsc_lira_fit_shadows(phi, in, KS, NE, RSC_LIRA_VAR_POOLED, &fit, &err), 0);
    double pin = 0, pout = 0;
    for (int i = 0; i < NE; i++) {
        pin += var_in[i] / NE;
        pout += var_out[i] / NE;
    }
    assert_close(fit.pooled_var_in, pin, 1e-13);
    assert_close(fit.pooled_var_out, pout, 1e-13);
    assert_int_equal(rsc_lira_score_online(&fit, target, 0, score, &err), 0);
    for (int i = 0; i < NE; i++)
        assert_close(score[i], log_normal_pdf(target[i], mu_in[i], pin) -
                               log_normal_pdf(target[i], mu_out[i], pout), 1e-12);
    rsc_lira_fit_free(&fit);
}

/* Pooled variance with unequal counts, by hand.  K = 5 shadows, 2 examples:
 *   example 0: in {1, 3} (SS 2, df 1), out {0, 0, 6} (mean 2, SS 24, df 2)
 *   example 1: in {5} (df 0),          out {1, 2, 3, 6} (mean 3, SS 14, df 3)
 * pooled in = 2 / 1 = 2; pooled out = (24 + 14) / 5 = 7.6. */
static void test_pooled_by_hand(void **state)
{
    (void)state;
    const double phi[] = {1, 1, 3, 2, 0, 5, 0, 3, 6, 6};
    const uint8_t in[] = {1, 0, 1, 0, 0, 1, 0, 0, 0, 0};
    rsc_error err;
    rsc_lira_fit fit;
    /* AUTO with K = 5 < 64 pools */
    assert_int_equal(rsc_lira_fit_shadows(phi, in, 5, 2, RSC_LIRA_VAR_AUTO, &fit, &err), 0);
    assert_int_equal(fit.pooled, 1);
    assert_true(fit.pooled_var_in == 2);
    assert_close(fit.pooled_var_out, 7.6, 1e-15);
    assert_true(fit.mu_in[0] == 2 && fit.mu_in[1] == 5 && fit.mu_out[0] == 2 && fit.mu_out[1] == 3);
    assert_int_equal(fit.n_in[1], 1);
    assert_int_equal(fit.n_out[1], 4);
    const double t[] = {2, 4};
    double score[2];
    assert_int_equal(rsc_lira_score_online(&fit, t, 0, score, &err), 0);
    assert_close(score[1], log_normal_pdf(4, 5, 2) - log_normal_pdf(4, 3, 7.6), 1e-14);
    rsc_lira_fit_free(&fit);
    /* per example, example 1 has a single 'in' shadow: online cannot
     * score it, offline can */
    assert_int_equal(rsc_lira_fit_shadows(phi, in, 5, 2, RSC_LIRA_VAR_PER_EXAMPLE, &fit, &err), 0);
    assert_true(fit.var_in[0] == 2 && fit.var_out[0] == 12 && isnan(fit.var_in[1]));
    assert_int_equal(rsc_lira_score_online(&fit, t, 0, score, &err), -1);
    assert_string_equal(err.msg, "LiRA (online): example 1 has fewer than two shadow models on a "
                                 "side for a per-example variance (1 of 2 examples cannot be "
                                 "scored with 5 shadow models)");
    assert_int_equal(rsc_lira_score_online(&fit, t, RSC_LIRA_SKIP_UNSCORABLE, score, &err), 1);
    assert_true(isnan(score[1]));
    assert_close(score[0], log_normal_pdf(2, 2, 2) - log_normal_pdf(2, 2, 12), 1e-14);
    assert_int_equal(rsc_lira_score_offline(&fit, t, 0, score, NULL, &err), 0);
    assert_close(score[1], normal_cdf(1 / sqrt(14.0 / 3)), 1e-14);
    rsc_lira_fit_free(&fit);
}

/* Sampled Gaussian phi: per example a true mu_out ~ N(0, 1), mu_in =
 * mu_out + delta, common sd sigma.  K = 32 shadows (pooled variances),
 * 400 examples.  The pooled variances estimate sigma^2; the online score
 * approaches the true log-likelihood ratio; on targets drawn half from
 * each side the AUC approaches Phi(delta / (sigma sqrt 2)) of the optimal
 * test (0.921 here). */
static void test_sampled(void **state)
{
    (void)state;
    enum { N = 400, K = 32, T = 4000 };
    const double delta = 2, sigma = 1.0;
    static double phi[K * N], mu_out[N], target[T];
    static uint8_t in[K * N], member[T];
    rsc_rng r;
    rsc_rng_seed(&r, 2022);
    for (int i = 0; i < N; i++)
        mu_out[i] = rsc_rng_normal(&r);
    for (int s = 0; s < K; s++)
        for (int i = 0; i < N; i++) {
            /* shadow s's half: even s random, odd s the complement of s - 1 */
            uint8_t b = s % 2 ? !in[(size_t)(s - 1) * N + i] : rsc_rng_double(&r) < 0.5;
            in[(size_t)s * N + i] = b;
            phi[(size_t)s * N + i] = mu_out[i] + (b ? delta : 0) + sigma * rsc_rng_normal(&r);
        }
    rsc_error err;
    rsc_lira_fit fit;
    assert_int_equal(rsc_lira_fit_shadows(phi, in, K, N, RSC_LIRA_VAR_AUTO, &fit, &err), 0);
    assert_int_equal(fit.pooled, 1);
    /* 400 * 15 degrees of freedom: relative sd of the variance 0.018 */
    assert_close(fit.pooled_var_in, sigma * sigma, 0.06);
    assert_close(fit.pooled_var_out, sigma * sigma, 0.06);

    /* the target: 10 draws per example, half members */
    static double tphi[T], score[T];
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int t = 0; t < T; t++) {
        int i = t % N;
        member[t] = (uint8_t)(t / N % 2);
        tphi[t] = mu_out[i] + (member[t] ? delta : 0) + sigma * rsc_rng_normal(&r);
        target[t] = tphi[t];
    }
    /* score each draw against its example's fit */
    static double tgt_ex[N], sc_ex[N];
    for (int rep = 0; rep < T / N; rep++) {
        for (int i = 0; i < N; i++)
            tgt_ex[i] = target[rep * N + i];
        assert_int_equal(rsc_lira_score_online(&fit, tgt_ex, 0, sc_ex, &err), 0);
        for (int i = 0; i < N; i++) {
            score[rep * N + i] = sc_ex[i];
            /* true ratio for equal variances: (delta (x - mu_out) - delta^2 / 2) / sigma^2 */
            double x = tgt_ex[i], truth = (delta * (x - mu_out[i]) - delta * delta / 2) / (sigma * sigma);
            sx += truth;
            sy += sc_ex[i];
            sxx += truth * truth;
            syy += sc_ex[i] * sc_ex[i];
            sxy += truth * sc_ex[i];
        }
    }
    /* 16 shadows per side: the means are off by about sigma / 4, so the
     * scores follow the true ratio closely but not exactly */
    double corr = (sxy - sx * sy / T) / sqrt((sxx - sx * sx / T) * (syy - sy * sy / T));
    if (!(corr > 0.95))
        fail_msg("online score vs true ratio: correlation %g", corr);
    double auc;
    assert_int_equal(rsc_mia_auc(score, member, T, &auc, &err), 0);
    double optimal = normal_cdf(delta / (sigma * sqrt(2.0)));
    print_message("pooled variances %.4f %.4f; online: correlation with the true ratio %.4f, AUC %.4f "
                  "(optimal %.4f)\n", fit.pooled_var_in, fit.pooled_var_out, corr, auc, optimal);
    if (!(fabs(auc - optimal) < 0.02))
        fail_msg("online AUC %g, optimal test %g", auc, optimal);
    /* offline is a one-sided test on the out Gaussian: here with equal
     * variances, the same ranking per example - AUC close as well */
    for (int rep = 0; rep < T / N; rep++) {
        for (int i = 0; i < N; i++)
            tgt_ex[i] = target[rep * N + i];
        assert_int_equal(rsc_lira_score_offline(&fit, tgt_ex, 0, sc_ex, NULL, &err), 0);
        memcpy(score + rep * N, sc_ex, sizeof sc_ex);
    }
    assert_int_equal(rsc_mia_auc(score, member, T, &auc, &err), 0);
    print_message("offline AUC %.4f\n", auc);
    if (!(fabs(auc - optimal) < 0.02))
        fail_msg("offline AUC %g, optimal test %g", auc, optimal);
    rsc_lira_fit_free(&fit);
}

/* Unscorable examples (no 'in' or no 'out' shadow) and the errors. */
static void test_errors(void **state)
{
    (void)state;
    rsc_error err;
    rsc_lira_fit fit;
    /* K = 3, 3 examples: example 1 is in every shadow, example 2 in none */
    const double phi[] = {1, 2, 3, 2, 3, 4, 4, 5, 6};
    const uint8_t in[] = {1, 1, 0, 0, 1, 0, 1, 1, 0};
    assert_int_equal(rsc_lira_fit_shadows(phi, in, 3, 3, RSC_LIRA_VAR_AUTO, &fit, &err), 0);
    assert_int_equal(fit.n_out[1], 0);
    assert_true(isnan(fit.mu_out[1]));
    const double t[] = {1, 2, 3};
    double score[3];
    assert_int_equal(rsc_lira_score_online(&fit, t, 0, score, &err), -1);
    assert_string_equal(err.msg, "LiRA (online): example 1 has no 'out' shadow model (2 of 3 "
                                 "examples cannot be scored with 3 shadow models)");
    assert_int_equal(rsc_lira_score_online(&fit, t, RSC_LIRA_SKIP_UNSCORABLE, score, &err), 2);
    assert_true(!isnan(score[0]) && isnan(score[1]) && isnan(score[2]));
    /* offline needs only 'out': example 2 (no 'in') is fine */
    assert_int_equal(rsc_lira_score_offline(&fit, t, 0, score, NULL, &err), -1);
    assert_string_equal(err.msg, "LiRA (offline): example 1 has no 'out' shadow model (1 of 3 "
                                 "examples cannot be scored with 3 shadow models)");
    assert_int_equal(rsc_lira_score_offline(&fit, t, RSC_LIRA_SKIP_UNSCORABLE, score, NULL, &err), 1);
    assert_true(!isnan(score[2]) && isnan(score[1]));
    const double tn[] = {1, NAN, 3};
    assert_int_equal(rsc_lira_score_offline(&fit, tn, 0, score, NULL, &err), -1);
    assert_string_equal(err.msg, "LiRA: example 1: the target model's phi is NaN");
    rsc_lira_fit_free(&fit);

    /* K = 2, each example in one and out of the other: no pooled variance */
    const double p2[] = {1, 2, 3, 4};
    const uint8_t i2[] = {1, 0, 0, 1};
    assert_int_equal(rsc_lira_fit_shadows(p2, i2, 2, 2, RSC_LIRA_VAR_AUTO, &fit, &err), 0);
    assert_int_equal(rsc_lira_score_online(&fit, p2, RSC_LIRA_SKIP_UNSCORABLE, score, &err), -1);
    assert_string_equal(err.msg, "LiRA: no example has two 'out' shadow models: the pooled 'out' "
                                 "variance is undefined");
    rsc_lira_fit_free(&fit);
    /* identical phi on a side: zero pooled variance */
    const double p3[] = {1, 1, 1, 1, 1, 1};
    const uint8_t i3[] = {0, 0, 0, 0, 1, 1};
    assert_int_equal(rsc_lira_fit_shadows(p3, i3, 3, 2, RSC_LIRA_VAR_AUTO, &fit, &err), 0);
    assert_int_equal(rsc_lira_score_offline(&fit, p3, 0, score, NULL, &err), -1);
    assert_string_equal(err.msg, "LiRA: the pooled 'out' variance is zero (every 'out' shadow "
                                 "model gives each example the same phi)");
    rsc_lira_fit_free(&fit);

    const double pn[] = {1, 2, 3, INFINITY};
    assert_int_equal(rsc_lira_fit_shadows(pn, i2, 2, 2, RSC_LIRA_VAR_AUTO, &fit, &err), -1);
    assert_string_equal(err.msg, "LiRA: shadow 1, example 1: phi is infinite");
    assert_null(fit.mu_in);
    const uint8_t ib[] = {1, 0, 2, 1};
    assert_int_equal(rsc_lira_fit_shadows(p2, ib, 2, 2, RSC_LIRA_VAR_AUTO, &fit, &err), -1);
    assert_string_equal(err.msg, "LiRA: shadow 1, example 0: 'in' flag 2 (must be 0 or 1)");
    assert_int_equal(rsc_lira_fit_shadows(p2, i2, 0, 2, RSC_LIRA_VAR_AUTO, &fit, &err), -1);
    assert_string_equal(err.msg, "LiRA: no shadow model");
    assert_int_equal(rsc_lira_fit_shadows(p2, i2, 2, 2, 7, &fit, &err), -1);
    assert_string_equal(err.msg, "LiRA: unknown variance mode 7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phi),
        cmocka_unit_test(test_closed_form),
        cmocka_unit_test(test_pooled_by_hand),
        cmocka_unit_test(test_sampled),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
