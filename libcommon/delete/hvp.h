/* hvp.h - exact Hessian-vector products of the softmax cross-entropy of a
 * network (Pearlmutter's R-operator: a forward pass of directional
 * derivatives, then the backward pass differentiated along the same
 * direction), and the gradient on the same batch, on the network's
 * backend.
 *
 * Two modes, both of the evaluation-mode network (dropout the identity,
 * batch norm an affine map with its running statistics, as the reference
 * code, which computes its gradients after model.eval()):
 * - exact (RSC_HVP_EXACT): the R-operator through linear, ReLU, flatten
 *   and dropout layers, i.e. the architectures linear, mlp-small, mlp and
 *   mlp-large.  A ReLU's second derivative is 0 almost everywhere, so with
 *   softmax cross-entropy the R-backward of a ReLU is its backward mask
 *   and the loss's second derivative with respect to the logits is the
 *   backend's xent_hvp.
 * - central difference (RSC_HVP_FD), for every other network (the
 *   convolutional architectures): with G(theta) the network's own
 *   gradient (forward and backward on the backend),
 *     H v ~ (G(theta + eps v) - G(theta - eps v)) / (2 eps),
 *     eps = step * max(|theta|, 1) / |v|,
 *   so the parameters move by step * max(|theta|, 1) in norm.  The error
 *   is a truncation term O(eps^2 |v|^3) (and any ReLU kinks crossed) plus
 *   float32 rounding: of theta +- eps v (u |theta| per element, u =
 *   2^-24) and of the two gradients, both divided by 2 eps; their sum is
 *   smallest for a step of order u^(1/3).  RSC_HVP_STEP was chosen by
 *   measurement against the exact mode (tests/test-delete.c,
 *   rsc-delete(1)).  The parameters are restored bit for bit after each
 *   product.
 *
 * Conventions: L_i is the loss of example i of the current batch; with
 * scale s, rsc_hvp_grad gives s * sum_i grad L_i and rsc_hvp_apply
 * s * sum_i H_i v (s = 1/n: the batch mean).  No weight-decay term: the
 * caller adds wd * theta or wd * v. */
#ifndef RSC_DELETE_HVP_H
#define RSC_DELETE_HVP_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "nn/net.h"

typedef struct rsc_hvp rsc_hvp;

enum { RSC_HVP_EXACT = 0, RSC_HVP_FD = 1 };

/* The default relative step of the central difference, and the relative
 * disagreement of its one-sided differences taken as a kink. */
#define RSC_HVP_STEP 1e-4
#define RSC_HVP_AGREE 0.1

/* For net (finalised; not owned; its parameters are read at each call),
 * batches of at most max_batch examples: the exact mode when every layer
 * allows it, else the central difference (whose batches are at most the
 * network's own max_batch: the largest batch is rsc_hvp_max_batch). */
rsc_hvp *rsc_hvp_new(rsc_net *net, int max_batch, rsc_error *err);
/* A given mode; RSC_HVP_EXACT fails with a message naming the first
 * unsupported layer and the supported architectures. */
rsc_hvp *rsc_hvp_new_mode(rsc_net *net, int max_batch, int mode, rsc_error *err);
void rsc_hvp_free(rsc_hvp *h);

/* 1 when every layer of net allows the exact mode (no allocation). */
int rsc_hvp_supported(const rsc_net *net, rsc_error *err);

/* 1 in the exact mode, 0 in the central-difference one. */
int rsc_hvp_exact(const rsc_hvp *h);
/* The central difference's relative step (default RSC_HVP_STEP), and
 * the eps of the last product (0 in the exact mode). */
void rsc_hvp_set_step(rsc_hvp *h, double step);
double rsc_hvp_last_step(const rsc_hvp *h);
/* The central difference's products so far, those that fell back to a
 * one-sided difference (a kink crossed), and those of them whose check
 * at eps / 8 disagreed too (kinks on both sides). */
void rsc_hvp_fd_counts(const rsc_hvp *h, long *products, long *one_sided, long *unchecked);

/* Number of parameters (the length of the vectors), the largest batch,
 * the backend. */
size_t rsc_hvp_size(const rsc_hvp *h);
int rsc_hvp_max_batch(const rsc_hvp *h);
rsc_backend *rsc_hvp_be(rsc_hvp *h);

/* The current batch: n <= max_batch host images (n x input size floats)
 * and labels; runs the forward pass and the backward pass of activations. */
int rsc_hvp_set_batch(rsc_hvp *h, const float *x, const int32_t *y, int n, rsc_error *err);

/* Backend buffers of rsc_hvp_size floats: the direction v (filled by the
 * caller, e.g. with be->copy or upload) and the result of the calls
 * below. */
rsc_buf *rsc_hvp_vec(rsc_hvp *h);
rsc_buf *rsc_hvp_out(rsc_hvp *h);

/* out = scale * sum over the batch of grad L_i (parameter layout of the
 * network's flat buffer). */
void rsc_hvp_grad(rsc_hvp *h, float scale);
/* out = scale * sum over the batch of H_i v, v = rsc_hvp_vec().  Fails
 * only on a backend error or a direction that is not finite (the
 * central difference reads |v| back). */
int rsc_hvp_apply(rsc_hvp *h, float scale, rsc_error *err);

#endif
