/* pool.c - max and adaptive average pooling (backend.h: maxpool_fwd,
 * maxpool_bwd, maxpool_gather, avgpool_fwd, avgpool_bwd) on the thread pool: planes split
 * into ranges. */
#include "config.h"

#include "kernels/cpu/impl.h"

typedef struct pool_task {
    const rsc_cpu_kernels *k;
    const rsc_pool_geom *g;
    int h, w, oh, ow, kind;   /* 0 max fwd, 1 max bwd, 2 avg fwd, 3 avg bwd, 4 gather */
    size_t planes;
    const float *in;
    float *out;
    int32_t *arg;
} pool_task;

static void pool_chunk(void *a, int chunk, int nchunks)
{
    pool_task *t = a;
    const rsc_cpu_kernels *K = t->k;
    size_t lo, hi;
    rsc_cpu_part(t->planes, chunk, nchunks, &lo, &hi);
    switch (t->kind) {
    case 0:
        K->maxpool_fwd(t->g, lo, hi, t->in, t->out, t->arg);
        break;
    case 4: {
        size_t is = (size_t)t->g->h * t->g->w, os = (size_t)t->g->oh * t->g->ow;
        for (size_t p = lo; p < hi; p++)
            for (size_t j = 0; j < os; j++)
                t->out[p * os + j] = t->in[p * is + (size_t)t->arg[p * os + j]];
        break;
    }
    case 1:
        K->maxpool_bwd(t->g, lo, hi, t->in, t->arg, t->out);
        break;
    case 2:
        K->avgpool_fwd(t->h, t->w, t->oh, t->ow, lo, hi, t->in, t->out);
        break;
    default:
        K->avgpool_bwd(t->h, t->w, t->oh, t->ow, lo, hi, t->in, t->out);
        break;
    }
}

static void run_pool(rsc_backend *be, pool_task *t, size_t per_plane)
{
    t->k = kernels_of(be);
    rsc_cpu_pool_run(pool_of(be), pool_chunk, t, rsc_cpu_chunks_for(be, t->planes, (double)per_plane));
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

static void cpu_maxpool_gather(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                               const rsc_buf *x, const rsc_buf *arg, rsc_buf *y)
{
    pool_task t = { .g = g, .kind = 4, .planes = planes, .in = CF(x), .out = F(y),
                    .arg = (int32_t *)arg->data };
    run_pool(be, &t, (size_t)g->oh * g->ow);
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

void rsc_cpu_install_pool(rsc_backend *be)
{
    be->maxpool_fwd = cpu_maxpool_fwd;
    be->maxpool_bwd = cpu_maxpool_bwd;
    be->maxpool_gather = cpu_maxpool_gather;
    be->avgpool_fwd = cpu_avgpool_fwd;
    be->avgpool_bwd = cpu_avgpool_bwd;
}
