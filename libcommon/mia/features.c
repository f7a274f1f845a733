/* features.c - attack features from logits, and their standardisation. */
#include "mia/features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rsc_mia_feature_count(unsigned set, int classes, rsc_error *err)
{
    if (set == 0 || (set & ~(unsigned)RSC_MIA_FEAT_ALL))
        return rsc_fail(err, "attack features: bad feature set 0x%x", set);
    if (classes < 2)
        return rsc_fail(err, "attack features: %d classes (need at least 2)", classes);
    int d = 0;
    if (set & RSC_MIA_FEAT_LOGITS)
        d += classes;
    if (set & RSC_MIA_FEAT_CORRECT)
        d += 1;
    if (set & RSC_MIA_FEAT_SOFTMAX)
        d += classes;
    if (set & RSC_MIA_FEAT_LOSS)
        d += 1;
    return d;
}

void rsc_mia_feature_name(unsigned set, int classes, int j, char *buf, size_t size)
{
    int base = 0;
    if (j >= 0) {
        if (set & RSC_MIA_FEAT_LOGITS) {
            if (j < base + classes) {
                snprintf(buf, size, "sorted logit %d", j - base + 1);
                return;
            }
            base += classes;
        }
        if (set & RSC_MIA_FEAT_CORRECT) {
            if (j == base) {
                snprintf(buf, size, "correct");
                return;
            }
            base += 1;
        }
        if (set & RSC_MIA_FEAT_SOFTMAX) {
            if (j < base + classes) {
                snprintf(buf, size, "sorted softmax %d", j - base + 1);
                return;
            }
            base += classes;
        }
        if ((set & RSC_MIA_FEAT_LOSS) && j == base) {
            snprintf(buf, size, "loss");
            return;
        }
    }
    snprintf(buf, size, "feature %d", j + 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int rsc_mia_features(const float *logits, const int32_t *labels, size_t n, int classes,
                     unsigned set, double *x, rsc_error *err)
{
    int d = rsc_mia_feature_count(set, classes, err);
    if (d < 0)
        return -1;
    double *sorted = rsc_malloc((size_t)classes, sizeof *sorted, err);
    if (!sorted)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const float *l = logits + i * (size_t)classes;
        int32_t y = labels[i];
        if (y < 0 || y >= classes) {
            free(sorted);
            return rsc_fail(err, "example %zu: label %d outside [0, %d)", i, (int)y, classes);
        }
        int arg = 0;
        for (int c = 0; c < classes; c++) {
            if (!isfinite(l[c])) {
                free(sorted);
                return rsc_fail(err, "example %zu: logit %d is %s", i, c,
                                isnan(l[c]) ? "NaN" : "infinite");
            }
            sorted[c] = l[c];
            if (l[c] > l[arg])
                arg = c;
        }
        qsort(sorted, (size_t)classes, sizeof *sorted, cmp_double);
        double *row = x + i * (size_t)d;
        if (set & RSC_MIA_FEAT_LOGITS) {
            memcpy(row, sorted, (size_t)classes * sizeof *row);
            row += classes;
        }
        if (set & RSC_MIA_FEAT_CORRECT)
            *row++ = arg == y ? 1.0 : 0.0;
        if (set & (RSC_MIA_FEAT_SOFTMAX | RSC_MIA_FEAT_LOSS)) {
            /* softmax is increasing in the logit, so the sorted
             * probabilities are the softmax of the sorted logits */
            double m = sorted[classes - 1], sum = 0;
            for (int c = 0; c < classes; c++)
                sum += exp(sorted[c] - m);
            if (set & RSC_MIA_FEAT_SOFTMAX) {
                for (int c = 0; c < classes; c++)
                    row[c] = exp(sorted[c] - m) / sum;
                row += classes;
            }
            if (set & RSC_MIA_FEAT_LOSS)
                *row++ = m + log(sum) - (double)l[y];
        }
    }
    free(sorted);
    return 0;
}

void rsc_mia_scaler_free(rsc_mia_scaler *s)
{
    free(s->mean);
    free(s->scale);
    s->mean = s->scale = NULL;
    s->d = 0;
}

/* "feature 3 (name)" or "feature 3" */
static void feature_label(char *buf, size_t size, int j, const char *const *names)
{
    if (names && names[j])
        snprintf(buf, size, "feature %d (%s)", j + 1, names[j]);
    else
        snprintf(buf, size, "feature %d", j + 1);
}

int rsc_mia_scaler_fit(rsc_mia_scaler *s, const double *x, size_t n, int d,
                       const char *const *names, rsc_error *err)
{
    s->d = 0;
    s->mean = s->scale = NULL;
    if (d < 1)
        return rsc_fail(err, "attack training set: no features");
    if (n < 2)
        return rsc_fail(err, "attack training set: %zu rows (need at least 2)", n);
    double *mean = rsc_calloc((size_t)d, sizeof *mean, err);
    double *scale = mean ? rsc_calloc((size_t)d, sizeof *scale, err) : NULL;
    double *lo = scale ? rsc_malloc((size_t)d, sizeof *lo, err) : NULL;
    double *hi = lo ? rsc_malloc((size_t)d, sizeof *hi, err) : NULL;
    double *corr = hi ? rsc_calloc((size_t)d, sizeof *corr, err) : NULL;
    char label[256];
    if (!corr)
        goto fail;
    for (int j = 0; j < d; j++)
        lo[j] = hi[j] = x[j];
    for (size_t i = 0; i < n; i++) {
        const double *r = x + i * (size_t)d;
        for (int j = 0; j < d; j++) {
            if (!isfinite(r[j])) {
                feature_label(label, sizeof label, j, names);
                rsc_fail(err, "attack training set: row %zu, %s is %s", i + 1, label,
                         isnan(r[j]) ? "NaN" : "infinite");
                goto fail;
            }
            mean[j] += r[j];
            if (r[j] < lo[j])
                lo[j] = r[j];
            if (r[j] > hi[j])
                hi[j] = r[j];
        }
    }
    for (int j = 0; j < d; j++) {
        if (lo[j] == hi[j]) {
            feature_label(label, sizeof label, j, names);
            rsc_fail(err, "%s is constant over the attack training set", label);
            goto fail;
        }
        mean[j] /= (double)n;
    }
    /* second pass: sum of squares about the mean, corrected by the
     * (rounding-only) sum of the deviations */
    for (size_t i = 0; i < n; i++) {
        const double *r = x + i * (size_t)d;
        for (int j = 0; j < d; j++) {
            double dev = r[j] - mean[j];
            scale[j] += dev * dev;
            corr[j] += dev;
        }
    }
    for (int j = 0; j < d; j++) {
        double var = (scale[j] - corr[j] * corr[j] / (double)n) / (double)n;
        scale[j] = sqrt(var);
        if (!(scale[j] > 0) || !isfinite(scale[j])) {
            feature_label(label, sizeof label, j, names);
            rsc_fail(err, "%s has no usable spread over the attack training set "
                     "(standard deviation %g)", label, scale[j]);
            goto fail;
        }
    }
    free(lo);
    free(hi);
    free(corr);
    s->d = d;
    s->mean = mean;
    s->scale = scale;
    return 0;
fail:
    free(mean);
    free(scale);
    free(lo);
    free(hi);
    free(corr);
    return -1;
}

void rsc_mia_scaler_apply(const rsc_mia_scaler *s, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double *r = x + i * (size_t)s->d;
        for (int j = 0; j < s->d; j++)
            r[j] = (r[j] - s->mean[j]) / s->scale[j];
    }
}
