/* data.cu - the data side of training on the GPU: batch gathers from the
 * dataset resident in device memory (so that a training run copies no
 * images per batch), and the counter-based random operations (dropout
 * masks, Gaussian input noise) of backend.h, element i a pure function of
 * (seed, i) exactly as on the CPU. */
#include "kernels/cuda/cuda.h"

#include <math.h>

/* ------------------------------------------------------------ random */

__global__ static void dropout_kernel(float *mask, size_t n, float p, float keep, uint64_t seed)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        mask[i] = cuda_uniform(seed, i) < p ? 0.0f : keep;
}

static void cuda_dropout_mask(rsc_backend *be, rsc_buf *mask, size_t n, float p, uint64_t seed)
{
    cuda_impl *impl = cuda_of(be);
    if (n == 0 || impl->failed)
        return;
    /* 1/(1-p) rounded as the CPU backend rounds it (host float). */
    float keep = 1.0f / (1.0f - p);
    dropout_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(F(mask), n, p, keep, seed);
    CUDA_LAUNCHED(impl, "dropout_kernel");
}

/* rsc_backend_normal(seed, i): Box-Muller on the pair of uniforms of
 * i / 2, in double, rounded to float. */
__device__ static inline float cuda_normal(uint64_t seed, uint64_t i)
{
    uint64_t pair = i / 2;
    double u1 = __dmul_rn((double)((cuda_hash64(seed, 2 * pair) >> 11) + 1), 0x1p-53);
    double u2 = __dmul_rn((double)(cuda_hash64(seed, 2 * pair + 1) >> 11), 0x1p-53);
    double r = sqrt(__dmul_rn(-2.0, log(u1)));
    double a = __dmul_rn(6.283185307179586, u2);
    return (float)(i % 2 == 0 ? __dmul_rn(r, cos(a)) : __dmul_rn(r, sin(a)));
}

__global__ static void noise_kernel(float *x, size_t n, float sigma, uint64_t seed)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        x[i] = __fadd_rn(x[i], __fmul_rn(sigma, cuda_normal(seed, i)));
}

static void cuda_noise_add(rsc_backend *be, rsc_buf *x, size_t n, float sigma, uint64_t seed)
{
    cuda_impl *impl = cuda_of(be);
    if (n == 0 || impl->failed)
        return;
    noise_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(F(x), n, sigma, seed);
    CUDA_LAUNCHED(impl, "noise_kernel");
}

/* ------------------------------------------------------------ gathers */

/* Rows of the batch along blockIdx.y (grid-strided), elements of a row
 * along x: consecutive threads read consecutive source elements.  A row
 * whose slot (when slot is not NULL) is >= 0 comes from that row of the
 * float32 rows sub instead (backend.h, gather). */
template <typename T>
__global__ static void gather_kernel(float *dst, const T *src, size_t row_len, size_t nrows,
                                     const int32_t *idx, size_t count, const int32_t *slot,
                                     const float *sub, size_t nsub, unsigned *flags, size_t sidx,
                                     size_t sslot, size_t ssub)
{
    /* Problem blockIdx.z of a batched call (backend.h: gather_batched). */
    dst += blockIdx.z * count * row_len;
    idx += blockIdx.z * sidx;
    if (slot) {
        slot += blockIdx.z * sslot;
        sub += blockIdx.z * ssub;
    }
    for (size_t j = blockIdx.y; j < count; j += gridDim.y) {
        int32_t row = idx[j];
        float *d = dst + j * row_len;
        int32_t sl = -1;
        if (row >= 0 && (size_t)row < nrows && slot)
            sl = slot[row];
        if (row < 0 || (size_t)row >= nrows || (sl >= 0 && (size_t)sl >= nsub)) {
            if (blockIdx.x == 0 && threadIdx.x == 0)
                atomicOr(flags, (unsigned)CUDA_FLAG_INDEX);
            continue;
        }
        if (sl >= 0) {
            const float *s = sub + (size_t)sl * row_len;
            for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < row_len;
                 i += (size_t)gridDim.x * blockDim.x)
                d[i] = s[i];
            continue;
        }
        const T *s = src + (size_t)row * row_len;
        for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < row_len;
             i += (size_t)gridDim.x * blockDim.x) {
            if (sizeof(T) == 1)
                d[i] = __fdiv_rn((float)s[i], 255.0f);
            else
                d[i] = (float)s[i];
        }
    }
}

static dim3 gather_grid(size_t row_len, size_t count)
{
    size_t bx = (row_len + CUDA_THREADS - 1) / CUDA_THREADS;
    if (bx > 1024)
        bx = 1024;
    size_t by = count > 65535 ? 65535 : count;
    return dim3((unsigned)bx, (unsigned)by);
}

/* gather and gather_batched: `problems` problems along the grid's z, with
 * the strides of gather_batched (0 for gather). */
