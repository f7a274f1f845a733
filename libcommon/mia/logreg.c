/* logreg.c - L2 logistic regression by damped Newton steps (see logreg.h). */
#include "mia/logreg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "theory/cholesky.h"

/* Rows per partial sum: the loss and the gradient are sums of n terms;
 * summing blocks separately keeps their rounding error near
 * sqrt(n / BLOCK) instead of n units in the last place. */
#define BLOCK 256

typedef struct problem {
    const double *x;
    const uint8_t *y;
    size_t n;
    int d;
    double C;
} problem;

/* log(1 + exp(v)) without overflow or loss of digits */
static double softplus(double v)
{
    return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v));
}

double rsc_logreg_decision(const double *coef, const double *x, int d)
{
    double z = coef[d];
    for (int j = 0; j < d; j++)
        z += coef[j] * x[j];
    return z;
}

void rsc_logreg_decisions(const double *coef, const double *x, size_t n, int d, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = rsc_logreg_decision(coef, x + i * (size_t)d, d);
}

double rsc_logreg_accuracy(const double *coef, const double *x, const uint8_t *y, size_t n, int d)
{
    size_t right = 0;
    for (size_t i = 0; i < n; i++)
        right += (rsc_logreg_decision(coef, x + i * (size_t)d, d) > 0) == (y[i] != 0);
    return (double)right / (double)n;
}

/* f at coefficients w (first d of coef) and decision values z + t u. */
static double objective(const problem *p, const double *coef, const double *z, const double *u,
                        double t)
{
    double total = 0;
    for (size_t i0 = 0; i0 < p->n; i0 += BLOCK) {
        size_t i1 = i0 + BLOCK < p->n ? i0 + BLOCK : p->n;
        double part = 0;
        for (size_t i = i0; i < i1; i++) {
            double zi = u ? z[i] + t * u[i] : z[i];
            part += softplus(p->y[i] ? -zi : zi);
        }
        total += part;
    }
    double ww = 0;
    for (int j = 0; j < p->d; j++)
        ww += coef[j] * coef[j];
    return 0.5 * ww + p->C * total;
}

/* Gradient g (d + 1) and Hessian H ((d+1) x (d+1), lower triangle) of f at
 * coef, whose decision values are z.  part is d + 1 scratch doubles. */
static void grad_hess(const problem *p, const double *coef, const double *z, double *g, double *H,
                      double *part)
{
    int d = p->d, D = d + 1;
    memset(g, 0, (size_t)D * sizeof *g);
    memset(H, 0, (size_t)D * D * sizeof *H);
    for (size_t i0 = 0; i0 < p->n; i0 += BLOCK) {
        size_t i1 = i0 + BLOCK < p->n ? i0 + BLOCK : p->n;
        memset(part, 0, (size_t)D * sizeof *part);
        for (size_t i = i0; i < i1; i++) {
            const double *xi = p->x + i * (size_t)d;
            double zi = z[i], e = exp(-fabs(zi)), q = 1 / (1 + e);
            /* sigma(z) and sigma(-z), each without cancellation */
            double sp = zi >= 0 ? q : e * q, sm = zi >= 0 ? e * q : q;
            double r = p->y[i] ? -sm : sp;         /* sigma(z) - y */
            double s = e * q * q;                  /* sigma(z) sigma(-z) */
            for (int j = 0; j < d; j++) {
                part[j] += r * xi[j];
                double c = s * xi[j];
                double *Hj = H + (size_t)j * D;
                for (int k = 0; k <= j; k++)
                    Hj[k] += c * xi[k];
            }
            part[d] += r;
            double *Hd = H + (size_t)d * D;
            for (int k = 0; k < d; k++)
                Hd[k] += s * xi[k];
            Hd[d] += s;
        }
        for (int j = 0; j < D; j++)
            g[j] += part[j];
    }
    for (int j = 0; j < D; j++) {
        g[j] *= p->C;
        for (int k = 0; k <= j; k++)
            H[(size_t)j * D + k] *= p->C;
    }
    for (int j = 0; j < d; j++) {
        g[j] += coef[j];
        H[(size_t)j * D + j] += 1;
    }
}

/* Newton direction: solve H delta = -g.  H is positive definite in exact
 * arithmetic; if rounding (a vanishing sum of sigma(z) sigma(-z) for the
 * intercept) makes the factorisation fail, a growing multiple of the
 * identity is added, which keeps delta a descent direction. */
static int newton_direction(const double *H, const double *g, int D, double *delta, double *work,
                            rsc_error *err)
{
    double dmax = 0;
    for (int j = 0; j < D; j++)
        dmax = fmax(dmax, H[(size_t)j * D + j]);
    for (double mu = 0;; mu = mu == 0 ? 1e-12 * dmax : mu * 100) {
        memcpy(work, H, (size_t)D * D * sizeof *work);
        for (int j = 0; j < D; j++) {
            work[(size_t)j * D + j] += mu;
            delta[j] = -g[j];
        }
        rsc_error e2;
        if (rsc_cholesky_solve(work, delta, D, &e2) == 0)
            return 0;
        if (mu > dmax)
            return rsc_fail(err, "Newton step: %s", e2.msg);
    }
}

rsc_logreg_opts rsc_logreg_defaults(void)
{
    return (rsc_logreg_opts){RSC_LOGREG_TOL, RSC_LOGREG_MAX_ITER, 0};
}

