/* conv_layers.c - the layer kinds of the convolutional networks
 * (conv_layers.h): each an rsc_layer_ops table over the backend's
 * convolutional operations (backend.h, last section). */
#include "config.h"

#include "nn/conv_layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BN_MOMENTUM 0.1f
#define BN_EPS 1e-5f

static void free_priv(rsc_net *net, rsc_layer *l)
{
    (void)net;
    free(l->priv);
    l->priv = NULL;
}

static rsc_buf *alloc_floats(rsc_net *net, size_t n, rsc_error *err)
{
    return net->be->alloc(net->be, (n ? n : 1) * sizeof(float), err);
}

/* The convolutional operations are the newest part of the backend table:
 * refuse, with a message, a backend that does not provide them all. */
static int check_backend(const rsc_net *net, const char *name, rsc_error *err)
{
    const rsc_backend *be = net->be;
    if (!be->conv_workspace || !be->conv_fwd || !be->conv_bwd_data || !be->conv_bwd_filter ||
        !be->maxpool_fwd || !be->maxpool_bwd || !be->avgpool_fwd || !be->avgpool_bwd ||
        !be->bn_fwd_train || !be->bn_fwd_eval || !be->bn_bwd || !be->shortcut_fwd ||
        !be->shortcut_bwd || !be->chan_norm_fwd || !be->chan_norm_bwd || !be->crop_flip)
        return rsc_fail(err, "layer '%s': the %s backend has no convolutional operations", name,
                        be->name);
    return 0;
}

static void describe_conv(const rsc_conv_geom *g, int bias, char *buf, size_t size)
{
    snprintf(buf, size, "%dx%d/%d p%d %d -> %d%s", g->kh, g->kw, g->stride, g->pad, g->c, g->o,
             bias ? "" : " nobias");
}

/* ------------------------------------------------------------ units
 * A convolution and a batch norm as pieces shared by the standalone layers
 * and the basic block.  Parameters are referred to by index into
 * net->params (the array moves while the network is built). */

typedef struct conv_unit {
    rsc_conv_geom g;
    int bias;
    int w_idx;                /* weight, then bias */
    rsc_buf *ws;
} conv_unit;

static int conv_unit_setup(rsc_net *net, rsc_layer *l, conv_unit *u, const char *prefix,
                           rsc_shape in, int out, int k, int stride, int pad, int bias,
                           rsc_shape *out_shape, rsc_error *err)
{
    if (in.h + 2 * pad < k || in.w + 2 * pad < k)
        return rsc_fail(err, "%dx%d kernel (padding %d) larger than the %dx%d input", k, k, pad,
                        in.h, in.w);
    u->g = (rsc_conv_geom){ .c = in.c, .h = in.h, .w = in.w, .o = out, .kh = k, .kw = k,
                            .stride = stride, .pad = pad };
    u->g.oh = (in.h + 2 * pad - k) / stride + 1;
    u->g.ow = (in.w + 2 * pad - k) / stride + 1;
    u->bias = bias;
    u->w_idx = net->nparams;
    char suffix[48];
    int64_t wd[4] = { out, in.c, k, k }, bd[1] = { out };
    int fan_in = in.c * k * k;
    snprintf(suffix, sizeof suffix, "%sweight", prefix);
    if (rsc_net_declare_param(net, l, suffix, 4, wd, fan_in, err) != 0)
        return -1;
    snprintf(suffix, sizeof suffix, "%sbias", prefix);
    if (bias && rsc_net_declare_param(net, l, suffix, 1, bd, fan_in, err) != 0)
        return -1;
    *out_shape = (rsc_shape){ out, u->g.oh, u->g.ow };
    return 0;
}

static int conv_unit_alloc(rsc_net *net, conv_unit *u, rsc_error *err)
{
    size_t bytes = net->be->conv_workspace(net->be, &u->g, net->max_batch);
    if (bytes) {
        u->ws = net->be->alloc(net->be, bytes, err);
        if (!u->ws)
            return -1;
    }
    return 0;
}

static void conv_unit_fwd(rsc_net *net, conv_unit *u, const rsc_buf *x, rsc_buf *y, int batch)
{
    const rsc_param *w = &net->params[u->w_idx];
    net->be->conv_fwd(net->be, &u->g, batch, x, w->p, u->bias ? w[1].p : NULL, y, u->ws);
}

static void conv_unit_bwd(rsc_net *net, conv_unit *u, const rsc_buf *x, const rsc_buf *dy,
                          rsc_buf *dx, int batch)
{
    const rsc_param *w = &net->params[u->w_idx];
    rsc_backend *be = net->be;
    if (net->no_param_grads) {
        if (dx)
            be->conv_bwd_data(be, &u->g, batch, dy, w->p, dx, u->ws);
        return;
    }
    if (dx && be->conv_bwd) {
        be->conv_bwd(be, &u->g, batch, x, dy, w->p, w->g, u->bias ? w[1].g : NULL, dx, u->ws);
        return;
    }
    be->conv_bwd_filter(be, &u->g, batch, x, dy, w->g, u->bias ? w[1].g : NULL, u->ws);
    if (dx)
        be->conv_bwd_data(be, &u->g, batch, dy, w->p, dx, u->ws);
}

