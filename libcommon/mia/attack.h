/* attack.h - the paper's membership-inference attack model in one call:
 * standardise the attack features with the attack training set's
 * statistics, choose C by stratified cross-validation, refit, and score
 * new rows (App. B.2; the attack training set is the shadow model's
 * training examples, label 1, and test examples, label 0). */
#ifndef RSC_MIA_ATTACK_H
#define RSC_MIA_ATTACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "mia/cv.h"
#include "mia/features.h"

typedef struct rsc_mia_attack {
    int d;
    rsc_mia_scaler scaler;   /* fitted on the whole attack training set */
    double *coef;            /* d + 1, owned: w then intercept, on the
                                standardised features (as scikit-learn's
                                coef_ and intercept_ behind a StandardScaler) */
    rsc_cv_result cv;        /* per-C fold accuracies, the chosen C */
} rsc_mia_attack;

/* Fit on n rows of d raw features x (row-major; not modified) with
 * member[i] in {0, 1}: the scaler once on all rows, then rsc_cv_logreg
 * over Cs[0..nC) with the given number of folds (the paper: rsc_mia_C_grid,
 * RSC_MIA_N_C, RSC_MIA_FOLDS), then the refit.  names (may be NULL) names
 * the d features in messages.  Fails with the message of the failing step
 * (a constant feature, a single class, fewer rows of a class than folds, a
 * non-finite value, no convergence), leaving a empty (safe to free). */
int rsc_mia_attack_fit(rsc_mia_attack *a, const double *x, const uint8_t *member, size_t n, int d,
                       const double *Cs, int nC, int folds, const char *const *names,
                       rsc_error *err);

/* Membership scores of n raw rows: the decision values w.x' + b of the
 * standardised rows (> 0: predicted member).  Fails on a non-finite
 * feature, naming the row (1-based) and feature. */
int rsc_mia_attack_score(const rsc_mia_attack *a, const double *x, size_t n, double *score,
                         rsc_error *err);

void rsc_mia_attack_free(rsc_mia_attack *a);

#endif
