/* cpu.c - the CPU backend: host buffers, CBLAS GEMM and C loops, split
 * across a persistent thread pool.
 *
 * Threading: OpenBLAS is set to one thread and the backend splits each
 * operation itself, so that the small GEMMs of a batch-128 training step
 * keep every core busy (OpenBLAS's own threading hardly helps at these
 * sizes).  GEMMs are split along M (rows of C) or N (columns of C), never
 * along K, so every element of C is computed by one single-threaded call
 * and the result does not depend on scheduling.  Elementwise operations
 * split into fixed blocks; sums of squares add fixed-size block partials in
 * order. */
#include "config.h"

#include "kernels/cpu/cpu.h"
#include "kernels/cpu/internal.h"
#include "kernels/cpu/threadpool.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kernels/cpu/hot.h"

static rsc_cpu_pool *pool_of(rsc_backend *be)
{
    return ((cpu_impl *)be->impl)->pool;
}

static int nthreads(rsc_backend *be)
{
    return ((cpu_impl *)be->impl)->threads;
}

/* ------------------------------------------------------------ memory */

static rsc_buf *cpu_alloc(rsc_backend *be, size_t bytes, rsc_error *err)
{
    (void)be;
    rsc_buf *b = calloc(1, sizeof *b);
    if (!b) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded < bytes || posix_memalign((void **)&b->data, 64, rounded ? rounded : 64) != 0) {
        free(b);
        rsc_fail(err, "out of memory (%zu bytes)", bytes);
        return NULL;
    }
    memset(b->data, 0, rounded ? rounded : 64);
    b->bytes = bytes;
    return b;
}

static rsc_buf *cpu_view(rsc_backend *be, rsc_buf *parent, size_t offset, size_t bytes,
                         rsc_error *err)
{
    (void)be;
    if (offset > parent->bytes || bytes > parent->bytes - offset) {
        rsc_fail(err, "buffer view [%zu, +%zu) outside a %zu-byte buffer", offset, bytes,
                 parent->bytes);
        return NULL;
    }
    rsc_buf *b = calloc(1, sizeof *b);
    if (!b) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    b->data = parent->data + offset;
    b->bytes = bytes;
    b->is_view = 1;
    return b;
}

static void cpu_free(rsc_backend *be, rsc_buf *b)
{
    (void)be;
    if (!b)
        return;
    if (!b->is_view)
        free(b->data);
    free(b);
}

static size_t cpu_size(const rsc_buf *b)
{
    return b->bytes;
}

static int cpu_upload(rsc_backend *be, rsc_buf *dst, size_t offset, const void *src, size_t bytes,
                      rsc_error *err)
{
    (void)be;
    if (offset > dst->bytes || bytes > dst->bytes - offset)
        return rsc_fail(err, "upload of %zu bytes at %zu outside a %zu-byte buffer", bytes, offset,
                        dst->bytes);
    if (bytes)
        memcpy(dst->data + offset, src, bytes);
    return 0;
}

static int cpu_download(rsc_backend *be, void *dst, const rsc_buf *src, size_t offset,
                        size_t bytes, rsc_error *err)
{
    (void)be;
    if (offset > src->bytes || bytes > src->bytes - offset)
        return rsc_fail(err, "download of %zu bytes at %zu outside a %zu-byte buffer", bytes,
                        offset, src->bytes);
    if (bytes)
        memcpy(dst, src->data + offset, bytes);
    return 0;
}

static void cpu_copy(rsc_backend *be, rsc_buf *dst, size_t dst_off, const rsc_buf *src,
                     size_t src_off, size_t bytes)
{
    (void)be;
    if (bytes)
        memcpy(dst->data + dst_off, src->data + src_off, bytes);
}

static int cpu_sync(rsc_backend *be, rsc_error *err)
{
    (void)be;
    (void)err;
    return 0;
}

static void cpu_close(rsc_backend *be)
{
    cpu_impl *impl = be->impl;
    if (impl) {
        rsc_cpu_pool_free(impl->pool);
        free(impl);
    }
    be->impl = NULL;
}

