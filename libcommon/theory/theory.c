/* theory.c - Theorem 1 of the paper (App. D) in closed form, the direct
 * solve of its stationarity system, and the critical gamma.  The formulas
 * and the corrections to the printed ones are in man/rsc-theory.1. */
#include "config.h"

#include "theory/theory.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

int rsc_theory_check(const rsc_theory_params *p, rsc_error *err)
{
    static const struct {
        const char *name;
        size_t off;
        double min;
        int strict;     /* 1: value must exceed min */
    } lim[] = {
        {"--gamma", offsetof(rsc_theory_params, gamma), 0, 0},
        {"--lambda", offsetof(rsc_theory_params, lambda), 0, 0},
        {"--inv-norm2", offsetof(rsc_theory_params, inv_norm2), 0, 1},
        {"--sp-norm2", offsetof(rsc_theory_params, sp_norm2), 0, 1},
        {"--var-inv", offsetof(rsc_theory_params, var_inv), 0, 0},
        {"--var-sp", offsetof(rsc_theory_params, var_sp), 0, 0},
        {"--noise-var", offsetof(rsc_theory_params, noise_var), 0, 0},
    };
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
        double v;
        memcpy(&v, (const char *)p + lim[i].off, sizeof v);
        if (!isfinite(v))
            return rsc_fail(err, "%s: %g is not a finite number", lim[i].name, v);
        if (lim[i].strict ? !(v > lim[i].min) : !(v >= lim[i].min))
            return rsc_fail(err, "%s: %.9g is out of range (must be %s 0)", lim[i].name, v,
                            lim[i].strict ? ">" : ">=");
    }
    if (p->gamma > 1)
        return rsc_fail(err, "--gamma: %.9g is out of range (must be in [0, 1])", p->gamma);
    return 0;
}

/* Effective variances: the noise enters training always, the test
 * distributions unless noise_train_only. */
static double train_var(double v, const rsc_theory_params *p)
{
    return v + p->noise_var;
}

static double test_var(double v, const rsc_theory_params *p)
{
    return p->noise_train_only ? v : v + p->noise_var;
}

/* Pr[m + sd Z > 0] for Z ~ N(0,1); with sd = 0 the score is constant and a
 * tie is an error (Definition 2 counts h(x)y > 0 only). */
static double prob_positive(double m, double sd)
{
    if (sd > 0)
        return 0.5 * erfc(-m / (sd * M_SQRT2));
    return m > 0 ? 1.0 : 0.0;
}

void rsc_theory_accuracy(const rsc_theory_params *p, double a, double b, double beta0,
                         double *clean_acc, double *spurious_acc)
{
    double I = p->inv_norm2, S = p->sp_norm2;
    double sd = sqrt(a * a * test_var(p->var_inv, p) * I + b * b * test_var(p->var_sp, p) * S);
    /* positives: h = aI + beta0 + noise > 0; negatives: h = -aI + beta0 +
     * noise < 0; spurious negatives: h = -aI + bS + beta0 + noise < 0. */
    if (clean_acc)
        *clean_acc = 0.5 * prob_positive(a * I + beta0, sd) + 0.5 * prob_positive(a * I - beta0, sd);
    if (spurious_acc)
        *spurious_acc = prob_positive(a * I - b * S - beta0, sd);
}

int rsc_theory_solve(const rsc_theory_params *p, rsc_theory_result *r, rsc_error *err)
{
    if (rsc_theory_check(p, err) != 0)
        return -1;
    double g = 0.5 * p->gamma, gam = p->gamma;
    double I = p->inv_norm2, S = p->sp_norm2;
    double A = train_var(p->var_inv, p) + p->lambda;
    double B = train_var(p->var_sp, p) + p->lambda;
    /* The determinant of the stationarity system, written as a sum of
     * non-negative terms (g <= 1/2), so that it is computed without
     * cancellation and is zero exactly when the system is singular. */
    double D = A * B + B * I + g * (1 - g) * S * A + g * (1 - gam) * S * I;
    if (D > 0) {
        r->a = (B + g * (1 - gam) * S) / D;
        r->b = g * A / D;
        r->beta0 = -g * S * r->b + 0.0; /* no -0 at gamma = 0 */
    } else {
        /* Only at lambda = 0 with var_sp + noise = 0 and gamma in {0, 1}
         * (and var_inv + noise = 0 for gamma = 1): take the limit lambda ->
         * 0+, the ratio of the coefficients of lambda (the constant terms
         * of numerators and determinant all vanish there). */
        double D1 = A + B + I + g * (1 - g) * S;
        r->a = 1 / D1;
        r->b = g / D1;
        r->beta0 = -g * S * r->b;
    }
    r->pd = r->b * S;
    rsc_theory_accuracy(p, r->a, r->b, r->beta0, &r->clean_acc, &r->spurious_acc);
    return 0;
}

