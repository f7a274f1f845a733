/* data.c - batches and random numbers (backend.h: gather, gather_i32,
 * dropout_mask, noise_add). */
#include "config.h"

#include "kernels/cpu/impl.h"

typedef struct gather_task {
    const rsc_cpu_kernels *k;
    float *dst;
    const void *src;
    int type;
    size_t row_len, count;
    const int32_t *idx, *slot;
    const float *sub;
} gather_task;

static void gather_chunk(void *arg, int chunk, int nchunks)
{
    gather_task *t = arg;
    size_t lo, hi;
    rsc_cpu_part(t->count, chunk, nchunks, &lo, &hi);
    t->k->gather(t->dst, t->src, t->type, t->row_len, t->idx, t->slot, t->sub, lo, hi);
}

static void cpu_gather(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                       size_t row_len, const rsc_buf *idx, size_t idx_off, size_t count,
                       const rsc_buf *slot, const rsc_buf *sub)
{
    gather_task t = { kernels_of(be), F(dst), src->data, src_type, row_len, count,
                      (const int32_t *)idx->data + idx_off,
                      slot ? (const int32_t *)slot->data : NULL, sub ? CF(sub) : NULL };
    int T = threads_of(be);
    int nchunks = T >= 2 && count * row_len >= 2 * RSC_CPU_BLOCK ? T : 1;
    rsc_cpu_pool_run(pool_of(be), gather_chunk, &t, nchunks);
}

static void cpu_gather_i32(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, const rsc_buf *idx,
                           size_t idx_off, size_t count)
{
    (void)be;
    const int32_t *s = (const int32_t *)src->data, *ix = (const int32_t *)idx->data + idx_off;
    int32_t *d = (int32_t *)dst->data;
    for (size_t j = 0; j < count; j++)
        d[j] = s[ix[j]];
}

/* The counter-based random numbers (kernels/random.h) of elements
 * [lo, hi): functions of the element's index, so any split gives the same
 * values. */
static void dropout_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    float *m = t->c, p = t->f0, keep = t->f1;
    for (size_t i = lo; i < hi; i++)
        m[i] = rsc_backend_uniform(t->seed, i) < p ? 0.0f : keep;
}

static void cpu_dropout_mask(rsc_backend *be, rsc_buf *mask, size_t n, float p, uint64_t seed)
{
    rsc_cpu_range t = { .n = n, .body = dropout_body, .c = F(mask), .f0 = p,
                        .f1 = 1.0f / (1.0f - p), .seed = seed };
    rsc_cpu_run_range(be, &t);
}

static void noise_body(const rsc_cpu_range *t, size_t lo, size_t hi)
{
    float *x = t->c, s = t->f0;
    for (size_t i = lo; i < hi; i++)
        x[i] += s * rsc_backend_normal(t->seed, i);
}

static void cpu_noise_add(rsc_backend *be, rsc_buf *x, size_t n, float sigma, uint64_t seed)
{
    rsc_cpu_range t = { .n = n, .body = noise_body, .c = F(x), .f0 = sigma, .seed = seed };
    rsc_cpu_run_range(be, &t);
}

static void cpu_gather_batched(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                               size_t row_len, const rsc_buf *idx, size_t sidx, size_t idx_off,
                               size_t rows, const rsc_buf *slot, size_t sslot,
                               const rsc_buf *sub, size_t ssub, int count)
{
    for (int i = 0; i < count; i++) {
        rsc_buf di, si, bi;
        size_t k = (size_t)i;
        cpu_gather(be, rsc_cpu_at(&di, dst, k * rows * row_len * sizeof(float)), src, src_type,
                   row_len, idx, k * sidx + idx_off, rows,
                   slot ? rsc_cpu_at(&si, slot, k * sslot * sizeof(int32_t)) : NULL,
                   slot ? rsc_cpu_at(&bi, sub, k * ssub * sizeof(float)) : NULL);
    }
}

static void cpu_gather_i32_batched(rsc_backend *be, rsc_buf *dst, const rsc_buf *src,
                                   const rsc_buf *idx, size_t sidx, size_t idx_off, size_t rows,
                                   int count)
{
    for (int i = 0; i < count; i++) {
        rsc_buf di;
        cpu_gather_i32(be, rsc_cpu_at(&di, dst, (size_t)i * rows * sizeof(int32_t)), src, idx,
                       (size_t)i * sidx + idx_off, rows);
    }
}

void rsc_cpu_install_data(rsc_backend *be)
{
    be->gather_batched = cpu_gather_batched;
    be->gather_i32_batched = cpu_gather_i32_batched;
    be->gather = cpu_gather;
    be->gather_i32 = cpu_gather_i32;
    be->dropout_mask = cpu_dropout_mask;
    be->noise_add = cpu_noise_add;
}