/* ------------------------------------------------------------ splitting */

/* Elementwise work is split into blocks of this many elements; below two
 * blocks an operation runs inline (thread hand-off costs more). */
#define BLOCK 16384

typedef struct range_task {
    size_t n;
    void (*body)(struct range_task *t, size_t lo, size_t hi);
    const void *a, *b;
    void *c, *d;
    float f0, f1;
    uint64_t seed;
} range_task;

static void range_chunk(void *arg, int chunk, int nchunks)
{
    range_task *t = arg;
    size_t lo = (size_t)chunk * BLOCK, hi = lo + BLOCK;
    (void)nchunks;
    if (hi > t->n)
        hi = t->n;
    t->body(t, lo, hi);
}

static void run_range(rsc_backend *be, range_task *t)
{
    if (t->n == 0)
        return;
    size_t nblocks = (t->n + BLOCK - 1) / BLOCK;
    if (nblocks < 2 || nthreads(be) < 2)
        t->body(t, 0, t->n);
    else
        rsc_cpu_pool_run(pool_of(be), range_chunk, t, (int)nblocks);
}

/* ------------------------------------------------------------ GEMM */

typedef struct gemm_task {
    int ta, tb, m, n, k, lda, ldb, ldc, split_m;
    float alpha, beta;
    const float *a, *b;
    float *c;
} gemm_task;

/* Part `chunk` of [0, total) in nchunks parts, boundaries rounded to 16. */
static void part(int total, int chunk, int nchunks, int *lo, int *hi)
{
    int per = (total + nchunks - 1) / nchunks;
    per = (per + 15) / 16 * 16;
    *lo = chunk * per;
    *hi = *lo + per;
    if (*lo > total)
        *lo = total;
    if (*hi > total)
        *hi = total;
}

static void gemm_chunk(void *arg, int chunk, int nchunks)
{
    gemm_task *t = arg;
    int lo, hi;
    if (t->split_m) {
        part(t->m, chunk, nchunks, &lo, &hi);
        if (hi <= lo)
            return;
        const float *a = t->ta ? t->a + lo : t->a + (size_t)lo * t->lda;
        cblas_sgemm(CblasRowMajor, t->ta ? CblasTrans : CblasNoTrans,
                    t->tb ? CblasTrans : CblasNoTrans, hi - lo, t->n, t->k, t->alpha, a, t->lda,
                    t->b, t->ldb, t->beta, t->c + (size_t)lo * t->ldc, t->ldc);
    } else {
        part(t->n, chunk, nchunks, &lo, &hi);
        if (hi <= lo)
            return;
        const float *b = t->tb ? t->b + (size_t)lo * t->ldb : t->b + lo;
        cblas_sgemm(CblasRowMajor, t->ta ? CblasTrans : CblasNoTrans,
                    t->tb ? CblasTrans : CblasNoTrans, t->m, hi - lo, t->k, t->alpha, t->a,
                    t->lda, b, t->ldb, t->beta, t->c + lo, t->ldc);
    }
}

static void cpu_gemm(rsc_backend *be, int ta, int tb, int m, int n, int k, float alpha,
                     const rsc_buf *a, int lda, const rsc_buf *b, int ldb, float beta, rsc_buf *c,
                     int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        /* C = beta * C, as BLAS defines it for K = 0. */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                F(c)[(size_t)i * ldc + j] = beta == 0 ? 0 : beta * F(c)[(size_t)i * ldc + j];
        return;
    }
    gemm_task t = { ta, tb, m, n, k, lda, ldb, ldc, 1, alpha, beta, CF(a), CF(b), F(c) };
    int T = nthreads(be);
    /* Split when each thread gets at least ~16 rows/columns and enough
     * work to amortise the hand-off (~2 MFLOP in all). */
    double flops = 2.0 * m * n * k;
    if (T < 2 || flops < 2e6 || (m < 32 && n < 32)) {
        gemm_chunk(&t, 0, 1);
        return;
    }
    t.split_m = m >= n || n < 16 * T;
    int dim = t.split_m ? m : n;
    int nchunks = T;
    while (nchunks > 1 && (dim + nchunks - 1) / nchunks < 16)
        nchunks--;
    rsc_cpu_pool_run(pool_of(be), gemm_chunk, &t, nchunks);
}

