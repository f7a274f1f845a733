/* gemm.cu - the CUDA backend's linear algebra: row-major GEMM through
 * cuBLAS, the linear layer's bias add (+ ReLU) and column sums for bias
 * gradients.
 *
 * Row-major through column-major cuBLAS: a row-major r x c matrix with
 * leading dimension ld is, read column-major with the same ld, its c x r
 * transpose.  So row-major C = op(A) op(B) (M x N) is column-major
 * C^T = op(B)^T op(A)^T (N x M): cublasSgemm with the operands swapped,
 * the same transposition flags, m and n swapped, and the same leading
 * dimensions. */
#include "kernels/cuda/cuda.h"

/* C = beta * C on an m x n row-major matrix (BLAS semantics for k == 0;
 * beta == 0 writes zeros, ignoring NaN in the old C). */
__global__ static void scale_matrix_kernel(float *c, int m, int n, int ldc, float beta)
{
    size_t total = (size_t)m * n;
    for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < total;
         e += (size_t)gridDim.x * blockDim.x) {
        size_t i = e / (size_t)n, j = e % (size_t)n;
        float *p = c + i * (size_t)ldc + j;
        *p = beta == 0.0f ? 0.0f : beta * *p;
    }
}

static void cuda_gemm(rsc_backend *be, int ta, int tb, int m, int n, int k, float alpha,
                      const rsc_buf *a, int lda, const rsc_buf *b, int ldb, float beta,
                      rsc_buf *c, int ldc)
{
    cuda_impl *impl = cuda_of(be);
    if (m <= 0 || n <= 0 || impl->failed)
        return;
    if (k <= 0) {
        scale_matrix_kernel<<<cuda_blocks((size_t)m * n), CUDA_THREADS, 0, impl->stream>>>(
            F(c), m, n, ldc, beta);
        CUDA_LAUNCHED(impl, "scale_matrix_kernel");
        return;
    }
    CUBLAS_CHECK(impl, impl->blas.cublasSgemm(impl->cublas, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                                              ta ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha,
                                              CF(b), ldb, CF(a), lda, &beta, F(c), ldc));
}

/* y[r*cols + c] += bias[c], then ReLU when relu: one thread per element;
 * problem blockIdx.y of a batched call at y + blockIdx.y * sy, bias +
 * blockIdx.y * sb. */
