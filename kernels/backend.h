/* backend.h - the one compute interface the network code calls.
 *
 * A backend is a table of function pointers (ggml style) over opaque
 * buffers that the backend owns: host memory for "cpu", device memory for
 * "cuda".  The network, the optimisers and the training loop only ever hold
 * rsc_buf handles; data crosses between host and backend through upload()
 * and download() alone.  kernels/backend.c is the registry, the one file
 * that knows which backends exist (rsc_backend_open); a backend lives in
 * kernels/<name>/ and fills the table below.  The kernels include base/
 * and kernels/ only, never libcommon/.
 *
 * Conventions for every operation (an implementer needs only this header):
 *  - Element types: unless stated, buffers hold float32.  Matrices are
 *    row-major; an M x N matrix with leading dimension ld has element (i,j)
 *    at i*ld + j.
 *  - Sizes are element counts (size_t n, int rows/cols); byte sizes are
 *    only used by the memory calls.  A count of 0 is a no-op.
 *  - Buffers passed to one call may alias only where the comment says so
 *    ("may be in place").
 *  - Operations are issued in order and may run asynchronously (a CUDA
 *    stream); they return nothing.  A failure inside an operation (e.g. a
 *    kernel launch error) is sticky: the next sync(), download() or
 *    read_stats-style call returns -1 with the message.  Memory calls and
 *    sync() report errors directly.
 *  - Results must be deterministic: the same calls in the same order on the
 *    same backend with the same thread count give bit-identical buffers.
 *    Reductions therefore use a fixed order (no atomics on floats).  Other
 *    thread counts, CPUs (instruction sets, BLAS kernels) and GPUs may
 *    change the last bits.
 *  - Random operations (dropout_mask, noise_add) are counter based: the
 *    value for element i is a pure function of (seed, i)
 *    (kernels/random.h), so results do not depend on threads or launch
 *    geometry.  The caller draws one 64-bit seed per call from its own
 *    MT19937 stream. */
#ifndef RSC_BACKEND_H
#define RSC_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "kernels/random.h"

typedef struct rsc_buf rsc_buf;          /* opaque, owned by the backend */
typedef struct rsc_backend rsc_backend;

/* Element types of the resident dataset for gather(). */
enum rsc_gather_type {
    RSC_GATHER_U8 = 1,    /* bytes, converted as (float)v / 255.0f */
    RSC_GATHER_F32 = 4,   /* float32, copied */
};

/* Adam hyper-parameters for one update (PyTorch's torch.optim.Adam,
 * amsgrad=False, maximize=False).  step is the 1-based count of updates
 * including this one. */
typedef struct rsc_adam_hp {
    double lr, beta1, beta2, eps, weight_decay;
    long step;
} rsc_adam_hp;

/* SGD hyper-parameters (torch.optim.SGD, dampening 0, nesterov False).
 * first: 1 on the first update, when the momentum buffer is initialised to
 * the gradient itself (PyTorch's `buf = clone(grad)`). */
typedef struct rsc_sgd_hp {
    double lr, momentum, weight_decay;
    int first;
} rsc_sgd_hp;

/* ---------------------------------------------------------------------
 * Geometry of the convolutional operations (conv area; see the last
 * section of struct rsc_backend).  Activations are NCHW float32: element
 * (n, c, y, x) of a batch of C x H x W examples is at ((n*C + c)*H + y)*W + x.
 */

/* 2-D convolution (cross-correlation, as PyTorch's Conv2d, no dilation or
 * groups): input c x h x w, output o x oh x ow, square padding `pad` (zeros)
 * on every side and the same stride along both axes;
 * oh = (h + 2 pad - kh) / stride + 1, ow likewise (the caller fills them).
 * Weights o x c x kh x kw (PyTorch's layout), bias o. */
typedef struct rsc_conv_geom {
    int c, h, w;          /* input channels, height, width */
    int o;                /* output channels */
    int kh, kw, stride, pad;
    int oh, ow;           /* output height, width */
} rsc_conv_geom;

/* Max pooling of each h x w plane with a k x k window moved by `stride`,
 * no padding: oh = (h - k) / stride + 1 (floor, PyTorch's default). */
