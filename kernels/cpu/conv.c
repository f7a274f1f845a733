/* conv.c - the convolutions (backend.h: conv_workspace, conv_fwd,
 * conv_bwd_data, conv_bwd_filter, conv_bwd) on the thread pool, through
 * the kernels of kernels.h: the direct 3x3 convolution where it pays
 * (direct_pays), else im2col and GEMM.
 *
 * A convolution splits the batch into contiguous ranges of examples, up
 * to RSC_CPU_CHUNKS_PER_THREAD per thread (one where a chunk's partial
 * weight gradient would be large), which the threads take as they become
 * free.  A running chunk takes one of the workspace's per-thread scratch
 * slots (columns, packed images).  The weight gradient of each range goes
 * to its own partial sum in the workspace; the partials are then added in
 * range order, so the result depends on the thread count but not on
 * scheduling. */
#include "config.h"

#include "kernels/cpu/impl.h"

#include <stdatomic.h>
#include <string.h>

/* Per-chunk column buffer: for the convolution itself and, with stride
 * 1, for the transposed one of the input gradient. */
static size_t col_floats(const rsc_cpu_kernels *K, const rsc_conv_geom *g)
{
    size_t c = K->conv_scratch(g);
    if ((K->direct_pays(g, 0) || K->direct_pays(g, 1)) &&
        K->direct_scratch(g) > c)
        c = K->direct_scratch(g);
    rsc_conv_geom t;
    if (K->conv_bwd_geom(g, &t)) {
        if (K->conv_scratch(&t) > c)
            c = K->conv_scratch(&t);
        if (K->direct_pays(&t, 0) && K->direct_scratch(&t) > c)
            c = K->direct_scratch(&t);
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
    return dw_floats(g) <= (1u << 18) ? RSC_CPU_CHUNKS_PER_THREAD : 1;
}

/* Workspace: per-thread scratch slots, then the chunks' partial weight
 * gradients, then the flipped kernel of the input gradient. */
static size_t cpu_conv_workspace(rsc_backend *be, const rsc_conv_geom *g, int max_batch)
{
    (void)max_batch;
    size_t T = (size_t)threads_of(be);
    return (T * col_floats(kernels_of(be), g) +
            (T * conv_chunks_per_thread(g) + 1) * dw_floats(g)) * sizeof(float);
}

static float *partials_of(const rsc_cpu_kernels *K, const rsc_conv_geom *g, float *ws, int T)
{
    return ws + (size_t)T * col_floats(K, g);
}

static float *flipped_of(const rsc_cpu_kernels *K, const rsc_conv_geom *g, float *ws, int T)
{
    return partials_of(K, g, ws, T) + (size_t)T * conv_chunks_per_thread(g) * dw_floats(g);
}

typedef struct conv_task {
    const rsc_cpu_kernels *k;
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
    const rsc_cpu_kernels *K = t->k;
    size_t lo, hi;
    rsc_cpu_part((size_t)t->batch, chunk, nchunks, &lo, &hi);
    int slot = take_slot(t);
    float *col = t->ws + (size_t)slot * col_floats(K, t->g);
    switch (t->kind) {
    case 0:
        if (K->direct_pays(t->g, 0))
            K->direct_fwd(t->g, (int)lo, (int)hi, t->x, t->w, t->b, t->y, col);
        else
            K->conv_fwd(t->g, (int)lo, (int)hi, t->x, t->w, t->b, t->y, col);
        break;
    case 1:
        if (t->tg && K->direct_pays(t->tg, 0))
            K->direct_fwd(t->tg, (int)lo, (int)hi, t->dy, t->w, NULL, t->dx, col);
        else if (t->tg)
            K->conv_fwd(t->tg, (int)lo, (int)hi, t->dy, t->w, NULL, t->dx, col);
        else
            K->conv_bwd_data(t->g, (int)lo, (int)hi, t->dy, t->w, t->dx, col);
        break;
    default: {
        size_t nw = (size_t)t->g->o * t->g->c * t->g->kh * t->g->kw;
        float *dw = t->dw, *db = t->db;
        if (nchunks > 1) {
            dw = partials_of(K, t->g, t->ws, t->threads) + (size_t)chunk * dw_floats(t->g);
            db = t->db ? dw + nw : NULL;
        }
        if (t->kind == 3)
            K->direct_bwd(t->g, (int)lo, (int)hi, t->x, t->dy, t->w, dw, db, t->dx, col);
        else if (K->direct_pays(t->g, 1))
            K->direct_bwd_filter(t->g, (int)lo, (int)hi, t->x, t->dy, dw, db, 0, col);
        else
            K->conv_bwd_filter(t->g, (int)lo, (int)hi, t->x, t->dy, dw, db, 0, col);
        break;
    }
    }
    atomic_store(&t->slot_busy[slot], 0);
}

static void run_conv(rsc_backend *be, conv_task *t)
{
    const rsc_conv_geom *g = t->g;
    double flops = 2.0 * g->o * g->c * g->kh * g->kw * g->oh * g->ow;
    int n = rsc_cpu_chunks_for(be, (size_t)t->batch, flops / 16);
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
    conv_task t = { .k = kernels_of(be), .g = g, .batch = batch, .kind = 0, .x = CF(x), .w = CF(w),
                    .b = bias ? CF(bias) : NULL, .y = F(y), .ws = ws ? F(ws) : NULL };
    run_conv(be, &t);
}

static void cpu_conv_bwd_data(rsc_backend *be, const rsc_conv_geom *g, int batch,
                              const rsc_buf *dy, const rsc_buf *w, rsc_buf *dx, rsc_buf *ws)
{
    if (batch <= 0)
        return;
    const rsc_cpu_kernels *K = kernels_of(be);
    conv_task t = { .k = K, .g = g, .batch = batch, .kind = 1, .dy = CF(dy), .w = CF(w),
                    .dx = F(dx), .ws = ws ? F(ws) : NULL };
    /* The transposed convolution (im2col of dy, one GEMM) where its
     * column matrix is no larger than the convolution's own: with the
     * padding of a "same" convolution.  Without padding (the CNN) it would
     * pad dy by kh - 1 on each side, and the GEMM then col2im of
     * conv_bwd_data is faster (CNN training step: 5-10%). */
    rsc_conv_geom tg;
    if (t.ws && K->conv_bwd_geom(g, &tg) &&
        (K->direct_pays(&tg, 0) || K->conv_col_size(&tg) <= K->conv_col_size(g))) {
        float *wt = flipped_of(K, g, t.ws, threads_of(be));
        K->conv_flip_weights(g, t.w, wt);
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
        const float *part = partials_of(t->k, g, t->ws, threads_of(be)) + (size_t)k * dw_floats(g);
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
    conv_task t = { .k = kernels_of(be), .g = g, .batch = batch, .kind = 2, .x = CF(x), .dy = CF(dy), .dw = F(dw),
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
    const rsc_cpu_kernels *K = kernels_of(be);
    rsc_conv_geom tg;
    if (batch <= 0 || !ws || !K->direct_both(g) || !K->direct_pays(g, 1) ||
        !K->conv_bwd_geom(g, &tg) || !K->direct_pays(&tg, 0)) {
        cpu_conv_bwd_filter(be, g, batch, x, dy, dw, db, ws);
        cpu_conv_bwd_data(be, g, batch, dy, w, dx, ws);
        return;
    }
    conv_task t = { .k = K, .g = g, .tg = &tg, .batch = batch, .kind = 3, .x = CF(x), .dy = CF(dy),
                    .dw = F(dw), .db = db ? F(db) : NULL, .dx = F(dx), .ws = F(ws) };
    float *wt = flipped_of(K, g, t.ws, threads_of(be));
    K->conv_flip_weights(g, CF(w), wt);
    t.w = wt;
    run_conv(be, &t);
    sum_partials(be, &t);
}

void rsc_cpu_install_conv(rsc_backend *be)
{
    be->conv_workspace = cpu_conv_workspace;
    be->conv_fwd = cpu_conv_fwd;
    be->conv_bwd_data = cpu_conv_bwd_data;
    be->conv_bwd_filter = cpu_conv_bwd_filter;
    be->conv_bwd = cpu_conv_bwd;
}
