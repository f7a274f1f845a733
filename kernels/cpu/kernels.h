/* kernels.h - the CPU backend's single-threaded kernels, one table per
 * instruction set.
 *
 * The operations of the CPU backend (kernels/cpu/<op>.c) split their work
 * across the thread pool; each piece is a call of a kernel below, on host
 * pointers and a range (of elements, rows, examples, planes or channels).
 * The kernels are compiled once per instruction set (kernels/cpu/simd/,
 * mk/kernels.am): every vectorised loop for AVX-512, for AVX2 + FMA and
 * for the x86-64 baseline (SSE2), and the direct convolution's register
 * tiles sized for each register file.  This is the one dispatch scheme:
 * the backend takes the best table this CPU runs when it opens
 * (rsc_cpu_kernels_for(RSC_CPU_BEST)), and tests and benchmarks ask for
 * a given one explicitly.
 *
 * Every result depends only on the inputs, the range and the table: no
 * hidden state.  Tables of different instruction sets may differ in the
 * last bits (FMA contraction, other summation orders of the direct
 * convolution); one table is deterministic.  NCHW layouts and the
 * geometry structs are those of kernels/backend.h. */
#ifndef RSC_CPU_KERNELS_H
#define RSC_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/backend.h"

/* Instruction-set levels (what rsc_cpu_kernels_for takes). */
enum {
    RSC_CPU_BEST = -1,      /* the best this CPU runs */
    RSC_CPU_BASELINE = 0,   /* x86-64 SSE2, or plain C elsewhere */
    RSC_CPU_AVX2 = 1,       /* AVX2 and FMA */
    RSC_CPU_AVX512 = 2,     /* AVX-512F */
};

/* One Adam or SGD step's float scalars, rounded as PyTorch's float32
 * kernels round them (a Python float multiplies a float tensor as a
 * float): the optimisers' kernels compute exactly the formulas of
 * backend.h (adam, sgd) with these. */
typedef struct rsc_cpu_optim {
    float wd, beta1, one_minus_beta1, beta2, one_minus_beta2;
    float step;       /* Adam: lr / (1 - beta1^step) */
    float bc2_sqrt;   /* Adam: sqrt(1 - beta2^step) */
    float eps;
    float lr, momentum;   /* SGD */
    int first;            /* SGD: the first step initialises the buffer */
} rsc_cpu_optim;

