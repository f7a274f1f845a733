/* conv.cu - 2-D convolution on the GPU through cuDNN (forward, backward
 * data, backward filter) and the bias gradient.
 *
 * Algorithms: for each geometry, batch size and workspace size, cuDNN's
 * heuristics (cudnnGet*Algorithm_v7) rank the algorithms once; the first
 * one that cuDNN reports as deterministic, that runs for these descriptors
 * and whose workspace fits is chosen and cached with its descriptors.
 * Non-deterministic algorithms (those that accumulate with atomics: the
 * backward algorithms 0 and filter algorithm 3) are never used, so every
 * run is reproducible without a --deterministic switch.  Math: fp32 FMA
 * kernels (CUDNN_FMA_MATH), or TF32 tensor cores under RSC_CUDA_TF32=1
 * (CUDNN_DEFAULT_MATH).  The workspace reported by conv_workspace() is
 * capped at CONV_WS_CAP; algorithms that want more are skipped. */
#include "kernels/cuda/cuda.h"

#include <stdlib.h>
#include <string.h>

#define CONV_PLANS 128
#define CONV_WS_CAP ((size_t)64 << 20)

typedef struct conv_plan {
    int used;
    rsc_conv_geom g;
    int batch;
    size_t ws_limit;
    cudnnTensorDescriptor_t x, y, bias;
    cudnnFilterDescriptor_t w;
    cudnnConvolutionDescriptor_t conv;
    cudnnConvolutionFwdAlgo_t fwd;
    cudnnConvolutionBwdDataAlgo_t bwd_data;
    cudnnConvolutionBwdFilterAlgo_t bwd_filter;
    size_t fwd_ws, bwd_data_ws, bwd_filter_ws;
} conv_plan;

typedef struct conv_plans {
    conv_plan p[CONV_PLANS];
    int next; /* the slot replaced when all are used */
} conv_plans;

static void plan_release(conv_plan *p)
{
    if (!p->used)
        return;
    cudnnDestroyTensorDescriptor(p->x);
    cudnnDestroyTensorDescriptor(p->y);
    cudnnDestroyTensorDescriptor(p->bias);
    cudnnDestroyFilterDescriptor(p->w);
    cudnnDestroyConvolutionDescriptor(p->conv);
    memset(p, 0, sizeof *p);
}

void rsc_cuda_conv_release(cuda_impl *impl)
{
    conv_plans *cp = (conv_plans *)impl->conv_plans;
    if (!cp)
        return;
    for (int i = 0; i < CONV_PLANS; i++)
        plan_release(&cp->p[i]);
    free(cp);
    impl->conv_plans = NULL;
}

static int same_geom(const rsc_conv_geom *a, const rsc_conv_geom *b)
{
    return a->c == b->c && a->h == b->h && a->w == b->w && a->o == b->o && a->kh == b->kh &&
           a->kw == b->kw && a->stride == b->stride && a->pad == b->pad && a->oh == b->oh &&
           a->ow == b->ow;
}

/* In fp32 mode, algorithms that would use tensor cores are skipped. */
static int math_ok(const cuda_impl *impl, cudnnMathType_t m)
{
    return impl->tf32 || (m != CUDNN_TENSOR_OP_MATH && m != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
}

/* The first algorithm of cuDNN's ranked list perf[0..n) that is
 * deterministic, allowed by the math mode, and whose workspace (ws_of)
 * fits the plan's limit; else `fallback` (deterministic, little or no
 * workspace) with its workspace size.  0, or -1 (recorded). */
template <typename Perf, typename Algo, typename WsOf>
static int pick_algo(cuda_impl *impl, const conv_plan *p, const Perf *perf, int n, Algo fallback,
                     WsOf ws_of, Algo *algo, size_t *ws)
{
    for (int i = 0; i < n; i++) {
        size_t sz = 0;
        if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].determinism != CUDNN_DETERMINISTIC ||
            !math_ok(impl, perf[i].mathType) || ws_of(perf[i].algo, &sz) != CUDNN_STATUS_SUCCESS ||
            sz > p->ws_limit)
            continue;
        *algo = perf[i].algo;
        *ws = sz;
        return 0;
    }
    *algo = fallback;
    return CUDNN_CHECK(impl, ws_of(fallback, ws)) ? -1 : 0;
}

