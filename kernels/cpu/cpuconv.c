/* cpuconv.c - the CPU backend's convolutional operations: the kernels of
 * conv.c split across the thread pool.
 *
 * Work is split into up to CHUNKS_PER_THREAD chunks per thread, which the
 * threads take as they become free, so that a thread slowed by the
 * machine's other work takes fewer of them.  Convolutions split the batch
 * into contiguous ranges of examples; a running chunk takes one of the
 * workspace's per-thread scratch slots (columns, packed images).  The
 * weight gradient of each range goes to its own partial sum in the
 * workspace; the partials are then added in range order, so the result
 * depends on the thread count but not on scheduling.  Pooling splits
 * planes, batch norm splits channels (each channel's statistics are one
 * thread's sum in a fixed order), the rest split examples. */
#include "config.h"

#include "kernels/cpu/conv.h"
#include "kernels/cpu/internal.h"

#include <stdatomic.h>
#include <string.h>

enum { CHUNKS_PER_THREAD = 2 };

static int threads_of(rsc_backend *be)
{
    return ((cpu_impl *)be->impl)->threads;
}

static rsc_cpu_pool *pool_of(rsc_backend *be)
{
    return ((cpu_impl *)be->impl)->pool;
}

/* Chunks for `items` independent items of `work` flops or bytes each:
 * inline below ~64k units of work, else up to CHUNKS_PER_THREAD per
 * thread. */
static int chunks_for(rsc_backend *be, size_t items, double work)
{
    int T = threads_of(be);
    if (T < 2 || items < 2 || (double)items * work < 65536.0)
        return 1;
    size_t most = (size_t)T * CHUNKS_PER_THREAD;
    return items < most ? (int)items : (int)most;
}

static void range_of(size_t total, int chunk, int nchunks, size_t *lo, size_t *hi)
{
    *lo = total * (size_t)chunk / (size_t)nchunks;
    *hi = total * (size_t)(chunk + 1) / (size_t)nchunks;
}

/* ------------------------------------------------------------ convolution */

/* Per-chunk column buffer: for the convolution itself and, with stride
 * 1, for the transposed one of the input gradient. */
static size_t col_floats(const rsc_conv_geom *g)
{
    size_t c = rsc_cpu_conv_scratch(g);
    if ((rsc_cpu_direct_pays(g, 0) || rsc_cpu_direct_pays(g, 1)) &&
        rsc_cpu_direct_scratch(g) > c)
        c = rsc_cpu_direct_scratch(g);
    rsc_conv_geom t;
    if (rsc_cpu_conv_bwd_geom(g, &t)) {
        if (rsc_cpu_conv_scratch(&t) > c)
            c = rsc_cpu_conv_scratch(&t);
        if (rsc_cpu_direct_pays(&t, 0) && rsc_cpu_direct_scratch(&t) > c)
            c = rsc_cpu_direct_scratch(&t);
    }
    return (c + 15) / 16 * 16;
}

static size_t dw_floats(const rsc_conv_geom *g)
{
    size_t c = (size_t)g->o * g->c * g->kh * g->kw + (size_t)g->o;
    return (c + 15) / 16 * 16;
}

/* Chunks per thread of a convolution: one where each chunk's partial
 * weight gradient would be large (VGG16's 512 x 512 layers: 9 MiB), so
 * that the workspace stays near what one thread's share needs. */
static int conv_chunks_per_thread(const rsc_conv_geom *g)
{
    return dw_floats(g) <= (1u << 18) ? CHUNKS_PER_THREAD : 1;
}

/* Workspace: per-thread scratch slots, then the chunks' partial weight
 * gradients, then the flipped kernel of the input gradient. */
static size_t cpu_conv_workspace(rsc_backend *be, const rsc_conv_geom *g, int max_batch)
{
    (void)max_batch;
    size_t T = (size_t)threads_of(be);
    return (T * col_floats(g) + (T * conv_chunks_per_thread(g) + 1) * dw_floats(g)) *
           sizeof(float);
}

static float *partials_of(const rsc_conv_geom *g, float *ws, int T)
{
    return ws + (size_t)T * col_floats(g);
}