typedef struct rsc_pool_geom {
    int h, w, k, stride, oh, ow;
} rsc_pool_geom;

/* The option-A residual shortcut of the CIFAR ResNet (He et al.; the
 * reference's LambdaLayer):  S(x)[n][co][i][j] = x[n][co - front][i*stride][j*stride]
 * when 0 <= co - front < c, else 0, for co < oc, i < oh = ceil(h / stride),
 * j < ow = ceil(w / stride).  (The reference pads planes/4 channels on each
 * side: front = (oc - c) / 2.)  With stride 1 and oc == c it is the
 * identity. */
typedef struct rsc_shortcut_geom {
    int c, h, w;          /* input */
    int oc, oh, ow;       /* output */
    int stride, front;
} rsc_shortcut_geom;

struct rsc_backend {
    const char *name;        /* "cpu", "cuda" */
    char desc[128];          /* for the model key `backend`: "cpu/openblas" */
    int threads;             /* threads the backend uses (cpu), 1 otherwise */
    void *impl;              /* backend-private state */

    /* ---------------------------------------------------------- memory */
    /* A new buffer of `bytes` bytes, zero-filled, aligned for any element
     * type (64 bytes on the CPU).  NULL with a message on failure. */
    rsc_buf *(*alloc)(rsc_backend *be, size_t bytes, rsc_error *err);
    /* A handle on bytes [offset, offset+bytes) of parent, sharing its
     * memory (no copy).  offset is a multiple of 4.  The view must be freed
     * before its parent; freeing a view never frees the parent's memory. */
    rsc_buf *(*view)(rsc_backend *be, rsc_buf *parent, size_t offset, size_t bytes,
                     rsc_error *err);
    void (*free)(rsc_backend *be, rsc_buf *b);          /* NULL is a no-op */
    size_t (*size)(const rsc_buf *b);                   /* bytes */
    /* Host <-> backend copies of `bytes` bytes at byte offset `offset` of
     * the buffer.  download() waits for all earlier operations. */
    int (*upload)(rsc_backend *be, rsc_buf *dst, size_t offset, const void *src,
                  size_t bytes, rsc_error *err);
    int (*download)(rsc_backend *be, void *dst, const rsc_buf *src, size_t offset,
                    size_t bytes, rsc_error *err);
    /* Backend-side copy; the ranges must not overlap. */
    void (*copy)(rsc_backend *be, rsc_buf *dst, size_t dst_off, const rsc_buf *src,
                 size_t src_off, size_t bytes);
    /* Wait for every issued operation; report a sticky error. */
    int (*sync)(rsc_backend *be, rsc_error *err);
    /* Release the backend (after every buffer is freed). */
    void (*close)(rsc_backend *be);
    /* Optional (NULL: absent; GPUs offer neither, one replica drives the
     * whole device): data parallelism on the host, the capability the
     * trainer's replicas need (libcommon/train/parallel.h).
     * sibling() opens a backend of the same kind with one thread and the
     * same kernels, whose buffers are interchangeable with be's: an
     * operation of either may take buffers of the other (the CPU
     * backend's buffers are host memory).  Close it with
     * rsc_backend_close() before be.  parallel() runs fn(arg, i) for
     * i < n on be's threads and returns when all are done; inside fn, i
     * uses only its own sibling. */
    rsc_backend *(*sibling)(rsc_backend *be, rsc_error *err);
    void (*parallel)(rsc_backend *be, int n, void (*fn)(void *arg, int i), void *arg);

    /* ---------------------------------------------------------- linear algebra */
    /* C = alpha * op(A) op(B) + beta * C, op(X) = X or X^T (ta/tb non-zero:
     * transposed), op(A) M x K, op(B) K x N, C M x N, row-major with
     * leading dimensions lda, ldb, ldc (cblas_sgemm with CblasRowMajor).
     * beta == 0 means C is only written (its old contents may be NaN). */
    void (*gemm)(rsc_backend *be, int ta, int tb, int m, int n, int k, float alpha,
                 const rsc_buf *a, int lda, const rsc_buf *b, int ldb, float beta,
                 rsc_buf *c, int ldc);
    /* y[r*cols + c] += bias[c] for r < rows; then, if relu, y = max(y, 0).
     * (The linear layer's bias add, fused with a following ReLU.) */
    void (*bias_act)(rsc_backend *be, rsc_buf *y, const rsc_buf *bias, int rows, int cols,
                     int relu);
    /* y[c] = beta * y[c] + sum_{r<rows} x[r*cols + c]  (bias gradients;
     * beta is 0 or 1; with beta 0 the old y is ignored). */
    void (*sum_rows)(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols,
                     float beta);