/* ------------------------------------------------------------ rows ops */

typedef struct rows_task {
    int rows, cols, relu;
    float beta;
    const float *x, *bias;
    float *y;
} rows_task;

HOT static void bias_act_chunk(void *arg, int chunk, int nchunks)
{
    rows_task *t = arg;
    int lo = (int)((long)t->rows * chunk / nchunks), hi = (int)((long)t->rows * (chunk + 1) / nchunks);
    const float *bias = t->bias;
    int cols = t->cols;
    for (int r = lo; r < hi; r++) {
        float *y = t->y + (size_t)r * cols;
        if (t->relu) {
            for (int c = 0; c < cols; c++) {
                float v = y[c] + bias[c];
                y[c] = v > 0 ? v : 0;
            }
        } else {
            for (int c = 0; c < cols; c++)
                y[c] += bias[c];
        }
    }
}

static int rows_chunks(rsc_backend *be, int rows, int cols)
{
    int T = nthreads(be);
    if (T < 2 || (size_t)rows * cols < 2 * BLOCK)
        return 1;
    return rows < T ? rows : T;
}

static void cpu_bias_act(rsc_backend *be, rsc_buf *y, const rsc_buf *bias, int rows, int cols,
                         int relu)
{
    rows_task t = { rows, cols, relu, 0, NULL, CF(bias), F(y) };
    rsc_cpu_pool_run(pool_of(be), bias_act_chunk, &t, rows_chunks(be, rows, cols));
}

/* Column sums: split by columns, rows summed in order (deterministic). */
HOT static void sum_rows_chunk(void *arg, int chunk, int nchunks)
{
    rows_task *t = arg;
    int lo = (int)((long)t->cols * chunk / nchunks), hi = (int)((long)t->cols * (chunk + 1) / nchunks);
    float *y = t->y;
    for (int c = lo; c < hi; c++)
        y[c] = t->beta == 0 ? 0 : t->beta * y[c];
    for (int r = 0; r < t->rows; r++) {
        const float *x = t->x + (size_t)r * t->cols;
        for (int c = lo; c < hi; c++)
            y[c] += x[c];
    }
}

static void cpu_sum_rows(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols,
                         float beta)
{
    rows_task t = { rows, cols, 0, beta, CF(x), NULL, F(y) };
    int T = nthreads(be), nchunks = 1;
    if (T >= 2 && (size_t)rows * cols >= 2 * BLOCK && cols >= 64)
        nchunks = T;
    rsc_cpu_pool_run(pool_of(be), sum_rows_chunk, &t, nchunks);
}

/* ------------------------------------------------------------ elementwise */

HOT static void fill_body(range_task *t, size_t lo, size_t hi)
{
    float *x = t->c, v = t->f0;
    for (size_t i = lo; i < hi; i++)
        x[i] = v;
}

static void cpu_fill(rsc_backend *be, rsc_buf *x, size_t n, float value)
{
    range_task t = { .n = n, .body = fill_body, .c = F(x), .f0 = value };
    run_range(be, &t);
}

