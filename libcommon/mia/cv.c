/* cv.c - stratified k-fold cross-validation of the attack's C. */
#include "mia/cv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mia/logreg.h"

const double rsc_mia_C_grid[RSC_MIA_N_C] = {0.01, 0.1, 1.0, 10.0};

int rsc_stratified_kfold(const uint8_t *y, size_t n, int k, int *fold, rsc_error *err)
{
    if (k < 2 || k > RSC_CV_MAX_FOLDS)
        return rsc_fail(err, "cross-validation: %d folds (must be 2 to %d)", k, RSC_CV_MAX_FOLDS);
    size_t count[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (y[i] > 1)
            return rsc_fail(err, "cross-validation: row %zu: label %u (must be 0 or 1)", i + 1,
                            (unsigned)y[i]);
        count[y[i]]++;
    }
    for (int c = 0; c < 2; c++) {
        if (count[c] == 0)
            return rsc_fail(err, "cross-validation: no row has label %d (need both 0 and 1)", c);
        if (count[c] < (size_t)k)
            return rsc_fail(err, "cross-validation: label %d has %zu rows, fewer than the %d folds",
                            c, count[c], k);
    }
    /* numbering by first appearance: the first row's label is class 0 */
    int first = y[0];
    size_t cnt[2] = {count[first], count[!first]};
    /* Sorted numbered labels: cnt[0] zeros then cnt[1] ones.  Fold f takes
     * positions f, f + k, ...: those below cnt[0] are class 0, the rest
     * class 1. */
    size_t alloc[RSC_CV_MAX_FOLDS][2];
    for (int f = 0; f < k; f++) {
        size_t total = n > (size_t)f ? (n - (size_t)f + (size_t)k - 1) / (size_t)k : 0;
        size_t zeros = cnt[0] > (size_t)f ? (cnt[0] - (size_t)f + (size_t)k - 1) / (size_t)k : 0;
        alloc[f][0] = zeros;
        alloc[f][1] = total - zeros;
    }
    /* each class's rows in order: alloc[0][c] rows to fold 0, then fold 1... */
    int cur[2] = {0, 0};
    size_t left[2] = {alloc[0][0], alloc[0][1]};
    for (size_t i = 0; i < n; i++) {
        int c = y[i] == first ? 0 : 1;
        while (left[c] == 0) {
            cur[c]++;
            left[c] = alloc[cur[c]][c];
        }
        fold[i] = cur[c];
        left[c]--;
    }
    return 0;
}

int rsc_cv_logreg(const double *x, const uint8_t *y, size_t n, int d, const double *Cs, int nC,
                  int folds, rsc_cv_result *res, double *coef, rsc_error *err)
{
    if (nC < 1 || nC > RSC_CV_MAX_C)
        return rsc_fail(err, "cross-validation: %d values of C (must be 1 to %d)", nC, RSC_CV_MAX_C);
    for (int c = 0; c < nC; c++)
        if (!(Cs[c] > 0) || !isfinite(Cs[c]))
            return rsc_fail(err, "cross-validation: C = %g (must be positive and finite)", Cs[c]);
    if (d < 1)
        return rsc_fail(err, "cross-validation: no features");
    memset(res, 0, sizeof *res);
    res->n_C = nC;
    res->folds = folds;
    memcpy(res->C, Cs, (size_t)nC * sizeof *Cs);

    int D = d + 1, rc = -1;
    int *fold = rsc_malloc(n ? n : 1, sizeof *fold, err);
    double *xtr = fold ? rsc_malloc(n * (size_t)d, sizeof *xtr, err) : NULL;
    double *xte = xtr ? rsc_malloc(n * (size_t)d, sizeof *xte, err) : NULL;
    uint8_t *ytr = xte ? rsc_malloc(n, 1, err) : NULL;
    uint8_t *yte = ytr ? rsc_malloc(n, 1, err) : NULL;
    double *w = yte ? rsc_calloc((size_t)folds * D, sizeof *w, err) : NULL;
    if (!w || rsc_stratified_kfold(y, n, folds, fold, err) != 0)
        goto out;
    for (int f = 0; f < folds; f++) {
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < n; i++) {
            if (fold[i] == f) {
                memcpy(xte + nte * d, x + i * d, (size_t)d * sizeof *x);
                yte[nte++] = y[i];
            } else {
                memcpy(xtr + ntr * d, x + i * d, (size_t)d * sizeof *x);
                ytr[ntr++] = y[i];
            }
        }
        for (int c = 0; c < nC; c++) {
            rsc_logreg_info info;
            rsc_logreg_opts o = rsc_logreg_defaults();
            o.warm = c > 0;
            if (rsc_logreg_fit(xtr, ytr, ntr, d, Cs[c], &o, w + (size_t)f * D, &info, err) != 0) {
                rsc_fail_prefix(err, "cross-validation fold %d of %d", f + 1, folds);
                goto out;
            }
            res->iterations += info.iterations;
            res->fold_acc[c][f] = rsc_logreg_accuracy(w + (size_t)f * D, xte, yte, nte, d);
        }
    }
    res->best = 0;
    for (int c = 0; c < nC; c++) {
        double s = 0;
        for (int f = 0; f < folds; f++)
            s += res->fold_acc[c][f];
        res->mean_acc[c] = s / folds;
        if (res->mean_acc[c] > res->mean_acc[res->best])
            res->best = c;
    }
    if (coef) {
        rsc_logreg_info info;
        if (rsc_logreg_fit(x, y, n, d, Cs[res->best], NULL, coef, &info, err) != 0) {
            rsc_fail_prefix(err, "refit on the whole attack training set");
            goto out;
        }
        res->iterations += info.iterations;
    }
    rc = 0;
out:
    free(fold);
    free(xtr);
    free(xte);
    free(ytr);
    free(yte);
    free(w);
    return rc;
}
