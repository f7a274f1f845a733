/* cv.h - choosing the logistic regression's C by stratified k-fold
 * cross-validation, as the paper's attack model does (scikit-learn's
 * default cv=3 for a classifier: StratifiedKFold(n_splits=3), no
 * shuffling, accuracy, the mean of the fold accuracies). */
#ifndef RSC_MIA_CV_H
#define RSC_MIA_CV_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define RSC_CV_MAX_C 16
#define RSC_CV_MAX_FOLDS 16

/* The paper's grid and fold count. */
#define RSC_MIA_N_C 4
#define RSC_MIA_FOLDS 3
extern const double rsc_mia_C_grid[RSC_MIA_N_C];   /* 0.01, 0.1, 1, 10 */

/* Test-fold ids of n labelled rows (y[i] in {0, 1}), written to fold[i] in
 * [0, k): exactly scikit-learn's StratifiedKFold(n_splits=k, shuffle=False)
 * (the algorithm of scikit-learn >= 0.22).  The labels are numbered by
 * order of first appearance; fold f holds, of each label, as many rows as
 * there are of it among positions f, f + k, f + 2k, ... of the sorted
 * numbered labels; each label's rows, in their order, fill fold 0, then 1,
 * and so on.  Fails with a message when 2 <= k <= RSC_CV_MAX_FOLDS does not
 * hold, a label is not 0 or 1, a label is absent, or a label has fewer
 * than k rows (stricter than scikit-learn, which only warns: a fold
 * without a label has no meaningful accuracy). */
int rsc_stratified_kfold(const uint8_t *y, size_t n, int k, int *fold, rsc_error *err);

typedef struct rsc_cv_result {
    int n_C, folds;
    double C[RSC_CV_MAX_C];
    double fold_acc[RSC_CV_MAX_C][RSC_CV_MAX_FOLDS]; /* accuracy on each test fold */
    double mean_acc[RSC_CV_MAX_C];                   /* mean of the fold accuracies */
    int best;                                        /* index of the chosen C */
    int iterations;                                  /* Newton steps of all fits */
} rsc_cv_result;

/* For each C in Cs[0..nC): fit rsc_logreg_fit on all folds but f and
 * measure the accuracy (predict 1 iff decision > 0) on fold f, for every f
 * of rsc_stratified_kfold(y, n, folds); score C by the MEAN of the fold
 * accuracies (not the pooled accuracy); choose the C of the highest score,
 * the first in Cs on ties; and, if coef is not NULL, refit on all n rows
 * with it (d + 1 entries: w then intercept).  x is n rows of d features,
 * already standardised by the caller (rsc_mia_scaler, fitted once on all
 * n rows, as the paper's reference does).  Fits of each fold are started
 * from the previous C's solution (the optimum does not depend on the
 * start).  Fails with a message on bad arguments (nC outside
 * [1, RSC_CV_MAX_C], a C not positive), the fold errors of
 * rsc_stratified_kfold, and any fit's error. */
int rsc_cv_logreg(const double *x, const uint8_t *y, size_t n, int d, const double *Cs, int nC,
                  int folds, rsc_cv_result *res, double *coef, rsc_error *err);

#endif