typedef struct bn_unit {
    int c, hw;
    int w_idx;                /* weight, then bias */
    int s_idx;                /* running_mean, then running_var */
    rsc_buf *mean, *invstd;   /* batch statistics of the last training forward */
    /* Eval-mode backward: constants and 1/sqrt(running_var + eps). */
    rsc_buf *zero, *one, *minus_one, *ev_invstd;
    int last_train;
} bn_unit;

static int bn_unit_setup(rsc_net *net, rsc_layer *l, bn_unit *u, const char *prefix,
                         rsc_shape in, rsc_error *err)
{
    u->c = in.c;
    u->hw = in.h * in.w;
    u->w_idx = net->nparams;
    u->s_idx = net->nstates;
    char suffix[48];
    int64_t d[1] = { in.c };
    snprintf(suffix, sizeof suffix, "%sweight", prefix);
    if (rsc_net_declare_param(net, l, suffix, 1, d, in.c, err) != 0)
        return -1;
    snprintf(suffix, sizeof suffix, "%sbias", prefix);
    if (rsc_net_declare_param(net, l, suffix, 1, d, in.c, err) != 0)
        return -1;
    snprintf(suffix, sizeof suffix, "%srunning_mean", prefix);
    if (rsc_net_declare_state(net, l, suffix, 1, d, err) != 0)
        return -1;
    snprintf(suffix, sizeof suffix, "%srunning_var", prefix);
    return rsc_net_declare_state(net, l, suffix, 1, d, err);
}

static int bn_unit_alloc(rsc_net *net, bn_unit *u, rsc_error *err)
{
    rsc_backend *be = net->be;
    rsc_buf **b[] = { &u->mean, &u->invstd, &u->zero, &u->one, &u->minus_one, &u->ev_invstd };
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (!(*b[i] = alloc_floats(net, (size_t)u->c, err)))
            return -1;
    be->fill(be, u->one, (size_t)u->c, 1.0f);
    be->fill(be, u->minus_one, (size_t)u->c, -1.0f);
    /* PyTorch's initial running statistics: mean 0, variance 1. */
    be->fill(be, net->states[u->s_idx + 1].p, (size_t)u->c, 1.0f);
    return 0;
}

static void bn_unit_free(rsc_net *net, bn_unit *u)
{
    rsc_backend *be = net->be;
    be->free(be, u->mean);
    be->free(be, u->invstd);
    be->free(be, u->zero);
    be->free(be, u->one);
    be->free(be, u->minus_one);
    be->free(be, u->ev_invstd);
}

/* relu: a ReLU follows, applied in the same pass. */
static void bn_unit_fwd(rsc_net *net, bn_unit *u, const rsc_buf *x, rsc_buf *y, int batch,
                        int train, int relu)
{
    rsc_backend *be = net->be;
    const rsc_param *w = &net->params[u->w_idx], *s = &net->states[u->s_idx];
    u->last_train = train;
    if (train)
        be->bn_fwd_train(be, batch, u->c, u->hw, x, w[0].p, w[1].p, y, u->mean, u->invstd,
                         s[0].p, s[1].p, BN_MOMENTUM, BN_EPS, relu);
    else
        be->bn_fwd_eval(be, batch, u->c, u->hw, x, w[0].p, w[1].p, s[0].p, s[1].p, BN_EPS, y,
                        relu);
}

/* dx may be NULL or dy.  y: the output of a fused ReLU forward (NULL if
 * none); in eval mode dy is then masked in place. */
static void bn_unit_bwd(rsc_net *net, bn_unit *u, const rsc_buf *x, rsc_buf *dy,
                        const rsc_buf *y, rsc_buf *dx, int batch)
{
    rsc_backend *be = net->be;
    const rsc_param *w = &net->params[u->w_idx], *s = &net->states[u->s_idx];
    if (u->last_train) {
        be->bn_bwd(be, batch, u->c, u->hw, x, dy, y, w[0].p, u->mean, u->invstd, dx, w[0].g,
                   w[1].g);
        return;
    }
    if (y)
        be->relu_bwd(be, y, dy, dy, (size_t)batch * u->c * u->hw);
    /* Eval mode is a per-channel affine map y = (x - rm) * gamma * k + beta
     * with k = 1/sqrt(rv + eps), computed with the eval forward itself on
     * constants: k = (0 - (-1)) * (1 * k) + 0. */
    be->bn_fwd_eval(be, 1, u->c, 1, u->zero, u->one, u->zero, u->minus_one, s[1].p, BN_EPS,
                    u->ev_invstd, 0);
    /* dgamma = sum dy (x - rm) k, dbeta = sum dy: the training backward's
     * sums with mean rm and invstd k (no dx). */
    be->bn_bwd(be, batch, u->c, u->hw, x, dy, NULL, w[0].p, s[0].p, u->ev_invstd, NULL, w[0].g,
               w[1].g);
    /* dx = dy * gamma * k = eval forward of dy with mean 0 and beta 0. */
    if (dx)
        be->bn_fwd_eval(be, batch, u->c, u->hw, dy, w[0].p, u->zero, u->zero, s[1].p, BN_EPS,
                        dx, 0);
}

