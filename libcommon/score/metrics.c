/* metrics.c - clean/spurious accuracy, spurious score, prediction
 * difference and attack success rate, accumulated batch by batch. */
#include "score/metrics.h"

#include <math.h>

int rsc_argmax_f32(const float *v, int k)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        if (v[c] > v[best] || (isnan(v[best]) && !isnan(v[c])))
            best = c;
    return best;
}

int rsc_metrics_init(rsc_metrics_acc *a, int classes, int target, double epsilon, rsc_error *err)
{
    if (classes < 2)
        return rsc_fail(err, "metrics: %d classes (need at least 2)", classes);
    if (target < 0 || target >= classes)
        return rsc_fail(err, "metrics: target class %d is not in [0, %d]", target, classes - 1);
    if (!isfinite(epsilon))
        return rsc_fail(err, "metrics: epsilon is not a finite number");
    *a = (rsc_metrics_acc){ .classes = classes, .target = target, .epsilon = (float)epsilon,
                            .pd_max = -INFINITY };
    return 0;
}

int rsc_metrics_add(rsc_metrics_acc *a, const float *clean, const float *patterned,
                    const int32_t *y, size_t n, rsc_error *err)
{
    const int k = a->classes, t = a->target;
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= k)
            return rsc_fail(err, "metrics: example %zu has label %d, not in [0, %d]",
                            a->n + i, (int)y[i], k - 1);
    }
    for (size_t i = 0; i < n; i++) {
        const float *pc = clean + i * (size_t)k, *pp = patterned + i * (size_t)k;
        int label = y[i];
        if (rsc_argmax_f32(pc, k) == label)
            a->n_correct++;
        if (label != t) {
            int pred = rsc_argmax_f32(pp, k);
            a->n_nontarget++;
            if (pred == label)
                a->n_sp_correct++;
            if (pred == t)
                a->n_asr++;
        }
        /* float - float rounded to float, compared with float epsilon:
         * what "(p_sp[:, t] - p[:, t]) > eps" does on float32 arrays. */
        volatile float d = pp[t] - pc[t];
        if (d > a->epsilon)
            a->n_spurious++;
        a->pd_sum += d;
        if (d > a->pd_max || isnan(d))   /* a NaN, once seen, stays */
            a->pd_max = d;
    }
    a->n += n;
    return 0;
}

void rsc_metrics_result(const rsc_metrics_acc *a, rsc_metrics *out)
{
    double n = (double)a->n, m = (double)a->n_nontarget;
    out->n_test = a->n;
    out->n_nontarget = a->n_nontarget;
    out->clean_acc = a->n ? a->n_correct / n : NAN;
    out->spurious_score = a->n ? a->n_spurious / n : NAN;
    out->pd_mean = a->n ? a->pd_sum / n : NAN;
    out->pd_max = a->n ? a->pd_max : NAN;
    out->spurious_acc = a->n_nontarget ? a->n_sp_correct / m : NAN;
    out->asr = a->n_nontarget ? a->n_asr / m : NAN;
}

int rsc_metrics_compute(const float *clean, const float *patterned, const int32_t *y,
                        size_t n, int classes, int target, double epsilon,
                        rsc_metrics *out, rsc_error *err)
{
    rsc_metrics_acc a;
    if (rsc_metrics_init(&a, classes, target, epsilon, err) != 0 ||
        rsc_metrics_add(&a, clean, patterned, y, n, err) != 0)
        return -1;
    rsc_metrics_result(&a, out);
    return 0;
}
