/* roc.h - how well a membership score separates members from
 * non-members: accuracy and advantage at a decision threshold, the ROC
 * curve, its area (ties handled exactly) and the TPR at a fixed low FPR,
 * the measure of Carlini et al. (2022).
 *
 * A score is higher for "more likely a member".  Scores must be finite
 * (the caller drops examples it could not score); member[i] is 1 for a
 * member (positive), 0 for a non-member. */
#ifndef RSC_MIA_ROC_H
#define RSC_MIA_ROC_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct rsc_mia_metrics {
    size_t n_members, n_nonmembers;
    double threshold;          /* "member" iff score > threshold */
    double accuracy;           /* (TP + TN) / n at the threshold */
    double balanced_accuracy;  /* (TPR + TNR) / 2 at the threshold */
    double tpr, fpr;           /* at the threshold */
    double advantage;          /* tpr - fpr: the membership advantage */
    double auc;                /* area under the ROC curve, ties count half */
} rsc_mia_metrics;

/* Metrics of n scores at a decision threshold (the logistic attack: 0 on
 * the decision value; LiRA online: 0 on the log-likelihood ratio).  Fails
 * with a message naming the example (0-based) on a non-finite score or a
 * member flag other than 0/1, and when either class is absent. */
int rsc_mia_metrics_compute(const double *score, const uint8_t *member, size_t n,
                            double threshold, rsc_mia_metrics *m, rsc_error *err);

/* AUC alone: the Mann-Whitney statistic, the fraction of (member,
 * non-member) pairs in which the member scores higher, a tie counting
 * one half; computed exactly in integers (2U / (2 P N)).  Same failures as
 * rsc_mia_metrics_compute. */
int rsc_mia_auc(const double *score, const uint8_t *member, size_t n, double *auc, rsc_error *err);

typedef struct rsc_roc_point {
    double threshold;    /* "member" iff score >= threshold */
    size_t fp, tp;       /* non-members and members at or above it */
    double fpr, tpr;     /* fp / non-members, tp / members */
} rsc_roc_point;

typedef struct rsc_roc {
    size_t n_members, n_nonmembers;
    size_t n;               /* points */
    rsc_roc_point *points;  /* owned; thresholds decreasing */
} rsc_roc;

/* The ROC curve: the point (0, 0) at threshold +infinity, then one point
 * per distinct score, from the highest down, so the last is (1, 1) at the
 * lowest score (scikit-learn's roc_curve with drop_intermediate=False).
 * Fails as rsc_mia_metrics_compute; roc is then empty (safe to free). */
int rsc_roc_compute(const double *score, const uint8_t *member, size_t n, rsc_roc *roc,
                    rsc_error *err);

/* TPR at a fixed FPR: the largest TPR among the curve's points whose FPR
 * is at most target (0 <= target <= 1; FPR over ALL non-members, so with
 * fewer than 1 / target non-members only points without a false positive
 * qualify).  The comparison is made in counts, fp <= target * N, with a
 * relative allowance of 1e-12 for the rounding of target * N (a target of
 * 0.01 with 300 non-members allows 3).  If fp_out is not NULL it receives
 * the number of false positives at the chosen point. */
double rsc_roc_tpr_at_fpr(const rsc_roc *roc, double target, size_t *fp_out);

/* The threshold of that point ("member" iff score >= it; +infinity when
 * no point but (0, 0) qualifies): to ask how many of a subset of the
 * members (the spurious examples) the attack finds at that FPR. */
double rsc_roc_threshold_at_fpr(const rsc_roc *roc, double target);

void rsc_roc_free(rsc_roc *roc);

#endif