/* ------------------------------------------------------------ R-operator
 * (net.h: rsc_rop), evaluation mode.  A convolution is bilinear in its
 * input and weights, so with y = conv(x, W) + b and the direction (V, c):
 *   R(y) = conv(R(x), W) + conv(x, V) + c
 *   R(dW) = corr(R(x), dy) + corr(x, R(dy)),  R(db) = sum R(dy)
 *   R(dx) = conv^T(R(dy), W) + conv^T(dy, V).
 * Evaluation-mode batch norm is y = gamma k (x - m) + beta with the
 * running statistics m and k = 1/sqrt(v + eps) (constants), so
 *   R(y) = gamma k R(x) + V_gamma k (x - m) + V_beta
 *   R(dgamma) = sum R(dy) k (x - m) + sum dy k R(x),  R(dbeta) = sum R(dy)
 *   R(dx) = R(dy) gamma k + dy V_gamma k.
 * tmp: scratch of the larger of the input and the output. */

static void conv_unit_rfwd(rsc_net *net, conv_unit *u, const rsc_rop *r, const rsc_buf *x,
                           const rsc_buf *rx, rsc_buf *ry, rsc_buf *tmp, int batch)
{
    rsc_backend *be = net->be;
    const rsc_param *w = &net->params[u->w_idx];
    const rsc_buf *vb = u->bias ? r->v[u->w_idx + 1] : NULL;
    if (!rx) {
        be->conv_fwd(be, &u->g, batch, x, r->v[u->w_idx], vb, ry, u->ws);
        return;
    }
    be->conv_fwd(be, &u->g, batch, rx, w->p, NULL, ry, u->ws);
    be->conv_fwd(be, &u->g, batch, x, r->v[u->w_idx], vb, tmp, u->ws);
    be->axpy(be, (size_t)batch * u->g.o * u->g.oh * u->g.ow, 1.0f, tmp, ry);
}

static void conv_unit_rbwd(rsc_net *net, conv_unit *u, const rsc_rop *r, const rsc_buf *x,
                           const rsc_buf *rx, const rsc_buf *dy, const rsc_buf *rdy, rsc_buf *rdx,
                           rsc_buf *tmp, int batch)
{
    rsc_backend *be = net->be;
    const rsc_param *w = &net->params[u->w_idx];
    rsc_buf *ow = r->o[u->w_idx];
    be->conv_bwd_filter(be, &u->g, batch, x, rdy, ow, u->bias ? r->o[u->w_idx + 1] : NULL, u->ws);
    if (rx) {
        be->conv_bwd_filter(be, &u->g, batch, rx, dy, w->g, NULL, u->ws);
        be->axpy(be, w->count, 1.0f, w->g, ow);
    }
    if (rdx) {
        be->conv_bwd_data(be, &u->g, batch, rdy, w->p, rdx, u->ws);
        be->conv_bwd_data(be, &u->g, batch, dy, r->v[u->w_idx], tmp, u->ws);
        be->axpy(be, (size_t)batch * u->g.c * u->g.h * u->g.w, 1.0f, tmp, rdx);
    }
}

static void bn_unit_rfwd(rsc_net *net, bn_unit *u, const rsc_rop *r, const rsc_buf *x,
                         const rsc_buf *rx, rsc_buf *ry, rsc_buf *tmp, int batch)
{
    rsc_backend *be = net->be;
    const rsc_param *w = &net->params[u->w_idx], *s = &net->states[u->s_idx];
    rsc_buf *dst = rx ? tmp : ry;
    be->bn_fwd_eval(be, batch, u->c, u->hw, x, r->v[u->w_idx], r->v[u->w_idx + 1], s[0].p, s[1].p,
                    BN_EPS, dst, 0);
    if (!rx)
        return;
    be->bn_fwd_eval(be, batch, u->c, u->hw, rx, w[0].p, u->zero, u->zero, s[1].p, BN_EPS, ry, 0);
    be->axpy(be, (size_t)batch * u->c * u->hw, 1.0f, tmp, ry);
}

static void bn_unit_rbwd(rsc_net *net, bn_unit *u, const rsc_rop *r, const rsc_buf *x,
                         const rsc_buf *rx, const rsc_buf *dy, const rsc_buf *rdy, rsc_buf *rdx,
                         rsc_buf *tmp, int batch)
{
    rsc_backend *be = net->be;
    const rsc_param *w = &net->params[u->w_idx], *s = &net->states[u->s_idx];
    rsc_buf *og = r->o[u->w_idx], *ob = r->o[u->w_idx + 1];
    /* k, as the eval-mode backward computes it (bn_unit_bwd). */
    be->bn_fwd_eval(be, 1, u->c, 1, u->zero, u->one, u->zero, u->minus_one, s[1].p, BN_EPS,
                    u->ev_invstd, 0);
    be->bn_bwd(be, batch, u->c, u->hw, x, rdy, NULL, w[0].p, s[0].p, u->ev_invstd, NULL, og, ob);
    if (rx) {
        /* sum dy k R(x): the same sums with mean 0 (the beta part is
         * dropped). */
        be->bn_bwd(be, batch, u->c, u->hw, rx, dy, NULL, w[0].p, u->zero, u->ev_invstd, NULL,
                   w[0].g, w[1].g);
        be->axpy(be, (size_t)u->c, 1.0f, w[0].g, og);
    }
    if (rdx) {
        size_t n = (size_t)batch * u->c * u->hw;
        be->bn_fwd_eval(be, batch, u->c, u->hw, rdy, w[0].p, u->zero, u->zero, s[1].p, BN_EPS,
                        rdx, 0);
        be->bn_fwd_eval(be, batch, u->c, u->hw, dy, r->v[u->w_idx], u->zero, u->zero, s[1].p,
                        BN_EPS, tmp, 0);
        be->axpy(be, n, 1.0f, tmp, rdx);
    }
}