static void gather_launch(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                          size_t row_len, const rsc_buf *idx, size_t sidx, size_t idx_off,
                          size_t count, const rsc_buf *slot, size_t sslot, const rsc_buf *sub,
                          size_t ssub, size_t nsub, int problems)
{
    cuda_impl *impl = cuda_of(be);
    if (count == 0 || row_len == 0 || problems <= 0 || impl->failed)
        return;
    if (problems > CUDA_MAX_PROBLEMS) {
        rsc_cuda_record(impl, __FILE__, __LINE__, "gather_batched: %d problems (at most %d)",
                        problems, CUDA_MAX_PROBLEMS);
        return;
    }
    const int32_t *ix = (const int32_t *)idx->data + idx_off;
    const int32_t *sl = slot ? (const int32_t *)slot->data : NULL;
    const float *sb = slot && sub ? CF(sub) : NULL;
    if (!sb)
        nsub = 0;
    dim3 grid = gather_grid(row_len, count);
    grid.z = (unsigned)problems;
    if (src_type == RSC_GATHER_U8) {
        size_t nrows = src->bytes / row_len;
        gather_kernel<unsigned char><<<grid, CUDA_THREADS, 0, impl->stream>>>(
            F(dst), (const unsigned char *)src->data, row_len, nrows, ix, count, sl, sb, nsub,
            impl->dflags, sidx, sslot, ssub);
    } else if (src_type == RSC_GATHER_F32) {
        size_t nrows = src->bytes / (row_len * sizeof(float));
        gather_kernel<float><<<grid, CUDA_THREADS, 0, impl->stream>>>(
            F(dst), CF(src), row_len, nrows, ix, count, sl, sb, nsub, impl->dflags, sidx, sslot,
            ssub);
    } else {
        rsc_cuda_record(impl, __FILE__, __LINE__, "gather: unknown source type %d", src_type);
        return;
    }
    CUDA_LAUNCHED(impl, "gather_kernel");
}

static void cuda_gather(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                        size_t row_len, const rsc_buf *idx, size_t idx_off, size_t count,
                        const rsc_buf *slot, const rsc_buf *sub)
{
    size_t nsub = slot && sub ? sub->bytes / (row_len * sizeof(float)) : 0;
    gather_launch(be, dst, src, src_type, row_len, idx, 0, idx_off, count, slot, 0, sub, 0, nsub,
                  1);
}

static void cuda_gather_batched(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                                size_t row_len, const rsc_buf *idx, size_t sidx, size_t idx_off,
                                size_t rows, const rsc_buf *slot, size_t sslot,
                                const rsc_buf *sub, size_t ssub, int count)
{
    gather_launch(be, dst, src, src_type, row_len, idx, sidx, idx_off, rows, slot, sslot, sub,
                  ssub, row_len ? ssub / row_len : 0, count);
}

__global__ static void gather_i32_kernel(int32_t *dst, const int32_t *src, size_t nsrc,
                                         const int32_t *idx, size_t count, unsigned *flags,
                                         size_t sidx)
{
    dst += blockIdx.y * count;   /* problem blockIdx.y of a batched call */
    idx += blockIdx.y * sidx;
    for (size_t j = blockIdx.x * (size_t)blockDim.x + threadIdx.x; j < count;
         j += (size_t)gridDim.x * blockDim.x) {
        int32_t row = idx[j];
        if (row < 0 || (size_t)row >= nsrc) {
            atomicOr(flags, (unsigned)CUDA_FLAG_INDEX);
            dst[j] = 0;
        } else {
            dst[j] = src[row];
        }
    }
}

static void cuda_gather_i32(rsc_backend *be, rsc_buf *dst, const rsc_buf *src,
                            const rsc_buf *idx, size_t idx_off, size_t count)
{
    cuda_impl *impl = cuda_of(be);
    if (count == 0 || impl->failed)
        return;
    gather_i32_kernel<<<cuda_blocks(count), CUDA_THREADS, 0, impl->stream>>>(
        (int32_t *)dst->data, (const int32_t *)src->data, src->bytes / sizeof(int32_t),
        (const int32_t *)idx->data + idx_off, count, impl->dflags, 0);
    CUDA_LAUNCHED(impl, "gather_i32_kernel");
}

static void cuda_gather_i32_batched(rsc_backend *be, rsc_buf *dst, const rsc_buf *src,
                                    const rsc_buf *idx, size_t sidx, size_t idx_off, size_t rows,
                                    int count)
{
    cuda_impl *impl = cuda_of(be);
    if (rows == 0 || count <= 0 || impl->failed)
        return;
    if (count > CUDA_MAX_PROBLEMS) {
        rsc_cuda_record(impl, __FILE__, __LINE__, "gather_i32_batched: %d problems (at most %d)",
                        count, CUDA_MAX_PROBLEMS);
        return;
    }
    dim3 grid(cuda_blocks(rows), (unsigned)count);
    gather_i32_kernel<<<grid, CUDA_THREADS, 0, impl->stream>>>(
        (int32_t *)dst->data, (const int32_t *)src->data, src->bytes / sizeof(int32_t),
        (const int32_t *)idx->data + idx_off, rows, impl->dflags, sidx);
    CUDA_LAUNCHED(impl, "gather_i32_kernel");
}

void rsc_cuda_install_data(rsc_backend *be)
{
    be->dropout_mask = cuda_dropout_mask;
    be->noise_add = cuda_noise_add;
    be->gather = cuda_gather;
    be->gather_i32 = cuda_gather_i32;
    be->gather_batched = cuda_gather_batched;
    be->gather_i32_batched = cuda_gather_i32_batched;
}