HOT static void relu_fwd_body(range_task *t, size_t lo, size_t hi)
{
    const float *x = t->a;
    float *y = t->c;
    for (size_t i = lo; i < hi; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}

static void cpu_relu_fwd(rsc_backend *be, const rsc_buf *x, rsc_buf *y, size_t n)
{
    range_task t = { .n = n, .body = relu_fwd_body, .a = CF(x), .c = F(y) };
    run_range(be, &t);
}

HOT static void relu_bwd_body(range_task *t, size_t lo, size_t hi)
{
    const float *y = t->a, *dy = t->b;
    float *dx = t->c;
    /* dy is loaded whatever the sign of y: a conditional load keeps GCC
     * from vectorising the loop (a branch per element instead). */
    for (size_t i = lo; i < hi; i++) {
        float d = dy[i];
        dx[i] = y[i] > 0 ? d : 0;
    }
}

static void cpu_relu_bwd(rsc_backend *be, const rsc_buf *y, const rsc_buf *dy, rsc_buf *dx,
                         size_t n)
{
    range_task t = { .n = n, .body = relu_bwd_body, .a = CF(y), .b = CF(dy), .c = F(dx) };
    run_range(be, &t);
}

HOT static void mul_body(range_task *t, size_t lo, size_t hi)
{
    const float *x = t->a, *m = t->b;
    float *y = t->c;
    for (size_t i = lo; i < hi; i++)
        y[i] = x[i] * m[i];
}

static void cpu_mul(rsc_backend *be, const rsc_buf *x, const rsc_buf *m, rsc_buf *y, size_t n)
{
    range_task t = { .n = n, .body = mul_body, .a = CF(x), .b = CF(m), .c = F(y) };
    run_range(be, &t);
}

static void dropout_body(range_task *t, size_t lo, size_t hi)
{
    float *m = t->c, p = t->f0, keep = t->f1;
    for (size_t i = lo; i < hi; i++)
        m[i] = rsc_backend_uniform(t->seed, i) < p ? 0.0f : keep;
}

static void cpu_dropout_mask(rsc_backend *be, rsc_buf *mask, size_t n, float p, uint64_t seed)
{
    range_task t = { .n = n, .body = dropout_body, .c = F(mask), .f0 = p,
                     .f1 = 1.0f / (1.0f - p), .seed = seed };
    run_range(be, &t);
}

static void noise_body(range_task *t, size_t lo, size_t hi)
{
    float *x = t->c, s = t->f0;
    for (size_t i = lo; i < hi; i++)
        x[i] += s * rsc_backend_normal(t->seed, i);
}

static void cpu_noise_add(rsc_backend *be, rsc_buf *x, size_t n, float sigma, uint64_t seed)
{
    range_task t = { .n = n, .body = noise_body, .c = F(x), .f0 = sigma, .seed = seed };
    run_range(be, &t);
}

HOT static void axpy_body(range_task *t, size_t lo, size_t hi)
{
    const float *x = t->a;
    float *y = t->c, a = t->f0;
    for (size_t i = lo; i < hi; i++)
        y[i] += a * x[i];
}

static void cpu_axpy(rsc_backend *be, size_t n, float alpha, const rsc_buf *x, rsc_buf *y)
{
    range_task t = { .n = n, .body = axpy_body, .a = CF(x), .c = F(y), .f0 = alpha };
    run_range(be, &t);
}

HOT static void scale_body(range_task *t, size_t lo, size_t hi)
{
    float *x = t->c, a = t->f0;
    for (size_t i = lo; i < hi; i++)
        x[i] *= a;
}

static void cpu_scale(rsc_backend *be, size_t n, float alpha, rsc_buf *x)
{
    range_task t = { .n = n, .body = scale_body, .c = F(x), .f0 = alpha };
    run_range(be, &t);
}

HOT static void clamp_body(range_task *t, size_t lo, size_t hi)
{
    float *x = t->c, a = t->f0, b = t->f1;
    for (size_t i = lo; i < hi; i++)
        x[i] = x[i] < a ? a : x[i] > b ? b : x[i];
}

static void cpu_clamp(rsc_backend *be, rsc_buf *x, size_t n, float lo, float hi)
{
    range_task t = { .n = n, .body = clamp_body, .c = F(x), .f0 = lo, .f1 = hi };
    run_range(be, &t);
}

/* Block partial sums in double, then added in block order: the same
 * result for any thread count. */
HOT static void sumsq_body(range_task *t, size_t lo, size_t hi)
{
    const float *x = t->a;
    double *partial = t->d;
    double s = 0;
    for (size_t i = lo; i < hi; i++)
        s += (double)x[i] * x[i];
    partial[lo / BLOCK] = s;
}

static void cpu_sumsq(rsc_backend *be, const rsc_buf *x, size_t n, rsc_buf *out)
{
    size_t nblocks = (n + BLOCK - 1) / BLOCK;
    double one, *partial = nblocks > 1 ? malloc(nblocks * sizeof *partial) : &one;
    double total = 0;
    if (!partial) {
        /* Out of memory for the partials: the serial sum in one block. */
        for (size_t i = 0; i < n; i++)
            total += (double)CF(x)[i] * CF(x)[i];
    } else {
        range_task t = { .n = n, .body = sumsq_body, .a = CF(x), .d = partial };
        if (nblocks <= 1) {
            one = 0;
            if (n)
                sumsq_body(&t, 0, n);
        } else {
            rsc_cpu_pool_run(pool_of(be), range_chunk, &t, (int)nblocks);
        }
        for (size_t i = 0; i < nblocks; i++)
            total += partial[i];
        if (partial != &one)
            free(partial);
    }
    memcpy(out->data, &total, sizeof total);
}

/* ------------------------------------------------------------ loss */

static void cpu_xent(rsc_backend *be, const rsc_buf *logits, const rsc_buf *labels, int rows,
                     int cols, rsc_buf *dlogits, float grad_scale, rsc_buf *stats)
{
    (void)be;
    const int32_t *y = (const int32_t *)labels->data;
    double st[2];
    memcpy(st, stats->data, sizeof st);
    for (int r = 0; r < rows; r++) {
        const float *z = CF(logits) + (size_t)r * cols;
        float mx = z[0];
        int arg = 0;
        for (int c = 1; c < cols; c++)
            if (z[c] > mx) {
                mx = z[c];
                arg = c;
            }
        double s = 0;
        for (int c = 0; c < cols; c++)
            s += exp((double)z[c] - mx);
        double lse = mx + log(s);
        st[0] += lse - z[y[r]];
        st[1] += arg == y[r];
        if (dlogits) {
            float *d = F(dlogits) + (size_t)r * cols;
            for (int c = 0; c < cols; c++) {
                float p = (float)exp((double)z[c] - lse);
                d[c] = (p - (c == y[r] ? 1.0f : 0.0f)) * grad_scale;
            }
        }
    }
    memcpy(stats->data, st, sizeof st);
}

static void cpu_softmax(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols)
{
    (void)be;
    for (int r = 0; r < rows; r++) {
        const float *z = CF(x) + (size_t)r * cols;
        float *p = F(y) + (size_t)r * cols;
        float mx = z[0];
        for (int c = 1; c < cols; c++)
            if (z[c] > mx)
                mx = z[c];
        double s = 0;
        for (int c = 0; c < cols; c++)
            s += exp((double)z[c] - mx);
        double lse = mx + log(s);
        for (int c = 0; c < cols; c++)
            p[c] = (float)exp((double)z[c] - lse);
    }
}

/* ------------------------------------------------------------ optimisers */

/* Scalars are rounded to float as PyTorch's float32 kernels do: a Python
 * float multiplies a float tensor as a float. */
typedef struct opt_task {
    size_t n;
    float *p, *m, *v;
    const float *g;
    float wd, b1, omb1, b2, omb2, step, bc2s, eps, lr, mom;
    int first;
} opt_task;

/* The Adam loop.  sqrtf() would keep the compiler from vectorising
 * (errno), so x86-64 gets explicit SSE and AVX versions computing the
 * same float operations in the same order as the scalar one. */
static void adam_scalar(opt_task *t, size_t lo, size_t hi)
{
    float *p = t->p, *m = t->m, *v = t->v;
    const float *g = t->g;
    const float wd = t->wd, b1 = t->b1, omb1 = t->omb1, b2 = t->b2, omb2 = t->omb2;
    const float nstep = -t->step, bc2s = t->bc2s, eps = t->eps;
    for (size_t i = lo; i < hi; i++) {
        float gi = g[i] + wd * p[i];
        m[i] = m[i] * b1 + omb1 * gi;
        v[i] = v[i] * b2 + omb2 * gi * gi;
        float denom = sqrtf(v[i]) / bc2s + eps;
        p[i] = p[i] + nstep * m[i] / denom;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx"))) static size_t adam_avx(opt_task *t, size_t lo, size_t hi)
{
    float *p = t->p, *m = t->m, *v = t->v;
    const float *g = t->g;
    const __m256 wd = _mm256_set1_ps(t->wd), b1 = _mm256_set1_ps(t->b1),
                 omb1 = _mm256_set1_ps(t->omb1), b2 = _mm256_set1_ps(t->b2),
                 omb2 = _mm256_set1_ps(t->omb2), nstep = _mm256_set1_ps(-t->step),
                 bc2s = _mm256_set1_ps(t->bc2s), eps = _mm256_set1_ps(t->eps);
    size_t i = lo;
    for (; i + 8 <= hi; i += 8) {
        __m256 pi = _mm256_loadu_ps(p + i), gi = _mm256_loadu_ps(g + i);
        gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m + i), b1), _mm256_mul_ps(omb1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), b2),
                                  _mm256_mul_ps(_mm256_mul_ps(omb2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2s), eps);
        pi = _mm256_add_ps(pi, _mm256_div_ps(_mm256_mul_ps(nstep, mi), denom));
        _mm256_storeu_ps(p + i, pi);
    }
    return i;
}

