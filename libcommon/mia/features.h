/* features.h - the membership-inference attack's input: per-example
 * features of a model's outputs (the paper's App. B.2: the logits sorted
 * ascending and whether the prediction is correct; optionally the sorted
 * softmax probabilities and the cross-entropy loss), and their
 * standardisation with the attack training set's statistics. */
#ifndef RSC_MIA_FEATURES_H
#define RSC_MIA_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Feature groups, combined with |.  In a feature row they always come in
 * this order, whichever are chosen:
 *   LOGITS   the k logits sorted ascending ("sorted logit 1" is the smallest)
 *   CORRECT  1 if the prediction (the first maximum logit) is the label, else 0
 *   SOFTMAX  the k softmax probabilities sorted ascending
 *   LOSS     the cross-entropy loss -log softmax(logits)[y]
 * RSC_MIA_FEAT_DEFAULT is the paper's choice: k + 1 features. */
enum {
    RSC_MIA_FEAT_LOGITS = 1u << 0,
    RSC_MIA_FEAT_CORRECT = 1u << 1,
    RSC_MIA_FEAT_SOFTMAX = 1u << 2,
    RSC_MIA_FEAT_LOSS = 1u << 3,
    RSC_MIA_FEAT_ALL = (1u << 4) - 1,
};
#define RSC_MIA_FEAT_DEFAULT (RSC_MIA_FEAT_LOGITS | RSC_MIA_FEAT_CORRECT)

/* Number of features per example for a set of groups and k classes.
 * Returns -1 with a message when the set is empty or has unknown bits, or
 * when classes < 2. */
int rsc_mia_feature_count(unsigned set, int classes, rsc_error *err);

/* The name of feature j (0-based) of the set, for messages and table
 * headers: "sorted logit 3", "correct", "sorted softmax 3", "loss" (ranks
 * 1-based).  Writes "feature J" for j outside the set.  Always
 * NUL-terminates buf (size >= 1). */
void rsc_mia_feature_name(unsigned set, int classes, int j, char *buf, size_t size);

/* Features of n examples: logits[i*classes + c] is the model's raw output
 * for class c, labels[i] in [0, classes).  Writes n rows of
 * rsc_mia_feature_count(set, classes) doubles to x (row-major, caller's
 * buffer).  Softmax and loss are computed in double precision from the
 * float logits, stably (max subtracted).  Returns -1 with a message naming
 * the example (0-based) on a non-finite logit or a label out of range; x
 * is then partly written. */
int rsc_mia_features(const float *logits, const int32_t *labels, size_t n, int classes,
                     unsigned set, double *x, rsc_error *err);

/* Standardisation x' = (x - mean) / scale, fitted on the attack training
 * set: mean and POPULATION standard deviation (divisor n, as
 * scikit-learn's StandardScaler), by two passes with the rounding
 * correction of the second (StandardScaler's formula). */
typedef struct rsc_mia_scaler {
    int d;
    double *mean;   /* d, owned */
    double *scale;  /* d, owned; every entry > 0 */
} rsc_mia_scaler;

/* Fit s on n rows of d features (row-major x).  names, if not NULL, holds d
 * feature names used in messages.  Fails, leaving s empty (safe to free),
 * on n < 2, d < 1, a non-finite value ("row 4, feature 2 (f2) is NaN") or a
 * feature that is constant over the rows ("feature 3 (sorted logit 3) is
 * constant over the attack training set"; without names "feature 3 is
 * constant ...").  Features are numbered from 1 in messages. */
int rsc_mia_scaler_fit(rsc_mia_scaler *s, const double *x, size_t n, int d,
                       const char *const *names, rsc_error *err);

/* Standardise n rows of s->d features in place. */
void rsc_mia_scaler_apply(const rsc_mia_scaler *s, double *x, size_t n);

/* Free what s owns and empty it (s itself is the caller's). */
void rsc_mia_scaler_free(rsc_mia_scaler *s);

#endif
