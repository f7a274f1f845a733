/* conv.h - plain single-threaded CPU kernels of the convolutional layers
 * (NCHW float32): im2col/col2im, convolution through CBLAS, max and
 * adaptive average pooling, batch normalisation, the option-A residual
 * shortcut, per-channel input normalisation and crop-flip augmentation.
 *
 * They work on host pointers and on a range of examples [n0, n1) (or of
 * channels), so the CPU backend (kernels/cpu/cpuconv.c) can split a batch
 * across its thread pool, and tests can call them directly.  Every result
 * depends only on the inputs and the range: no hidden state. */
#ifndef RSC_CPU_CONV_H
#define RSC_CPU_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/backend.h"


/* col[(ci*kh + ki)*kw + kj][oy*ow + ox] = x[ci][oy*s - p + ki][ox*s - p + kj]
 * (0 outside the image), for one example x of g->c x g->h x g->w. */
void rsc_cpu_im2col(const rsc_conv_geom *g, const float *x, float *col);
/* The adjoint: x[...] += col[...] for one example (x must be initialised). */
void rsc_cpu_col2im(const rsc_conv_geom *g, const float *col, float *x);

/* Elements of one example's column matrix (c*kh*kw x oh*ow); 0 when the
 * convolution is a plain matrix product (1x1, stride 1, no padding). */
size_t rsc_cpu_conv_col_size(const rsc_conv_geom *g);

/* Floats of scratch the three functions below need: one example's column
 * matrix, or, for small images, the column matrices of a group of
 * examples side by side and their outputs (or output gradients), so that
 * each GEMM has at least 1024 columns. */
size_t rsc_cpu_conv_scratch(const rsc_conv_geom *g);

/* Convolution of examples [n0, n1): y = W * col(x) (+ bias), through
 * im2col and CBLAS. */
void rsc_cpu_conv_fwd(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *w,
                      const float *bias, float *y, float *scratch);
/* dx for examples [n0, n1) (overwritten), through col2im. */
void rsc_cpu_conv_bwd_data(const rsc_conv_geom *g, int n0, int n1, const float *dy,
                           const float *w, float *dx, float *scratch);
/* For stride 1 (square kernel, pad <= k - 1) the input gradient is the
 * forward convolution of dy with the flipped, transposed kernel and
 * padding k - 1 - pad, which needs no col2im: rsc_cpu_conv_bwd_geom fills
 * *t with that convolution's geometry and returns 1 (0 when it does not
 * apply); rsc_cpu_conv_flip_weights makes its kernel
 * wt[c][o][i][j] = w[o][c][k-1-i][k-1-j]; then
 * rsc_cpu_conv_fwd(t, n0, n1, dy, wt, NULL, dx, scratch) gives dx. */
int rsc_cpu_conv_bwd_geom(const rsc_conv_geom *g, rsc_conv_geom *t);
void rsc_cpu_conv_flip_weights(const rsc_conv_geom *g, const float *w, float *wt);
/* dw (o x c*kh*kw) and, when db is not NULL, db (o) over examples [n0, n1):
 * written when accumulate is 0, added to otherwise. */
void rsc_cpu_conv_bwd_filter(const rsc_conv_geom *g, int n0, int n1, const float *x,
                             const float *dy, float *dw, float *db, int accumulate,
                             float *scratch);
/* db[oc] += sum of dy (o x n planes) over examples [n0, n1). */
void rsc_cpu_conv_bias_grad(int o, int n, int n0, int n1, const float *dy, float *db);

/* Direct convolution of 3x3 kernels with stride 1 or 2 and padding at
 * most 2 (direct.c): no column matrix; rsc_cpu_direct_ok says whether g
 * is such a convolution, rsc_cpu_direct_scratch gives the floats of
 * scratch each range of examples needs (0 when not applicable).  Same
 * results as rsc_cpu_conv_fwd and rsc_cpu_conv_bwd_filter up to float
 * rounding (other summation order). */
int rsc_cpu_direct_ok(const rsc_conv_geom *g);
/* Whether the CPU backend uses the direct convolution for g's forward
 * pass (and a transposed convolution's), filter = 0, or for its weight
 * gradient, filter = 1: where it is faster than im2col + GEMM, as
 * measured by bench/conv-layers on the paper's architectures, for the
 * kernels in use (rsc_cpu_direct_isa).  Never with fewer than 8 input
 * channels (too little work per packed value), nor with the baseline
 * kernels.  AVX-512: forward up to 64 x 64 channels (ResNet-20 and the
 * CNN: 1.2-2.6x; VGG16's wider layers 0.5-1.0x), weight gradient up to
 * 32 x 32 (1.4-1.7x; 0.8-0.95x at 32 x 64 and 64 x 64).  AVX2: forward
 * up to 32 x 32 (1.1-1.9x), weight gradient up to 16 x 32 (1.0x). */