static size_t adam_sse(opt_task *t, size_t lo, size_t hi)
{
    float *p = t->p, *m = t->m, *v = t->v;
    const float *g = t->g;
    const __m128 wd = _mm_set1_ps(t->wd), b1 = _mm_set1_ps(t->b1), omb1 = _mm_set1_ps(t->omb1),
                 b2 = _mm_set1_ps(t->b2), omb2 = _mm_set1_ps(t->omb2),
                 nstep = _mm_set1_ps(-t->step), bc2s = _mm_set1_ps(t->bc2s),
                 eps = _mm_set1_ps(t->eps);
    size_t i = lo;
    for (; i + 4 <= hi; i += 4) {
        __m128 pi = _mm_loadu_ps(p + i), gi = _mm_loadu_ps(g + i);
        gi = _mm_add_ps(gi, _mm_mul_ps(wd, pi));
        __m128 mi = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(m + i), b1), _mm_mul_ps(omb1, gi));
        __m128 vi = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + i), b2), _mm_mul_ps(_mm_mul_ps(omb2, gi), gi));
        _mm_storeu_ps(m + i, mi);
        _mm_storeu_ps(v + i, vi);
        __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), bc2s), eps);
        pi = _mm_add_ps(pi, _mm_div_ps(_mm_mul_ps(nstep, mi), denom));
        _mm_storeu_ps(p + i, pi);
    }
    return i;
}
#endif