static float *flipped_of(const rsc_conv_geom *g, float *ws, int T)
{
    return partials_of(g, ws, T) + (size_t)T * conv_chunks_per_thread(g) * dw_floats(g);
}

typedef struct conv_task {
    const rsc_conv_geom *g;
    const rsc_conv_geom *tg;  /* transposed geometry of the input gradient, or NULL */
    int batch, kind;          /* 0 forward, 1 data, 2 filter, 3 filter and data */
    const float *x, *w, *b, *dy;
    float *y, *dx, *dw, *db, *ws;
    int nchunks, threads;
    atomic_int *slot_busy;    /* per scratch slot: 1 while a chunk uses it */
} conv_task;

/* A free scratch slot: at most `threads` chunks run at once, so one is. */
static int take_slot(conv_task *t)
{
    for (;;)
        for (int s = 0; s < t->threads; s++) {
            int z = 0;
            if (atomic_compare_exchange_strong(&t->slot_busy[s], &z, 1))
                return s;
        }
}

static void conv_chunk(void *arg, int chunk, int nchunks)
{
    conv_task *t = arg;
    size_t lo, hi;
    range_of((size_t)t->batch, chunk, nchunks, &lo, &hi);
    int slot = take_slot(t);
    float *col = t->ws + (size_t)slot * col_floats(t->g);
    switch (t->kind) {
    case 0:
        if (rsc_cpu_direct_pays(t->g, 0))
            rsc_cpu_direct_fwd(t->g, (int)lo, (int)hi, t->x, t->w, t->b, t->y, col);
        else
            rsc_cpu_conv_fwd(t->g, (int)lo, (int)hi, t->x, t->w, t->b, t->y, col);
        break;
    case 1:
        if (t->tg && rsc_cpu_direct_pays(t->tg, 0))
            rsc_cpu_direct_fwd(t->tg, (int)lo, (int)hi, t->dy, t->w, NULL, t->dx, col);
        else if (t->tg)
            rsc_cpu_conv_fwd(t->tg, (int)lo, (int)hi, t->dy, t->w, NULL, t->dx, col);
        else
            rsc_cpu_conv_bwd_data(t->g, (int)lo, (int)hi, t->dy, t->w, t->dx, col);
        break;
    default: {
        size_t nw = (size_t)t->g->o * t->g->c * t->g->kh * t->g->kw;
        float *dw = t->dw, *db = t->db;
        if (nchunks > 1) {
            dw = partials_of(t->g, t->ws, t->threads) + (size_t)chunk * dw_floats(t->g);
            db = t->db ? dw + nw : NULL;
        }
        if (t->kind == 3)
            rsc_cpu_direct_bwd(t->g, (int)lo, (int)hi, t->x, t->dy, t->w, dw, db, t->dx, col);
        else if (rsc_cpu_direct_pays(t->g, 1))
            rsc_cpu_direct_bwd_filter(t->g, (int)lo, (int)hi, t->x, t->dy, dw, db, 0, col);
        else
            rsc_cpu_conv_bwd_filter(t->g, (int)lo, (int)hi, t->x, t->dy, dw, db, 0, col);
        break;
    }
    }
    atomic_store(&t->slot_busy[slot], 0);
}

static void run_conv(rsc_backend *be, conv_task *t)
{
    const rsc_conv_geom *g = t->g;
    double flops = 2.0 * g->o * g->c * g->kh * g->kw * g->oh * g->ow;
    int n = chunks_for(be, (size_t)t->batch, flops / 16);
    if (n > threads_of(be) * conv_chunks_per_thread(g))
        n = threads_of(be) * conv_chunks_per_thread(g);
    t->nchunks = n;
    t->threads = threads_of(be);
    atomic_int busy[t->threads];
    for (int i = 0; i < t->threads; i++)
        atomic_init(&busy[i], 0);
    t->slot_busy = busy;
    rsc_cpu_pool_run(pool_of(be), conv_chunk, t, n);
    t->slot_busy = NULL;
}

