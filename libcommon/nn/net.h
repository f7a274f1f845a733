/* net.h - the network graph: an ordered list of layers over backend
 * buffers, with forward and backward passes and named parameters.
 *
 * Build a network with rsc_net_new(), the rsc_net_add_*() layer calls (or
 * rsc_arch_build(), arch.h) and rsc_net_finalize().  All parameters live in
 * one flat backend buffer (and their gradients in another), in the order
 * they were declared, each with a PyTorch name and shape ("fc1.weight",
 * [256, 784]): optimisers, clipping and file I/O work on the flat buffers,
 * layers on views of them.
 *
 * A layer kind is a table of callbacks (rsc_layer_ops) plus private state,
 * so new kinds (convolution, pooling, batch norm, residual blocks: a block
 * is a layer that owns a sub-list) add a file of their own and one
 * rsc_net_add_* constructor, without touching the graph code.
 *
 * Activations: act[0] is the input batch (max_batch x input size), act[i+1]
 * the output of layer i; grad[i] the gradient of the loss with respect to
 * act[i].  Pure reshapes alias their input; in-place layers (ReLU, dropout)
 * overwrite their input when the layer before them does not need its own
 * output for its backward pass.  A linear layer followed by a ReLU applies
 * the ReLU in its bias pass (fused); the ReLU then only does its backward. */
#ifndef RSC_NET_H
#define RSC_NET_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/backend.h"
#include "base/error.h"
#include "core/rng.h"

typedef struct rsc_shape {
    int c, h, w;              /* per example; flat features are c x 1 x 1 */
} rsc_shape;