    /* ---------------------------------------------------------- elementwise */
    void (*fill)(rsc_backend *be, rsc_buf *x, size_t n, float value);
    /* y = max(x, 0); may be in place. */
    void (*relu_fwd)(rsc_backend *be, const rsc_buf *x, rsc_buf *y, size_t n);
    /* dx = y > 0 ? dy : 0, where y is the ReLU's output; dx may be dy. */
    void (*relu_bwd)(rsc_backend *be, const rsc_buf *y, const rsc_buf *dy, rsc_buf *dx,
                     size_t n);
    /* y = x * m elementwise (dropout forward and backward with its mask);
     * y may be x. */
    void (*mul)(rsc_backend *be, const rsc_buf *x, const rsc_buf *m, rsc_buf *y, size_t n);
    /* Dropout mask: mask[i] = u_i < p ? 0 : 1/(1-p), u_i the uniform of
     * element i (rsc_backend_uniform(seed, i)).  0 <= p < 1. */
    void (*dropout_mask)(rsc_backend *be, rsc_buf *mask, size_t n, float p, uint64_t seed);
    /* x[i] += sigma * z_i, z_i the standard normal of element i
     * (rsc_backend_normal(seed, i)). */
    void (*noise_add)(rsc_backend *be, rsc_buf *x, size_t n, float sigma, uint64_t seed);
    /* y += alpha * x */
    void (*axpy)(rsc_backend *be, size_t n, float alpha, const rsc_buf *x, rsc_buf *y);
    /* x *= alpha */
    void (*scale)(rsc_backend *be, size_t n, float alpha, rsc_buf *x);
    /* x = min(max(x, lo), hi)  (clip_grad_value_) */
    void (*clamp)(rsc_backend *be, rsc_buf *x, size_t n, float lo, float hi);
    /* out (one double, at byte offset 0) = sum of x[i]^2, accumulated in
     * double in a fixed order (global-norm clipping). */
    void (*sumsq)(rsc_backend *be, const rsc_buf *x, size_t n, rsc_buf *out);

    /* ---------------------------------------------------------- loss */
    /* Softmax cross-entropy on rows x cols logits with int32 labels
     * (0 <= label < cols):
     *   loss_r = logsumexp(logits_r) - logits_r[label_r]
     *   stats (two doubles) += { sum_r loss_r, number of rows whose argmax
     *   (first maximum) equals the label }
     *   if dlogits: dlogits_r = (softmax(logits_r) - onehot(label_r)) * grad_scale
     * (grad_scale = 1/batch gives the gradient of the batch mean).  dlogits
     * may be logits.  stats accumulates across calls; fill it with 0 to
     * reset (it is two doubles: fill 4 floats). */
    void (*xent)(rsc_backend *be, const rsc_buf *logits, const rsc_buf *labels, int rows,
                 int cols, rsc_buf *dlogits, float grad_scale, rsc_buf *stats);
    /* y_r = softmax(x_r) for rows x cols; may be in place. */
    void (*softmax)(rsc_backend *be, const rsc_buf *x, rsc_buf *y, int rows, int cols);
    /* Hessian-vector product of the softmax cross-entropy with respect to
     * the logits (the label drops out of the second derivative): for each
     * of rows x cols, p = softmax(logits_r) and u = u_r,
     *   out_r[c] = scale * p[c] * (u[c] - sum_k p[k] u[k])
     * (= scale * (diag(p) - p p^T) u), with the softmax as softmax() above
     * and the dot product and difference in double, rounded to float once.
     * out may be u; not logits. */
    void (*xent_hvp)(rsc_backend *be, const rsc_buf *logits, const rsc_buf *u, int rows,
                     int cols, rsc_buf *out, float scale);