int rsc_theory_solve_direct(const rsc_theory_params *p, double coef[3], rsc_error *err)
{
    if (rsc_theory_check(p, err) != 0)
        return -1;
    long double g = 0.5L * p->gamma;
    long double I = p->inv_norm2, S = p->sp_norm2;
    long double A = (long double)train_var(p->var_inv, p) + p->lambda;
    long double B = (long double)train_var(p->var_sp, p) + p->lambda;
    /* App. D.4: the gradient of the loss along x_inv, x_sp and the bias. */
    long double M[3][4] = {
        {A + I, g * S, 0, 1},
        {g * I, B + g * S, g, g},
        {0, g * S, 1, 0},
    };
    for (int k = 0; k < 3; k++) {
        int piv = k;
        for (int i = k + 1; i < 3; i++)
            if (fabsl(M[i][k]) > fabsl(M[piv][k]))
                piv = i;
        long double scale = 0;
        for (int j = 0; j < 3; j++)
            if (fabsl(M[piv][j]) > scale)
                scale = fabsl(M[piv][j]);
        if (!(fabsl(M[piv][k]) > 64 * LDBL_EPSILON * scale))
            return rsc_fail(err, "the stationarity system is singular (lambda = 0 with a direction "
                                 "that has neither variance nor signal)");
        if (piv != k)
            for (int j = 0; j < 4; j++) {
                long double t = M[k][j];
                M[k][j] = M[piv][j];
                M[piv][j] = t;
            }
        for (int i = k + 1; i < 3; i++) {
            long double f = M[i][k] / M[k][k];
            for (int j = k; j < 4; j++)
                M[i][j] -= f * M[k][j];
        }
    }
    long double x[3];
    for (int i = 2; i >= 0; i--) {
        long double s = M[i][3];
        for (int j = i + 1; j < 3; j++)
            s -= M[i][j] * x[j];
        x[i] = s / M[i][i];
    }
    for (int i = 0; i < 3; i++)
        coef[i] = (double)x[i];
    return 0;
}

static double pd_at(const rsc_theory_params *p, double gamma)
{
    rsc_theory_params q = *p;
    rsc_theory_result r;
    q.gamma = gamma;
    if (rsc_theory_solve(&q, &r, NULL) != 0)
        return NAN;
    return r.pd;
}

/* The smallest gamma in [0, hi] with PD(gamma) >= target (PD increases
 * with gamma, and PD(0) = 0 < target <= PD(hi)). */
static double pd_inverse(const rsc_theory_params *p, double target, double hi)
{
    double lo = 0, tol = 1e-15 * hi;
    for (int it = 0; it < 200 && hi - lo > tol; it++) {
        double mid = 0.5 * (lo + hi);
        if (pd_at(p, mid) >= target)
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

int rsc_theory_critical_gamma(const rsc_theory_params *p, double gamma_ref, double lo_frac,
                              double hi_frac, rsc_theory_critical *c, rsc_error *err)
{
    rsc_theory_params q = *p;
    q.gamma = gamma_ref;
    if (!(gamma_ref > 0 && gamma_ref <= 1))
        return rsc_fail(err, "--gamma-ref: %.9g is out of range (must be in (0, 1])", gamma_ref);
    if (!(lo_frac > 0 && lo_frac < hi_frac && hi_frac < 1))
        return rsc_fail(err, "transition fractions %g and %g are not 0 < lo < hi < 1", lo_frac, hi_frac);
    if (rsc_theory_check(&q, err) != 0)
        return -1;
    double I = p->inv_norm2, S = p->sp_norm2;
    double A = train_var(p->var_inv, p) + p->lambda;
    double B = train_var(p->var_sp, p) + p->lambda;
    /* Near gamma = 0 PD ~ (gamma/2) A S / ((A+I)(B + gamma S/2)): the
     * linear term stops dominating where gamma S / 2 reaches B.  The
     * linearised spurious-accuracy argument ||x_inv||/sigma_inv * (1 -
     * gamma A S / (2 B I)) reaches zero at gamma = 2 B I / (A S). */
    c->gamma_pd = 2 * B / S;
    c->gamma_acc = A > 0 ? 2 * B * I / (A * S) : INFINITY;
    c->gamma_crit = fmin(1.0, fmin(c->gamma_pd, c->gamma_acc));
    /* Exactly, PD = (gamma/2) A S / D(g) with D(g) = c0 + c1 g - c2 g^2,
     * so PD / (PD'(0) gamma) = c0 / D(g): it falls to 1/2 at the smaller
     * root of c2 g^2 - c1 g + c0 = 0 (written without cancellation). */
    double c0 = (A + I) * B, c1 = S * (A + I), c2 = S * (A + 2 * I);
    double disc = c1 * c1 - 4 * c0 * c2;
    if (c0 == 0)
        c->gamma_half = 0;
    else if (disc >= 0 && 4 * c0 / (c1 + sqrt(disc)) <= 1)
        c->gamma_half = 4 * c0 / (c1 + sqrt(disc));
    else
        c->gamma_half = NAN;
    c->gamma_ref = gamma_ref;
    c->pd_ref = pd_at(&q, gamma_ref);
    if (c->pd_ref > 0) {
        /* With c0 = 0 PD jumps at gamma = 0 to its limit A / (A + I). */
        double pd0 = c0 == 0 ? A / (A + I) : 0;
        c->gamma_lo = lo_frac * c->pd_ref <= pd0 ? 0 : pd_inverse(&q, lo_frac * c->pd_ref, gamma_ref);
        c->gamma_hi = hi_frac * c->pd_ref <= pd0 ? 0 : pd_inverse(&q, hi_frac * c->pd_ref, gamma_ref);
        c->width = c->gamma_hi - c->gamma_lo;
    } else {
        c->gamma_lo = c->gamma_hi = c->width = NAN;
    }
    return 0;
}