/* ------------------------------------------------------------ conv2d */

typedef struct conv_priv {
    int out, k, stride, pad, bias;
    conv_unit u;
} conv_priv;

static int conv_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    conv_priv *cp = l->priv;
    return conv_unit_setup(net, l, &cp->u, "", l->in, cp->out, cp->k, cp->stride, cp->pad,
                           cp->bias, &l->out, err);
}

static int conv_alloc(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    return conv_unit_alloc(net, &((conv_priv *)l->priv)->u, err);
}

static void conv_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                         int train)
{
    (void)train;
    conv_unit_fwd(net, &((conv_priv *)l->priv)->u, x, y, batch);
}

static void conv_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                          const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)y;
    conv_unit_bwd(net, &((conv_priv *)l->priv)->u, x, dy, dx, batch);
}

static void conv_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                          const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)y;
    conv_priv *cp = l->priv;
    conv_unit_rfwd(net, &cp->u, r, x, rx, ry, r->tmp[0], batch);
}

static void conv_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                           const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                           const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)y;
    conv_priv *cp = l->priv;
    conv_unit_rbwd(net, &cp->u, r, x, rx, dy, rdy, rdx, r->tmp[0], batch);
}

static void conv_describe(const rsc_layer *l, char *buf, size_t size)
{
    const conv_priv *cp = l->priv;
    describe_conv(&cp->u.g, cp->bias, buf, size);
}

static void conv_destroy(rsc_net *net, rsc_layer *l)
{
    conv_priv *cp = l->priv;
    if (cp)
        net->be->free(net->be, cp->u.ws);
    free_priv(net, l);
}

static const rsc_layer_ops conv_ops = {
    .kind = "conv2d",
    .setup = conv_setup,
    .alloc = conv_alloc,
    .forward = conv_forward,
    .backward = conv_backward,
    .rforward = conv_rforward,
    .rbackward = conv_rbackward,
    .describe = conv_describe,
    .destroy = conv_destroy,
};

int rsc_net_add_conv2d(rsc_net *net, const char *name, int out_channels, int k, int stride,
                       int pad, int bias, rsc_error *err)
{
    if (check_backend(net, name, err) != 0)
        return -1;
    if (out_channels <= 0 || k <= 0 || stride <= 0 || pad < 0)
        return rsc_fail(err, "layer '%s': bad convolution (%d channels, kernel %d, stride %d, "
                        "padding %d)", name, out_channels, k, stride, pad);
    conv_priv *cp = rsc_calloc(1, sizeof *cp, err);
    if (!cp)
        return -1;
    *cp = (conv_priv){ out_channels, k, stride, pad, bias != 0, { { 0 }, 0, 0, NULL } };
    return rsc_net_add(net, &conv_ops, name, cp, err);
}

/* ------------------------------------------------------------ max pooling */

typedef struct maxpool_priv {
    rsc_pool_geom g;
    rsc_buf *arg;
} maxpool_priv;

static int maxpool_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    (void)net;
    maxpool_priv *mp = l->priv;
    if (l->in.h < mp->g.k || l->in.w < mp->g.k)
        return rsc_fail(err, "%dx%d pooling window larger than the %dx%d input", mp->g.k, mp->g.k,
                        l->in.h, l->in.w);
    mp->g.h = l->in.h;
    mp->g.w = l->in.w;
    mp->g.oh = (l->in.h - mp->g.k) / mp->g.stride + 1;
    mp->g.ow = (l->in.w - mp->g.k) / mp->g.stride + 1;
    l->out = (rsc_shape){ l->in.c, mp->g.oh, mp->g.ow };
    return 0;
}

static int maxpool_alloc(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    maxpool_priv *mp = l->priv;
    mp->arg = alloc_floats(net, (size_t)net->max_batch * rsc_shape_size(l->out), err);
    return mp->arg ? 0 : -1;
}

static void maxpool_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                            int train)
{
    (void)train;
    maxpool_priv *mp = l->priv;
    net->be->maxpool_fwd(net->be, &mp->g, (size_t)batch * l->in.c, x, y, mp->arg);
}

static void maxpool_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                             const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)x, (void)y;
    maxpool_priv *mp = l->priv;
    if (dx)
        net->be->maxpool_bwd(net->be, &mp->g, (size_t)batch * l->in.c, dy, mp->arg, dx);
}

/* R(y) = R(x) at each window's maximum; R(dx) scatters R(dy) there. */
static void maxpool_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                             const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)r, (void)x, (void)y;
    maxpool_priv *mp = l->priv;
    net->be->maxpool_gather(net->be, &mp->g, (size_t)batch * l->in.c, rx, mp->arg, ry);
}

