/* pool.cu - max pooling (with the argmax for backward) and adaptive
 * average pooling on the GPU.
 *
 * The forward kernels compute each output with the CPU backend's loop.  The
 * backward passes are gathers, not scatters: each input element adds the
 * gradients of the windows that contain it in increasing output order,
 * exactly the order in which the CPU backend accumulates them, so results
 * are deterministic (no atomics) and equal to the CPU's. */
#include "kernels/cuda/cuda.h"

#define GRID_STRIDE(e, n)                                                               \
    for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < (n);            \
         e += (size_t)gridDim.x * blockDim.x)

/* ------------------------------------------------------------ max */

__global__ static void maxpool_fwd_kernel(rsc_pool_geom g, size_t planes, const float *x,
                                          float *y, int32_t *arg)
{
    const size_t is = (size_t)g.h * g.w, os = (size_t)g.oh * g.ow;
    GRID_STRIDE(e, planes * os)
    {
        size_t p = e / os;
        int o = (int)(e % os), oy = o / g.ow, ox = o % g.ow;
        const float *xp = x + p * is;
        int y0 = oy * g.stride, x0 = ox * g.stride;
        int best = y0 * g.w + x0;
        float m = xp[best];
        for (int i = 0; i < g.k; i++)
            for (int j = 0; j < g.k; j++) {
                int at = (y0 + i) * g.w + x0 + j;
                float v = xp[at];
                /* PyTorch: the first maximum wins, NaN propagates. */
                if (v > m || isnan(v)) {
                    m = v;
                    best = at;
                    if (isnan(v))
                        goto done;
                }
            }
    done:
        y[e] = m;
        arg[e] = best;
    }
}

static void cuda_maxpool_fwd(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                             const rsc_buf *x, rsc_buf *y, rsc_buf *arg)
{
    cuda_impl *impl = cuda_of(be);
    size_t n = planes * (size_t)g->oh * (size_t)g->ow;
    if (n == 0 || impl->failed)
        return;
    maxpool_fwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(
        *g, planes, CF(x), F(y), (int32_t *)arg->data);
    CUDA_LAUNCHED(impl, "maxpool_fwd_kernel");
}

/* Outputs whose window [o*stride, o*stride + k) contains input i:
 * o in [lo, hi], clipped to [0, out - 1]. */
__device__ static inline void windows_of(int i, int k, int stride, int out, int *lo, int *hi)
{
    int a = i - k + 1;
    *lo = a <= 0 ? 0 : (a + stride - 1) / stride;
    *hi = i / stride;
    if (*hi > out - 1)
        *hi = out - 1;
}

__global__ static void maxpool_bwd_kernel(rsc_pool_geom g, size_t planes, const float *dy,
                                          const int32_t *arg, float *dx)
{
    const size_t is = (size_t)g.h * g.w, os = (size_t)g.oh * g.ow;
    GRID_STRIDE(e, planes * is)
    {
        size_t p = e / is;
        int at = (int)(e % is), iy = at / g.w, ix = at % g.w;
        int ylo, yhi, xlo, xhi;
        windows_of(iy, g.k, g.stride, g.oh, &ylo, &yhi);
        windows_of(ix, g.k, g.stride, g.ow, &xlo, &xhi);
        const float *dyp = dy + p * os;
        const int32_t *ap = arg + p * os;
        float s = 0.0f;
        for (int oy = ylo; oy <= yhi; oy++)
            for (int ox = xlo; ox <= xhi; ox++) {
                int o = oy * g.ow + ox;
                if (ap[o] == at)
                    s = __fadd_rn(s, dyp[o]);
            }
        dx[e] = s;
    }
}

static void cuda_maxpool_bwd(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                             const rsc_buf *dy, const rsc_buf *arg, rsc_buf *dx)
{
    cuda_impl *impl = cuda_of(be);
    size_t n = planes * (size_t)g->h * (size_t)g->w;
    if (n == 0 || impl->failed)
        return;
    maxpool_bwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(
        *g, planes, CF(dy), (const int32_t *)arg->data, F(dx));
    CUDA_LAUNCHED(impl, "maxpool_bwd_kernel");
}

__global__ static void maxpool_gather_kernel(size_t is, size_t os, size_t n, const float *x,
                                             const int32_t *arg, float *y)
{
    GRID_STRIDE(e, n)
    {
        y[e] = x[(e / os) * is + (size_t)arg[e]];
    }
}

