/* metrics.h - what rsc-score measures: clean and spurious accuracy, the
 * epsilon-spurious score, the prediction difference and the attack success
 * rate, from softmax probabilities (doc/paper-facts.md, "Metrics").
 *
 * The accumulator takes the test set batch by batch, so that inference never
 * needs every probability in memory; the result does not depend on how the
 * examples are split into batches. */
#ifndef RSC_METRICS_H
#define RSC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct rsc_metrics {
    double clean_acc;       /* argmax f(x) == y, over all examples */
    double spurious_acc;    /* argmax f(Phi(x)) == y, over examples with y != target */
    double spurious_score;  /* share of ALL examples with f_t(Phi(x)) - f_t(x) > epsilon */
    double pd_mean;         /* mean of f_t(Phi(x)) - f_t(x) over all examples */
    double pd_max;          /* its maximum */
    double asr;             /* argmax f(Phi(x)) == target, over examples with y != target */
    size_t n_test;          /* examples seen */
    size_t n_nontarget;     /* examples with y != target (denominator of spurious_acc, asr) */
} rsc_metrics;

typedef struct rsc_metrics_acc {
    int classes, target;
    float epsilon;          /* compared in single precision, as the reference */
    size_t n, n_correct, n_nontarget, n_sp_correct, n_spurious, n_asr;
    double pd_sum, pd_max;
} rsc_metrics_acc;

/* Start an accumulator: classes >= 2, 0 <= target < classes.  Returns -1
 * with a message on bad arguments. */
int rsc_metrics_init(rsc_metrics_acc *a, int classes, int target, double epsilon, rsc_error *err);

/* Add n examples: clean[i*classes + c] = f_c(x_i), patterned likewise for
 * Phi(x_i), labels y[i] in [0, classes).  The prediction is the first class
 * of highest probability (as torch.argmax).  The prediction difference is
 * the float difference f_t(Phi(x)) - f_t(x) (as the reference computes it
 * on float32 arrays) and counts for the score when strictly greater than
 * epsilon rounded to float.  Returns -1 on a label out of range (message
 * names the example index, counted from the first add). */
int rsc_metrics_add(rsc_metrics_acc *a, const float *clean, const float *patterned,
                    const int32_t *y, size_t n, rsc_error *err);

/* The metrics so far.  With no example every rate is NaN; with no example
 * of a non-target class spurious_acc and asr are NaN. */
void rsc_metrics_result(const rsc_metrics_acc *a, rsc_metrics *out);

/* One-shot form of init + add + result. */
int rsc_metrics_compute(const float *clean, const float *patterned, const int32_t *y,
                        size_t n, int classes, int target, double epsilon,
                        rsc_metrics *out, rsc_error *err);

/* Index of the largest of v[0..k) (the first on ties; NaN never wins). */
int rsc_argmax_f32(const float *v, int k);

#endif