/* Choose the algorithms of plan p (descriptors set).  0 or -1 (recorded). */
static int choose(cuda_impl *impl, conv_plan *p)
{
    cudnnHandle_t h = impl->cudnn;
    int n = 0;

    cudnnConvolutionFwdAlgoPerf_t fp[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    if (CUDNN_CHECK(impl, cudnnGetConvolutionForwardAlgorithm_v7(
                              h, p->x, p->w, p->conv, p->y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n,
                              fp)) ||
        pick_algo(impl, p, fp, n, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM,
                  [&](cudnnConvolutionFwdAlgo_t a, size_t *sz) {
                      return cudnnGetConvolutionForwardWorkspaceSize(h, p->x, p->w, p->conv,
                                                                     p->y, a, sz);
                  },
                  &p->fwd, &p->fwd_ws))
        return -1;

    cudnnConvolutionBwdDataAlgoPerf_t dp[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    if (CUDNN_CHECK(impl, cudnnGetConvolutionBackwardDataAlgorithm_v7(
                              h, p->w, p->y, p->conv, p->x,
                              CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, dp)) ||
        pick_algo(impl, p, dp, n, CUDNN_CONVOLUTION_BWD_DATA_ALGO_1,
                  [&](cudnnConvolutionBwdDataAlgo_t a, size_t *sz) {
                      return cudnnGetConvolutionBackwardDataWorkspaceSize(h, p->w, p->y,
                                                                          p->conv, p->x, a, sz);
                  },
                  &p->bwd_data, &p->bwd_data_ws))
        return -1;

    cudnnConvolutionBwdFilterAlgoPerf_t wp[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    if (CUDNN_CHECK(impl, cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                              h, p->x, p->y, p->conv, p->w,
                              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, wp)) ||
        pick_algo(impl, p, wp, n, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1,
                  [&](cudnnConvolutionBwdFilterAlgo_t a, size_t *sz) {
                      return cudnnGetConvolutionBackwardFilterWorkspaceSize(h, p->x, p->y,
                                                                            p->conv, p->w, a, sz);
                  },
                  &p->bwd_filter, &p->bwd_filter_ws))
        return -1;
    size_t need = p->fwd_ws > p->bwd_data_ws ? p->fwd_ws : p->bwd_data_ws;
    if (p->bwd_filter_ws > need)
        need = p->bwd_filter_ws;
    if (need > p->ws_limit)
        return rsc_cuda_record(impl, __FILE__, __LINE__,
                               "conv %dx%dx%d -> %dx%dx%d: no deterministic cuDNN algorithm "
                               "fits a %zu-byte workspace (needs %zu)",
                               p->g.c, p->g.h, p->g.w, p->g.o, p->g.oh, p->g.ow, p->ws_limit,
                               need);
    return 0;
}

/* The plan for (g, batch, ws_limit), made on first use.  NULL after a
 * recorded error. */
static conv_plan *plan_for(cuda_impl *impl, const rsc_conv_geom *g, int batch, size_t ws_limit)
{
    if (impl->failed)
        return NULL;
    /* cuDNN is set up on first use: networks without convolutions never
     * load it. */
    if (!impl->cudnn && (CUDNN_CHECK(impl, cudnnCreate(&impl->cudnn)) ||
                         CUDNN_CHECK(impl, cudnnSetStream(impl->cudnn, impl->stream))))
        return NULL;
    conv_plans *cp = (conv_plans *)impl->conv_plans;
    if (!cp) {
        cp = (conv_plans *)calloc(1, sizeof *cp);
        if (!cp) {
            rsc_cuda_record(impl, __FILE__, __LINE__, "out of memory");
            return NULL;
        }
        impl->conv_plans = cp;
    }
    for (int i = 0; i < CONV_PLANS; i++) {
        conv_plan *p = &cp->p[i];
        if (p->used && p->batch == batch && p->ws_limit == ws_limit && same_geom(&p->g, g))
            return p;
    }
    if (batch <= 0 || g->c <= 0 || g->o <= 0 || g->oh <= 0 || g->ow <= 0) {
        rsc_cuda_record(impl, __FILE__, __LINE__, "conv: bad geometry (batch %d, %d -> %d)",
                        batch, g->c, g->o);
        return NULL;
    }
    int slot = -1;
    for (int i = 0; i < CONV_PLANS && slot < 0; i++)
        if (!cp->p[i].used)
            slot = i;
    if (slot < 0) {
        slot = cp->next;
        cp->next = (cp->next + 1) % CONV_PLANS;
        plan_release(&cp->p[slot]);
    }
    conv_plan *p = &cp->p[slot];
    p->g = *g;
    p->batch = batch;
    p->ws_limit = ws_limit;
    if (CUDNN_CHECK(impl, cudnnCreateTensorDescriptor(&p->x)) ||
        CUDNN_CHECK(impl, cudnnCreateTensorDescriptor(&p->y)) ||
        CUDNN_CHECK(impl, cudnnCreateTensorDescriptor(&p->bias)) ||
        CUDNN_CHECK(impl, cudnnCreateFilterDescriptor(&p->w)) ||
        CUDNN_CHECK(impl, cudnnCreateConvolutionDescriptor(&p->conv))) {
        p->used = 1;
        plan_release(p);
        return NULL;
    }
    p->used = 1;
    int on, oc, ooh, oow;
    if (CUDNN_CHECK(impl, cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                     batch, g->c, g->h, g->w)) ||
        CUDNN_CHECK(impl, cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                     batch, g->o, g->oh, g->ow)) ||
        CUDNN_CHECK(impl, cudnnSetTensor4dDescriptor(p->bias, CUDNN_TENSOR_NCHW,
                                                     CUDNN_DATA_FLOAT, 1, g->o, 1, 1)) ||
        CUDNN_CHECK(impl, cudnnSetFilter4dDescriptor(p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                     g->o, g->c, g->kh, g->kw)) ||
        CUDNN_CHECK(impl, cudnnSetConvolution2dDescriptor(p->conv, g->pad, g->pad, g->stride,
                                                          g->stride, 1, 1,
                                                          CUDNN_CROSS_CORRELATION,
                                                          CUDNN_DATA_FLOAT)) ||
        CUDNN_CHECK(impl, cudnnSetConvolutionMathType(
                              p->conv, impl->tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH)) ||
        CUDNN_CHECK(impl, cudnnGetConvolution2dForwardOutputDim(p->conv, p->x, p->w, &on, &oc,
                                                                &ooh, &oow))) {
        plan_release(p);
        return NULL;
    }
    if (on != batch || oc != g->o || ooh != g->oh || oow != g->ow) {
        rsc_cuda_record(impl, __FILE__, __LINE__,
                        "conv: output %dx%d given, cuDNN computes %dx%d for input %dx%d, kernel "
                        "%dx%d, stride %d, pad %d",
                        g->oh, g->ow, ooh, oow, g->h, g->w, g->kh, g->kw, g->stride, g->pad);
        plan_release(p);
        return NULL;
    }
    if (choose(impl, p) != 0) {
        plan_release(p);
        return NULL;
    }
    return p;
}

