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
 * fit also stops, as converged, when a full Newton step changes no
 * coefficient by more than 8 units in the last place: the coefficients are
 * then the optimum to machine precision.  More than RSC_LOGREG_MAX_ITER
 * (100) Newton steps is an error; from zero, real data take 5 to 15. */
#ifndef RSC_MIA_LOGREG_H
#define RSC_MIA_LOGREG_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define RSC_LOGREG_TOL 1e-8
#define RSC_LOGREG_MAX_ITER 100

/* Flags for rsc_logreg_fit */
enum {
    RSC_LOGREG_WARM = 1u << 0,  /* start from coef as passed instead of zero */
};

typedef struct rsc_logreg_info {
    int iterations;      /* Newton steps taken */
    double grad_norm;    /* ||grad f||_2 at the returned coefficients */
    double objective;    /* f at the returned coefficients */
    int at_precision;    /* 1 if stopped by the machine-precision rule, not by tol */
} rsc_logreg_info;

/* Fit on n rows of d features (row-major x) with labels y[i] in {0, 1}.
 * coef has d + 1 entries: w[0..d) then the intercept b; it is the output,
 * and with RSC_LOGREG_WARM also the starting point.  info may be NULL.
 * Fails with a message on C not positive and finite, d < 1, a label other
 * than 0 or 1, a single label, a non-finite feature, or no convergence in
 * RSC_LOGREG_MAX_ITER steps; coef is then unspecified. */
int rsc_logreg_fit(const double *x, const uint8_t *y, size_t n, int d, double C, unsigned flags,
                   double *coef, rsc_logreg_info *info, rsc_error *err);

/* The decision value w.x + b of one row (the log-odds of y = 1).
 * scikit-learn's predict() says 1 exactly when it is > 0. */
double rsc_logreg_decision(const double *coef, const double *x, int d);

/* Decision values of n rows into out[0..n). */
void rsc_logreg_decisions(const double *coef, const double *x, size_t n, int d, double *out);

/* Accuracy of predict (1 iff decision > 0) against y over n rows; n > 0. */
double rsc_logreg_accuracy(const double *coef, const double *x, const uint8_t *y, size_t n, int d);

#endif
