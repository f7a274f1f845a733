/* roc.c - attack metrics from membership scores. */
#include "mia/roc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct scored {
    double s;
    uint8_t m;
} scored;

/* decreasing score */
static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x < y) - (x > y);
}

static int check(const double *score, const uint8_t *member, size_t n, size_t count[2],
                 rsc_error *err)
{
    count[0] = count[1] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(score[i]))
            return rsc_fail(err, "example %zu: score is %s", i, isnan(score[i]) ? "NaN" : "infinite");
        if (member[i] > 1)
            return rsc_fail(err, "example %zu: member flag %u (must be 0 or 1)", i,
                            (unsigned)member[i]);
        count[member[i]]++;
    }
    if (count[1] == 0)
        return rsc_fail(err, "no member among the %zu scored examples", n);
    if (count[0] == 0)
        return rsc_fail(err, "no non-member among the %zu scored examples", n);
    return 0;
}

/* the examples sorted by decreasing score (NULL with a message on failure) */
static scored *sorted_scores(const double *score, const uint8_t *member, size_t n, rsc_error *err)
{
    scored *v = rsc_malloc(n, sizeof *v, err);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        v[i].s = score[i];
        v[i].m = member[i];
    }
    qsort(v, n, sizeof *v, cmp_scored);
    return v;
}

/* twice the Mann-Whitney U of the members over sorted v: for each group of
 * equal scores, its members beat the non-members below and tie with the
 * non-members inside */
static double auc_sorted(const scored *v, size_t n, const size_t count[2])
{
    uint64_t u2 = 0, neg_below = count[0];
    for (size_t i = 0; i < n;) {
        size_t j = i, pos = 0, neg = 0;
        for (; j < n && v[j].s == v[i].s; j++)
            *(v[j].m ? &pos : &neg) += 1;
        neg_below -= neg;
        u2 += (uint64_t)pos * (2 * neg_below + neg);
        i = j;
    }
    return (double)u2 / (2.0 * (double)count[0] * (double)count[1]);
}

int rsc_mia_auc(const double *score, const uint8_t *member, size_t n, double *auc, rsc_error *err)
{
    size_t count[2];
    if (check(score, member, n, count, err) != 0)
        return -1;
    scored *v = sorted_scores(score, member, n, err);
    if (!v)
        return -1;
    *auc = auc_sorted(v, n, count);
    free(v);
    return 0;
}

int rsc_mia_metrics_compute(const double *score, const uint8_t *member, size_t n,
                            double threshold, rsc_mia_metrics *m, rsc_error *err)
{
    size_t count[2];
    if (check(score, member, n, count, err) != 0)
        return -1;
    size_t tp = 0, fp = 0;
    for (size_t i = 0; i < n; i++)
        if (score[i] > threshold)
            *(member[i] ? &tp : &fp) += 1;
    memset(m, 0, sizeof *m);
    m->n_members = count[1];
    m->n_nonmembers = count[0];
    m->threshold = threshold;
    m->tpr = (double)tp / (double)count[1];
    m->fpr = (double)fp / (double)count[0];
    m->accuracy = (double)(tp + count[0] - fp) / (double)n;
    m->balanced_accuracy = (m->tpr + 1 - m->fpr) / 2;
    m->advantage = m->tpr - m->fpr;
    return rsc_mia_auc(score, member, n, &m->auc, err);
}

void rsc_roc_free(rsc_roc *roc)
{
    free(roc->points);
    memset(roc, 0, sizeof *roc);
}

int rsc_roc_compute(const double *score, const uint8_t *member, size_t n, rsc_roc *roc,
                    rsc_error *err)
{
    memset(roc, 0, sizeof *roc);
    size_t count[2];
    if (check(score, member, n, count, err) != 0)
        return -1;
    scored *v = sorted_scores(score, member, n, err);
    rsc_roc_point *p = v ? rsc_malloc(n + 1, sizeof *p, err) : NULL;
    if (!p) {
        free(v);
        return -1;
    }
    size_t k = 0, tp = 0, fp = 0;
    p[k++] = (rsc_roc_point){INFINITY, 0, 0, 0.0, 0.0};
    for (size_t i = 0; i < n;) {
        size_t j = i;
        for (; j < n && v[j].s == v[i].s; j++)
            *(v[j].m ? &tp : &fp) += 1;
        p[k++] = (rsc_roc_point){v[i].s, fp, tp, (double)fp / (double)count[0],
                                 (double)tp / (double)count[1]};
        i = j;
    }
    free(v);
    roc->n_members = count[1];
    roc->n_nonmembers = count[0];
    roc->n = k;
    roc->points = p;
    return 0;
}

/* The point of rsc_roc_tpr_at_fpr. */
static const rsc_roc_point *point_at_fpr(const rsc_roc *roc, double target)
{
    double budget = target * (double)roc->n_nonmembers * (1 + 1e-12);
    /* tp and fp grow along the curve: the last qualifying point is best */
    size_t best = 0;
    for (size_t k = 0; k < roc->n && (double)roc->points[k].fp <= budget; k++)
        best = k;
    return &roc->points[best];
}

double rsc_roc_tpr_at_fpr(const rsc_roc *roc, double target, size_t *fp_out)
{
    const rsc_roc_point *p = point_at_fpr(roc, target);
    if (fp_out)
        *fp_out = p->fp;
    return p->tpr;
}

double rsc_roc_threshold_at_fpr(const rsc_roc *roc, double target)
{
    return point_at_fpr(roc, target)->threshold;
}