static size_t cuda_conv_workspace(rsc_backend *be, const rsc_conv_geom *g, int max_batch)
{
    cuda_impl *impl = cuda_of(be);
    conv_plan *p = plan_for(impl, g, max_batch, CONV_WS_CAP);
    if (!p)
        return 0;
    size_t need = p->fwd_ws > p->bwd_data_ws ? p->fwd_ws : p->bwd_data_ws;
    return p->bwd_filter_ws > need ? p->bwd_filter_ws : need;
}

static const float one = 1.0f, zero = 0.0f;

static void cuda_conv_fwd(rsc_backend *be, const rsc_conv_geom *g, int batch, const rsc_buf *x,
                          const rsc_buf *w, const rsc_buf *bias, rsc_buf *y, rsc_buf *ws)
{
    cuda_impl *impl = cuda_of(be);
    if (batch <= 0 || impl->failed)
        return;
    conv_plan *p = plan_for(impl, g, batch, ws ? ws->bytes : 0);
    if (!p)
        return;
    if (CUDNN_CHECK(impl, cudnnConvolutionForward(impl->cudnn, &one, p->x, x->data, p->w,
                                                  w->data, p->conv, p->fwd,
                                                  ws ? ws->data : NULL, p->fwd_ws, &zero, p->y,
                                                  y->data)))
        return;
    if (bias)
        CUDNN_CHECK(impl, cudnnAddTensor(impl->cudnn, &one, p->bias, bias->data, &one, p->y,
                                         y->data));
}