static void cpu_conv_fwd(rsc_backend *be, const rsc_conv_geom *g, int batch, const rsc_buf *x,
                         const rsc_buf *w, const rsc_buf *bias, rsc_buf *y, rsc_buf *ws)
{
    if (batch <= 0)
        return;
    conv_task t = { .g = g, .batch = batch, .kind = 0, .x = CF(x), .w = CF(w),
                    .b = bias ? CF(bias) : NULL, .y = F(y), .ws = ws ? F(ws) : NULL };
    run_conv(be, &t);
}

static void cpu_conv_bwd_data(rsc_backend *be, const rsc_conv_geom *g, int batch,
                              const rsc_buf *dy, const rsc_buf *w, rsc_buf *dx, rsc_buf *ws)
{
    if (batch <= 0)
        return;
    conv_task t = { .g = g, .batch = batch, .kind = 1, .dy = CF(dy), .w = CF(w), .dx = F(dx),
                    .ws = ws ? F(ws) : NULL };
    /* The transposed convolution (im2col of dy, one GEMM) where its
     * column matrix is no larger than the convolution's own: with the
     * padding of a "same" convolution.  Without padding (the CNN) it would
     * pad dy by kh - 1 on each side, and the GEMM then col2im of
     * rsc_cpu_conv_bwd_data is faster (CNN training step: 5-10%). */
    rsc_conv_geom tg;
    if (t.ws && rsc_cpu_conv_bwd_geom(g, &tg) &&
        (rsc_cpu_direct_pays(&tg, 0) || rsc_cpu_conv_col_size(&tg) <= rsc_cpu_conv_col_size(g))) {
        float *wt = flipped_of(g, t.ws, threads_of(be));
        rsc_cpu_conv_flip_weights(g, t.w, wt);
        t.w = wt;
        t.tg = &tg;
    }
    run_conv(be, &t);
}

/* dw (and db) of a weight-gradient task of several chunks: their partial
 * sums added in chunk order. */
static void sum_partials(rsc_backend *be, const conv_task *t)
{
    const rsc_conv_geom *g = t->g;
    size_t nw = (size_t)g->o * g->c * g->kh * g->kw;
    if (t->nchunks == 1)
        return;
    for (int k = 0; k < t->nchunks; k++) {
        const float *part = partials_of(g, t->ws, threads_of(be)) + (size_t)k * dw_floats(g);
        if (k == 0) {
            memcpy(t->dw, part, nw * sizeof(float));
            if (t->db)
                memcpy(t->db, part + nw, (size_t)g->o * sizeof(float));
            continue;
        }
        for (size_t i = 0; i < nw; i++)
            t->dw[i] += part[i];
        if (t->db)
            for (int i = 0; i < g->o; i++)
                t->db[i] += part[nw + (size_t)i];
    }
}

static void cpu_conv_bwd_filter(rsc_backend *be, const rsc_conv_geom *g, int batch,
                                const rsc_buf *x, const rsc_buf *dy, rsc_buf *dw, rsc_buf *db,
                                rsc_buf *ws)
{
    size_t nw = (size_t)g->o * g->c * g->kh * g->kw;
    conv_task t = { .g = g, .batch = batch, .kind = 2, .x = CF(x), .dy = CF(dy), .dw = F(dw),
                    .db = db ? F(db) : NULL, .ws = ws ? F(ws) : NULL };
    if (batch <= 0) {
        memset(t.dw, 0, nw * sizeof(float));
        if (t.db)
            memset(t.db, 0, (size_t)g->o * sizeof(float));
        return;
    }
    run_conv(be, &t);
    sum_partials(be, &t);
}

/* Both gradients: in one pass over the examples where the direct kernels
 * do both (dy packed once), else one call after the other. */
