/* parallel.c - the workers of a training step: one, or data-parallel
 * replicas on sibling backends (parallel.h). */
#include "config.h"

#include "train/parallel.h"

#include <stdlib.h>
#include <string.h>

#include "nn/arch.h"

struct rsc_workers {
    rsc_backend *be;          /* the trainer's (not owned) */
    rsc_net *net;             /* the trainer's (not owned) */
    rsc_optim *opt;           /* not owned */
    rsc_rng *dropout;         /* the trainer's stream (not owned) */
    int n;                    /* workers */
    rsc_worker *w;
    /* Replicas (n > 1): replica r's sibling backend and network in w[r],
     * owned here, and its dropout stream. */
    rsc_rng *rrng;
    int has_dropout;
    rsc_buf **gview;          /* gview[r * n + k]: range k of replica r's gradient */
    rsc_buf **pview, **mview, **vview;   /* range k of P and of the optimiser state */
};

/* Replicas the backend can run for this network: its thread count,
 * lowered until each replica gets at least 16 examples; 1 for none. */
static int replica_count(const rsc_backend *be, const rsc_net *net, int max_batch)
{
    if (!be->parallel || !be->sibling || net->nstates > 0)
        return 1;
    int T = be->threads;
    while (T > 1 && max_batch / T < 16)
        T--;
    return T;
}

static int add_replicas(rsc_workers *w, const char *arch, int classes, int max_batch,
                        rsc_error *err)
{
    int T = w->n;
    w->rrng = calloc((size_t)T, sizeof *w->rrng);
    w->gview = calloc((size_t)T * T, sizeof *w->gview);
    w->pview = calloc((size_t)T, sizeof *w->pview);
    w->mview = calloc((size_t)T, sizeof *w->mview);
    w->vview = calloc((size_t)T, sizeof *w->vview);
    if (!w->rrng || !w->gview || !w->pview || !w->mview || !w->vview)
        return rsc_fail(err, "out of memory");
    int per = (max_batch + T - 1) / T;
    size_t n = w->net->nparam_total;
    for (int r = 0; r < T; r++) {
        rsc_worker *wk = &w->w[r];
        if (!(wk->be = w->be->sibling(w->be, err)))
            return -1;
        wk->net = rsc_net_new(wk->be, w->net->input, per, err);
        if (!wk->net || rsc_arch_build(wk->net, arch, classes, err) != 0 ||
            rsc_net_share_params(wk->net, w->net, err) != 0)
            return -1;
        wk->net->dropout_rng = &w->rrng[r];
        for (int k = 0; k < T; k++) {
            size_t lo = n * (size_t)k / (size_t)T, hi = n * (size_t)(k + 1) / (size_t)T;
            w->gview[r * T + k] = wk->be->view(wk->be, wk->net->G, lo * sizeof(float),
                                               (hi - lo) * sizeof(float), err);
            if (!w->gview[r * T + k])
                return -1;
        }
        /* Range r of the parameters and the optimiser state, for thread r. */
        size_t lo = n * (size_t)r / (size_t)T, len = n * (size_t)(r + 1) / (size_t)T - lo;
        rsc_backend *b = wk->be;
        if (!(w->pview[r] = b->view(b, w->net->P, lo * sizeof(float), len * sizeof(float), err)))
            return -1;
        if (w->opt->m &&
            !(w->mview[r] = b->view(b, w->opt->m, lo * sizeof(float), len * sizeof(float), err)))
            return -1;
        if (w->opt->v &&
            !(w->vview[r] = b->view(b, w->opt->v, lo * sizeof(float), len * sizeof(float), err)))
            return -1;
    }
    for (int i = 0; i < w->net->nlayers; i++)
        if (strcmp(w->net->layers[i].ops->kind, "dropout") == 0)
            w->has_dropout = 1;
    return 0;
}

rsc_workers *rsc_workers_new(rsc_backend *be, rsc_net *net, const char *arch, int classes,
                             int max_batch, rsc_optim *opt, rsc_rng *dropout, rsc_error *err)
{
    rsc_workers *w = rsc_calloc(1, sizeof *w, err);
    if (!w)
        return NULL;
    w->be = be;
    w->net = net;
    w->opt = opt;
    w->dropout = dropout;
    w->n = replica_count(be, net, max_batch);
    if (!(w->w = rsc_calloc((size_t)w->n, sizeof *w->w, err))) {
        free(w);
        return NULL;
    }
    if (w->n == 1) {
        w->w[0] = (rsc_worker){ be, net, 0, 0 };
        return w;
    }
    if (add_replicas(w, arch, classes, max_batch, err) != 0) {
        rsc_workers_free(w);
        return NULL;
    }
    return w;
}