int rsc_logreg_fit(const double *x, const uint8_t *y, size_t n, int d, double C,
                   const rsc_logreg_opts *opts, double *coef, rsc_logreg_info *info,
                   rsc_error *err)
{
    rsc_logreg_opts o = opts ? *opts : rsc_logreg_defaults();
    if (!(o.tol > 0) || !isfinite(o.tol) || o.max_iter < 1)
        return rsc_fail(err, "logistic regression: bad options (tol %g, max_iter %d)", o.tol,
                        o.max_iter);
    if (!(C > 0) || !isfinite(C))
        return rsc_fail(err, "logistic regression: C = %g (must be positive and finite)", C);
    if (d < 1)
        return rsc_fail(err, "logistic regression: no features");
    size_t count[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (y[i] > 1)
            return rsc_fail(err, "logistic regression: row %zu: label %u (must be 0 or 1)", i + 1,
                            (unsigned)y[i]);
        count[y[i]]++;
    }
    if (count[0] == 0 || count[1] == 0)
        return rsc_fail(err, "logistic regression: only label %d among the %zu rows (need both 0 and 1)",
                        count[0] ? 0 : 1, n);
    for (size_t i = 0; i < n * (size_t)d; i++)
        if (!isfinite(x[i]))
            return rsc_fail(err, "logistic regression: row %zu, feature %d is %s", i / d + 1,
                            (int)(i % d) + 1, isnan(x[i]) ? "NaN" : "infinite");

    int D = d + 1;
    problem p = {x, y, n, d, C};
    double *z = rsc_malloc(n, sizeof *z, err);
    double *u = z ? rsc_malloc(n, sizeof *u, err) : NULL;
    double *buf = u ? rsc_malloc((size_t)(2 * D * D + 4 * D), sizeof *buf, err) : NULL;
    if (!buf) {
        free(z);
        free(u);
        return -1;
    }
    double *H = buf, *work = H + (size_t)D * D, *g = work + (size_t)D * D, *delta = g + D;
    double *part = delta + D, *trial = part + D;
    if (!o.warm)
        memset(coef, 0, (size_t)D * sizeof *coef);
    for (int j = 0; j < D; j++)
        if (!isfinite(coef[j])) {
            rsc_fail(err, "logistic regression: starting coefficient %d is not finite", j + 1);
            goto fail;
        }

    rsc_logreg_decisions(coef, x, n, d, z);
    double f = objective(&p, coef, z, NULL, 0), gnorm = 0;
    int iter = 0, at_precision = 0;
    for (;; iter++) {
        grad_hess(&p, coef, z, g, H, part);
        gnorm = 0;
        for (int j = 0; j < D; j++)
            gnorm += g[j] * g[j];
        gnorm = sqrt(gnorm);
        if (gnorm <= o.tol)
            break;
        if (iter == o.max_iter) {
            rsc_fail(err, "logistic regression (C=%g): no convergence in %d Newton steps "
                     "(gradient norm %.3g)", C, o.max_iter, gnorm);
            goto fail;
        }
        if (newton_direction(H, g, D, delta, work, err) != 0) {
            rsc_fail_prefix(err, "logistic regression (C=%g)", C);
            goto fail;
        }
        /* the machine-precision rule (logreg.h) */
        double cmax = 0, dmax = 0, slope = 0;
        for (int j = 0; j < D; j++) {
            cmax = fmax(cmax, fabs(coef[j]));
            dmax = fmax(dmax, fabs(delta[j]));
            slope += g[j] * delta[j];
        }
        if (dmax <= 8 * DBL_EPSILON * cmax) {
            at_precision = 1;
            break;
        }
        /* u: the change of the decision values along delta */
        for (size_t i = 0; i < n; i++) {
            const double *xi = x + i * (size_t)d;
            double v = delta[d];
            for (int j = 0; j < d; j++)
                v += delta[j] * xi[j];
            u[i] = v;
        }
        /* Backtracking: accept the first t = 1, 1/2, ... with sufficient
         * decrease.  f is a sum of n positive terms, computed to a few
         * units in the last place of f; near the optimum the decrease of
         * a full step is below that, so rounding-sized increases pass. */
        double slack = 64 * DBL_EPSILON * fabs(f), t = 1, ft = f;
        int tries;
        for (tries = 0; tries < 60; tries++, t *= 0.5) {
            for (int j = 0; j < D; j++)
                trial[j] = coef[j] + t * delta[j];
            ft = objective(&p, trial, z, u, t);
            if (ft <= f + 1e-4 * t * slope + slack)
                break;
        }
        if (tries == 60) {
            rsc_fail(err, "logistic regression (C=%g): line search failed at gradient norm %.3g",
                     C, gnorm);
            goto fail;
        }
        memcpy(coef, trial, (size_t)D * sizeof *coef);
        /* recompute rather than update z, so that no rounding accumulates */
        rsc_logreg_decisions(coef, x, n, d, z);
        f = objective(&p, coef, z, NULL, 0);
    }
    if (info) {
        info->iterations = iter;
        info->grad_norm = gnorm;
        info->objective = f;
        info->at_precision = at_precision;
    }
    free(z);
    free(u);
    free(buf);
    return 0;
fail:
    free(z);
    free(u);
    free(buf);
    return -1;
}
