/* bn.cu - batch normalisation on the GPU (training forward with running
 * statistics, evaluation forward, backward; each with the following ReLU
 * fused when asked), with the CPU backend's formulas: two-pass mean and
 * variance (here wholly in double), per-channel scale and shift rounded
 * to float.
 *
 * One block per channel: each thread keeps BN_UNROLL partial sums of the
 * channel's n*hw values in a fixed strided order (independent loads in
 * flight), the block combines them by a fixed tree (deterministic; no
 * atomics), then the same block writes the channel's outputs.  Indices
 * are 32-bit (a channel holds fewer than 2^31 values; checked). */
#include "kernels/cuda/cuda.h"

#include <limits.h>

#define BN_THREADS 512
#define BN_UNROLL 4
#define BN_STRIDE (BN_THREADS * BN_UNROLL)

/* Sum of v over the block by a fixed tree; every thread gets the total. */
__device__ static double block_sum(double v, double *sh)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int half = BN_THREADS / 2; half > 0; half >>= 1) {
        if ((int)threadIdx.x < half)
            sh[threadIdx.x] = __dadd_rn(sh[threadIdx.x], sh[threadIdx.x + half]);
        __syncthreads();
    }
    double total = sh[0];
    __syncthreads(); /* sh is reused by the next call */
    return total;
}

/* Element e (0 <= e < n*hw) of channel ch: index of (e / hw, ch, e % hw). */
__device__ static inline size_t at(unsigned e, int ch, int c, unsigned hw)
{
    return ((size_t)(e / hw) * (size_t)c + (size_t)ch) * hw + e % hw;
}

/* The partial sums of one thread added in a fixed order. */
__device__ static inline double lanes(const double *a)
{
    return __dadd_rn(__dadd_rn(a[0], a[1]), __dadd_rn(a[2], a[3]));
}

