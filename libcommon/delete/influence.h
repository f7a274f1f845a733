/* influence.h - first-order group influence (Koh and Liang's influence
 * functions for a deleted group, doc/paper-facts.md "Data deletion"):
 * the summed gradient of the deleted examples, its inverse-Hessian
 * product by LiSSA or, for small models, by an exact solve, and the
 * update of the parameters.
 *
 * For the training objective (1/N) sum_i L_i + (wd/2) |theta|^2 and a
 * deleted set Z of m examples (p = m/N), removing Z moves the minimum to
 *   theta_-Z ~ theta + (1 / ((1 - p) N)) H^-1 sum_{z in Z} g_z,
 * g_z = grad L_z + wd theta, H the Hessian of the objective (first order:
 * one Newton step of the objective without Z from theta).  By linearity
 * one inverse-Hessian product of the summed gradient is enough. */
#ifndef RSC_DELETE_INFLUENCE_H
#define RSC_DELETE_INFLUENCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/dataset.h"
#include "delete/hvp.h"

/* Fetch training rows idx[0..n) of split sp as floats (CHW, [0,1],
 * spurious rows substituted) and their labels. */
void rsc_split_rows(const rsc_split *sp, const int64_t *idx, size_t n, float *x, int32_t *y);

/* v = sum over the m examples idx of (grad L_z + wd theta), theta the
 * network's parameters (host copy, rsc_hvp_size floats); v is host. */
int rsc_influence_gradient(rsc_hvp *h, const rsc_split *train, const int64_t *idx, size_t m,
                           double wd, const float *theta, float *v, rsc_error *err);

typedef struct rsc_lissa_opts {
    double damp;             /* 0 <= damp < 1 */
    double scale;            /* > 0 */
    int depth, repeats, batch;
    uint64_t seed;           /* the sampling stream: rsc_rng_derive(seed, RSC_RNG_LISSA) */
    double weight_decay;     /* added to the Hessian: + wd I */
    /* Divergence: |h_j| > bound |v| / damp (a contraction never exceeds
     * |v| / damp) or not finite.  Default 100. */
    double bound;
    /* Called after each repeat with the norm of its estimate h / scale
     * (may be NULL). */
    void (*on_repeat)(void *ud, int repeat, int repeats, double norm);
    void *ud;
} rsc_lissa_opts;

/* The reference's settings: damp 0.01, repeats 10, batch 1; scale 25
 * (mnist), 100 (fashion and any other name), 1000 (cifar10); depth 2000
 * when m < 100 else 1000 (cifar10: 200).  bound 100, seed 0, no weight
 * decay. */
void rsc_lissa_defaults(rsc_lissa_opts *o, const char *dataset, size_t m);

/* LiSSA: for each repeat, h_0 = v and
 *   h_j = v + (1 - damp) h_{j-1} - (H_j h_{j-1}) / scale,  j = 1..depth,
 * H_j the Hessian (mean loss, + wd I) on `batch` training examples drawn
 * uniformly with replacement from all of sp (a batch of at least sp->n:
 * the whole of sp, H_j = H); out = mean over the repeats
 * of h_depth / scale, an estimate of (H + damp scale I)^-1 v.  v and out
 * are host arrays of rsc_hvp_size floats (h's batch size must be at
 * least o->batch).  Fails on divergence with a message that names
 * --scale. */
int rsc_influence_lissa(rsc_hvp *h, const rsc_split *train, const float *v,
                        const rsc_lissa_opts *o, float *out, rsc_error *err);

/* Largest model the exact solve takes (parameters). */
#define RSC_INFLUENCE_EXACT_MAX 4096

/* out = (H + (wd + shift) I)^-1 v with H the Hessian of the mean loss
 * over every example of sp, built column by column from Hessian-vector
 * products and solved by Cholesky in double.  shift = damp * scale gives
 * LiSSA's limit.  Fails on a model over RSC_INFLUENCE_EXACT_MAX
 * parameters or a Hessian that is not positive definite. */
int rsc_influence_exact(rsc_hvp *h, const rsc_split *train, const float *v, double wd,
                        double shift, float *out, rsc_error *err);

/* theta += hinv / ((1 - p) N) = hinv / (N - m), n parameters. */
void rsc_influence_update(float *theta, const float *hinv, size_t n, size_t ntrain, size_t m);

#endif