/* Moments of parameters whose gradient is zero for a long time (pixels
 * that are always 0, e.g. image corners) decay geometrically into
 * subnormal floats, on which x86 arithmetic is ~100 times slower: the
 * optimiser steps run with flush-to-zero and denormals-are-zero, as
 * GPUs do.  (It changes nothing else: values that small are 0 for
 * training.) */
#if defined(__x86_64__) && defined(__GNUC__)
#define FTZ_BEGIN unsigned int saved_csr_ = _mm_getcsr(); _mm_setcsr(saved_csr_ | 0x8040u)
#define FTZ_END _mm_setcsr(saved_csr_)
#else
#define FTZ_BEGIN do { } while (0)
#define FTZ_END do { } while (0)
#endif

static void adam_chunk(void *arg, int chunk, int nchunks)
{
    opt_task *t = arg;
    size_t lo = (size_t)chunk * BLOCK, hi = lo + BLOCK;
    (void)nchunks;
    if (hi > t->n)
        hi = t->n;
    FTZ_BEGIN;
#if defined(__x86_64__) && defined(__GNUC__)
    lo = __builtin_cpu_supports("avx") ? adam_avx(t, lo, hi) : adam_sse(t, lo, hi);
#endif
    adam_scalar(t, lo, hi);
    FTZ_END;
}