static void cpu_conv_bwd(rsc_backend *be, const rsc_conv_geom *g, int batch, const rsc_buf *x,
                         const rsc_buf *dy, const rsc_buf *w, rsc_buf *dw, rsc_buf *db,
                         rsc_buf *dx, rsc_buf *ws)
{
    rsc_conv_geom tg;
    if (batch <= 0 || !ws || !rsc_cpu_direct_both(g) || !rsc_cpu_direct_pays(g, 1) ||
        !rsc_cpu_conv_bwd_geom(g, &tg) || !rsc_cpu_direct_pays(&tg, 0)) {
        cpu_conv_bwd_filter(be, g, batch, x, dy, dw, db, ws);
        cpu_conv_bwd_data(be, g, batch, dy, w, dx, ws);
        return;
    }
    conv_task t = { .g = g, .tg = &tg, .batch = batch, .kind = 3, .x = CF(x), .dy = CF(dy),
                    .dw = F(dw), .db = db ? F(db) : NULL, .dx = F(dx), .ws = F(ws) };
    float *wt = flipped_of(g, t.ws, threads_of(be));
    rsc_cpu_conv_flip_weights(g, CF(w), wt);
    t.w = wt;
    run_conv(be, &t);
    sum_partials(be, &t);
}

/* ------------------------------------------------------------ pooling */

typedef struct pool_task {
    const rsc_pool_geom *g;
    int h, w, oh, ow, kind;   /* 0 max fwd, 1 max bwd, 2 avg fwd, 3 avg bwd */
    size_t planes;
    const float *in;
    float *out;
    int32_t *arg;
} pool_task;

static void pool_chunk(void *a, int chunk, int nchunks)
{
    pool_task *t = a;
    size_t lo, hi;
    range_of(t->planes, chunk, nchunks, &lo, &hi);
    switch (t->kind) {
    case 0:
        rsc_cpu_maxpool_fwd(t->g, lo, hi, t->in, t->out, t->arg);
        break;
    case 1:
        rsc_cpu_maxpool_bwd(t->g, lo, hi, t->in, t->arg, t->out);
        break;
    case 2:
        rsc_cpu_avgpool_fwd(t->h, t->w, t->oh, t->ow, lo, hi, t->in, t->out);
        break;
    default:
        rsc_cpu_avgpool_bwd(t->h, t->w, t->oh, t->ow, lo, hi, t->in, t->out);
        break;
    }
}

static void run_pool(rsc_backend *be, pool_task *t, size_t per_plane)
{
    rsc_cpu_pool_run(pool_of(be), pool_chunk, t, chunks_for(be, t->planes, (double)per_plane));
}

static void cpu_maxpool_fwd(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                            const rsc_buf *x, rsc_buf *y, rsc_buf *arg)
{
    pool_task t = { .g = g, .kind = 0, .planes = planes, .in = CF(x), .out = F(y),
                    .arg = (int32_t *)arg->data };
    run_pool(be, &t, (size_t)g->h * g->w);
}

static void cpu_maxpool_bwd(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                            const rsc_buf *dy, const rsc_buf *arg, rsc_buf *dx)
{
    pool_task t = { .g = g, .kind = 1, .planes = planes, .in = CF(dy), .out = F(dx),
                    .arg = (int32_t *)arg->data };
    run_pool(be, &t, (size_t)g->h * g->w);
}

static void cpu_avgpool_fwd(rsc_backend *be, int h, int w, int oh, int ow, size_t planes,
                            const rsc_buf *x, rsc_buf *y)
{
    pool_task t = { .h = h, .w = w, .oh = oh, .ow = ow, .kind = 2, .planes = planes,
                    .in = CF(x), .out = F(y) };
    run_pool(be, &t, (size_t)h * w + (size_t)oh * ow);
}

static void cpu_avgpool_bwd(rsc_backend *be, int h, int w, int oh, int ow, size_t planes,
                            const rsc_buf *dy, rsc_buf *dx)
{
    pool_task t = { .h = h, .w = w, .oh = oh, .ow = ow, .kind = 3, .planes = planes,
                    .in = CF(dy), .out = F(dx) };
    run_pool(be, &t, (size_t)h * w + (size_t)oh * ow);
}

/* ------------------------------------------------------------ batch norm */

typedef struct bn_task {
    int n, c, hw, kind;       /* 0 train, 1 eval, 2 backward */
    int relu;
    const float *x, *gamma, *beta, *dy, *yr, *mean_c, *invstd_c, *rm_c, *rv_c;
    float *y, *mean, *invstd, *rm, *rv, *dx, *dgamma, *dbeta;
    float momentum, eps;
} bn_task;