int rsc_cpu_direct_pays(const rsc_conv_geom *g, int filter);
/* For tests: use the kernels of one instruction set (0 baseline, 1 AVX2 +
 * FMA, 2 AVX-512); returns 0 (and changes nothing) when this CPU lacks it.
 * Any other level restores the choice by CPU features.  Not thread-safe. */
int rsc_cpu_direct_isa(int level);
size_t rsc_cpu_direct_scratch(const rsc_conv_geom *g);
void rsc_cpu_direct_fwd(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *w,
                        const float *bias, float *y, float *scratch);
void rsc_cpu_direct_bwd_filter(const rsc_conv_geom *g, int n0, int n1, const float *x,
                               const float *dy, float *dw, float *db, int accumulate,
                               float *scratch);
/* Both gradients of a stride-1 g (rsc_cpu_direct_both(g) says whether it
 * applies) over examples [n0, n1): dw and db as rsc_cpu_direct_bwd_filter
 * (overwritten), and dx, the transposed convolution with wt =
 * rsc_cpu_conv_flip_weights(g, w), as rsc_cpu_direct_fwd of the
 * transposed geometry; the same bits as those calls, with dy packed once
 * for both.  scratch: rsc_cpu_direct_scratch(g) floats. */
int rsc_cpu_direct_both(const rsc_conv_geom *g);
void rsc_cpu_direct_bwd(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *dy,
                        const float *wt, float *dw, float *db, float *dx, float *scratch);

/* Max pooling of planes [p0, p1) (a plane is one channel of one example):
 * y = max over each window, arg = index of the (first) maximum in its input
 * plane (h*w).  Backward: dx (overwritten) = dy scattered to arg. */
void rsc_cpu_maxpool_fwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *x, float *y,
                         int32_t *arg);
void rsc_cpu_maxpool_bwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *dy,
                         const int32_t *arg, float *dx);

/* Adaptive average pooling (PyTorch's bins: rows floor(i*h/oh) to
 * ceil((i+1)*h/oh)) of planes [p0, p1), h x w -> oh x ow.  Backward
 * overwrites dx. */
void rsc_cpu_avgpool_fwd(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *x,
                         float *y);
void rsc_cpu_avgpool_bwd(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *dy,
                         float *dx);

/* Batch normalisation over n examples of c channels of hw values, for
 * channels [c0, c1).  See backend.h (bn_fwd_train, bn_fwd_eval, bn_bwd)
 * for the exact definitions. */
void rsc_cpu_bn_fwd_train(int n, int c, int hw, int c0, int c1, const float *x,
                          const float *gamma, const float *beta, float *y, float *mean,
                          float *invstd, float *run_mean, float *run_var, float momentum,
                          float eps, int relu);
void rsc_cpu_bn_fwd_eval(int n, int c, int hw, int c0, int c1, const float *x,
                         const float *gamma, const float *beta, const float *run_mean,
                         const float *run_var, float eps, float *y, int relu);
void rsc_cpu_bn_bwd(int n, int c, int hw, int c0, int c1, const float *x, const float *dy,
                    const float *y, const float *gamma, const float *mean, const float *invstd,
                    float *dx, float *dgamma, float *dbeta);

/* Option-A shortcut of examples [n0, n1) (backend.h, shortcut_fwd/bwd). */
void rsc_cpu_shortcut_fwd(const rsc_shortcut_geom *g, int n0, int n1, const float *x, float *y,
                          int accumulate);
void rsc_cpu_shortcut_bwd(const rsc_shortcut_geom *g, int n0, int n1, const float *dy,
                          float *dx, int accumulate);

/* y = (x - mean[ci]) / std[ci] for examples [n0, n1) of c x hw; backward
 * dx = dy / std[ci].  y may be x, dx may be dy. */
void rsc_cpu_chan_norm_fwd(int c, int hw, int n0, int n1, const float *x, const float *mean,
                           const float *std, float *y);
void rsc_cpu_chan_norm_bwd(int c, int hw, int n0, int n1, const float *dy, const float *std,
                           float *dx);

/* Crop-flip of examples [n0, n1) of c x h x w (backend.h, crop_flip). */
void rsc_cpu_crop_flip(int c, int h, int w, int pad, int n0, int n1, const int32_t *prm,
                       const float *x, float *y);

#endif