    /* ---------------------------------------------------------- optimisers */
    /* One Adam step on n parameters p with gradient g and moments m, v,
     * exactly PyTorch 1.13's single-tensor Adam in float32:
     *   g' = g + wd * p                 (when wd != 0; g itself is kept)
     *   m  = beta1 * m + (1 - beta1) * g'
     *   v  = beta2 * v + (1 - beta2) * g' * g'
     *   bc1 = 1 - beta1^step, bc2 = 1 - beta2^step       (in double)
     *   p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
     * with the double scalars rounded to float where PyTorch does. */
    void (*adam)(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *m, rsc_buf *v,
                 size_t n, const rsc_adam_hp *hp);
    /* One SGD step (torch.optim.SGD, dampening 0, not Nesterov):
     *   g' = g + wd * p
     *   buf = first ? g' : momentum * buf + g'     (when momentum != 0)
     *   p -= lr * (momentum != 0 ? buf : g')                            */
    void (*sgd)(rsc_backend *be, rsc_buf *p, const rsc_buf *g, rsc_buf *buf, size_t n,
                const rsc_sgd_hp *hp);

    /* ---------------------------------------------------------- data */
    /* Batch gather from the resident dataset: for j < count, with
     * r = idx[idx_off + j] (idx int32),
     *   dst[j*row_len .. +row_len) = row slot[r] of sub    when slot is not
     *                                                      NULL and slot[r] >= 0,
     *                              = convert(row r of src) otherwise,
     * src holding rows of row_len elements of type src_type (enum
     * rsc_gather_type), sub rows of row_len float32, slot int32 (one per
     * row of src; may be NULL, and sub with it).  dst is float32.  The
     * slot map substitutes the injected rows of a dataset (the float32
     * spurious.x) at gather time, so that the dataset stays u8 on the
     * backend. */
    void (*gather)(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                   size_t row_len, const rsc_buf *idx, size_t idx_off, size_t count,
                   const rsc_buf *slot, const rsc_buf *sub);
    /* Labels: dst[j] = src[idx[idx_off + j]] (int32 to int32). */
    void (*gather_i32)(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, const rsc_buf *idx,
                       size_t idx_off, size_t count);
    /* ================================================================
     * Convolutional layers (conv area).  NCHW float32 activations of
     * `batch` (or n) examples; geometry structs above.  Every output is
     * overwritten unless the call says it accumulates; every reduction has
     * a fixed order (determinism, as above).  A CUDA backend may implement
     * them with cuDNN (restricted to its deterministic algorithms) or its
     * own kernels.  Backward calls are only made
     * after the matching forward call, with the same geometry.
     * ================================================================ */

    /* Bytes of workspace the three convolution calls need for geometry g
     * and at most max_batch examples (0 if none).  The caller allocates one
     * buffer of at least this size per convolution and passes it as ws
     * (NULL when the size is 0); it holds nothing between calls. */
    size_t (*conv_workspace)(rsc_backend *be, const rsc_conv_geom *g, int max_batch);
    /* y[n][o][i][j] = bias[o] + sum_{c,ki,kj} w[o][c][ki][kj] *
     *                 x[n][c][i*stride - pad + ki][j*stride - pad + kj]
     * (x outside the image is 0; bias NULL: no bias term). */
    void (*conv_fwd)(rsc_backend *be, const rsc_conv_geom *g, int batch, const rsc_buf *x,
                     const rsc_buf *w, const rsc_buf *bias, rsc_buf *y, rsc_buf *ws);
    /* dx = d(sum y*dy)/dx: the transposed convolution of dy with w
     * (dx is batch x c x h x w, overwritten). */
    void (*conv_bwd_data)(rsc_backend *be, const rsc_conv_geom *g, int batch, const rsc_buf *dy,
                          const rsc_buf *w, rsc_buf *dx, rsc_buf *ws);
    /* dw[o][c][ki][kj] = sum_{n,i,j} dy[n][o][i][j] * x[n][c][i*s-p+ki][j*s-p+kj]
     * and, when db is not NULL, db[o] = sum_{n,i,j} dy[n][o][i][j]
     * (both overwritten, summed over the batch). */
    void (*conv_bwd_filter)(rsc_backend *be, const rsc_conv_geom *g, int batch,
                            const rsc_buf *x, const rsc_buf *dy, rsc_buf *dw, rsc_buf *db,
                            rsc_buf *ws);
    /* Optional (NULL: absent): conv_bwd_filter and then conv_bwd_data in
     * one call, with the same results, so that a backend can share work
     * between them (the CPU backend packs dy once for both). */
    void (*conv_bwd)(rsc_backend *be, const rsc_conv_geom *g, int batch, const rsc_buf *x,
                     const rsc_buf *dy, const rsc_buf *w, rsc_buf *dw, rsc_buf *db, rsc_buf *dx,
                     rsc_buf *ws);