static void cuda_conv_bwd_data(rsc_backend *be, const rsc_conv_geom *g, int batch,
                               const rsc_buf *dy, const rsc_buf *w, rsc_buf *dx, rsc_buf *ws)
{
    cuda_impl *impl = cuda_of(be);
    if (batch <= 0 || impl->failed)
        return;
    conv_plan *p = plan_for(impl, g, batch, ws ? ws->bytes : 0);
    if (!p)
        return;
    CUDNN_CHECK(impl, cudnnConvolutionBackwardData(impl->cudnn, &one, p->w, w->data, p->y,
                                                   dy->data, p->conv, p->bwd_data,
                                                   ws ? ws->data : NULL, p->bwd_data_ws, &zero,
                                                   p->x, dx->data));
}

/* db[o] = sum over the batch and the plane of dy: one block per channel,
 * double partial sums added by a fixed tree (deterministic). */
__global__ static void bias_grad_kernel(const float *dy, float *db, int batch, int o, size_t ohw)
{
    __shared__ double sh[CUDA_THREADS];
    int ch = blockIdx.x;
    size_t total = (size_t)batch * ohw;
    double s = 0.0;
    for (size_t e = threadIdx.x; e < total; e += CUDA_THREADS) {
        size_t n = e / ohw, j = e % ohw;
        s = __dadd_rn(s, (double)dy[(n * (size_t)o + (size_t)ch) * ohw + j]);
    }
    sh[threadIdx.x] = s;
    __syncthreads();
    for (int half = CUDA_THREADS / 2; half > 0; half >>= 1) {
        if ((int)threadIdx.x < half)
            sh[threadIdx.x] = __dadd_rn(sh[threadIdx.x], sh[threadIdx.x + half]);
        __syncthreads();
    }
    if (threadIdx.x == 0)
        db[ch] = (float)sh[0];
}

static void cuda_conv_bwd_filter(rsc_backend *be, const rsc_conv_geom *g, int batch,
                                 const rsc_buf *x, const rsc_buf *dy, rsc_buf *dw, rsc_buf *db,
                                 rsc_buf *ws)
{
    cuda_impl *impl = cuda_of(be);
    if (batch <= 0 || impl->failed)
        return;
    conv_plan *p = plan_for(impl, g, batch, ws ? ws->bytes : 0);
    if (!p)
        return;
    if (CUDNN_CHECK(impl, cudnnConvolutionBackwardFilter(impl->cudnn, &one, p->x, x->data, p->y,
                                                         dy->data, p->conv, p->bwd_filter,
                                                         ws ? ws->data : NULL,
                                                         p->bwd_filter_ws, &zero, p->w,
                                                         dw->data)))
        return;
    if (db) {
        bias_grad_kernel<<<g->o, CUDA_THREADS, 0, impl->stream>>>(
            CF(dy), F(db), batch, g->o, (size_t)g->oh * g->ow);
        CUDA_LAUNCHED(impl, "bias_grad_kernel");
    }
}

void rsc_cuda_install_conv(rsc_backend *be)
{
    be->conv_workspace = cuda_conv_workspace;
    be->conv_fwd = cuda_conv_fwd;
    be->conv_bwd_data = cuda_conv_bwd_data;
    be->conv_bwd_filter = cuda_conv_bwd_filter;
}