static void cuda_maxpool_gather(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                                const rsc_buf *x, const rsc_buf *arg, rsc_buf *y)
{
    cuda_impl *impl = cuda_of(be);
    size_t is = (size_t)g->h * (size_t)g->w, os = (size_t)g->oh * (size_t)g->ow, n = planes * os;
    if (n == 0 || impl->failed)
        return;
    maxpool_gather_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(
        is, os, n, CF(x), (const int32_t *)arg->data, F(y));
    CUDA_LAUNCHED(impl, "maxpool_gather_kernel");
}

/* ------------------------------------------------------------ adaptive average */

__device__ static inline int bin_lo(int i, int in, int out)
{
    return (int)(((long long)i * in) / out);
}

__device__ static inline int bin_hi(int i, int in, int out)
{
    return (int)(((long long)(i + 1) * in + out - 1) / out);
}

__global__ static void avgpool_fwd_kernel(int h, int w, int oh, int ow, size_t planes,
                                          const float *x, float *y)
{
    const size_t is = (size_t)h * w, os = (size_t)oh * ow;
    GRID_STRIDE(e, planes * os)
    {
        size_t p = e / os;
        int o = (int)(e % os), oy = o / ow, ox = o % ow;
        int ylo = bin_lo(oy, h, oh), yhi = bin_hi(oy, h, oh);
        int xlo = bin_lo(ox, w, ow), xhi = bin_hi(ox, w, ow);
        const float *xp = x + p * is;
        float s = 0.0f;
        for (int i = ylo; i < yhi; i++)
            for (int j = xlo; j < xhi; j++)
                s = __fadd_rn(s, xp[(size_t)i * w + j]);
        y[e] = __fdiv_rn(s, (float)((yhi - ylo) * (xhi - xlo)));
    }
}

static void cuda_avgpool_fwd(rsc_backend *be, int h, int w, int oh, int ow, size_t planes,
                             const rsc_buf *x, rsc_buf *y)
{
    cuda_impl *impl = cuda_of(be);
    size_t n = planes * (size_t)oh * (size_t)ow;
    if (n == 0 || impl->failed)
        return;
    avgpool_fwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(h, w, oh, ow, planes,
                                                                         CF(x), F(y));
    CUDA_LAUNCHED(impl, "avgpool_fwd_kernel");
}

/* Each input adds dy/size of every window containing it, in output order
 * (the windows of adaptive pooling are few: all are tested). */
__global__ static void avgpool_bwd_kernel(int h, int w, int oh, int ow, size_t planes,
                                          const float *dy, float *dx)
{
    const size_t is = (size_t)h * w, os = (size_t)oh * ow;
    GRID_STRIDE(e, planes * is)
    {
        size_t p = e / is;
        int at = (int)(e % is), iy = at / w, ix = at % w;
        const float *dyp = dy + p * os;
        float s = 0.0f;
        for (int oy = 0; oy < oh; oy++) {
            int ylo = bin_lo(oy, h, oh), yhi = bin_hi(oy, h, oh);
            if (iy < ylo || iy >= yhi)
                continue;
            for (int ox = 0; ox < ow; ox++) {
                int xlo = bin_lo(ox, w, ow), xhi = bin_hi(ox, w, ow);
                if (ix < xlo || ix >= xhi)
                    continue;
                float g = __fdiv_rn(dyp[oy * ow + ox], (float)((yhi - ylo) * (xhi - xlo)));
                s = __fadd_rn(s, g);
            }
        }
        dx[e] = s;
    }
}

static void cuda_avgpool_bwd(rsc_backend *be, int h, int w, int oh, int ow, size_t planes,
                             const rsc_buf *dy, rsc_buf *dx)
{
    cuda_impl *impl = cuda_of(be);
    size_t n = planes * (size_t)h * (size_t)w;
    if (n == 0 || impl->failed)
        return;
    avgpool_bwd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(h, w, oh, ow, planes,
                                                                         CF(dy), F(dx));
    CUDA_LAUNCHED(impl, "avgpool_bwd_kernel");
}

void rsc_cuda_install_pool(rsc_backend *be)
{
    be->maxpool_fwd = cuda_maxpool_fwd;
    be->maxpool_bwd = cuda_maxpool_bwd;
    be->maxpool_gather = cuda_maxpool_gather;
    be->avgpool_fwd = cuda_avgpool_fwd;
    be->avgpool_bwd = cuda_avgpool_bwd;
}