    /* Max pooling of `planes` (= batch * channels) planes: y = the window
     * maximum; arg (int32, one per output) = the index y*w + x of the
     * maximum inside its input plane, the first one in row-major window
     * order on ties (NaN counts as a maximum).  Backward: dx (overwritten)
     * is 0 except dx[plane][arg] += dy (windows may overlap). */
    void (*maxpool_fwd)(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                        const rsc_buf *x, rsc_buf *y, rsc_buf *arg);
    void (*maxpool_bwd)(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                        const rsc_buf *dy, const rsc_buf *arg, rsc_buf *dx);
    /* y[plane][j] = x[plane][arg[plane][j]]: the input at each window's
     * maximum, as a forward pass arg recorded (the R-operator of max
     * pooling: the derivative of the forward along x). */
    void (*maxpool_gather)(rsc_backend *be, const rsc_pool_geom *g, size_t planes,
                           const rsc_buf *x, const rsc_buf *arg, rsc_buf *y);
    /* Adaptive average pooling (PyTorch's AdaptiveAvgPool2d) of `planes`
     * planes h x w -> oh x ow: output (i, j) is the mean over input rows
     * floor(i*h/oh) .. ceil((i+1)*h/oh) - 1 and columns likewise (global
     * pooling: oh = ow = 1; 1x1 -> 7x7 replicates).  Backward (dx
     * overwritten): each output's gradient divided by its window size,
     * added to every input of its window. */
    void (*avgpool_fwd)(rsc_backend *be, int h, int w, int oh, int ow, size_t planes,
                        const rsc_buf *x, rsc_buf *y);
    void (*avgpool_bwd)(rsc_backend *be, int h, int w, int oh, int ow, size_t planes,
                        const rsc_buf *dy, rsc_buf *dx);

    /* Batch normalisation (BatchNorm2d; BatchNorm1d is hw = 1) of n
     * examples of c channels of hw values.  Training mode, per channel k
     * over the N = n*hw values:
     *   mean_k = sum x / N, var_k = sum (x - mean_k)^2 / N  (accumulated
     *   with at least float partial sums over at most a row of hw values
     *   and double across rows), invstd_k = 1 / sqrt(var_k + eps)
     *   y = (x - mean_k) * (gamma_k * invstd_k) + beta_k
     *   save_mean[k] = mean_k, save_invstd[k] = invstd_k   (for backward)
     *   run_mean[k] = (1 - momentum) run_mean[k] + momentum mean_k
     *   run_var[k]  = (1 - momentum) run_var[k] + momentum var_k N/(N-1)
     *   (PyTorch's unbiased running variance; N = 1 uses var_k)
     * run_mean and run_var may be NULL (no update).  relu non-zero: a ReLU
     * follows, y = max(y, 0) (fused).  y must not be x. */
    void (*bn_fwd_train)(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                         const rsc_buf *gamma, const rsc_buf *beta, rsc_buf *y,
                         rsc_buf *save_mean, rsc_buf *save_invstd, rsc_buf *run_mean,
                         rsc_buf *run_var, float momentum, float eps, int relu);
    /* Eval mode: y = (x - run_mean_k) * (gamma_k / sqrt(run_var_k + eps)) + beta_k,
     * then max(y, 0) when relu is non-zero; y may be x. */
    void (*bn_fwd_eval)(rsc_backend *be, int n, int c, int hw, const rsc_buf *x,
                        const rsc_buf *gamma, const rsc_buf *beta, const rsc_buf *run_mean,
                        const rsc_buf *run_var, float eps, rsc_buf *y, int relu);
    /* Backward of the training-mode forward with its saved statistics,
     * xhat = (x - mean_k) * invstd_k:
     *   dgamma_k = sum dy * xhat, dbeta_k = sum dy   (sums as above, overwritten)
     *   dx = gamma_k invstd_k (dy - dbeta_k / N - xhat dgamma_k / N)
     * When y is not NULL it is the output of a fused ReLU forward, and dy
     * is first replaced by (y > 0 ? dy : 0) (the ReLU's backward, fused).
     * dx may be NULL (parameter gradients only) or equal to dy. */
    void (*bn_bwd)(rsc_backend *be, int n, int c, int hw, const rsc_buf *x, const rsc_buf *dy,
                   const rsc_buf *y, const rsc_buf *gamma, const rsc_buf *save_mean,
                   const rsc_buf *save_invstd, rsc_buf *dx, rsc_buf *dgamma, rsc_buf *dbeta);

