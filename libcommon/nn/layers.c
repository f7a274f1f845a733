/* layers.c - the layer kinds of the MLPs: linear, ReLU, flatten, dropout.
 * Each kind is an rsc_layer_ops table (net.h) and a constructor. */
#include "config.h"

#include "nn/net.h"
#include "nn/layers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ linear */

typedef struct linear_priv {
    int in, out;
} linear_priv;

static int linear_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    linear_priv *lp = l->priv;
    if (l->in.h != 1 || l->in.w != 1)
        return rsc_fail(err, "linear layer needs a flat input, got %dx%dx%d (add a flatten layer)",
                        l->in.c, l->in.h, l->in.w);
    /* The backend's GEMMs index with int: the weight matrix and a row of
     * either side must fit (a model file may declare any shape). */
    if ((int64_t)lp->out * l->in.c > INT32_MAX)
        return rsc_fail(err, "linear layer %d -> %d: %lld weights, more than 2^31", l->in.c,
                        lp->out, (long long)lp->out * l->in.c);
    lp->in = l->in.c;
    l->out = (rsc_shape){ lp->out, 1, 1 };
    int64_t wd[2] = { lp->out, lp->in }, bd[1] = { lp->out };
    if (rsc_net_declare_param(net, l, "weight", 2, wd, lp->in, err) != 0 ||
        rsc_net_declare_param(net, l, "bias", 1, bd, lp->in, err) != 0)
        return -1;
    return 0;
}

static void linear_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                           int train)
{
    (void)train;
    rsc_backend *be = net->be;
    linear_priv *lp = l->priv;
    const rsc_param *w = &net->params[l->param_first], *b = w + 1;
    /* Y = X W^T, then Y += b (and ReLU when fused). */
    be->gemm(be, 0, 1, batch, lp->out, lp->in, 1.0f, x, lp->in, w->p, lp->in, 0.0f, y, lp->out);
    be->bias_act(be, y, b->p, batch, lp->out, l->fuse_relu);
}

static void linear_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                            const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)y;
    rsc_backend *be = net->be;
    linear_priv *lp = l->priv;
    const rsc_param *w = &net->params[l->param_first], *b = w + 1;
    /* dW = dY^T X, db = column sums of dY, dX = dY W. */
    if (!net->no_param_grads) {
        be->gemm(be, 1, 0, lp->out, lp->in, batch, 1.0f, dy, lp->out, x, lp->in, 0.0f, w->g,
                 lp->in);
        be->sum_rows(be, dy, b->g, batch, lp->out, 0.0f);
    }
    if (dx)
        be->gemm(be, 0, 0, batch, lp->in, lp->out, 1.0f, dy, lp->out, w->p, lp->in, 0.0f, dx,
                 lp->in);
}

/* R(Y) = R(X) W^T + X V^T + c for the direction (V, c); no ReLU (a fused
 * one is masked by the ReLU layer's rforward). */
static void linear_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                            const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)y;
    rsc_backend *be = net->be;
    linear_priv *lp = l->priv;
    const rsc_param *w = &net->params[l->param_first];
    int k = l->param_first;
    be->gemm(be, 0, 1, batch, lp->out, lp->in, 1.0f, x, lp->in, r->v[k], lp->in, 0.0f, ry,
             lp->out);
    if (rx)
        be->gemm(be, 0, 1, batch, lp->out, lp->in, 1.0f, rx, lp->in, w->p, lp->in, 1.0f, ry,
                 lp->out);
    be->bias_act(be, ry, r->v[k + 1], batch, lp->out, 0);
}

/* R(dW) = R(dY)^T X + dY^T R(X), R(db) = column sums of R(dY),
 * R(dX) = R(dY) W + dY V. */
