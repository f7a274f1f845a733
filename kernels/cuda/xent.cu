/* xent.cu - softmax cross-entropy (loss, accuracy count and logit
 * gradient), row softmax and the cross-entropy's Hessian-vector product
 * on the GPU.
 *
 * One thread per row computes exactly the CPU backend's expressions
 * (float maximum, exp and log in double, the gradient rounded to float);
 * the per-row losses and hits are added by one block in a fixed tree order,
 * so the statistics are deterministic (no atomics on floats).  Classes are
 * few (10 here) and batches are small, so a thread per row is enough. */
#include "kernels/cuda/cuda.h"

#define XENT_THREADS 256

__device__ static inline double load_double(const unsigned char *p)
{
    unsigned long long lo = ((const unsigned *)p)[0], hi = ((const unsigned *)p)[1];
    return __longlong_as_double((long long)(lo | hi << 32));
}

__device__ static inline void store_double(unsigned char *p, double v)
{
    unsigned long long bits = (unsigned long long)__double_as_longlong(v);
    ((unsigned *)p)[0] = (unsigned)bits;
    ((unsigned *)p)[1] = (unsigned)(bits >> 32);
}

/* One block per problem (one for xent; block i is problem i of
 * xent_batched): thread t handles rows t, t + XENT_THREADS, ... */
__global__ static void xent_kernel(const float *logits, const int32_t *labels, int rows,
                                   int cols, float *dlogits, float grad_scale,
                                   unsigned char *stats, unsigned *flags)
{
    size_t per = (size_t)rows * cols;
    logits += blockIdx.x * per;
    labels += blockIdx.x * (size_t)rows;
    if (dlogits)
        dlogits += blockIdx.x * per;
    stats += blockIdx.x * 2 * sizeof(double);
    __shared__ double sh_loss[XENT_THREADS];
    __shared__ double sh_hits[XENT_THREADS];
    double loss = 0.0, hits = 0.0;
    for (int r = threadIdx.x; r < rows; r += XENT_THREADS) {
        const float *z = logits + (size_t)r * cols;
        int y = labels[r];
        if (y < 0 || y >= cols) {
            atomicOr(flags, (unsigned)CUDA_FLAG_LABEL);
            continue;
        }
        float mx = z[0];
        int arg = 0;
        for (int c = 1; c < cols; c++)
            if (z[c] > mx) {
                mx = z[c];
                arg = c;
            }
        double s = 0.0;
        for (int c = 0; c < cols; c++)
            s = __dadd_rn(s, exp(__dsub_rn((double)z[c], (double)mx)));
        double lse = __dadd_rn((double)mx, log(s));
        loss = __dadd_rn(loss, __dsub_rn(lse, (double)z[y]));
        hits += arg == y ? 1.0 : 0.0;
        if (dlogits) {
            float *d = dlogits + (size_t)r * cols;
            for (int c = 0; c < cols; c++) {
                float p = (float)exp(__dsub_rn((double)z[c], lse));
                d[c] = __fmul_rn(__fsub_rn(p, c == y ? 1.0f : 0.0f), grad_scale);
            }
        }
    }
    sh_loss[threadIdx.x] = loss;
    sh_hits[threadIdx.x] = hits;
    __syncthreads();
    for (int half = XENT_THREADS / 2; half > 0; half >>= 1) {
        if ((int)threadIdx.x < half) {
            sh_loss[threadIdx.x] = __dadd_rn(sh_loss[threadIdx.x], sh_loss[threadIdx.x + half]);
            sh_hits[threadIdx.x] += sh_hits[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        store_double(stats, __dadd_rn(load_double(stats), sh_loss[0]));
        store_double(stats + 8, load_double(stats + 8) + sh_hits[0]);
    }
}

static void cuda_xent(rsc_backend *be, const rsc_buf *logits, const rsc_buf *labels, int rows,
                      int cols, rsc_buf *dlogits, float grad_scale, rsc_buf *stats)
{
    cuda_impl *impl = cuda_of(be);
    if (rows <= 0 || cols <= 0 || impl->failed)
        return;
    xent_kernel<<<1, XENT_THREADS, 0, impl->stream>>>(
        CF(logits), (const int32_t *)labels->data, rows, cols, dlogits ? F(dlogits) : NULL,
        grad_scale, stats->data, impl->dflags);
    CUDA_LAUNCHED(impl, "xent_kernel");
}

/* One thread per row; y may be x (each row is read before it is written). */
__global__ static void softmax_kernel(const float *x, float *y, int rows, int cols)
{
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x) {
        const float *z = x + (size_t)r * cols;
        float *p = y + (size_t)r * cols;
        float mx = z[0];
        for (int c = 1; c < cols; c++)
            if (z[c] > mx)
                mx = z[c];
        double s = 0.0;
        for (int c = 0; c < cols; c++)
            s = __dadd_rn(s, exp(__dsub_rn((double)z[c], (double)mx)));
        double lse = __dadd_rn((double)mx, log(s));
        for (int c = 0; c < cols; c++)
            p[c] = (float)exp(__dsub_rn((double)z[c], lse));
    }
}

static void cuda_softmax(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols)
{
    cuda_impl *impl = cuda_of(be);
    if (rows <= 0 || cols <= 0 || impl->failed)
        return;
    softmax_kernel<<<cuda_blocks((size_t)rows), CUDA_THREADS, 0, impl->stream>>>(CF(x), F(y),
                                                                                rows, cols);
    CUDA_LAUNCHED(impl, "softmax_kernel");
}

/* One thread per row, the CPU backend's expressions in its order (the
 * softmax as softmax_kernel, the dot product and the difference in
 * double); out may be u (a row's u is read before its out is written). */
__global__ static void xent_hvp_kernel(const float *x, const float *u, int rows, int cols,
                                       float *out, float scale)
{
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x) {
        const float *z = x + (size_t)r * cols;
        const float *ur = u + (size_t)r * cols;
        float *o = out + (size_t)r * cols;
        float mx = z[0];
        for (int c = 1; c < cols; c++)
            if (z[c] > mx)
                mx = z[c];
        double s = 0.0;
        for (int c = 0; c < cols; c++)
            s = __dadd_rn(s, exp(__dsub_rn((double)z[c], (double)mx)));
        double lse = __dadd_rn((double)mx, log(s));
        double dot = 0.0;
        for (int c = 0; c < cols; c++)
            dot = __dadd_rn(dot, __dmul_rn((double)(float)exp(__dsub_rn((double)z[c], lse)),
                                           (double)ur[c]));
        for (int c = 0; c < cols; c++) {
            double p = (double)(float)exp(__dsub_rn((double)z[c], lse));
            o[c] = (float)__dmul_rn((double)scale, __dmul_rn(p, __dsub_rn((double)ur[c], dot)));
        }
    }
}