    /* Option-A shortcut (rsc_shortcut_geom): y = S(x), or y += S(x) when
     * accumulate is non-zero.  Backward: dx = S^T(dy), or dx += S^T(dy):
     * dx[n][co-front][i*s][j*s] gets dy[n][co][i][j], other dx entries 0 (or
     * unchanged when accumulating). */
    void (*shortcut_fwd)(rsc_backend *be, const rsc_shortcut_geom *g, int batch,
                         const rsc_buf *x, rsc_buf *y, int accumulate);
    void (*shortcut_bwd)(rsc_backend *be, const rsc_shortcut_geom *g, int batch,
                         const rsc_buf *dy, rsc_buf *dx, int accumulate);

    /* Input normalisation: y[n][k][.] = (x[n][k][.] - mean[k]) / std[k]
     * (a float subtraction then a float division, as PyTorch's (x - m) / s),
     * mean and std c floats each.  Backward: dx = dy / std[k].  In place
     * allowed (y == x, dx == dy). */
    void (*chan_norm_fwd)(rsc_backend *be, int c, int hw, int batch, const rsc_buf *x,
                          const rsc_buf *mean, const rsc_buf *std, rsc_buf *y);
    void (*chan_norm_bwd)(rsc_backend *be, int c, int hw, int batch, const rsc_buf *dy,
                          const rsc_buf *std, rsc_buf *dx);

    /* CIFAR augmentation (torchvision RandomCrop(h, padding=pad) then
     * RandomHorizontalFlip) with the per-example choices in prm (int32,
     * 3 per example: top, left in [0, 2 pad], flip 0/1):
     *   y[n][k][i][j] = x[n][k][i + top - pad][jj + left - pad],
     *   jj = flip ? w - 1 - j : j, and 0 outside the image.
     * y must not be x. */
    void (*crop_flip)(rsc_backend *be, int c, int h, int w, int pad, int batch,
                      const rsc_buf *prm, const rsc_buf *x, rsc_buf *y);

    /* ================================================================
     * Many models in lockstep (libcommon/train/group.h, nn/stack.h):
     * `count` independent problems of one shape in one call, problem i's
     * operands at element offset i * stride of each buffer (a stride of 0:
     * the same operand for every problem).  Each result is that of the
     * single operation above on problem i's slices: on the CPU bit for bit
     * (the CPU backend runs the single operation on each problem in turn);
     * a GPU runs all problems in one launch (one batched cuBLAS call) and
     * may round a GEMM differently from its single gemm (the elementwise
     * operations, sums and gathers give the single operation's bits).
     * Problems never alias each other.  count 0 is a no-op.
     * ================================================================ */

