/* lira.h - the likelihood-ratio membership attack (LiRA; Carlini et al.,
 * "Membership Inference Attacks From First Principles", 2022).
 *
 * K shadow models are trained on random halves of a pool of n examples,
 * so each example is "in" some of them and "out" of the rest.  Per
 * example, the statistic is the logit-scaled confidence
 *     phi = log(p / (1 - p)),  p = softmax(logits)[y],
 * which is close to Gaussian over training runs.  A Gaussian is fitted to
 * phi over the shadows that had the example in, one over those that had it
 * out; the target model's phi is then scored:
 *   online:  log N(phi; mu_in, s_in^2) - log N(phi; mu_out, s_out^2)
 *            (the log-likelihood ratio; > 0 favours "member");
 *   offline: Phi((phi - mu_out) / s_out), the normal CDF of the "out"
 *            Gaussian (1 minus the one-sided p-value of "x was out";
 *            higher = more likely a member); uses no "in" model.
 * Means are per example.  Variances are unbiased sample variances, either
 * per example (SS_i / (n_i - 1), SS_i the sum of squared deviations from
 * the example's mean over its n_i shadows on that side) or, with few
 * shadows, one per side pooled over all examples: sum SS_i / sum (n_i - 1)
 * (examples with one shadow on the side add nothing).  RSC_LIRA_VAR_AUTO
 * pools when K < 64, as Carlini et al. recommend.  (Their code takes the
 * median for the mean, numpy's std (divisor n_i) per example, and when
 * pooling the std of all "in" phi around one global mean, for both sides;
 * this follows the paper's description: Gaussian fits per example, one
 * variance per side.)
 * Augmentations (the paper's optional flip): fit and score each
 * augmentation's phi separately and average the online scores, as
 * Carlini et al. do. */
#ifndef RSC_MIA_LIRA_H
#define RSC_MIA_LIRA_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* phi = logit_y - logsumexp(other logits) for one example of k >= 2
 * classes, in double precision without overflow (p near 1 gives a large
 * positive phi, not infinity).  Returns NaN for a non-finite logit. */
double rsc_lira_phi(const float *logits, int k, int y);

/* phi of n examples (logits n x k, labels in [0, k)) into phi[0..n).
 * Fails with a message naming the example (0-based) on a label out of
 * range or a non-finite logit. */
int rsc_lira_phis(const float *logits, const int32_t *labels, size_t n, int k, double *phi,
                  rsc_error *err);

enum {
    RSC_LIRA_VAR_AUTO = 0,     /* pooled if K < 64, else per example */
    RSC_LIRA_VAR_POOLED = 1,   /* one variance per side, pooled over examples */
    RSC_LIRA_VAR_PER_EXAMPLE = 2,
};

/* The fitted shadow Gaussians.  For an example without a shadow on a
 * side, that side's mean (and variance) is NaN and its count 0. */
typedef struct rsc_lira_fit {
    size_t n;
    int K;
    int pooled;                 /* 1 if the variances are pooled */
    double *mu_in, *mu_out;     /* n each, owned */
    double *var_in, *var_out;   /* n each, owned: the variance each score uses
                                   (the pooled one repeated when pooled) */
    int *n_in, *n_out;          /* n each, owned: shadows per side */
    double pooled_var_in, pooled_var_out;  /* NaN unless pooled */
} rsc_lira_fit;

/* Fit from the shadows: phi[s * n + i] is shadow s's phi for example i,
 * in[s * n + i] is 1 if example i was in shadow s's training set, else 0
 * (K >= 1 shadows, n >= 1).  var_mode is one of RSC_LIRA_VAR_*.  Fails
 * with a message, leaving fit empty (safe to free), on a non-finite phi
 * (naming shadow and example, both 0-based) or an in flag other than 0/1.
 * Too few shadows on a side (for an example, or for the pooled variance:
 * NaN when no example has two) is not an error here: scoring decides. */
int rsc_lira_fit_shadows(const double *phi, const uint8_t *in, int K, size_t n, int var_mode,
                         rsc_lira_fit *fit, rsc_error *err);

void rsc_lira_fit_free(rsc_lira_fit *fit);

/* Flags for the scoring functions */
enum {
    /* An example the attack cannot score (online: no "in" or no "out"
     * shadow; offline: no "out" shadow; per-example variances: fewer than
     * 2 shadows or zero variance on a side used) gets the score NaN instead
     * of failing the call; the caller leaves it out of the evaluation and
     * reports how many.  With K shadows each example misses a side with
     * probability 2^(1-K), so small K needs this. */
    RSC_LIRA_SKIP_UNSCORABLE = 1u << 0,
};

/* Online scores of the target model's phi_target[0..n) into score[0..n).
 * Returns the number of unscorable examples (>= 0; only with
 * RSC_LIRA_SKIP_UNSCORABLE can it be > 0), or -1 with a message naming
 * the first unscorable example and how many there are, a non-finite
 * phi_target, or a pooled variance of a side it uses that is undefined
 * (no example with two shadows on that side) or zero (whatever the flags). */
long rsc_lira_score_online(const rsc_lira_fit *fit, const double *phi_target, unsigned flags,
                           double *score, rsc_error *err);

/* Offline scores (CDF of the "out" Gaussian at phi_target) into score; if
 * z is not NULL it receives (phi - mu_out) / s_out, which ranks the same
 * but does not saturate at 1 for strong members (use it for TPR at very
 * low FPR).  Returns and fails as rsc_lira_score_online. */
long rsc_lira_score_offline(const rsc_lira_fit *fit, const double *phi_target, unsigned flags,
                            double *score, double *z, rsc_error *err);

#endif