static void run_blocks(rsc_backend *be, size_t n, rsc_cpu_task fn, void *arg)
{
    size_t nblocks = (n + BLOCK - 1) / BLOCK;
    if (nthreads(be) < 2 || nblocks < 2)
        for (size_t i = 0; i < nblocks; i++)
            fn(arg, (int)i, (int)nblocks);
    else
        rsc_cpu_pool_run(pool_of(be), fn, arg, (int)nblocks);
}

static void cpu_adam(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *m, rsc_buf *v,
                     size_t n, const rsc_adam_hp *hp)
{
    double bc1 = 1 - pow(hp->beta1, (double)hp->step);
    double bc2 = 1 - pow(hp->beta2, (double)hp->step);
    opt_task t = { .n = n, .p = F(p), .m = F(m), .v = F(v), .g = CF(g),
                   .wd = (float)hp->weight_decay, .b1 = (float)hp->beta1,
                   .omb1 = (float)(1 - hp->beta1), .b2 = (float)hp->beta2,
                   .omb2 = (float)(1 - hp->beta2), .step = (float)(hp->lr / bc1),
                   .bc2s = (float)sqrt(bc2), .eps = (float)hp->eps };
    run_blocks(be, n, adam_chunk, &t);
}

HOT static void sgd_chunk(void *arg, int chunk, int nchunks)
{
    opt_task *t = arg;
    size_t lo = (size_t)chunk * BLOCK, hi = lo + BLOCK;
    (void)nchunks;
    if (hi > t->n)
        hi = t->n;
    float *p = t->p, *buf = t->m;
    const float *g = t->g;
    const float wd = t->wd, mom = t->mom, nlr = -t->lr;
    FTZ_BEGIN;
    for (size_t i = lo; i < hi; i++) {
        float d = wd != 0 ? g[i] + wd * p[i] : g[i];
        if (mom != 0) {
            buf[i] = t->first ? d : buf[i] * mom + d;
            d = buf[i];
        }
        p[i] = p[i] + nlr * d;
    }
    FTZ_END;
}

static void cpu_sgd(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *buf, size_t n,
                    const rsc_sgd_hp *hp)
{
    opt_task t = { .n = n, .p = F(p), .m = buf ? F(buf) : NULL, .g = CF(g),
                   .wd = (float)hp->weight_decay, .mom = (float)hp->momentum,
                   .lr = (float)hp->lr, .first = hp->first };
    run_blocks(be, n, sgd_chunk, &t);
}

/* ------------------------------------------------------------ data */

typedef struct gather_task {
    float *dst;
    const void *src;
    int type;
    size_t row_len, count;
    const int32_t *idx;
} gather_task;

HOT static void gather_chunk(void *arg, int chunk, int nchunks)
{
    gather_task *t = arg;
    size_t lo = t->count * (size_t)chunk / (size_t)nchunks;
    size_t hi = t->count * (size_t)(chunk + 1) / (size_t)nchunks;
    for (size_t j = lo; j < hi; j++) {
        size_t row = (size_t)t->idx[j];
        float *d = t->dst + j * t->row_len;
        if (t->type == RSC_GATHER_U8) {
            const unsigned char *s = (const unsigned char *)t->src + row * t->row_len;
            for (size_t i = 0; i < t->row_len; i++)
                d[i] = (float)s[i] / 255.0f;
        } else {
            memcpy(d, (const float *)t->src + row * t->row_len, t->row_len * sizeof *d);
        }
    }
}