static void linear_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                             const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                             const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)y;
    rsc_backend *be = net->be;
    linear_priv *lp = l->priv;
    const rsc_param *w = &net->params[l->param_first];
    int k = l->param_first;
    be->gemm(be, 1, 0, lp->out, lp->in, batch, 1.0f, rdy, lp->out, x, lp->in, 0.0f, r->o[k],
             lp->in);
    if (rx)
        be->gemm(be, 1, 0, lp->out, lp->in, batch, 1.0f, dy, lp->out, rx, lp->in, 1.0f, r->o[k],
                 lp->in);
    be->sum_rows(be, rdy, r->o[k + 1], batch, lp->out, 0.0f);
    if (rdx) {
        be->gemm(be, 0, 0, batch, lp->in, lp->out, 1.0f, rdy, lp->out, w->p, lp->in, 0.0f, rdx,
                 lp->in);
        be->gemm(be, 0, 0, batch, lp->in, lp->out, 1.0f, dy, lp->out, r->v[k], lp->in, 1.0f, rdx,
                 lp->in);
    }
}

static void linear_describe(const rsc_layer *l, char *buf, size_t size)
{
    const linear_priv *lp = l->priv;
    snprintf(buf, size, "%d -> %d%s", lp->in, lp->out, l->fuse_relu ? " (+relu)" : "");
}

static void free_priv(rsc_net *net, rsc_layer *l)
{
    (void)net;
    free(l->priv);
    l->priv = NULL;
}

static const rsc_layer_ops linear_ops = {
    .kind = "linear",
    .setup = linear_setup,
    .forward = linear_forward,
    .backward = linear_backward,
    .rforward = linear_rforward,
    .rbackward = linear_rbackward,
    .describe = linear_describe,
    .destroy = free_priv,
};

int rsc_net_add_linear(rsc_net *net, const char *name, int out_features, rsc_error *err)
{
    if (out_features <= 0)
        return rsc_fail(err, "layer '%s': %d output features", name, out_features);
    linear_priv *lp = rsc_calloc(1, sizeof *lp, err);
    if (!lp)
        return -1;
    lp->out = out_features;
    return rsc_net_add(net, &linear_ops, name, lp, err);
}

/* ------------------------------------------------------------ ReLU */

static int same_shape_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    (void)net;
    (void)err;
    l->out = l->in;
    return 0;
}

static void relu_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                         int train)
{
    (void)train;
    if (l->fused)
        return;   /* the linear layer before applied it */
    net->be->relu_fwd(net->be, x, y, (size_t)batch * rsc_shape_size(l->out));
}

static void relu_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                          const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)x;
    if (dx)
        net->be->relu_bwd(net->be, y, dy, dx, (size_t)batch * rsc_shape_size(l->out));
}

/* A ReLU's second derivative is 0 almost everywhere: R(y) = [y > 0] R(x),
 * R(dx) = [y > 0] R(dy). */
static void relu_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                          const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)r, (void)x;
    net->be->relu_bwd(net->be, y, rx, ry, (size_t)batch * rsc_shape_size(l->out));
}

static void relu_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                           const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                           const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)r, (void)x, (void)rx, (void)dy;
    if (rdx)
        net->be->relu_bwd(net->be, y, rdy, rdx, (size_t)batch * rsc_shape_size(l->out));
}

static const rsc_layer_ops relu_ops = {
    .kind = "relu",
    .inplace_ok = 1,
    .needs_output = 1,
    .setup = same_shape_setup,
    .forward = relu_forward,
    .backward = relu_backward,
    .rforward = relu_rforward,
    .rbackward = relu_rbackward,
};

int rsc_net_add_relu(rsc_net *net, const char *name, rsc_error *err)
{
    return rsc_net_add(net, &relu_ops, name, NULL, err);
}

/* ------------------------------------------------------------ flatten */

static int flatten_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    (void)net;
    /* c x h x w in 64 bits: a cast to int would wrap a shape that the
     * model format allows (65536 per side) into a small or negative size. */
    size_t n = rsc_shape_size(l->in);
    if (n > INT32_MAX)
        return rsc_fail(err, "flatten: %dx%dx%d = %zu features, more than 2^31 - 1", l->in.c,
                        l->in.h, l->in.w, n);
    l->out = (rsc_shape){ (int)n, 1, 1 };
    return 0;
}

static void flatten_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                            int train)
{
    (void)net, (void)l, (void)x, (void)y, (void)batch, (void)train;
}

static void flatten_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                             const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)net, (void)l, (void)x, (void)y, (void)dy, (void)dx, (void)batch;
}

