/* parallel.h - the workers of a training step.
 *
 * A batch is computed by one worker, the trainer's network on the
 * trainer's backend, or, where the backend offers data parallelism (the
 * optional backend ops `sibling` and `parallel`: the CPU backend), by
 * replicas of the network that each run a part of every batch at the same
 * time, each on its own single-threaded sibling backend.  The trainer has
 * one training path over the workers, whichever they are.
 *
 * Replicas are used when the backend offers them, has at least two
 * threads, each replica gets at least 16 examples of a batch (their count
 * is lowered until it does), and the network has no layer with state
 * (batch norm: it normalises with the statistics of the whole batch and
 * keeps one set of running statistics).  Other networks, and every
 * network on a GPU, run the whole batch as one worker, the backend's
 * threads splitting each operation (the convolutions by examples).
 *
 * With n replicas, worker i runs rows [b*i/n, b*(i+1)/n) of a batch of b
 * with the parameters of the trainer's network (shared, not copied) and
 * its own gradient; the gradients are then summed into worker 0's, range
 * k of the parameters by thread k, in worker order.  When no global-norm
 * clipping is needed, range k is also clipped by value and updated by the
 * optimiser on thread k, while it is in that core's cache.  Results
 * depend on the number of workers (the thread count), not on scheduling. */
#ifndef RSC_PARALLEL_H
#define RSC_PARALLEL_H

#include "kernels/backend.h"
#include "base/error.h"
#include "core/rng.h"
#include "nn/net.h"
#include "nn/optim.h"

typedef struct rsc_worker {
    rsc_backend *be;
    rsc_net *net;
    int lo, hi;            /* its rows of the current batch */
} rsc_worker;

typedef struct rsc_workers rsc_workers;

/* The workers for net (built as architecture arch for `classes` classes)
 * on be, for batches of at most max_batch examples; opt updates net's
 * parameters.  dropout is the stream net's dropout layers draw from
 * (net->dropout_rng); replicas draw from their own streams, derived at
 * every step from a seed drawn from dropout, replica by replica
 * (rsc_rng_derive(seed, RSC_RNG_DROPOUT)), when the network has dropout
 * layers.  NULL with a message on failure. */
rsc_workers *rsc_workers_new(rsc_backend *be, rsc_net *net, const char *arch, int classes,
                             int max_batch, rsc_optim *opt, rsc_rng *dropout, rsc_error *err);
void rsc_workers_free(rsc_workers *w);

int rsc_workers_count(const rsc_workers *w);
/* The largest number of rows a worker takes of a batch. */
int rsc_workers_max_rows(const rsc_workers *w);
rsc_worker *rsc_workers_get(rsc_workers *w, int i);

/* One step's forward and backward passes on a batch of b examples: set
 * each worker's rows, then run fn(arg, worker, i) for every worker (the
 * replicas at once, on the backend's threads).  fn computes its worker's
 * gradient of the batch mean: the loss gradient scaled by 1/b. */
void rsc_workers_run(rsc_workers *w, int b, void (*fn)(void *arg, rsc_worker *wk, int i),
                     void *arg);

/* The batch's gradient: with replicas, their gradients summed into worker
 * 0's; with one worker, its own.  When fuse_update is non-zero and there
 * are replicas, each thread also clamps its range to [-clip_value,
 * clip_value] (when clip_value > 0) and applies the optimiser with
 * learning rate lr, and *updated is set to 1; otherwise *updated is 0 and
 * the caller clips and steps. */
rsc_buf *rsc_workers_gradient(rsc_workers *w, int fuse_update, double clip_value, double lr,
                              int *updated);

/* The loss and correct-prediction sums the workers' networks accumulate
 * (added in worker order); set: worker 0's to `in`, the others' to 0. */
int rsc_workers_get_sums(rsc_workers *w, double out[2], rsc_error *err);
int rsc_workers_set_sums(rsc_workers *w, const double in[2], rsc_error *err);

#endif