static inline size_t rsc_shape_size(rsc_shape s)
{
    return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

#define RSC_PARAM_NAME 64

typedef struct rsc_param {
    char name[RSC_PARAM_NAME];   /* "fc1.weight" (the file adds "param/") */
    int ndim;
    int64_t dims[4];             /* PyTorch shape */
    size_t offset, count;        /* elements in the flat buffers */
    int fan_in;                  /* for initialisation */
    rsc_buf *p, *g;              /* views of the flat value/gradient buffers */
} rsc_param;

typedef struct rsc_net rsc_net;
typedef struct rsc_layer rsc_layer;

/* Scratch activation buffers of the R-operator (below). */
#define RSC_ROP_TMP 8

/* What a layer's R-operator callbacks work with (delete/hvp.c): for every
 * parameter k (net->params index), v[k] the direction's view and o[k] the
 * result's view, which rbackward overwrites with R(dL/dparam); tmp, each
 * max_batch x the largest activation of the network (a block's inner ones
 * included), free for the callback's own use. */
typedef struct rsc_rop {
    rsc_buf **v, **o;
    rsc_buf *tmp[RSC_ROP_TMP];
} rsc_rop;

typedef struct rsc_layer_ops {
    const char *kind;            /* "linear", "relu", ... */
    int alias;                   /* output is the input buffer, unchanged (reshape) */
    int inplace_ok;              /* may overwrite its input */
    int needs_output;            /* backward reads the layer's own output */
    /* Compute l->out from l->in and declare parameters
     * (rsc_net_declare_param); allocate nothing on the backend yet. */
    int (*setup)(rsc_net *net, rsc_layer *l, rsc_error *err);
    /* After the flat buffers exist: allocate per-layer scratch (max_batch
     * rows).  May be NULL. */
    int (*alloc)(rsc_net *net, rsc_layer *l, rsc_error *err);
    /* y = f(x) for `batch` examples; train selects training behaviour
     * (dropout on). */
    void (*forward)(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                    int train);
    /* Given dy, write the parameter gradients (overwriting) and, when dx is
     * not NULL, dx.  x and y are the forward input and output. */
    void (*backward)(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                     const rsc_buf *dy, rsc_buf *dx, int batch);
    /* Pearlmutter's R-operator in evaluation mode (dropout the identity,
     * batch norm with its running statistics), for exact Hessian-vector
     * products: R(f) is the derivative of f along the direction v of the
     * parameters.  rforward: ry = R(y) from the forward's x and y and
     * rx = R(x) (NULL: zero, before the first layer with parameters).
     * rbackward, after rsc_net_backward: from x, rx, y, the backward's dy
     * and rdy = R(dy), write R of the parameter gradients into r->o and,
     * when rdx is not NULL, rdx = R(dx); dy and rdy carry the loss's scale.
     * The net's gradient buffers G are free for scratch.  An in-place layer
     * gets ry == rx and rdx == rdy; the output y of a layer followed by an
     * in-place ReLU is the ReLU's output (rforward writes R of the layer's
     * own output, which the ReLU's rforward then masks).  Both NULL: the
     * layer has no R-operator (central differences are used instead). */
    void (*rforward)(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                     const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch);
    void (*rbackward)(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                      const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy, const rsc_buf *rdy,
                      rsc_buf *rdx, int batch);
    /* One line for --describe, e.g. "784 -> 256". */
    void (*describe)(const rsc_layer *l, char *buf, size_t size);
    void (*destroy)(rsc_net *net, rsc_layer *l);   /* free priv and scratch; may be NULL */
} rsc_layer_ops;

struct rsc_layer {
    const rsc_layer_ops *ops;
    char name[32];               /* "fc1", "relu1", ... */
    rsc_shape in, out;
    int param_first, nparams;    /* range in net->params */
    int fused;                   /* ReLU applied by the previous linear layer */
    int fuse_relu;               /* linear: apply the next layer's ReLU */
    int inplace;                 /* output overwrites the input buffer */
    void *priv;                  /* kind-specific state */
    int state_first, nstates;    /* range in net->states */
};

struct rsc_net {
    rsc_backend *be;             /* not owned */
    rsc_shape input;
    int classes;                 /* output size of the last layer (set by finalize) */
    int max_batch;
    rsc_layer *layers;
    int nlayers, cap_layers;
    rsc_param *params;
    int nparams, cap_params;
    size_t nparam_total;         /* elements */
    rsc_buf *P, *G;              /* flat parameters and gradients */
    rsc_buf **act, **grad;       /* nlayers + 1 each (aliases share handles' memory) */
    rsc_buf **owned;             /* activation buffers to free */
    int nowned;
    rsc_buf *labels;             /* int32 x max_batch */
    rsc_buf *stats;              /* two doubles: loss sum, correct count */
    rsc_rng *dropout_rng;        /* dropout seeds in training mode; NULL = seed 0 */
    int input_grad;              /* compute grad[0] in backward */
    int no_param_grads;          /* backward: activation gradients only, G left as
                                  * it was (linear and convolution layers skip
                                  * their weight gradients; delete/hvp.c) */
    int finalized;
    /* Non-trained state saved with the parameters (batch norm running
     * statistics, PyTorch's "buffers"): declared like parameters, with
     * PyTorch names and shapes, in the flat buffer S; no gradients (g is
     * NULL), never seen by optimisers or counted as parameters. */
    rsc_param *states;
    int nstates, cap_states;
    size_t nstate_total;         /* elements */
    rsc_buf *S;
};

/* A new empty network for inputs of shape `input`, batches of at most
 * max_batch examples, on backend be (not owned). */
rsc_net *rsc_net_new(rsc_backend *be, rsc_shape input, int max_batch, rsc_error *err);
void rsc_net_free(rsc_net *net);

/* Append a layer of kind ops with private state priv (owned by the layer
 * from now on, freed by ops->destroy, even on failure). */
int rsc_net_add(rsc_net *net, const rsc_layer_ops *ops, const char *name, void *priv,
                rsc_error *err);

/* For setup callbacks: declare a parameter of layer l ("<l->name>.<suffix>"). */
int rsc_net_declare_param(rsc_net *net, rsc_layer *l, const char *suffix, int ndim,
                          const int64_t *dims, int fan_in, rsc_error *err);

/* For setup callbacks: declare a state tensor of layer l
 * ("<l->name>.<suffix>", e.g. "bn1.running_mean"); zero after finalize
 * unless the layer's alloc callback sets it. */
int rsc_net_declare_state(rsc_net *net, rsc_layer *l, const char *suffix, int ndim,
                          const int64_t *dims, rsc_error *err);

/* Allocate parameters (zero), gradients and activations; fuse linear+ReLU.
 * The last layer's output must be flat (c x 1 x 1): its c is the class
 * count. */
int rsc_net_finalize(rsc_net *net, rsc_error *err);

/* The input batch buffer (act[0]): fill it (upload or gather), then
 * forward.  Returns the logits buffer (batch x classes). */
rsc_buf *rsc_net_input(rsc_net *net);
rsc_buf *rsc_net_forward(rsc_net *net, int batch, int train);
/* Softmax cross-entropy on the logits of the last forward with labels in
 * net->labels; adds {loss sum, correct} to net->stats, and with
 * want_grad writes d(mean loss)/d(logits) for backward. */
void rsc_net_loss(rsc_net *net, int batch, int want_grad);
/* The same with the gradient scaled by grad_scale instead of 1/batch (a
 * replica's share of a larger batch: 1/total). */
void rsc_net_loss_scaled(rsc_net *net, int batch, int want_grad, float grad_scale);
/* Backward pass from the logits gradient left by rsc_net_loss(): fills G
 * (and grad[0] when net->input_grad). */
void rsc_net_backward(rsc_net *net, int batch);

/* Make net use owner's parameter buffer (same architecture, finalised
 * both): net's own parameter storage is released and its parameter views
 * point into owner->P; gradients stay net's own.  For data-parallel
 * replicas on CPU backends.  owner must outlive net. */
int rsc_net_share_params(rsc_net *net, rsc_net *owner, rsc_error *err);

/* Parameters as one host array of nparam_total floats (download/upload). */
int rsc_net_get_params(rsc_net *net, float *host, rsc_error *err);
int rsc_net_set_params(rsc_net *net, const float *host, rsc_error *err);
int rsc_net_get_grads(rsc_net *net, float *host, rsc_error *err);
const rsc_param *rsc_net_find_param(const rsc_net *net, const char *name);
/* State tensors as one host array of nstate_total floats (0 elements: no
 * copy), and by name. */
int rsc_net_get_state(rsc_net *net, float *host, rsc_error *err);
int rsc_net_set_state(rsc_net *net, const float *host, rsc_error *err);
const rsc_param *rsc_net_find_state(const rsc_net *net, const char *name);

/* Human-readable table of layers and parameter counts (for --describe):
 * returns a malloc'ed string. */
char *rsc_net_describe(const rsc_net *net, rsc_error *err);

#endif