    /* gemm of each problem: C_i = alpha op(A_i) op(B_i) + beta C_i, with
     * A_i at a + i*sa, B_i at b + i*sb, C_i at c + i*sc (elements). */
    void (*gemm_batched)(rsc_backend *be, int ta, int tb, int m, int n, int k, float alpha,
                         const rsc_buf *a, int lda, size_t sa, const rsc_buf *b, int ldb,
                         size_t sb, float beta, rsc_buf *c, int ldc, size_t sc, int count);
    /* bias_act of each problem: y_i (rows x cols at y + i*sy) += bias_i
     * (at bias + i*sbias), then ReLU when relu. */
    void (*bias_act_batched)(rsc_backend *be, rsc_buf *y, size_t sy, const rsc_buf *bias,
                             size_t sbias, int rows, int cols, int relu, int count);
    /* sum_rows with beta 0 of each problem: y_i (cols, at y + i*sy) = the
     * column sums of x_i (rows x cols at x + i*sx). */
    void (*sum_rows_batched)(rsc_backend *be, const rsc_buf *x, size_t sx, rsc_buf *y,
                             size_t sy, int rows, int cols, int count);
    /* gather of each problem from the one resident src: problem i's `rows`
     * rows go to dst + i*rows*row_len, with its indices at idx + i*sidx +
     * idx_off, its slot map at slot + i*sslot (slot NULL: none) and its
     * substituted rows at sub + i*ssub (slot values index rows from
     * there; ssub is a multiple of row_len, and the rows a problem may
     * use are the ssub / row_len from its start). */
    void (*gather_batched)(rsc_backend *be, rsc_buf *dst, const rsc_buf *src, int src_type,
                           size_t row_len, const rsc_buf *idx, size_t sidx, size_t idx_off,
                           size_t rows, const rsc_buf *slot, size_t sslot, const rsc_buf *sub,
                           size_t ssub, int count);
    /* gather_i32 of each problem: dst + i*rows gets src[idx[i*sidx +
     * idx_off + j]] for j < rows. */
    void (*gather_i32_batched)(rsc_backend *be, rsc_buf *dst, const rsc_buf *src,
                               const rsc_buf *idx, size_t sidx, size_t idx_off, size_t rows,
                               int count);
    /* xent of each problem: logits_i and dlogits_i (rows x cols) at
     * i*rows*cols, labels_i at i*rows, stats_i (two doubles, accumulated)
     * at byte offset 16*i. */
    void (*xent_batched)(rsc_backend *be, const rsc_buf *logits, const rsc_buf *labels, int rows,
                         int cols, rsc_buf *dlogits, float grad_scale, rsc_buf *stats,
                         int count);
};

/* Open a backend by name: "cpu", "cuda", or "auto" (NULL = auto: cuda when
 * the build has it and a device is present, else cpu).  threads: CPU
 * threads (0 = all online cores); ignored by GPU backends.  Errors: "this
 * build has no CUDA backend", "no CUDA device", unknown name. */
rsc_backend *rsc_backend_open(const char *name, int threads, rsc_error *err);
void rsc_backend_close(rsc_backend *be);

/* Call first in main() of a program that computes with a backend (before
 * reading stdin or printing): when OpenBLAS fell back to slow generic
 * kernels on a CPU it does not recognise, the program re-executes itself
 * with OPENBLAS_CORETYPE set to suitable ones (see rsc-train.1,
 * ENVIRONMENT).  Returns normally otherwise. */
void rsc_backend_early_init(char **argv);

/* What to do when the CPU backend finds a BLAS call stuck for want of
 * address space (kernels/cpu/blaswatch.h): fn gets a one-line message and
 * must end the process (the default prints it and calls _exit(1)).
 * rsc_cli_init sets it to the tools' fatal-error path. */
void rsc_backend_on_stuck(void (*fn)(const char *msg));

/* Device discovery (for rsc-info, tests and benchmarks). */
/* 1 when the CUDA backend was compiled in. */
int rsc_cuda_built(void);
/* Number of usable CUDA devices (0 without CUDA, without a driver, or
 * without a GPU).  Never fails. */
int rsc_cuda_device_count(void);
/* One line naming the device (e.g. "NVIDIA H200, cc 9.0, 139 GiB"), or
 * "none". */
const char *rsc_cuda_device_name(int index);

#endif