static void bn_chunk(void *a, int chunk, int nchunks)
{
    bn_task *t = a;
    size_t lo, hi;
    range_of((size_t)t->c, chunk, nchunks, &lo, &hi);
    switch (t->kind) {
    case 0:
        rsc_cpu_bn_fwd_train(t->n, t->c, t->hw, (int)lo, (int)hi, t->x, t->gamma, t->beta, t->y,
                             t->mean, t->invstd, t->rm, t->rv, t->momentum, t->eps, t->relu);
        break;
    case 1:
        rsc_cpu_bn_fwd_eval(t->n, t->c, t->hw, (int)lo, (int)hi, t->x, t->gamma, t->beta,
                            t->rm_c, t->rv_c, t->eps, t->y, t->relu);
        break;
    default:
        rsc_cpu_bn_bwd(t->n, t->c, t->hw, (int)lo, (int)hi, t->x, t->dy, t->yr, t->gamma,
                       t->mean_c, t->invstd_c, t->dx, t->dgamma, t->dbeta);
        break;
    }
}

static void run_bn(rsc_backend *be, bn_task *t)
{
    rsc_cpu_pool_run(pool_of(be), bn_chunk, t,
                     chunks_for(be, (size_t)t->c, 3.0 * t->n * (double)t->hw));
}

static void cpu_bn_fwd_train(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                             const rsc_buf *gamma, const rsc_buf *beta, rsc_buf *y,
                             rsc_buf *save_mean, rsc_buf *save_invstd, rsc_buf *run_mean,
                             rsc_buf *run_var, float momentum, float eps, int relu)
{
    bn_task t = { .n = n, .c = c, .hw = hw, .kind = 0, .relu = relu, .x = CF(x), .gamma = CF(gamma),
                  .beta = CF(beta), .y = F(y), .mean = F(save_mean), .invstd = F(save_invstd),
                  .rm = run_mean ? F(run_mean) : NULL, .rv = run_var ? F(run_var) : NULL,
                  .momentum = momentum, .eps = eps };
    run_bn(be, &t);
}

static void cpu_bn_fwd_eval(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                            const rsc_buf *gamma, const rsc_buf *beta, const rsc_buf *run_mean,
                            const rsc_buf *run_var, float eps, rsc_buf *y, int relu)
{
    bn_task t = { .n = n, .c = c, .hw = hw, .kind = 1, .relu = relu, .x = CF(x), .gamma = CF(gamma),
                  .beta = CF(beta), .rm_c = CF(run_mean), .rv_c = CF(run_var), .y = F(y),
                  .eps = eps };
    run_bn(be, &t);
}

static void cpu_bn_bwd(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                       const rsc_buf *dy, const rsc_buf *y, const rsc_buf *gamma,
                       const rsc_buf *save_mean, const rsc_buf *save_invstd, rsc_buf *dx,
                       rsc_buf *dgamma, rsc_buf *dbeta)
{
    bn_task t = { .n = n, .c = c, .hw = hw, .kind = 2, .x = CF(x), .dy = CF(dy),
                  .yr = y ? CF(y) : NULL,
                  .gamma = CF(gamma), .mean_c = CF(save_mean), .invstd_c = CF(save_invstd),
                  .dx = dx ? F(dx) : NULL, .dgamma = F(dgamma), .dbeta = F(dbeta) };
    run_bn(be, &t);
}

/* ------------------------------------------------------------ per-example ops */

typedef struct ex_task {
    int kind, batch, c, h, w, pad, accumulate;
    const rsc_shortcut_geom *sg;
    const float *in, *a, *b;
    float *out;
    const int32_t *prm;
} ex_task;