static void maxpool_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                              const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                              const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)r, (void)rx, (void)dy;
    maxpool_backward(net, l, x, y, rdy, rdx, batch);
}

static void maxpool_describe(const rsc_layer *l, char *buf, size_t size)
{
    const maxpool_priv *mp = l->priv;
    snprintf(buf, size, "%dx%d/%d", mp->g.k, mp->g.k, mp->g.stride);
}

static void maxpool_destroy(rsc_net *net, rsc_layer *l)
{
    maxpool_priv *mp = l->priv;
    if (mp)
        net->be->free(net->be, mp->arg);
    free_priv(net, l);
}

static const rsc_layer_ops maxpool_ops = {
    .kind = "maxpool",
    .setup = maxpool_setup,
    .alloc = maxpool_alloc,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .rforward = maxpool_rforward,
    .rbackward = maxpool_rbackward,
    .describe = maxpool_describe,
    .destroy = maxpool_destroy,
};

int rsc_net_add_maxpool(rsc_net *net, const char *name, int k, int stride, rsc_error *err)
{
    if (check_backend(net, name, err) != 0)
        return -1;
    if (k <= 0 || stride <= 0)
        return rsc_fail(err, "layer '%s': bad pooling (kernel %d, stride %d)", name, k, stride);
    maxpool_priv *mp = rsc_calloc(1, sizeof *mp, err);
    if (!mp)
        return -1;
    mp->g.k = k;
    mp->g.stride = stride;
    return rsc_net_add(net, &maxpool_ops, name, mp, err);
}

/* ------------------------------------------------------------ average pooling */

typedef struct avgpool_priv {
    int oh, ow;
} avgpool_priv;

static int avgpool_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    (void)net, (void)err;
    avgpool_priv *ap = l->priv;
    l->out = (rsc_shape){ l->in.c, ap->oh, ap->ow };
    return 0;
}

static void avgpool_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                            int train)
{
    (void)train;
    net->be->avgpool_fwd(net->be, l->in.h, l->in.w, l->out.h, l->out.w, (size_t)batch * l->in.c,
                         x, y);
}

static void avgpool_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                             const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)x, (void)y;
    if (dx)
        net->be->avgpool_bwd(net->be, l->in.h, l->in.w, l->out.h, l->out.w,
                             (size_t)batch * l->in.c, dy, dx);
}

static void avgpool_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                             const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)r, (void)x, (void)y;
    avgpool_forward(net, l, rx, ry, batch, 0);
}

static void avgpool_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                              const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                              const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)r, (void)rx, (void)dy;
    avgpool_backward(net, l, x, y, rdy, rdx, batch);
}

static void avgpool_describe(const rsc_layer *l, char *buf, size_t size)
{
    snprintf(buf, size, "adaptive %dx%d -> %dx%d", l->in.h, l->in.w, l->out.h, l->out.w);
}

static const rsc_layer_ops avgpool_ops = {
    .kind = "avgpool",
    .setup = avgpool_setup,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
    .rforward = avgpool_rforward,
    .rbackward = avgpool_rbackward,
    .describe = avgpool_describe,
    .destroy = free_priv,
};

int rsc_net_add_avgpool(rsc_net *net, const char *name, int oh, int ow, rsc_error *err)
{
    if (check_backend(net, name, err) != 0)
        return -1;
    if (oh <= 0 || ow <= 0)
        return rsc_fail(err, "layer '%s': bad pooling output %dx%d", name, oh, ow);
    avgpool_priv *ap = rsc_calloc(1, sizeof *ap, err);
    if (!ap)
        return -1;
    ap->oh = oh;
    ap->ow = ow;
    return rsc_net_add(net, &avgpool_ops, name, ap, err);
}

/* ------------------------------------------------------------ batch norm */

static int bn_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    l->out = l->in;
    return bn_unit_setup(net, l, l->priv, "", l->in, err);
}

static int bn_alloc(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    return bn_unit_alloc(net, l->priv, err);
}

static void bn_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                       int train)
{
    bn_unit_fwd(net, l->priv, x, y, batch, train, 0);
}

static void bn_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                        const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)y;
    /* Without a fused ReLU the eval path never writes dy. */
    bn_unit_bwd(net, l->priv, x, (rsc_buf *)dy, NULL, dx, batch);
}

static void bn_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                        const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)y;
    bn_unit_rfwd(net, l->priv, r, x, rx, ry, r->tmp[0], batch);
}

static void bn_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                         const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                         const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)y;
    bn_unit_rbwd(net, l->priv, r, x, rx, dy, rdy, rdx, r->tmp[0], batch);
}

static void bn_describe(const rsc_layer *l, char *buf, size_t size)
{
    snprintf(buf, size, "%d channels", l->in.c);
}

static void bn_destroy(rsc_net *net, rsc_layer *l)
{
    if (l->priv)
        bn_unit_free(net, l->priv);
    free_priv(net, l);
}

static const rsc_layer_ops bn_ops = {
    .kind = "batchnorm",
    .setup = bn_setup,
    .alloc = bn_alloc,
    .forward = bn_forward,
    .backward = bn_backward,
    .rforward = bn_rforward,
    .rbackward = bn_rbackward,
    .describe = bn_describe,
    .destroy = bn_destroy,
};

