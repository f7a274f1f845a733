/* theory.h - the linear model of Sec. 4 / App. D of the paper: ridge
 * regression on the concatenate model with a rare spurious feature.
 *
 * Training distribution D_train (App. D.2, Definition 1), with the input
 * noise of Observation 2 folded into the variances:
 *   y = -1 w.p. 1/2:            x ~ N((-x_inv, 0),    Sigma)
 *   y = +1 w.p. (1-gamma)/2:    x ~ N(( x_inv, 0),    Sigma)
 *   y = +1 w.p. gamma/2:        x ~ N(( x_inv, x_sp), Sigma)
 *   Sigma = (var_inv + noise_var) I_inv + (var_sp + noise_var) I_sp.
 * Loss 1/2 E[(h(x) y - 1)^2] + lambda/2 ||beta||^2 (bias not regularised);
 * the optimum is beta_inv = a x_inv, beta_sp = b x_sp, bias beta0.
 *
 * The formulas implemented (and the corrections to the printed ones) are
 * documented in man/rsc-theory.1.  Every function here is pure: no output,
 * no global state. */
#ifndef RSC_THEORY_H
#define RSC_THEORY_H

#include <stdint.h>

#include "base/error.h"

typedef struct rsc_theory_params {
    double gamma;       /* fraction of positive examples with x_sp, [0, 1] */
    double lambda;      /* l2 regularisation of beta (not of the bias), >= 0 */
    double inv_norm2;   /* ||x_inv||^2 > 0 */
    double sp_norm2;    /* ||x_sp||^2 > 0 */
    double var_inv;     /* sigma_inv^2 >= 0 */
    double var_sp;      /* sigma_sp^2 >= 0 */
    double noise_var;   /* Gaussian input noise sigma^2 >= 0, added to both */
    int noise_train_only; /* 0: noise in training and test (Observation 2);
                             1: test distributions are noise-free */
} rsc_theory_params;

typedef struct rsc_theory_result {
    double a, b, beta0;   /* h*(x) = a x_inv.x + b x_sp.x + beta0 */
    double clean_acc;     /* Acc on D_ctest */
    double spurious_acc;  /* Acc on D_stest (negatives carrying x_sp) */
    double pd;            /* PD(h*) = b ||x_sp||^2 */
} rsc_theory_result;

/* Check that every parameter is finite and in its domain; the message
 * names the parameter by its option name (e.g. "--var-sp"). */
int rsc_theory_check(const rsc_theory_params *p, rsc_error *err);

/* The optimum by the closed forms (at lambda = 0, where the stationarity
 * system can be singular, the limit lambda -> 0+), and its accuracies and
 * PD.  Fails only on parameters rsc_theory_check rejects. */
int rsc_theory_solve(const rsc_theory_params *p, rsc_theory_result *r, rsc_error *err);

/* The same (a, b, beta0) by Gaussian elimination with partial pivoting of
 * the 3x3 stationarity system of App. D.4, in long double; fails when the
 * system is singular (only possible at lambda = 0).  For checking. */
int rsc_theory_solve_direct(const rsc_theory_params *p, double coef[3], rsc_error *err);

/* Clean and spurious test accuracy of h = (a x_inv, b x_sp, beta0) under
 * the test distributions of p (exact, Gaussian). */
void rsc_theory_accuracy(const rsc_theory_params *p, double a, double b, double beta0,
                         double *clean_acc, double *spurious_acc);

/* The phase transition near gamma = 0 (rsc-theory.1, CRITICAL GAMMA). */
typedef struct rsc_theory_critical {
    double gamma_pd;    /* 2 (var_sp + noise + lambda) / ||x_sp||^2 */
    double gamma_acc;   /* gamma_pd ||x_inv||^2 / (var_inv + noise + lambda) */
    double gamma_crit;  /* min(1, gamma_pd, gamma_acc) */
    double gamma_half;  /* exact: PD(gamma) = PD'(0) gamma / 2 (the linear
                           approximation is off by a factor 2); NaN when
                           that never happens in (0, 1]; 0 when PD jumps */
    double gamma_ref;   /* reference gamma for the width */
    double pd_ref;      /* PD at gamma_ref */
    double gamma_lo;    /* PD(gamma_lo) = lo_frac * pd_ref */
    double gamma_hi;    /* PD(gamma_hi) = hi_frac * pd_ref */
    double width;       /* gamma_hi - gamma_lo; NaN when pd_ref = 0 */
} rsc_theory_critical;

/* p->gamma is ignored.  0 < lo_frac < hi_frac < 1, 0 < gamma_ref <= 1.
 * PD increases with gamma, so gamma_lo and gamma_hi are unique; they are
 * found by bisection to 1e-15 relative. */
int rsc_theory_critical_gamma(const rsc_theory_params *p, double gamma_ref, double lo_frac,
                              double hi_frac, rsc_theory_critical *c, rsc_error *err);


#endif