__global__ static void bn_fwd_train_kernel(int n, int c, unsigned hw, const float *x,
                                           const float *gamma, const float *beta, float *y,
                                           float *save_mean, float *save_invstd,
                                           float *run_mean, float *run_var, float momentum,
                                           float eps, int relu)
{
    __shared__ double sh[BN_THREADS];
    const int ch = blockIdx.x;
    const unsigned N = (unsigned)n * hw;
    const double cnt = (double)N;
    double a[BN_UNROLL] = { 0.0, 0.0, 0.0, 0.0 };
    for (unsigned base = threadIdx.x; base < N; base += BN_STRIDE) {
#pragma unroll
        for (int u = 0; u < BN_UNROLL; u++) {
            unsigned e = base + u * BN_THREADS;
            if (e < N)
                a[u] = __dadd_rn(a[u], (double)x[at(e, ch, c, hw)]);
        }
    }
    double mu = __ddiv_rn(block_sum(lanes(a), sh), cnt);
    double q[BN_UNROLL] = { 0.0, 0.0, 0.0, 0.0 };
    for (unsigned base = threadIdx.x; base < N; base += BN_STRIDE) {
#pragma unroll
        for (int u = 0; u < BN_UNROLL; u++) {
            unsigned e = base + u * BN_THREADS;
            if (e < N) {
                double d = __dsub_rn((double)x[at(e, ch, c, hw)], mu);
                q[u] = __dadd_rn(q[u], __dmul_rn(d, d));
            }
        }
    }
    double ss = block_sum(lanes(q), sh);
    double var = __ddiv_rn(ss, cnt);
    float is = (float)__ddiv_rn(1.0, sqrt(__dadd_rn(var, (double)eps)));
    float m = (float)mu;
    if (threadIdx.x == 0) {
        save_mean[ch] = m;
        save_invstd[ch] = is;
        if (run_mean) {
            double unbiased = cnt > 1 ? __ddiv_rn(ss, cnt - 1) : var;
            double mom = (double)momentum;
            run_mean[ch] = (float)__dadd_rn(__dmul_rn(1.0 - mom, (double)run_mean[ch]),
                                            __dmul_rn(mom, mu));
            run_var[ch] = (float)__dadd_rn(__dmul_rn(1.0 - mom, (double)run_var[ch]),
                                           __dmul_rn(mom, unbiased));
        }
    }
    float gs = __fmul_rn(gamma[ch], is), b = beta[ch];
    for (unsigned e = threadIdx.x; e < N; e += BN_THREADS) {
        size_t i = at(e, ch, c, hw);
        float v = __fadd_rn(__fmul_rn(__fsub_rn(x[i], m), gs), b);
        y[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

static void cuda_bn_fwd_train(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                              const rsc_buf *gamma, const rsc_buf *beta, rsc_buf *y,
                              rsc_buf *save_mean, rsc_buf *save_invstd, rsc_buf *run_mean,
                              rsc_buf *run_var, float momentum, float eps, int relu)
{
    cuda_impl *impl = cuda_of(be);
    if (n <= 0 || c <= 0 || hw <= 0 || impl->failed)
        return;
    if ((size_t)n * (size_t)hw > UINT_MAX / 2) {
        rsc_cuda_record(impl, __FILE__, __LINE__, "batch norm over %zu values per channel",
                        (size_t)n * (size_t)hw);
        return;
    }
    bn_fwd_train_kernel<<<c, BN_THREADS, 0, impl->stream>>>(
        n, c, (unsigned)hw, CF(x), CF(gamma), CF(beta), F(y), F(save_mean), F(save_invstd),
        run_mean ? F(run_mean) : NULL, run_var ? F(run_var) : NULL, momentum, eps, relu);
    CUDA_LAUNCHED(impl, "bn_fwd_train_kernel");
}

/* Evaluation: elementwise with the running statistics; y may be x. */
__global__ static void bn_fwd_eval_kernel(size_t total, int c, size_t hw, const float *x,
                                          const float *gamma, const float *beta,
                                          const float *run_mean, const float *run_var,
                                          float eps, float *y, int relu)
{
    for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < total;
         e += (size_t)gridDim.x * blockDim.x) {
        int ch = (int)((e / hw) % (size_t)c);
        float is = (float)__ddiv_rn(1.0, sqrt(__dadd_rn((double)run_var[ch], (double)eps)));
        float gs = __fmul_rn(gamma[ch], is);
        float v = __fadd_rn(__fmul_rn(__fsub_rn(x[e], run_mean[ch]), gs), beta[ch]);
        y[e] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

static void cuda_bn_fwd_eval(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                             const rsc_buf *gamma, const rsc_buf *beta, const rsc_buf *run_mean,
                             const rsc_buf *run_var, float eps, rsc_buf *y, int relu)
{
    cuda_impl *impl = cuda_of(be);
    if (n <= 0 || c <= 0 || hw <= 0 || impl->failed)
        return;
    size_t total = (size_t)n * c * hw;
    bn_fwd_eval_kernel<<<cuda_blocks(total), CUDA_THREADS, 0, impl->stream>>>(
        total, c, (size_t)hw, CF(x), CF(gamma), CF(beta), CF(run_mean), CF(run_var), eps, F(y),
        relu);
    CUDA_LAUNCHED(impl, "bn_fwd_eval_kernel");
}

/* dy masked by the fused ReLU's output y (when given). */
__device__ static inline float masked(const float *dy, const float *y, size_t i)
{
    return y && !(y[i] > 0.0f) ? 0.0f : dy[i];
}

__global__ static void bn_bwd_kernel(int n, int c, unsigned hw, const float *x, const float *dy,
                                     const float *y, const float *gamma, const float *save_mean,
                                     const float *save_invstd, float *dx, float *dgamma,
                                     float *dbeta)
{
    __shared__ double sh[BN_THREADS];
    const int ch = blockIdx.x;
    const unsigned N = (unsigned)n * hw;
    const double cnt = (double)N;
    const float m = save_mean[ch], is = save_invstd[ch];
    double a[BN_UNROLL] = { 0.0, 0.0, 0.0, 0.0 }, b[BN_UNROLL] = { 0.0, 0.0, 0.0, 0.0 };
    for (unsigned base = threadIdx.x; base < N; base += BN_STRIDE) {
#pragma unroll
        for (int u = 0; u < BN_UNROLL; u++) {
            unsigned e = base + u * BN_THREADS;
            if (e < N) {
                size_t i = at(e, ch, c, hw);
                float d = masked(dy, y, i);
                a[u] = __dadd_rn(a[u], (double)d);
                b[u] = __dadd_rn(b[u], __dmul_rn((double)d,
                                                 (double)__fmul_rn(__fsub_rn(x[i], m), is)));
            }
        }
    }
    double sdy = block_sum(lanes(a), sh);
    double sdyx = block_sum(lanes(b), sh);
    if (threadIdx.x == 0) {
        dgamma[ch] = (float)sdyx;
        dbeta[ch] = (float)sdy;
    }
    if (!dx)
        return;
    float k1 = __fmul_rn(gamma[ch], is);
    float mdy = (float)__ddiv_rn(sdy, cnt), mdyx = (float)__ddiv_rn(sdyx, cnt);
    float k2 = __fmul_rn(is, mdyx);
    for (unsigned e = threadIdx.x; e < N; e += BN_THREADS) {
        size_t i = at(e, ch, c, hw);
        float d = masked(dy, y, i);
        dx[i] = __fmul_rn(k1, __fsub_rn(__fsub_rn(d, mdy), __fmul_rn(__fsub_rn(x[i], m), k2)));
    }
}

static void cuda_bn_bwd(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                        const rsc_buf *dy, const rsc_buf *y, const rsc_buf *gamma,
                        const rsc_buf *save_mean,
                        const rsc_buf *save_invstd, rsc_buf *dx, rsc_buf *dgamma, rsc_buf *dbeta)
{
    cuda_impl *impl = cuda_of(be);
    if (n <= 0 || c <= 0 || hw <= 0 || impl->failed)
        return;
    if ((size_t)n * (size_t)hw > UINT_MAX / 2) {
        rsc_cuda_record(impl, __FILE__, __LINE__, "batch norm over %zu values per channel",
                        (size_t)n * (size_t)hw);
        return;
    }
    bn_bwd_kernel<<<c, BN_THREADS, 0, impl->stream>>>(
        n, c, (unsigned)hw, CF(x), CF(dy), y ? CF(y) : NULL, CF(gamma), CF(save_mean),
        CF(save_invstd),
        dx ? F(dx) : NULL, F(dgamma), F(dbeta));
    CUDA_LAUNCHED(impl, "bn_bwd_kernel");
}

void rsc_cuda_install_bn(rsc_backend *be)
{
    be->bn_fwd_train = cuda_bn_fwd_train;
    be->bn_fwd_eval = cuda_bn_fwd_eval;
    be->bn_bwd = cuda_bn_bwd;
}