int rsc_net_add_batchnorm(rsc_net *net, const char *name, rsc_error *err)
{
    if (check_backend(net, name, err) != 0)
        return -1;
    bn_unit *u = rsc_calloc(1, sizeof *u, err);
    if (!u)
        return -1;
    return rsc_net_add(net, &bn_ops, name, u, err);
}

/* ------------------------------------------------------------ input normalisation */

#define NORM_MAX_CHANNELS 16

typedef struct norm_priv {
    int c;
    float mean[NORM_MAX_CHANNELS], std[NORM_MAX_CHANNELS];
    rsc_buf *mean_b, *std_b;
} norm_priv;

static int norm_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    (void)net;
    norm_priv *np = l->priv;
    if (l->in.c != np->c)
        return rsc_fail(err, "normalisation for %d channels on a %d-channel input", np->c,
                        l->in.c);
    l->out = l->in;
    return 0;
}

static int norm_alloc(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    norm_priv *np = l->priv;
    rsc_backend *be = net->be;
    np->mean_b = alloc_floats(net, (size_t)np->c, err);
    np->std_b = np->mean_b ? alloc_floats(net, (size_t)np->c, err) : NULL;
    if (!np->std_b || be->upload(be, np->mean_b, 0, np->mean, (size_t)np->c * sizeof(float), err) ||
        be->upload(be, np->std_b, 0, np->std, (size_t)np->c * sizeof(float), err))
        return -1;
    return 0;
}

static void norm_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                         int train)
{
    (void)train;
    norm_priv *np = l->priv;
    net->be->chan_norm_fwd(net->be, np->c, l->in.h * l->in.w, batch, x, np->mean_b, np->std_b, y);
}

static void norm_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                          const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)x, (void)y;
    norm_priv *np = l->priv;
    if (dx)
        net->be->chan_norm_bwd(net->be, np->c, l->in.h * l->in.w, batch, dy, np->std_b, dx);
}

/* y = (x - mean) / std: R(y) = R(x) / std, the backward's map. */
static void norm_rforward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                          const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    (void)r;
    norm_backward(net, l, x, y, rx, ry, batch);
}

static void norm_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                           const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                           const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    (void)r, (void)rx, (void)dy;
    norm_backward(net, l, x, y, rdy, rdx, batch);
}

static void norm_describe(const rsc_layer *l, char *buf, size_t size)
{
    const norm_priv *np = l->priv;
    int k = snprintf(buf, size, "mean");
    for (int i = 0; i < np->c && k > 0 && (size_t)k < size; i++)
        k += snprintf(buf + k, size - (size_t)k, "%s%g", i ? "," : " ", np->mean[i]);
}

static void norm_destroy(rsc_net *net, rsc_layer *l)
{
    norm_priv *np = l->priv;
    if (np) {
        net->be->free(net->be, np->mean_b);
        net->be->free(net->be, np->std_b);
    }
    free_priv(net, l);
}

static const rsc_layer_ops norm_ops = {
    .kind = "normalize",
    .setup = norm_setup,
    .alloc = norm_alloc,
    .forward = norm_forward,
    .backward = norm_backward,
    .rforward = norm_rforward,
    .rbackward = norm_rbackward,
    .describe = norm_describe,
    .destroy = norm_destroy,
};

int rsc_net_add_normalize(rsc_net *net, const char *name, const float *mean, const float *std,
                          rsc_error *err)
{
    if (check_backend(net, name, err) != 0)
        return -1;
    int c = net->nlayers ? net->layers[net->nlayers - 1].out.c : net->input.c;
    if (c > NORM_MAX_CHANNELS)
        return rsc_fail(err, "layer '%s': normalisation of %d channels (at most %d)", name, c,
                        NORM_MAX_CHANNELS);
    norm_priv *np = rsc_calloc(1, sizeof *np, err);
    if (!np)
        return -1;
    np->c = c;
    for (int i = 0; i < c; i++) {
        if (!(std[i] > 0) || !isfinite(mean[i])) {
            free(np);
            return rsc_fail(err, "layer '%s': channel %d: mean %g, std %g", name, i, mean[i],
                            std[i]);
        }
        np->mean[i] = mean[i];
        np->std[i] = std[i];
    }
    return rsc_net_add(net, &norm_ops, name, np, err);
}

/* ------------------------------------------------------------ basic block */

typedef struct block_priv {
    int planes, stride;
    conv_unit conv1, conv2;
    bn_unit bn1, bn2;
    int identity;             /* shortcut is the identity */
    rsc_shortcut_geom sg;
    /* Saved activations (max_batch each): conv1 output, bn1+relu output,
     * conv2 output. */
    rsc_buf *c1, *b1, *c2;
    /* Backward scratch, shared by all the blocks of a network (owned by
     * the first): dz (the gradient before the final ReLU), g1, g2. */
    rsc_buf *dz, *g1, *g2;
    int owns_scratch;
} block_priv;

static const rsc_layer_ops block_ops;