__global__ static void bias_act_kernel(float *y, const float *bias, size_t total, int cols,
                                       int relu, size_t sy, size_t sb)
{
    y += blockIdx.y * sy;
    bias += blockIdx.y * sb;
    for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < total;
         e += (size_t)gridDim.x * blockDim.x) {
        float v = __fadd_rn(y[e], bias[e % (size_t)cols]);
        y[e] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

static void cuda_bias_act(rsc_backend *be, rsc_buf *y, const rsc_buf *bias, int rows, int cols,
                          int relu)
{
    cuda_impl *impl = cuda_of(be);
    size_t total = (size_t)(rows > 0 ? rows : 0) * (size_t)(cols > 0 ? cols : 0);
    if (total == 0 || impl->failed)
        return;
    bias_act_kernel<<<cuda_blocks(total), CUDA_THREADS, 0, impl->stream>>>(F(y), CF(bias), total,
                                                                          cols, relu, 0, 0);
    CUDA_LAUNCHED(impl, "bias_act_kernel");
}

/* Column sums.  A block covers SUM_COLS columns with SUM_GROUPS row groups:
 * group g sums rows g, g + SUM_GROUPS, ... in order, then group 0 adds the
 * groups' partials in order 0..SUM_GROUPS-1.  The order depends only on
 * rows, so the result is deterministic.  Reads are coalesced along a row. */
#define SUM_COLS 32
#define SUM_GROUPS 8

__global__ static void sum_rows_kernel(const float *x, float *y, int rows, int cols, float beta,
                                       size_t sx, size_t sy)
{
    __shared__ float part[SUM_GROUPS][SUM_COLS];
    x += blockIdx.y * sx;   /* problem blockIdx.y of a batched call */
    y += blockIdx.y * sy;
    int c = blockIdx.x * SUM_COLS + threadIdx.x;
    int g = threadIdx.y;
    float s = 0.0f;
    if (c < cols)
        for (int r = g; r < rows; r += SUM_GROUPS)
            s = __fadd_rn(s, x[(size_t)r * cols + c]);
    part[g][threadIdx.x] = s;
    __syncthreads();
    if (g == 0 && c < cols) {
        float t = part[0][threadIdx.x];
        for (int i = 1; i < SUM_GROUPS; i++)
            t = __fadd_rn(t, part[i][threadIdx.x]);
        y[c] = beta == 0.0f ? t : __fadd_rn(__fmul_rn(beta, y[c]), t);
    }
}

static void cuda_sum_rows(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols,
                          float beta)
{
    cuda_impl *impl = cuda_of(be);
    if (cols <= 0 || impl->failed)
        return;
    if (rows < 0)
        rows = 0;
    dim3 block(SUM_COLS, SUM_GROUPS);
    dim3 grid((unsigned)((cols + SUM_COLS - 1) / SUM_COLS));
    sum_rows_kernel<<<grid, block, 0, impl->stream>>>(CF(x), F(y), rows, cols, beta, 0, 0);
    CUDA_LAUNCHED(impl, "sum_rows_kernel");
}

/* ------------------------------------------------------------ batched */

static int too_many(cuda_impl *impl, int count, const char *op)
{
    if (count <= CUDA_MAX_PROBLEMS)
        return 0;
    return rsc_cuda_record(impl, __FILE__, __LINE__, "%s: %d problems (at most %d)", op, count,
                           CUDA_MAX_PROBLEMS);
}

/* One cublasSgemmStridedBatched call, the operands swapped as in gemm. */
static void cuda_gemm_batched(rsc_backend *be, int ta, int tb, int m, int n, int k, float alpha,
                              const rsc_buf *a, int lda, size_t sa, const rsc_buf *b, int ldb,
                              size_t sb, float beta, rsc_buf *c, int ldc, size_t sc, int count)
{
    cuda_impl *impl = cuda_of(be);
    if (m <= 0 || n <= 0 || count <= 0 || impl->failed)
        return;
    if (k <= 0) {
        for (int i = 0; i < count; i++) {
            scale_matrix_kernel<<<cuda_blocks((size_t)m * n), CUDA_THREADS, 0, impl->stream>>>(
                F(c) + (size_t)i * sc, m, n, ldc, beta);
            CUDA_LAUNCHED(impl, "scale_matrix_kernel");
        }
        return;
    }
    CUBLAS_CHECK(impl, impl->blas.cublasSgemmStridedBatched(
                           impl->cublas, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                           n, m, k, &alpha, CF(b), ldb, (long long)sb, CF(a), lda, (long long)sa,
                           &beta, F(c), ldc, (long long)sc, count));
}

static void cuda_bias_act_batched(rsc_backend *be, rsc_buf *y, size_t sy, const rsc_buf *bias,
                                  size_t sbias, int rows, int cols, int relu, int count)
{
    cuda_impl *impl = cuda_of(be);
    size_t total = (size_t)(rows > 0 ? rows : 0) * (size_t)(cols > 0 ? cols : 0);
    if (total == 0 || count <= 0 || impl->failed || too_many(impl, count, "bias_act_batched"))
        return;
    dim3 grid(cuda_blocks(total), (unsigned)count);
    bias_act_kernel<<<grid, CUDA_THREADS, 0, impl->stream>>>(F(y), CF(bias), total, cols, relu,
                                                            sy, sbias);
    CUDA_LAUNCHED(impl, "bias_act_kernel");
}

static void cuda_sum_rows_batched(rsc_backend *be, const rsc_buf *x, size_t sx, rsc_buf *y,
                                  size_t sy, int rows, int cols, int count)
{
    cuda_impl *impl = cuda_of(be);
    if (cols <= 0 || count <= 0 || impl->failed || too_many(impl, count, "sum_rows_batched"))
        return;
    if (rows < 0)
        rows = 0;
    dim3 block(SUM_COLS, SUM_GROUPS);
    dim3 grid((unsigned)((cols + SUM_COLS - 1) / SUM_COLS), (unsigned)count);
    sum_rows_kernel<<<grid, block, 0, impl->stream>>>(CF(x), F(y), rows, cols, 0.0f, sx, sy);
    CUDA_LAUNCHED(impl, "sum_rows_kernel");
}

void rsc_cuda_install_gemm(rsc_backend *be)
{
    be->gemm_batched = cuda_gemm_batched;
    be->bias_act_batched = cuda_bias_act_batched;
    be->sum_rows_batched = cuda_sum_rows_batched;
    be->gemm = cuda_gemm;
    be->bias_act = cuda_bias_act;
    be->sum_rows = cuda_sum_rows;
}
