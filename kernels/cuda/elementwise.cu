/* elementwise.cu - the CUDA backend's elementwise operations (fill, ReLU,
 * products, axpy, scaling, clamping) and the sum of squares for global-norm
 * clipping.
 *
 * Arithmetic uses the round-to-nearest intrinsics (__fmul_rn, __fadd_rn),
 * which the compiler never fuses into FMAs, so that each result equals the
 * CPU backend's float expression bit for bit. */
#include "kernels/cuda/cuda.h"

#define GRID_STRIDE(e, n)                                                               \
    for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < (n);            \
         e += (size_t)gridDim.x * blockDim.x)

__global__ static void fill_kernel(float *x, size_t n, float v)
{
    GRID_STRIDE(i, n) x[i] = v;
}

__global__ static void relu_fwd_kernel(const float *x, float *y, size_t n)
{
    GRID_STRIDE(i, n)
    {
        float v = x[i];
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

__global__ static void relu_bwd_kernel(const float *y, const float *dy, float *dx, size_t n)
{
    GRID_STRIDE(i, n) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

__global__ static void mul_kernel(const float *x, const float *m, float *y, size_t n)
{
    GRID_STRIDE(i, n) y[i] = __fmul_rn(x[i], m[i]);
}

__global__ static void axpy_kernel(size_t n, float a, const float *x, float *y)
{
    GRID_STRIDE(i, n) y[i] = __fadd_rn(y[i], __fmul_rn(a, x[i]));
}

__global__ static void scale_kernel(size_t n, float a, float *x)
{
    GRID_STRIDE(i, n) x[i] = __fmul_rn(x[i], a);
}

__global__ static void clamp_kernel(float *x, size_t n, float lo, float hi)
{
    GRID_STRIDE(i, n)
    {
        float v = x[i];
        x[i] = v < lo ? lo : v > hi ? hi : v;
    }
}

/* Launch boilerplate: skip empty work and work after a sticky error. */
#define LAUNCH(impl, n, kernel, ...)                                                    \
    do {                                                                                \
        if ((n) == 0 || (impl)->failed)                                                 \
            break;                                                                      \
        kernel<<<cuda_blocks(n), CUDA_THREADS, 0, (impl)->stream>>>(__VA_ARGS__);       \
        CUDA_LAUNCHED(impl, #kernel);                                                   \
    } while (0)

static void cuda_fill(rsc_backend *be, rsc_buf *x, size_t n, float value)
{
    LAUNCH(cuda_of(be), n, fill_kernel, F(x), n, value);
}

static void cuda_relu_fwd(rsc_backend *be, const rsc_buf *x, rsc_buf *y, size_t n)
{
    LAUNCH(cuda_of(be), n, relu_fwd_kernel, CF(x), F(y), n);
}

static void cuda_relu_bwd(rsc_backend *be, const rsc_buf *y, const rsc_buf *dy, rsc_buf *dx,
                          size_t n)
{
    LAUNCH(cuda_of(be), n, relu_bwd_kernel, CF(y), CF(dy), F(dx), n);
}

static void cuda_mul(rsc_backend *be, const rsc_buf *x, const rsc_buf *m, rsc_buf *y, size_t n)
{
    LAUNCH(cuda_of(be), n, mul_kernel, CF(x), CF(m), F(y), n);
}

static void cuda_axpy(rsc_backend *be, size_t n, float alpha, const rsc_buf *x, rsc_buf *y)
{
    LAUNCH(cuda_of(be), n, axpy_kernel, n, alpha, CF(x), F(y));
}

static void cuda_scale(rsc_backend *be, size_t n, float alpha, rsc_buf *x)
{
    LAUNCH(cuda_of(be), n, scale_kernel, n, alpha, F(x));
}

static void cuda_clamp(rsc_backend *be, rsc_buf *x, size_t n, float lo, float hi)
{
    LAUNCH(cuda_of(be), n, clamp_kernel, F(x), n, lo, hi);
}

/* ------------------------------------------------------------ sum of squares */

/* A double stored with two 4-byte accesses: `out` need only be 4-byte
 * aligned (a view may start at any multiple of 4). */
__device__ static inline void store_double(unsigned char *p, double v)
{
    unsigned long long bits = (unsigned long long)__double_as_longlong(v);
    ((unsigned *)p)[0] = (unsigned)bits;
    ((unsigned *)p)[1] = (unsigned)(bits >> 32);
}

/* Stage 1: nblocks = min(CUDA_REDUCE_BLOCKS, ceil(n / CUDA_THREADS)) blocks
 * (a function of n only); thread t of the grid sums x[t], x[t + stride],
 * ... in double, then each block adds its threads' sums by a fixed tree. */
__global__ static void sumsq_partial_kernel(const float *x, size_t n, double *partial)
{
    __shared__ double sh[CUDA_THREADS];
    double s = 0.0;
    GRID_STRIDE(i, n)
    {
        double v = (double)x[i];
        s = __dadd_rn(s, __dmul_rn(v, v));
    }
    sh[threadIdx.x] = s;
    __syncthreads();
    for (int half = CUDA_THREADS / 2; half > 0; half >>= 1) {
        if ((int)threadIdx.x < half)
            sh[threadIdx.x] = __dadd_rn(sh[threadIdx.x], sh[threadIdx.x + half]);
        __syncthreads();
    }
    if (threadIdx.x == 0)
        partial[blockIdx.x] = sh[0];
}

/* Stage 2: one thread adds the partials in block order. */
__global__ static void sumsq_final_kernel(const double *partial, unsigned nblocks,
                                          unsigned char *out)
{
    double t = 0.0;
    for (unsigned i = 0; i < nblocks; i++)
        t = __dadd_rn(t, partial[i]);
    store_double(out, t);
}

static void cuda_sumsq(rsc_backend *be, const rsc_buf *x, size_t n, rsc_buf *out)
{
    cuda_impl *impl = cuda_of(be);
    if (impl->failed)
        return;
    size_t nb = (n + CUDA_THREADS - 1) / CUDA_THREADS;
    unsigned nblocks = (unsigned)(nb > CUDA_REDUCE_BLOCKS ? CUDA_REDUCE_BLOCKS : nb);
    if (nblocks > 0) {
        sumsq_partial_kernel<<<nblocks, CUDA_THREADS, 0, impl->stream>>>(CF(x), n,
                                                                        impl->scratch);
        if (CUDA_LAUNCHED(impl, "sumsq_partial_kernel"))
            return;
    }
    sumsq_final_kernel<<<1, 1, 0, impl->stream>>>(impl->scratch, nblocks, out->data);
    CUDA_LAUNCHED(impl, "sumsq_final_kernel");
}

void rsc_cuda_install_elementwise(rsc_backend *be)
{
    be->fill = cuda_fill;
    be->relu_fwd = cuda_relu_fwd;
    be->relu_bwd = cuda_relu_bwd;
    be->mul = cuda_mul;
    be->axpy = cuda_axpy;
    be->scale = cuda_scale;
    be->clamp = cuda_clamp;
    be->sumsq = cuda_sumsq;
}