static void ex_chunk(void *arg, int chunk, int nchunks)
{
    ex_task *t = arg;
    size_t lo, hi;
    range_of((size_t)t->batch, chunk, nchunks, &lo, &hi);
    int n0 = (int)lo, n1 = (int)hi;
    switch (t->kind) {
    case 0:
        rsc_cpu_shortcut_fwd(t->sg, n0, n1, t->in, t->out, t->accumulate);
        break;
    case 1:
        rsc_cpu_shortcut_bwd(t->sg, n0, n1, t->in, t->out, t->accumulate);
        break;
    case 2:
        rsc_cpu_chan_norm_fwd(t->c, t->h * t->w, n0, n1, t->in, t->a, t->b, t->out);
        break;
    case 3:
        rsc_cpu_chan_norm_bwd(t->c, t->h * t->w, n0, n1, t->in, t->b, t->out);
        break;
    default:
        rsc_cpu_crop_flip(t->c, t->h, t->w, t->pad, n0, n1, t->prm, t->in, t->out);
        break;
    }
}

static void run_ex(rsc_backend *be, ex_task *t, size_t per_example)
{
    rsc_cpu_pool_run(pool_of(be), ex_chunk, t,
                     chunks_for(be, (size_t)t->batch, (double)per_example));
}

static void cpu_shortcut_fwd(rsc_backend *be, const rsc_shortcut_geom *g, int batch,
                             const rsc_buf *x, rsc_buf *y, int accumulate)
{
    ex_task t = { .kind = 0, .batch = batch, .sg = g, .in = CF(x), .out = F(y),
                  .accumulate = accumulate };
    run_ex(be, &t, (size_t)g->oc * g->oh * g->ow);
}

static void cpu_shortcut_bwd(rsc_backend *be, const rsc_shortcut_geom *g, int batch,
                             const rsc_buf *dy, rsc_buf *dx, int accumulate)
{
    ex_task t = { .kind = 1, .batch = batch, .sg = g, .in = CF(dy), .out = F(dx),
                  .accumulate = accumulate };
    run_ex(be, &t, (size_t)g->c * g->h * g->w);
}

static void cpu_chan_norm_fwd(rsc_backend *be, int c, int hw, int batch, const rsc_buf *x,
                              const rsc_buf *mean, const rsc_buf *std, rsc_buf *y)
{
    ex_task t = { .kind = 2, .batch = batch, .c = c, .h = hw, .w = 1, .in = CF(x),
                  .a = CF(mean), .b = CF(std), .out = F(y) };
    run_ex(be, &t, (size_t)c * hw);
}

static void cpu_chan_norm_bwd(rsc_backend *be, int c, int hw, int batch, const rsc_buf *dy,
                              const rsc_buf *std, rsc_buf *dx)
{
    ex_task t = { .kind = 3, .batch = batch, .c = c, .h = hw, .w = 1, .in = CF(dy),
                  .b = CF(std), .out = F(dx) };
    run_ex(be, &t, (size_t)c * hw);
}

static void cpu_crop_flip(rsc_backend *be, int c, int h, int w, int pad, int batch,
                          const rsc_buf *prm, const rsc_buf *x, rsc_buf *y)
{
    ex_task t = { .kind = 4, .batch = batch, .c = c, .h = h, .w = w, .pad = pad, .in = CF(x),
                  .out = F(y), .prm = (const int32_t *)prm->data };
    run_ex(be, &t, (size_t)c * h * w);
}

void rsc_cpu_conv_register(rsc_backend *be)
{
    be->conv_workspace = cpu_conv_workspace;
    be->conv_fwd = cpu_conv_fwd;
    be->conv_bwd_data = cpu_conv_bwd_data;
    be->conv_bwd_filter = cpu_conv_bwd_filter;
    be->conv_bwd = cpu_conv_bwd;
    be->maxpool_fwd = cpu_maxpool_fwd;
    be->maxpool_bwd = cpu_maxpool_bwd;
    be->avgpool_fwd = cpu_avgpool_fwd;
    be->avgpool_bwd = cpu_avgpool_bwd;
    be->bn_fwd_train = cpu_bn_fwd_train;
    be->bn_fwd_eval = cpu_bn_fwd_eval;
    be->bn_bwd = cpu_bn_bwd;
    be->shortcut_fwd = cpu_shortcut_fwd;
    be->shortcut_bwd = cpu_shortcut_bwd;
    be->chan_norm_fwd = cpu_chan_norm_fwd;
    be->chan_norm_bwd = cpu_chan_norm_bwd;
    be->crop_flip = cpu_crop_flip;
}
