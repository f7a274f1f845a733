/* stack.h - k networks of one MLP architecture (flatten, linear layers,
 * ReLUs fused into them: the MLPs and the linear model of arch.h) stacked
 * for lockstep training (train/group.h).  Their parameters sit side by
 * side in one flat buffer, model i's nparam values at i * nparam in the
 * network's own order (so a model's slice is its net->P); activations
 * and gradients hold the k models' batches one after another (model i's
 * b rows of f features at i * b * f); every layer of all models is one
 * batched backend call (backend.h, the *_batched operations), the ReLU's
 * backward one elementwise call over all of them.  Each model computes
 * what its own network's forward, loss and backward compute (the same
 * backend operations on its slices). */
#ifndef RSC_NN_STACK_H
#define RSC_NN_STACK_H

#include <stddef.h>

#include "base/error.h"
#include "kernels/backend.h"
#include "nn/net.h"

typedef struct rsc_stack_linear {
    int in, out, relu;          /* features; a ReLU follows (fused) */
    size_t w, b;                /* offsets of weight and bias in a model's parameters */
    rsc_buf *pw, *pb, *gw, *gb; /* views of P and G from model 0's weight / bias on */
} rsc_stack_linear;

typedef struct rsc_net_stack {
    rsc_backend *be;            /* not owned */
    int k, max_batch, classes, nlin;
    size_t in_size, nparam;
    rsc_stack_linear *lin;
    rsc_buf *P, *G;             /* k * nparam floats */
    rsc_buf **act, **grad;      /* nlin + 1 each: k * max_batch * features floats (grad[0] NULL) */
    rsc_buf *labels;            /* k * max_batch int32 */
    rsc_buf *stats;             /* k * 2 doubles: each model's loss sum and correct count */
} rsc_net_stack;

/* The stack of nets[0..k) (finalised, the same architecture and batch
 * size, on one backend), with their current parameters copied in.  NULL
 * with a message when a network is not of the stackable kind. */
rsc_net_stack *rsc_net_stack_new(rsc_net *const *nets, int k, rsc_error *err);
void rsc_net_stack_free(rsc_net_stack *s);

/* Copy model i's parameters from the stack into net (its own network). */
void rsc_net_stack_store(rsc_net_stack *s, int i, rsc_net *net);

/* The input batch (act[0]): k * batch rows, model i's from i * batch. */
rsc_buf *rsc_net_stack_input(rsc_net_stack *s);
/* Forward pass of every model's batch of `batch` examples. */
void rsc_net_stack_forward(rsc_net_stack *s, int batch);
/* Cross-entropy of every model's logits with the labels in s->labels:
 * adds each model's {loss sum, correct count} to its two doubles of
 * stats (k pairs); with want_grad, the logits' gradient times grad_scale
 * for backward. */
void rsc_net_stack_loss(rsc_net_stack *s, int batch, int want_grad, float grad_scale,
                        rsc_buf *stats);
/* Backward pass from the loss's gradient: fills G. */
void rsc_net_stack_backward(rsc_net_stack *s, int batch);

#endif