static int block_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    block_priv *bp = l->priv;
    rsc_shape s1, s2;
    if (conv_unit_setup(net, l, &bp->conv1, "conv1.", l->in, bp->planes, 3, bp->stride, 1, 0,
                        &s1, err) != 0 ||
        bn_unit_setup(net, l, &bp->bn1, "bn1.", s1, err) != 0 ||
        conv_unit_setup(net, l, &bp->conv2, "conv2.", s1, bp->planes, 3, 1, 1, 0, &s2, err) != 0 ||
        bn_unit_setup(net, l, &bp->bn2, "bn2.", s2, err) != 0)
        return -1;
    bp->identity = bp->stride == 1 && bp->planes == l->in.c;
    if (!bp->identity) {
        if (bp->stride != 2 || bp->planes != 2 * l->in.c)
            return rsc_fail(err, "option-A shortcut needs stride 2 and twice the channels (%d -> "
                            "%d, stride %d)", l->in.c, bp->planes, bp->stride);
        bp->sg = (rsc_shortcut_geom){ .c = l->in.c, .h = l->in.h, .w = l->in.w, .oc = bp->planes,
                                      .oh = (l->in.h + 1) / 2, .ow = (l->in.w + 1) / 2,
                                      .stride = 2, .front = bp->planes / 4 };
        if (bp->sg.oh != s2.h || bp->sg.ow != s2.w)
            return rsc_fail(err, "shortcut output %dx%d differs from the block's %dx%d", bp->sg.oh,
                            bp->sg.ow, s2.h, s2.w);
    }
    l->out = s2;
    return 0;
}

static int block_alloc(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    block_priv *bp = l->priv;
    size_t B = (size_t)net->max_batch;
    size_t n1 = B * (size_t)bp->conv1.g.o * bp->conv1.g.oh * bp->conv1.g.ow;
    size_t n2 = B * rsc_shape_size(l->out);
    if (conv_unit_alloc(net, &bp->conv1, err) || conv_unit_alloc(net, &bp->conv2, err) ||
        bn_unit_alloc(net, &bp->bn1, err) || bn_unit_alloc(net, &bp->bn2, err) ||
        !(bp->c1 = alloc_floats(net, n1, err)) || !(bp->b1 = alloc_floats(net, n1, err)) ||
        !(bp->c2 = alloc_floats(net, n2, err)))
        return -1;
    /* Scratch: the first block allocates it for the largest block. */
    for (int i = 0; i < net->nlayers; i++) {
        rsc_layer *o = &net->layers[i];
        if (o->ops != &block_ops)
            continue;
        if (o != l) {
            block_priv *first = o->priv;
            bp->dz = first->dz;
            bp->g1 = first->g1;
            bp->g2 = first->g2;
            return 0;
        }
        break;
    }
    size_t most = 0;
    for (int i = 0; i < net->nlayers; i++) {
        rsc_layer *o = &net->layers[i];
        if (o->ops != &block_ops)
            continue;
        size_t a = rsc_shape_size(o->out), b = rsc_shape_size(o->in);
        most = a > most ? a : most;
        most = b > most ? b : most;
    }
    bp->owns_scratch = 1;
    if (!(bp->dz = alloc_floats(net, B * most, err)) || !(bp->g1 = alloc_floats(net, B * most, err)) ||
        !(bp->g2 = alloc_floats(net, B * most, err)))
        return -1;
    return 0;
}

static void block_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                          int train)
{
    rsc_backend *be = net->be;
    block_priv *bp = l->priv;
    size_t n2 = (size_t)batch * rsc_shape_size(l->out);
    conv_unit_fwd(net, &bp->conv1, x, bp->c1, batch);
    bn_unit_fwd(net, &bp->bn1, bp->c1, bp->b1, batch, train, 1);
    conv_unit_fwd(net, &bp->conv2, bp->b1, bp->c2, batch);
    bn_unit_fwd(net, &bp->bn2, bp->c2, y, batch, train, 0);
    if (bp->identity)
        be->axpy(be, n2, 1.0f, x, y);
    else
        be->shortcut_fwd(be, &bp->sg, batch, x, y, 1);
    be->relu_fwd(be, y, y, n2);
}

static void block_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                           const rsc_buf *dy, rsc_buf *dx, int batch)
{
    rsc_backend *be = net->be;
    block_priv *bp = l->priv;
    size_t n2 = (size_t)batch * rsc_shape_size(l->out);
    be->relu_bwd(be, y, dy, bp->dz, n2);
    bn_unit_bwd(net, &bp->bn2, bp->c2, bp->dz, NULL, bp->g2, batch);
    conv_unit_bwd(net, &bp->conv2, bp->b1, bp->g2, bp->g1, batch);
    bn_unit_bwd(net, &bp->bn1, bp->c1, bp->g1, bp->b1, bp->g1, batch);
    conv_unit_bwd(net, &bp->conv1, x, bp->g1, dx, batch);
    if (!dx)
        return;
    if (bp->identity)
        be->axpy(be, n2, 1.0f, bp->dz, dx);
    else
        be->shortcut_bwd(be, &bp->sg, batch, bp->dz, dx, 1);
}

/* The R-forward inside a block: T0 = R(c1), T1 = R(b1), T2 = R(c2) (the
 * saved activations' R), and, when ry is not NULL, R of the output. */
