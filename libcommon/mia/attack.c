/* attack.c - standardise, cross-validate, refit, score. */
#include "mia/attack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mia/logreg.h"

void rsc_mia_attack_free(rsc_mia_attack *a)
{
    rsc_mia_scaler_free(&a->scaler);
    free(a->coef);
    memset(a, 0, sizeof *a);
}

int rsc_mia_attack_fit(rsc_mia_attack *a, const double *x, const uint8_t *member, size_t n, int d,
                       const double *Cs, int nC, int folds, const char *const *names,
                       rsc_error *err)
{
    memset(a, 0, sizeof *a);
    if (rsc_mia_scaler_fit(&a->scaler, x, n, d, names, err) != 0)
        return -1;
    double *xs = rsc_malloc(n * (size_t)d, sizeof *xs, err);
    a->coef = xs ? rsc_malloc((size_t)d + 1, sizeof *a->coef, err) : NULL;
    if (!a->coef)
        goto fail;
    memcpy(xs, x, n * (size_t)d * sizeof *xs);
    rsc_mia_scaler_apply(&a->scaler, xs, n);
    if (rsc_cv_logreg(xs, member, n, d, Cs, nC, folds, &a->cv, a->coef, err) != 0)
        goto fail;
    a->d = d;
    free(xs);
    return 0;
fail:
    free(xs);
    rsc_mia_attack_free(a);
    return -1;
}

int rsc_mia_attack_score(const rsc_mia_attack *a, const double *x, size_t n, double *score,
                         rsc_error *err)
{
    int d = a->d;
    double *row = rsc_malloc((size_t)d, sizeof *row, err);
    if (!row)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const double *xi = x + i * (size_t)d;
        for (int j = 0; j < d; j++) {
            if (!isfinite(xi[j])) {
                free(row);
                return rsc_fail(err, "row %zu, feature %d is %s", i + 1, j + 1,
                                isnan(xi[j]) ? "NaN" : "infinite");
            }
            row[j] = xi[j];
        }
        rsc_mia_scaler_apply(&a->scaler, row, 1);
        score[i] = rsc_logreg_decision(a->coef, row, d);
    }
    free(row);
    return 0;
}
