/* image.cu - per-pixel operations of the convolutional networks on the
 * GPU: the ResNet's option-A shortcut (forward and its transpose), the
 * input normalisation by channel mean and standard deviation, and the
 * CIFAR crop-and-flip augmentation on the resident batch.  One thread per
 * output element; every output is written by exactly one thread, so
 * results equal the CPU backend's bit for bit. */
#include "kernels/cuda/cuda.h"

#define GRID_STRIDE(e, n)                                                               \
    for (size_t e = blockIdx.x * (size_t)blockDim.x + threadIdx.x; e < (n);            \
         e += (size_t)gridDim.x * blockDim.x)

#define LAUNCH(impl, n, kernel, ...)                                                    \
    do {                                                                                \
        if ((n) == 0 || (impl)->failed)                                                 \
            break;                                                                      \
        kernel<<<cuda_blocks(n), CUDA_THREADS, 0, (impl)->stream>>>(__VA_ARGS__);       \
        CUDA_LAUNCHED(impl, #kernel);                                                   \
    } while (0)

/* y[n][co][i][j] (+)= x[n][co - front][i*s][j*s], 0 outside the channels. */
__global__ static void shortcut_fwd_kernel(rsc_shortcut_geom g, size_t total, const float *x,
                                           float *y, int accumulate)
{
    const size_t os = (size_t)g.oh * g.ow;
    GRID_STRIDE(e, total)
    {
        size_t plane = e / os; /* n * oc + co */
        int o = (int)(e % os), i = o / g.ow, j = o % g.ow;
        int co = (int)(plane % (size_t)g.oc);
        size_t n = plane / (size_t)g.oc;
        int ci = co - g.front;
        if (ci < 0 || ci >= g.c) {
            if (!accumulate)
                y[e] = 0.0f;
            continue;
        }
        float v = x[((n * g.c + ci) * g.h + (size_t)i * g.stride) * g.w + (size_t)j * g.stride];
        y[e] = accumulate ? __fadd_rn(y[e], v) : v;
    }
}

static void cuda_shortcut_fwd(rsc_backend *be, const rsc_shortcut_geom *g, int batch,
                              const rsc_buf *x, rsc_buf *y, int accumulate)
{
    size_t total = (size_t)(batch > 0 ? batch : 0) * g->oc * g->oh * g->ow;
    LAUNCH(cuda_of(be), total, shortcut_fwd_kernel, *g, total, CF(x), F(y), accumulate);
}

/* dx[n][ci][a][b] (+)= dy[n][ci + front][a/s][b/s] where s divides a and b,
 * else 0 (or unchanged). */
__global__ static void shortcut_bwd_kernel(rsc_shortcut_geom g, size_t total, const float *dy,
                                           float *dx, int accumulate)
{
    const size_t is = (size_t)g.h * g.w;
    GRID_STRIDE(e, total)
    {
        size_t plane = e / is; /* n * c + ci */
        int at = (int)(e % is), a = at / g.w, b = at % g.w;
        int ci = (int)(plane % (size_t)g.c);
        size_t n = plane / (size_t)g.c;
        float v = 0.0f;
        int hit = a % g.stride == 0 && b % g.stride == 0 && a / g.stride < g.oh &&
                  b / g.stride < g.ow;
        if (hit)
            v = dy[((n * g.oc + (size_t)(ci + g.front)) * g.oh + (size_t)(a / g.stride)) * g.ow +
                   (size_t)(b / g.stride)];
        if (accumulate) {
            if (hit)
                dx[e] = __fadd_rn(dx[e], v);
        } else {
            dx[e] = v;
        }
    }
}

static void cuda_shortcut_bwd(rsc_backend *be, const rsc_shortcut_geom *g, int batch,
                              const rsc_buf *dy, rsc_buf *dx, int accumulate)
{
    size_t total = (size_t)(batch > 0 ? batch : 0) * g->c * g->h * g->w;
    LAUNCH(cuda_of(be), total, shortcut_bwd_kernel, *g, total, CF(dy), F(dx), accumulate);
}

__global__ static void chan_norm_fwd_kernel(int c, size_t hw, size_t total, const float *x,
                                            const float *mean, const float *std, float *y)
{
    GRID_STRIDE(e, total)
    {
        int ch = (int)((e / hw) % (size_t)c);
        y[e] = __fdiv_rn(__fsub_rn(x[e], mean[ch]), std[ch]);
    }
}

static void cuda_chan_norm_fwd(rsc_backend *be, int c, int hw, int batch, const rsc_buf *x,
                               const rsc_buf *mean, const rsc_buf *std, rsc_buf *y)
{
    size_t total = (size_t)(batch > 0 ? batch : 0) * (size_t)c * (size_t)hw;
    LAUNCH(cuda_of(be), total, chan_norm_fwd_kernel, c, (size_t)hw, total, CF(x), CF(mean),
           CF(std), F(y));
}

__global__ static void chan_norm_bwd_kernel(int c, size_t hw, size_t total, const float *dy,
                                            const float *std, float *dx)
{
    GRID_STRIDE(e, total)
    {
        int ch = (int)((e / hw) % (size_t)c);
        dx[e] = __fdiv_rn(dy[e], std[ch]);
    }
}

static void cuda_chan_norm_bwd(rsc_backend *be, int c, int hw, int batch, const rsc_buf *dy,
                               const rsc_buf *std, rsc_buf *dx)
{
    size_t total = (size_t)(batch > 0 ? batch : 0) * (size_t)c * (size_t)hw;
    LAUNCH(cuda_of(be), total, chan_norm_bwd_kernel, c, (size_t)hw, total, CF(dy), CF(std),
           F(dx));
}

/* y[n][k][i][j] = x[n][k][i + top - pad][jj + left - pad], jj = flip ? w-1-j : j. */
__global__ static void crop_flip_kernel(int c, int h, int w, int pad, size_t total,
                                        const int32_t *prm, const float *x, float *y)
{
    const size_t is = (size_t)h * w;
    GRID_STRIDE(e, total)
    {
        size_t plane = e / is; /* n * c + k */
        size_t n = plane / (size_t)c;
        int at = (int)(e % is), i = at / w, j = at % w;
        int top = prm[3 * n] - pad, left = prm[3 * n + 1] - pad, flip = prm[3 * n + 2];
        int si = i + top, sj = (flip ? w - 1 - j : j) + left;
        y[e] = si >= 0 && si < h && sj >= 0 && sj < w ? x[plane * is + (size_t)si * w + sj]
                                                      : 0.0f;
    }
}

static void cuda_crop_flip(rsc_backend *be, int c, int h, int w, int pad, int batch,
                           const rsc_buf *prm, const rsc_buf *x, rsc_buf *y)
{
    size_t total = (size_t)(batch > 0 ? batch : 0) * (size_t)c * (size_t)h * (size_t)w;
    LAUNCH(cuda_of(be), total, crop_flip_kernel, c, h, w, pad, total,
           (const int32_t *)prm->data, CF(x), F(y));
}

void rsc_cuda_install_image(rsc_backend *be)
{
    be->shortcut_fwd = cuda_shortcut_fwd;
    be->shortcut_bwd = cuda_shortcut_bwd;
    be->chan_norm_fwd = cuda_chan_norm_fwd;
    be->chan_norm_bwd = cuda_chan_norm_bwd;
    be->crop_flip = cuda_crop_flip;
}