static void cuda_xent_hvp(rsc_backend *be, const rsc_buf *logits, const rsc_buf *u, int rows,
                          int cols, rsc_buf *out, float scale)
{
    cuda_impl *impl = cuda_of(be);
    if (rows <= 0 || cols <= 0 || impl->failed)
        return;
    xent_hvp_kernel<<<cuda_blocks((size_t)rows), CUDA_THREADS, 0, impl->stream>>>(
        CF(logits), CF(u), rows, cols, F(out), scale);
    CUDA_LAUNCHED(impl, "xent_hvp_kernel");
}

static void cuda_xent_batched(rsc_backend *be, const rsc_buf *logits, const rsc_buf *labels,
                              int rows, int cols, rsc_buf *dlogits, float grad_scale,
                              rsc_buf *stats, int count)
{
    cuda_impl *impl = cuda_of(be);
    if (rows <= 0 || cols <= 0 || count <= 0 || impl->failed)
        return;
    xent_kernel<<<(unsigned)count, XENT_THREADS, 0, impl->stream>>>(
        CF(logits), (const int32_t *)labels->data, rows, cols, dlogits ? F(dlogits) : NULL,
        grad_scale, stats->data, impl->dflags);
    CUDA_LAUNCHED(impl, "xent_kernel");
}

void rsc_cuda_install_xent(rsc_backend *be)
{
    be->xent_hvp = cuda_xent_hvp;
    be->xent_batched = cuda_xent_batched;
    be->xent = cuda_xent;
    be->softmax = cuda_softmax;
}
