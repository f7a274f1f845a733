/* logreg.h - L2-regularised binary logistic regression, solved exactly.
 *
 * The optimum is scikit-learn's LogisticRegression(C=C, penalty='l2')
 * (any solver; lbfgs by default): with labels t_i = +1 (y_i = 1) or -1
 * (y_i = 0), coefficients w (d) and an UNPENALISED intercept b,
 *
 *     minimise  f(w, b) = 0.5 ||w||^2 + C sum_i log(1 + exp(-t_i (w.x_i + b))).
 *
 * f is strictly convex for any data with both labels present (the L2 term
 * bounds w; both labels bound b), so the optimum exists and is unique even
 * for separable data.  It is found by Newton's method in double precision:
 * the (d+1) x (d+1) Hessian is factored by Cholesky (a small multiple of
 * the identity is added only if the factorisation finds it not numerically
 * positive definite), and the step is damped by a backtracking (Armijo)
 * line search on f.
 *
 * Stopping rule: the Euclidean norm of the gradient of f (the objective as
 * written above, not divided by C or n) is at most tol (RSC_LOGREG_TOL =
 * 1e-8).  Where rounding keeps the computed gradient above tol (very many
 * rows and a large C: the gradient is a sum of n terms of size C |x|), the
 * fit also stops, as converged, when no component of the Newton step
 * exceeds 8 units in the last place of the largest coefficient
 * (8 eps max_j |coef_j|): the coefficients are then the optimum to machine
 * precision (info->at_precision says so).  More than RSC_LOGREG_MAX_ITER
 * (100) Newton steps is an error; from zero, real data take 5 to 15, and
 * separable data with C up to 1e8 and features of scale 1e3 under 45.
 * Both limits can be changed per call (rsc_logreg_opts). */
#ifndef RSC_MIA_LOGREG_H
#define RSC_MIA_LOGREG_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define RSC_LOGREG_TOL 1e-8
#define RSC_LOGREG_MAX_ITER 100

typedef struct rsc_logreg_opts {
    double tol;        /* gradient norm to reach (> 0); RSC_LOGREG_TOL */
    int max_iter;      /* Newton steps allowed (>= 1); RSC_LOGREG_MAX_ITER */
    int warm;          /* 1: start from coef as passed instead of zero */
} rsc_logreg_opts;

/* The defaults: tol RSC_LOGREG_TOL, max_iter RSC_LOGREG_MAX_ITER, cold start. */
rsc_logreg_opts rsc_logreg_defaults(void);

typedef struct rsc_logreg_info {
    int iterations;      /* Newton steps taken */
    double grad_norm;    /* ||grad f||_2 at the returned coefficients */
    double objective;    /* f at the returned coefficients */
    int at_precision;    /* 1 if stopped by the machine-precision rule, not by tol */
} rsc_logreg_info;

/* Fit on n rows of d features (row-major x) with labels y[i] in {0, 1}.
 * coef has d + 1 entries: w[0..d) then the intercept b; it is the output,
 * and with opts->warm also the starting point.  opts NULL means the
 * defaults; info may be NULL.  Fails with a message on C not positive and
 * finite, d < 1, bad opts, a label other than 0 or 1, a single label, a
 * non-finite feature or starting coefficient, or no convergence in
 * opts->max_iter steps ("logistic regression (C=10): no convergence in 100
 * Newton steps (gradient norm 3.2e-05)"); coef is then unspecified. */
int rsc_logreg_fit(const double *x, const uint8_t *y, size_t n, int d, double C,
                   const rsc_logreg_opts *opts, double *coef, rsc_logreg_info *info,
                   rsc_error *err);

/* The decision value w.x + b of one row (the log-odds of y = 1).
 * scikit-learn's predict() says 1 exactly when it is > 0. */
double rsc_logreg_decision(const double *coef, const double *x, int d);

/* Decision values of n rows into out[0..n). */
void rsc_logreg_decisions(const double *coef, const double *x, size_t n, int d, double *out);

/* Accuracy of predict (1 iff decision > 0) against y over n rows; n > 0. */
double rsc_logreg_accuracy(const double *coef, const double *x, const uint8_t *y, size_t n, int d);

#endif
