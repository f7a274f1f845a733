/* optim.cu - Adam and SGD (with momentum and L2 weight decay) on the GPU,
 * PyTorch's single-tensor float32 updates.  The double-precision scalars
 * (bias corrections) are computed and rounded to float on the host exactly
 * as the CPU backend does, and the per-element arithmetic uses the
 * round-to-nearest intrinsics in the CPU backend's order (no fused
 * multiply-adds), so both backends give the same bits for the same
 * inputs. */
#include "kernels/cuda/cuda.h"

#include <math.h>

typedef struct adam_scalars {
    float wd, b1, omb1, b2, omb2, nstep, bc2s, eps;
} adam_scalars;

__global__ static void adam_kernel(float *p, const float *g, float *m, float *v, size_t n,
                                   adam_scalars s)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        float pi = p[i];
        float gi = s.wd != 0.0f ? __fadd_rn(g[i], __fmul_rn(s.wd, pi)) : g[i];
        float mi = __fadd_rn(__fmul_rn(m[i], s.b1), __fmul_rn(s.omb1, gi));
        float vi = __fadd_rn(__fmul_rn(v[i], s.b2), __fmul_rn(__fmul_rn(s.omb2, gi), gi));
        float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), s.bc2s), s.eps);
        m[i] = mi;
        v[i] = vi;
        p[i] = __fadd_rn(pi, __fdiv_rn(__fmul_rn(s.nstep, mi), denom));
    }
}

static void cuda_adam(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *m, rsc_buf *v,
                      size_t n, const rsc_adam_hp *hp)
{
    cuda_impl *impl = cuda_of(be);
    if (n == 0 || impl->failed)
        return;
    double bc1 = 1 - pow(hp->beta1, (double)hp->step);
    double bc2 = 1 - pow(hp->beta2, (double)hp->step);
    adam_scalars s;
    s.wd = (float)hp->weight_decay;
    s.b1 = (float)hp->beta1;
    s.omb1 = (float)(1 - hp->beta1);
    s.b2 = (float)hp->beta2;
    s.omb2 = (float)(1 - hp->beta2);
    s.nstep = -(float)(hp->lr / bc1);
    s.bc2s = (float)sqrt(bc2);
    s.eps = (float)hp->eps;
    adam_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(F(p), CF(g), F(m), F(v), n, s);
    CUDA_LAUNCHED(impl, "adam_kernel");
}

/* buf may be NULL when momentum is 0. */
__global__ static void sgd_kernel(float *p, const float *g, float *buf, size_t n, float wd,
                                  float mom, float nlr, int first)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        float pi = p[i];
        float d = wd != 0.0f ? __fadd_rn(g[i], __fmul_rn(wd, pi)) : g[i];
        if (mom != 0.0f) {
            d = first ? d : __fadd_rn(__fmul_rn(buf[i], mom), d);
            buf[i] = d;
        }
        p[i] = __fadd_rn(pi, __fmul_rn(nlr, d));
    }
}

static void cuda_sgd(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *buf, size_t n,
                     const rsc_sgd_hp *hp)
{
    cuda_impl *impl = cuda_of(be);
    if (n == 0 || impl->failed)
        return;
    float mom = (float)hp->momentum;
    if (mom != 0.0f && !buf) {
        rsc_cuda_record(impl, __FILE__, __LINE__, "sgd: momentum %g without a momentum buffer",
                        hp->momentum);
        return;
    }
    sgd_kernel<<<cuda_blocks(n), CUDA_THREADS, 0, impl->stream>>>(
        F(p), CF(g), buf ? F(buf) : NULL, n, (float)hp->weight_decay, mom, -(float)hp->lr,
        hp->first);
    CUDA_LAUNCHED(impl, "sgd_kernel");
}

void rsc_cuda_install_optim(rsc_backend *be)
{
    be->adam = cuda_adam;
    be->sgd = cuda_sgd;
}