static void flatten_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                             const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)net, (void)l, (void)r, (void)x, (void)rx, (void)y, (void)ry, (void)batch;
}

static void flatten_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                              const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                              const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)net, (void)l, (void)r, (void)x, (void)rx, (void)y, (void)dy, (void)rdy, (void)rdx;
    (void)batch;
}

static const rsc_layer_ops flatten_ops = {
    .kind = "flatten",
    .alias = 1,
    .setup = flatten_setup,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .rforward = flatten_rforward,
    .rbackward = flatten_rbackward,
};

int rsc_net_add_flatten(rsc_net *net, const char *name, rsc_error *err)
{
    return rsc_net_add(net, &flatten_ops, name, NULL, err);
}

/* ------------------------------------------------------------ dropout */

typedef struct dropout_priv {
    double p;
    rsc_buf *mask;
    int last_train;   /* the last forward applied the mask */
} dropout_priv;

static int dropout_alloc(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    dropout_priv *dp = l->priv;
    dp->mask = net->be->alloc(net->be,
                              (size_t)net->max_batch * rsc_shape_size(l->out) * sizeof(float), err);
    return dp->mask ? 0 : -1;
}

static void dropout_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                            int train)
{
    rsc_backend *be = net->be;
    dropout_priv *dp = l->priv;
    size_t n = (size_t)batch * rsc_shape_size(l->out);
    dp->last_train = train && dp->p > 0;
    if (dp->last_train) {
        uint64_t seed = 0;
        if (net->dropout_rng) {
            seed = rsc_rng_u32(net->dropout_rng);
            seed = seed << 32 | rsc_rng_u32(net->dropout_rng);
        }
        be->dropout_mask(be, dp->mask, n, (float)dp->p, seed);
        be->mul(be, x, dp->mask, y, n);
    } else if (x != y) {
        be->copy(be, y, 0, x, 0, n * sizeof(float));
    }
}

static void dropout_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                             const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)x, (void)y;
    rsc_backend *be = net->be;
    dropout_priv *dp = l->priv;
    size_t n = (size_t)batch * rsc_shape_size(l->out);
    if (!dx)
        return;
    if (dp->last_train)
        be->mul(be, dy, dp->mask, dx, n);
    else if (dx != dy)
        be->copy(be, dx, 0, dy, 0, n * sizeof(float));
}

/* Evaluation mode: the identity. */
static void dropout_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                             const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)r, (void)x, (void)y;
    if (ry != rx)
        net->be->copy(net->be, ry, 0, rx, 0, (size_t)batch * rsc_shape_size(l->out) * sizeof(float));
}

static void dropout_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                              const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                              const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)r, (void)x, (void)rx, (void)y, (void)dy;
    if (rdx && rdx != rdy)
        net->be->copy(net->be, rdx, 0, rdy, 0,
                      (size_t)batch * rsc_shape_size(l->out) * sizeof(float));
}

static void dropout_describe(const rsc_layer *l, char *buf, size_t size)
{
    const dropout_priv *dp = l->priv;
    snprintf(buf, size, "p=%g", dp->p);
}

static void dropout_destroy(rsc_net *net, rsc_layer *l)
{
    dropout_priv *dp = l->priv;
    if (dp)
        net->be->free(net->be, dp->mask);
    free(dp);
    l->priv = NULL;
}

static const rsc_layer_ops dropout_ops = {
    .kind = "dropout",
    .inplace_ok = 1,
    .setup = same_shape_setup,
    .alloc = dropout_alloc,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .rforward = dropout_rforward,
    .rbackward = dropout_rbackward,
    .describe = dropout_describe,
    .destroy = dropout_destroy,
};

int rsc_net_add_dropout(rsc_net *net, const char *name, double p, rsc_error *err)
{
    if (!(p >= 0 && p < 1))
        return rsc_fail(err, "layer '%s': dropout probability %g outside [0, 1)", name, p);
    dropout_priv *dp = rsc_calloc(1, sizeof *dp, err);
    if (!dp)
        return -1;
    dp->p = p;
    return rsc_net_add(net, &dropout_ops, name, dp, err);
}