typedef struct rsc_cpu_kernels {
    const char *name;   /* "avx512", "avx2", "baseline" */
    int level;          /* RSC_CPU_* */

    /* ------------------------------------------------ gemm.c's rows ops */
    /* Rows [r0, r1) of y (rows of cols): y += bias, then max(y, 0) when
     * relu is non-zero. */
    void (*bias_act)(float *y, const float *bias, int r0, int r1, int cols, int relu);
    /* Columns [c0, c1) of y: y[c] = beta * y[c] + sum over the rows of
     * x[r*cols + c], rows added in order (beta 0: y not read). */
    void (*sum_rows)(const float *x, float *y, int rows, int cols, int c0, int c1, float beta);

    /* ------------------------------------------------ elementwise, on [0, n) */
    void (*fill)(float *x, size_t n, float v);
    void (*relu_fwd)(const float *x, float *y, size_t n);              /* y may be x */
    void (*relu_bwd)(const float *y, const float *dy, float *dx, size_t n);  /* dx may be dy */
    void (*mul)(const float *x, const float *m, float *y, size_t n);   /* y may be x */
    void (*axpy)(float alpha, const float *x, float *y, size_t n);
    void (*scale)(float alpha, float *x, size_t n);
    void (*clamp)(float *x, size_t n, float lo, float hi);
    /* sum of x[i]^2 in double, in index order. */
    double (*sumsq)(const float *x, size_t n);

    /* ------------------------------------------------ optimisers, on [0, n) */
    void (*adam)(const rsc_cpu_optim *o, float *p, const float *g, float *m, float *v, size_t n);
    /* buf is not used when the momentum is 0 (may be NULL). */
    void (*sgd)(const rsc_cpu_optim *o, float *p, const float *g, float *buf, size_t n);

    /* ------------------------------------------------ data */
    /* Rows j in [j0, j1) of dst (row_len floats each) from src row
     * idx[j]: u8 (src_type RSC_GATHER_U8) converted as v / 255.0f, or f32
     * copied; where slot is not NULL and slot[idx[j]] >= 0, from row
     * slot[idx[j]] of the f32 rows sub instead (backend.h, gather). */
    void (*gather)(float *dst, const void *src, int src_type, size_t row_len,
                   const int32_t *idx, const int32_t *slot, const float *sub, size_t j0,
                   size_t j1);

    /* ------------------------------------------------ convolution (conv.c) */
    /* col[(ci*kh + ki)*kw + kj][oy*ow + ox] = x[ci][oy*s - p + ki][ox*s - p + kj]
     * (0 outside the image), for one example x of g->c x g->h x g->w. */
    void (*im2col)(const rsc_conv_geom *g, const float *x, float *col);
    /* The adjoint: x[...] += col[...] for one example (x must be
     * initialised). */
    void (*col2im)(const rsc_conv_geom *g, const float *col, float *x);
    /* Elements of one example's column matrix (c*kh*kw x oh*ow); 0 when
     * the convolution is a plain matrix product (1x1, stride 1, no
     * padding). */
    size_t (*conv_col_size)(const rsc_conv_geom *g);
    /* Floats of scratch the three calls below need: one example's column
     * matrix, or, for small images, the column matrices of a group of
     * examples side by side and their outputs (or output gradients), so
     * that each GEMM has at least 1024 columns. */
    size_t (*conv_scratch)(const rsc_conv_geom *g);
    /* Convolution of examples [n0, n1): y = W * col(x) (+ bias), through
     * im2col and CBLAS. */
    void (*conv_fwd)(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *w,
                     const float *bias, float *y, float *scratch);
    /* dx for examples [n0, n1) (overwritten), through col2im. */
    void (*conv_bwd_data)(const rsc_conv_geom *g, int n0, int n1, const float *dy,
                          const float *w, float *dx, float *scratch);
    /* For stride 1 (square kernel, pad <= k - 1) the input gradient is the
     * forward convolution of dy with the flipped, transposed kernel and
     * padding k - 1 - pad, which needs no col2im: conv_bwd_geom fills *t
     * with that convolution's geometry and returns 1 (0 when it does not
     * apply); conv_flip_weights makes its kernel
     * wt[c][o][i][j] = w[o][c][k-1-i][k-1-j]; then
     * conv_fwd(t, n0, n1, dy, wt, NULL, dx, scratch) gives dx. */
    int (*conv_bwd_geom)(const rsc_conv_geom *g, rsc_conv_geom *t);
    void (*conv_flip_weights)(const rsc_conv_geom *g, const float *w, float *wt);
    /* dw (o x c*kh*kw) and, when db is not NULL, db (o) over examples
     * [n0, n1): written when accumulate is 0, added to otherwise. */
    void (*conv_bwd_filter)(const rsc_conv_geom *g, int n0, int n1, const float *x,
                            const float *dy, float *dw, float *db, int accumulate,
                            float *scratch);

    /* ------------------------------------------------ direct 3x3 convolution */
    /* Direct convolution of 3x3 kernels with stride 1 or 2 and padding at
     * most 2 (simd/direct.c): no column matrix.  direct_ok says whether g
     * is such a convolution, direct_scratch gives the floats of scratch
     * each range of examples needs (0 when not applicable).  Same results
     * as conv_fwd and conv_bwd_filter up to float rounding (other
     * summation order). */
    int (*direct_ok)(const rsc_conv_geom *g);
    size_t (*direct_scratch)(const rsc_conv_geom *g);
    /* Whether the CPU backend uses the direct convolution for g's forward
     * pass (and a transposed convolution's), filter = 0, or for its weight
     * gradient, filter = 1: where it is faster than im2col + GEMM with
     * this table's kernels, as measured by bench/conv-layers on the
     * paper's architectures.  Never with fewer than 8 input channels (too
     * little work per packed value), nor with the baseline kernels.
     * AVX-512: forward up to 64 x 64 channels (ResNet-20 and the CNN:
     * 1.2-2.6x; VGG16's wider layers 0.5-1.0x), weight gradient up to
     * 32 x 32 (1.4-1.7x; 0.8-0.95x at 32 x 64 and 64 x 64).  AVX2: forward
     * up to 32 x 32 (1.1-1.9x), weight gradient up to 16 x 32 (1.0x). */
    int (*direct_pays)(const rsc_conv_geom *g, int filter);
    void (*direct_fwd)(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *w,
                       const float *bias, float *y, float *scratch);
    void (*direct_bwd_filter)(const rsc_conv_geom *g, int n0, int n1, const float *x,
                              const float *dy, float *dw, float *db, int accumulate,
                              float *scratch);
    /* Both gradients of a stride-1 g (direct_both(g) says whether it
     * applies) over examples [n0, n1): dw and db as direct_bwd_filter
     * (overwritten), and dx, the transposed convolution with wt =
     * conv_flip_weights(g, w), as direct_fwd of the transposed geometry;
     * the same bits as those calls, with dy packed once for both.
     * scratch: direct_scratch(g) floats. */
    int (*direct_both)(const rsc_conv_geom *g);
    void (*direct_bwd)(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *dy,
                       const float *wt, float *dw, float *db, float *dx, float *scratch);

    /* ------------------------------------------------ pooling */
    /* Max pooling of planes [p0, p1) (a plane is one channel of one
     * example): y = max over each window, arg = index of the (first)
     * maximum in its input plane (h*w).  Backward: dx (overwritten) = dy
     * scattered to arg. */
    void (*maxpool_fwd)(const rsc_pool_geom *g, size_t p0, size_t p1, const float *x, float *y,
                        int32_t *arg);
    void (*maxpool_bwd)(const rsc_pool_geom *g, size_t p0, size_t p1, const float *dy,
                        const int32_t *arg, float *dx);
    /* Adaptive average pooling (PyTorch's bins: rows floor(i*h/oh) to
     * ceil((i+1)*h/oh)) of planes [p0, p1), h x w -> oh x ow.  Backward
     * overwrites dx. */
    void (*avgpool_fwd)(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *x,
                        float *y);
    void (*avgpool_bwd)(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *dy,
                        float *dx);

    /* ------------------------------------------------ batch norm */
    /* Batch normalisation over n examples of c channels of hw values, for
     * channels [c0, c1).  See backend.h (bn_fwd_train, bn_fwd_eval, bn_bwd)
     * for the exact definitions. */
    void (*bn_fwd_train)(int n, int c, int hw, int c0, int c1, const float *x,
                         const float *gamma, const float *beta, float *y, float *mean,
                         float *invstd, float *run_mean, float *run_var, float momentum,
                         float eps, int relu);
    void (*bn_fwd_eval)(int n, int c, int hw, int c0, int c1, const float *x,
                        const float *gamma, const float *beta, const float *run_mean,
                        const float *run_var, float eps, float *y, int relu);
    void (*bn_bwd)(int n, int c, int hw, int c0, int c1, const float *x, const float *dy,
                   const float *y, const float *gamma, const float *mean, const float *invstd,
                   float *dx, float *dgamma, float *dbeta);

    /* ------------------------------------------------ image ops, examples [n0, n1) */
    /* Option-A shortcut (backend.h, shortcut_fwd/bwd). */
    void (*shortcut_fwd)(const rsc_shortcut_geom *g, int n0, int n1, const float *x, float *y,
                         int accumulate);
    void (*shortcut_bwd)(const rsc_shortcut_geom *g, int n0, int n1, const float *dy,
                         float *dx, int accumulate);
    /* y = (x - mean[ci]) / std[ci] of c x hw examples; backward
     * dx = dy / std[ci].  y may be x, dx may be dy. */
    void (*chan_norm_fwd)(int c, int hw, int n0, int n1, const float *x, const float *mean,
                          const float *std, float *y);
    void (*chan_norm_bwd)(int c, int hw, int n0, int n1, const float *dy, const float *std,
                          float *dx);
    /* Crop-flip of c x h x w examples (backend.h, crop_flip). */
    void (*crop_flip)(int c, int h, int w, int pad, int n0, int n1, const int32_t *prm,
                      const float *x, float *y);
} rsc_cpu_kernels;

/* The kernels of instruction-set level `level` (RSC_CPU_*), or NULL when
 * this CPU (or this build: levels above the baseline need x86-64 and GCC)
 * cannot run them.  RSC_CPU_BEST: the best level this CPU runs, never
 * NULL.  The tables are static: no call frees anything. */
const rsc_cpu_kernels *rsc_cpu_kernels_for(int level);

#endif
