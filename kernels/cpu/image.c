/* image.c - per-example operations on images (backend.h: shortcut_fwd,
 * shortcut_bwd, chan_norm_fwd, chan_norm_bwd, crop_flip) on the thread
 * pool: examples split into ranges. */
#include "config.h"

#include "kernels/cpu/impl.h"

typedef struct ex_task {
    const rsc_cpu_kernels *k;
    int kind, batch, c, h, w, pad, accumulate;
    const rsc_shortcut_geom *sg;
    const float *in, *a, *b;
    float *out;
    const int32_t *prm;
} ex_task;

static void ex_chunk(void *arg, int chunk, int nchunks)
{
    ex_task *t = arg;
    const rsc_cpu_kernels *K = t->k;
    size_t lo, hi;
    rsc_cpu_part((size_t)t->batch, chunk, nchunks, &lo, &hi);
    int n0 = (int)lo, n1 = (int)hi;
    switch (t->kind) {
    case 0:
        K->shortcut_fwd(t->sg, n0, n1, t->in, t->out, t->accumulate);
        break;
    case 1:
        K->shortcut_bwd(t->sg, n0, n1, t->in, t->out, t->accumulate);
        break;
    case 2:
        K->chan_norm_fwd(t->c, t->h * t->w, n0, n1, t->in, t->a, t->b, t->out);
        break;
    case 3:
        K->chan_norm_bwd(t->c, t->h * t->w, n0, n1, t->in, t->b, t->out);
        break;
    default:
        K->crop_flip(t->c, t->h, t->w, t->pad, n0, n1, t->prm, t->in, t->out);
        break;
    }
}

static void run_ex(rsc_backend *be, ex_task *t, size_t per_example)
{
    t->k = kernels_of(be);
    rsc_cpu_pool_run(pool_of(be), ex_chunk, t,
                     rsc_cpu_chunks_for(be, (size_t)t->batch, (double)per_example));
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

void rsc_cpu_install_image(rsc_backend *be)
{
    be->shortcut_fwd = cpu_shortcut_fwd;
    be->shortcut_bwd = cpu_shortcut_bwd;
    be->chan_norm_fwd = cpu_chan_norm_fwd;
    be->chan_norm_bwd = cpu_chan_norm_bwd;
    be->crop_flip = cpu_crop_flip;
}