static void cpu_gather(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                       size_t row_len, const rsc_buf *idx, size_t idx_off, size_t count)
{
    gather_task t = { F(dst), src->data, src_type, row_len, count,
                      (const int32_t *)idx->data + idx_off };
    int T = nthreads(be);
    int nchunks = T >= 2 && count * row_len >= 2 * BLOCK ? T : 1;
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

/* ------------------------------------------------------------ parallel */

typedef struct par_task {
    void (*fn)(void *arg, int i);
    void *arg;
} par_task;

static void par_chunk(void *arg, int chunk, int nchunks)
{
    par_task *t = arg;
    (void)nchunks;
    t->fn(t->arg, chunk);
}

static void cpu_parallel(rsc_backend *be, int n, void (*fn)(void *arg, int i), void *arg)
{
    par_task t = { fn, arg };
    rsc_cpu_pool_run(pool_of(be), par_chunk, &t, n);
}

/* ------------------------------------------------------------ BLAS cores */

#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_corename(void);
#endif

const char *rsc_cpu_blas_core(void)
{
#ifdef HAVE_OPENBLAS_GET_CONFIG
    return openblas_get_corename();
#else
    return RSC_BLAS_NAME;
#endif
}

const char *rsc_cpu_blas_better_core(void)
{
#if defined(HAVE_OPENBLAS_GET_CONFIG) && defined(__x86_64__) && defined(__GNUC__)
    const char *core = openblas_get_corename();
    if (getenv("OPENBLAS_CORETYPE") || !core)
        return NULL;
    if (strcasecmp(core, "Prescott") && strcasecmp(core, "Core2") && strcasecmp(core, "Katmai") &&
        strcasecmp(core, "Nehalem") && strcasecmp(core, "Sandybridge"))
        return NULL;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return NULL;
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
               ? "SkylakeX"
               : "Haswell";
#else
    return NULL;
#endif
}

void rsc_cpu_blas_reexec(char **argv)
{
    const char *core = rsc_cpu_blas_better_core();
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");   /* exec failed: carry on as we are */
}

/* ------------------------------------------------------------ table */

int rsc_cpu_backend_init(rsc_backend *be, int threads, rsc_error *err)
{
    cpu_impl *impl = calloc(1, sizeof *impl);
    if (!impl)
        return rsc_fail(err, "out of memory");
    if (threads < 1)
        threads = 1;
    impl->threads = threads;
    impl->pool = rsc_cpu_pool_new(threads);
    if (!impl->pool) {
        free(impl);
        return rsc_fail(err, "cannot start %d CPU threads", threads);
    }
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    /* The backend splits work itself; OpenBLAS runs each piece on the
     * calling thread. */
    openblas_set_num_threads(1);
#endif
    be->name = "cpu";
    snprintf(be->desc, sizeof be->desc, "cpu/%s/%s", RSC_BLAS_NAME, rsc_cpu_blas_core());
    be->threads = threads;
    be->impl = impl;
    be->alloc = cpu_alloc;
    be->view = cpu_view;
    be->free = cpu_free;
    be->size = cpu_size;
    be->upload = cpu_upload;
    be->download = cpu_download;
    be->copy = cpu_copy;
    be->sync = cpu_sync;
    be->close = cpu_close;
    be->parallel = cpu_parallel;
    be->gemm = cpu_gemm;
    be->bias_act = cpu_bias_act;
    be->sum_rows = cpu_sum_rows;
    be->fill = cpu_fill;
    be->relu_fwd = cpu_relu_fwd;
    be->relu_bwd = cpu_relu_bwd;
    be->mul = cpu_mul;
    be->dropout_mask = cpu_dropout_mask;
    be->noise_add = cpu_noise_add;
    be->axpy = cpu_axpy;
    be->scale = cpu_scale;
    be->clamp = cpu_clamp;
    be->sumsq = cpu_sumsq;
    be->xent = cpu_xent;
    be->softmax = cpu_softmax;
    be->adam = cpu_adam;
    be->sgd = cpu_sgd;
    be->gather = cpu_gather;
    be->gather_i32 = cpu_gather_i32;
    rsc_cpu_conv_register(be);
    return 0;
}
