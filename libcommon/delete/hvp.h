/* hvp.h - exact Hessian-vector products of the softmax cross-entropy of a
 * network (Pearlmutter's R-operator: a forward pass of directional
 * derivatives, then the backward pass differentiated along the same
 * direction), and the gradient on the same batch, on the network's
 * backend.
 *
 * Supported layers: linear, ReLU, flatten and dropout (identity: the
 * Hessian is that of the evaluation-mode network), i.e. the architectures
 * linear, mlp-small, mlp and mlp-large.  A ReLU's second derivative is 0
 * almost everywhere, so with softmax cross-entropy the R-backward of a
 * ReLU is its backward mask and the loss's second derivative with respect
 * to the logits is the backend's xent_hvp.
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

/* For net (finalised; not owned; its parameters are read at each call),
 * batches of at most max_batch examples.  Fails with a message naming the
 * first unsupported layer and the supported architectures. */
rsc_hvp *rsc_hvp_new(rsc_net *net, int max_batch, rsc_error *err);
void rsc_hvp_free(rsc_hvp *h);

/* 1 when every layer of net is supported (no allocation). */
int rsc_hvp_supported(const rsc_net *net, rsc_error *err);

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
/* out = scale * sum over the batch of H_i v, v = rsc_hvp_vec(). */
void rsc_hvp_apply(rsc_hvp *h, float scale);

#endif