void rsc_workers_free(rsc_workers *w)
{
    if (!w)
        return;
    if (w->n > 1) {
        for (int k = 0; k < w->n; k++) {
            rsc_backend *b = w->w[k].be;
            if (!b)
                continue;
            if (w->pview)
                b->free(b, w->pview[k]);
            if (w->mview)
                b->free(b, w->mview[k]);
            if (w->vview)
                b->free(b, w->vview[k]);
        }
        for (int r = 0; r < w->n; r++) {
            rsc_backend *b = w->w[r].be;
            for (int k = 0; b && w->gview && k < w->n; k++)
                b->free(b, w->gview[r * w->n + k]);
            rsc_net_free(w->w[r].net);
            rsc_backend_close(b);
        }
    }
    free(w->pview);
    free(w->mview);
    free(w->vview);
    free(w->gview);
    free(w->rrng);
    free(w->w);
    free(w);
}

int rsc_workers_count(const rsc_workers *w)
{
    return w->n;
}

int rsc_workers_max_rows(const rsc_workers *w)
{
    return w->n == 1 ? w->net->max_batch : w->w[0].net->max_batch;
}

rsc_worker *rsc_workers_get(rsc_workers *w, int i)
{
    return &w->w[i];
}

typedef struct run_ctx {
    rsc_workers *w;
    void (*fn)(void *arg, rsc_worker *wk, int i);
    void *arg;
    int fuse_update;
    double clip_value, lr;
} run_ctx;

static void run_one(void *arg, int i)
{
    run_ctx *c = arg;
    c->fn(c->arg, &c->w->w[i], i);
}

void rsc_workers_run(rsc_workers *w, int b, void (*fn)(void *arg, rsc_worker *wk, int i),
                     void *arg)
{
    for (int i = 0; i < w->n; i++) {
        w->w[i].lo = (int)((long)b * i / w->n);
        w->w[i].hi = (int)((long)b * (i + 1) / w->n);
    }
    if (w->n == 1) {
        fn(arg, &w->w[0], 0);
        return;
    }
    if (w->has_dropout)
        for (int r = 0; r < w->n; r++)
            rsc_rng_derive(&w->rrng[r], rsc_rng_seed64(w->dropout), RSC_RNG_DROPOUT);
    run_ctx c = { w, fn, arg, 0, 0, 0 };
    w->be->parallel(w->be, w->n, run_one, &c);
}

/* Thread k: replica 0's gradient range k += the other replicas', in
 * replica order; then, fused, clip and update that range. */
static void reduce_range(void *arg, int k)
{
    run_ctx *c = arg;
    rsc_workers *w = c->w;
    int T = w->n;
    rsc_backend *be = w->w[k].be;
    rsc_buf *dst = w->gview[k];
    size_t len = be->size(dst) / sizeof(float);
    for (int r = 1; r < T; r++)
        be->axpy(be, len, 1.0f, w->gview[r * T + k], dst);
    if (c->fuse_update) {
        if (c->clip_value > 0)
            be->clamp(be, dst, len, (float)-c->clip_value, (float)c->clip_value);
        rsc_optim_apply(w->opt, be, w->pview[k], dst, w->mview[k], w->vview[k], len, c->lr);
    }
}

rsc_buf *rsc_workers_gradient(rsc_workers *w, int fuse_update, double clip_value, double lr,
                              int *updated)
{
    *updated = 0;
    if (w->n == 1)
        return w->net->G;
    run_ctx c = { w, NULL, NULL, fuse_update, clip_value, lr };
    if (fuse_update)
        rsc_optim_begin_step(w->opt);
    w->be->parallel(w->be, w->n, reduce_range, &c);
    *updated = fuse_update;
    return w->w[0].net->G;
}

int rsc_workers_get_sums(rsc_workers *w, double out[2], rsc_error *err)
{
    out[0] = out[1] = 0;
    for (int r = 0; r < w->n; r++) {
        rsc_backend *b = w->w[r].be;
        double s[2];
        if (b->download(b, s, w->w[r].net->stats, 0, sizeof s, err) != 0)
            return -1;
        out[0] += s[0];
        out[1] += s[1];
    }
    return 0;
}

int rsc_workers_set_sums(rsc_workers *w, const double in[2], rsc_error *err)
{
    static const double zero[2] = { 0, 0 };
    for (int r = 0; r < w->n; r++) {
        rsc_backend *b = w->w[r].be;
        if (b->upload(b, w->w[r].net->stats, 0, r ? zero : in, 2 * sizeof(double), err) != 0)
            return -1;
    }
    return 0;
}