static void block_rinner(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                         const rsc_buf *rx, const rsc_buf *y, rsc_buf *ry, int batch)
{
    rsc_backend *be = net->be;
    block_priv *bp = l->priv;
    rsc_buf *const *T = r->tmp;
    size_t n2 = (size_t)batch * rsc_shape_size(l->out);
    conv_unit_rfwd(net, &bp->conv1, r, x, rx, T[0], T[7], batch);
    bn_unit_rfwd(net, &bp->bn1, r, bp->c1, T[0], T[1], T[7], batch);
    be->relu_bwd(be, bp->b1, T[1], T[1], n2);
    conv_unit_rfwd(net, &bp->conv2, r, bp->b1, T[1], T[2], T[7], batch);
    if (!ry)
        return;
    bn_unit_rfwd(net, &bp->bn2, r, bp->c2, T[2], ry, T[7], batch);
    if (rx) {
        if (bp->identity)
            be->axpy(be, n2, 1.0f, rx, ry);
        else
            be->shortcut_fwd(be, &bp->sg, batch, rx, ry, 1);
    }
    be->relu_bwd(be, y, ry, ry, n2);
}

/* The block's inner R values and gradients are recomputed (the backward's
 * scratch is shared by all blocks): T0-T2 as block_rinner, the block's
 * backward for dz, g2 (dL/dc2) and g1 (dL/dc1), T3 = dL/d(bn1's output)
 * (before its ReLU), T4 = R(dz); then the units backwards. */
static void block_rbackward(rsc_net *net, rsc_layer *l, const rsc_rop *r, const rsc_buf *x,
                            const rsc_buf *rx, const rsc_buf *y, const rsc_buf *dy,
                            const rsc_buf *rdy, rsc_buf *rdx, int batch)
{
    rsc_backend *be = net->be;
    block_priv *bp = l->priv;
    rsc_buf *const *T = r->tmp;
    size_t n2 = (size_t)batch * rsc_shape_size(l->out);
    block_rinner(net, l, r, x, rx, y, NULL, batch);
    int no_params = net->no_param_grads;
    net->no_param_grads = 1;
    block_backward(net, l, x, y, dy, NULL, batch);
    net->no_param_grads = no_params;
    be->conv_bwd_data(be, &bp->conv2.g, batch, bp->g2, net->params[bp->conv2.w_idx].p, T[3],
                      bp->conv2.ws);
    be->relu_bwd(be, bp->b1, T[3], T[3], n2);
    be->relu_bwd(be, y, rdy, T[4], n2);
    bn_unit_rbwd(net, &bp->bn2, r, bp->c2, T[2], bp->dz, T[4], T[5], T[7], batch);
    conv_unit_rbwd(net, &bp->conv2, r, bp->b1, T[1], bp->g2, T[5], T[6], T[7], batch);
    be->relu_bwd(be, bp->b1, T[6], T[6], n2);
    bn_unit_rbwd(net, &bp->bn1, r, bp->c1, T[0], T[3], T[6], T[5], T[7], batch);
    conv_unit_rbwd(net, &bp->conv1, r, x, rx, bp->g1, T[5], rdx, T[7], batch);
    if (!rdx)
        return;
    if (bp->identity)
        be->axpy(be, n2, 1.0f, T[4], rdx);
    else
        be->shortcut_bwd(be, &bp->sg, batch, T[4], rdx, 1);
}

static void block_describe(const rsc_layer *l, char *buf, size_t size)
{
    const block_priv *bp = l->priv;
    snprintf(buf, size, "%d -> %d /%d%s", l->in.c, bp->planes, bp->stride,
             bp->identity ? "" : " A");
}

static void block_destroy(rsc_net *net, rsc_layer *l)
{
    block_priv *bp = l->priv;
    if (bp) {
        rsc_backend *be = net->be;
        be->free(be, bp->conv1.ws);
        be->free(be, bp->conv2.ws);
        bn_unit_free(net, &bp->bn1);
        bn_unit_free(net, &bp->bn2);
        be->free(be, bp->c1);
        be->free(be, bp->b1);
        be->free(be, bp->c2);
        if (bp->owns_scratch) {
            be->free(be, bp->dz);
            be->free(be, bp->g1);
            be->free(be, bp->g2);
        }
    }
    free_priv(net, l);
}

static const rsc_layer_ops block_ops = {
    .kind = "basicblock",
    .needs_output = 1,
    .setup = block_setup,
    .alloc = block_alloc,
    .forward = block_forward,
    .backward = block_backward,
    .rforward = block_rinner,
    .rbackward = block_rbackward,
    .describe = block_describe,
    .destroy = block_destroy,
};

int rsc_net_add_basicblock(rsc_net *net, const char *name, int planes, int stride,
                           rsc_error *err)
{
    if (check_backend(net, name, err) != 0)
        return -1;
    if (planes <= 0 || stride <= 0)
        return rsc_fail(err, "layer '%s': bad block (%d planes, stride %d)", name, planes, stride);
    block_priv *bp = rsc_calloc(1, sizeof *bp, err);
    if (!bp)
        return -1;
    bp->planes = planes;
    bp->stride = stride;
    return rsc_net_add(net, &block_ops, name, bp, err);
}
