/* gemm.c - GEMM through CBLAS and the linear layer's row operations
 * (backend.h: gemm, bias_act, sum_rows).
 *
 * OpenBLAS is set to one thread (cpu.c) and the backend splits each GEMM
 * itself, so that the small GEMMs of a batch-128 training step keep every
 * core busy (OpenBLAS's own threading hardly helps at these sizes).
 * GEMMs are split along M (rows of C) or N (columns of C), never along K:
 * every element of C is computed by one single-threaded call, so the
 * result does not depend on scheduling.  It may depend on the thread
 * count, as the BLAS may round an element differently in calls of other
 * shapes (OpenBLAS's Haswell kernels do, its SkylakeX ones mostly not). */
#include "config.h"

#include "kernels/cpu/blaswatch.h"
#include "kernels/cpu/impl.h"

#include <cblas.h>

typedef struct gemm_task {
    int ta, tb, m, n, k, lda, ldb, ldc, split_m;
    float alpha, beta;
    const float *a, *b;
    float *c;
} gemm_task;

/* Part `chunk` of [0, total) in nchunks parts, boundaries rounded to 16. */
static void part16(int total, int chunk, int nchunks, int *lo, int *hi)
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
        part16(t->m, chunk, nchunks, &lo, &hi);
        if (hi <= lo)
            return;
        const float *a = t->ta ? t->a + lo : t->a + (size_t)lo * t->lda;
        RSC_CPU_SGEMM(CblasRowMajor, t->ta ? CblasTrans : CblasNoTrans,
                    t->tb ? CblasTrans : CblasNoTrans, hi - lo, t->n, t->k, t->alpha, a, t->lda,
                    t->b, t->ldb, t->beta, t->c + (size_t)lo * t->ldc, t->ldc);
    } else {
        part16(t->n, chunk, nchunks, &lo, &hi);
        if (hi <= lo)
            return;
        const float *b = t->tb ? t->b + (size_t)lo * t->ldb : t->b + lo;
        RSC_CPU_SGEMM(CblasRowMajor, t->ta ? CblasTrans : CblasNoTrans,
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
    int T = threads_of(be);
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
    const rsc_cpu_kernels *k;
    int rows, cols, relu;
    float beta;
    const float *x, *bias;
    float *y;
} rows_task;

static void bias_act_chunk(void *arg, int chunk, int nchunks)
{
    rows_task *t = arg;
    size_t lo, hi;
    rsc_cpu_part((size_t)t->rows, chunk, nchunks, &lo, &hi);
    t->k->bias_act(t->y, t->bias, (int)lo, (int)hi, t->cols, t->relu);
}

static void cpu_bias_act(rsc_backend *be, rsc_buf *y, const rsc_buf *bias, int rows, int cols,
                         int relu)
{
    rows_task t = { kernels_of(be), rows, cols, relu, 0, NULL, CF(bias), F(y) };
    int T = threads_of(be), nchunks = 1;
    if (T >= 2 && (size_t)rows * cols >= 2 * RSC_CPU_BLOCK)
        nchunks = rows < T ? rows : T;
    rsc_cpu_pool_run(pool_of(be), bias_act_chunk, &t, nchunks);
}

/* Column sums: split by columns, rows summed in order (deterministic). */
static void sum_rows_chunk(void *arg, int chunk, int nchunks)
{
    rows_task *t = arg;
    size_t lo, hi;
    rsc_cpu_part((size_t)t->cols, chunk, nchunks, &lo, &hi);
    t->k->sum_rows(t->x, t->y, t->rows, t->cols, (int)lo, (int)hi, t->beta);
}

static void cpu_sum_rows(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols,
                         float beta)
{
    rows_task t = { kernels_of(be), rows, cols, 0, beta, CF(x), NULL, F(y) };
    int T = threads_of(be), nchunks = 1;
    if (T >= 2 && (size_t)rows * cols >= 2 * RSC_CPU_BLOCK && cols >= 64)
        nchunks = T;
    rsc_cpu_pool_run(pool_of(be), sum_rows_chunk, &t, nchunks);
}

/* ------------------------------------------------------------ batched */

static void cpu_gemm_batched(rsc_backend *be, int ta, int tb, int m, int n, int k, float alpha,
                             const rsc_buf *a, int lda, size_t sa, const rsc_buf *b, int ldb,
                             size_t sb, float beta, rsc_buf *c, int ldc, size_t sc, int count)
{
    for (int i = 0; i < count; i++) {
        rsc_buf ai, bi, ci;
        size_t e = (size_t)i * sizeof(float);
        cpu_gemm(be, ta, tb, m, n, k, alpha, rsc_cpu_at(&ai, a, e * sa), lda,
                 rsc_cpu_at(&bi, b, e * sb), ldb, beta, rsc_cpu_at(&ci, c, e * sc), ldc);
    }
}

static void cpu_bias_act_batched(rsc_backend *be, rsc_buf *y, size_t sy, const rsc_buf *bias,
                                 size_t sbias, int rows, int cols, int relu, int count)
{
    for (int i = 0; i < count; i++) {
        rsc_buf yi, bi;
        size_t e = (size_t)i * sizeof(float);
        cpu_bias_act(be, rsc_cpu_at(&yi, y, e * sy), rsc_cpu_at(&bi, bias, e * sbias), rows, cols,
                     relu);
    }
}

static void cpu_sum_rows_batched(rsc_backend *be, const rsc_buf *x, size_t sx, rsc_buf *y,
                                 size_t sy, int rows, int cols, int count)
{
    for (int i = 0; i < count; i++) {
        rsc_buf xi, yi;
        size_t e = (size_t)i * sizeof(float);
        cpu_sum_rows(be, rsc_cpu_at(&xi, x, e * sx), rsc_cpu_at(&yi, y, e * sy), rows, cols, 0.0f);
    }
}

void rsc_cpu_install_gemm(rsc_backend *be)
{
    be->gemm = cpu_gemm;
    be->bias_act = cpu_bias_act;
    be->sum_rows = cpu_sum_rows;
    be->gemm_batched = cpu_gemm_batched;
    be->bias_act_batched = cpu_bias_act_batched;
    be->sum_rows_batched = cpu_sum_rows_batched;
}
