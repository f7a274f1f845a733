/* hvp.c - Hessian-vector products (hvp.h): by the R-operator of every
 * layer (net.h: rforward, rbackward), else by a central difference of the
 * network's own gradients.
 *
 * The exact mode runs the network's forward pass (evaluation mode) for
 * the batch, and for each product its loss and backward pass with the
 * product's scale, then the R-forward from the first layer with
 * parameters (the input does not depend on them: R(x) = 0 before it), R
 * of the logits' gradient s (diag(p) - p p^T) R(logits) (backend
 * xent_hvp), and the R-backward down to that layer, which writes
 * R(dL/dtheta) = H v into the result.  R buffers mirror the activations'
 * aliasing (reshapes and in-place layers share their input's). */
#include "config.h"

#include "delete/hvp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct rsc_hvp {
    rsc_net *net;
    rsc_backend *be;
    int max_batch, n;
    rsc_buf *vec, *out;
    /* Exact mode: R(act[i]) and R(grad[i]) (aliases as the network's), which
     * are zero (rz), the first layer with parameters, the views and
     * scratch of rsc_rop, and the scale of the last backward (NAN: none
     * since the batch was set). */
    rsc_buf **ra, **rg, **owned;
    int nowned, *rz, first;
    rsc_rop rop;
    float grad_scale;
    /* Central-difference mode (any other layer): the network's own
     * forward and backward at theta +- eps v. */
    int fd;
    double rel_step, last_eps;
    long products, one_sided, unchecked;
    rsc_buf *saved, *g0, *dm, *norms;
};

int rsc_hvp_supported(const rsc_net *net, rsc_error *err)
{
    for (int i = 0; i < net->nlayers; i++) {
        const rsc_layer *l = &net->layers[i];
        if (!l->ops->rforward || !l->ops->rbackward)
            return rsc_fail(err, "the exact Hessian-vector product needs every layer's "
                            "R-operator; layer '%s' (%s) has none", l->name, l->ops->kind),
                   0;
    }
    return 1;
}

static rsc_hvp *new_fd(rsc_net *net, int max_batch, rsc_error *err);

/* The common part of both modes: zeroed, net, backend, largest batch
 * (both use the network's own activation buffers). */
static rsc_hvp *hvp_alloc(rsc_net *net, int max_batch, rsc_error *err)
{
    rsc_hvp *h = rsc_calloc(1, sizeof *h, err);
    if (h) {
        h->net = net;
        h->be = net->be;
        h->max_batch = max_batch < net->max_batch ? max_batch : net->max_batch;
    }
    return h;
}

rsc_hvp *rsc_hvp_new(rsc_net *net, int max_batch, rsc_error *err)
{
    rsc_error quiet;
    if (rsc_hvp_supported(net, &quiet))
        return rsc_hvp_new_mode(net, max_batch, RSC_HVP_EXACT, err);
    return rsc_hvp_new_mode(net, max_batch, RSC_HVP_FD, err);
}

static rsc_buf *own(rsc_hvp *h, size_t floats, rsc_error *err)
{
    rsc_buf *b = h->be->alloc(h->be, (floats ? floats : 1) * sizeof(float), err);
    if (b)
        h->owned[h->nowned++] = b;
    return b;
}

rsc_hvp *rsc_hvp_new_mode(rsc_net *net, int max_batch, int mode, rsc_error *err)
{
    if (mode == RSC_HVP_FD)
        return new_fd(net, max_batch, err);
    if (!rsc_hvp_supported(net, err))
        return NULL;
    rsc_backend *be = net->be;
    rsc_hvp *h = hvp_alloc(net, max_batch, err);
    if (!h)
        return NULL;
    int L = net->nlayers, np = net->nparams;
    h->grad_scale = NAN;
    h->first = -1;
    for (int i = 0; i < L && h->first < 0; i++)
        if (net->layers[i].nparams > 0)
            h->first = i;
    if (h->first < 0) {
        rsc_fail(err, "Hessian-vector product of a network without parameters");
        goto fail;
    }
    size_t nt = net->nparam_total;
    if (!(h->ra = rsc_calloc((size_t)L + 1, sizeof *h->ra, err)) ||
        !(h->rg = rsc_calloc((size_t)L + 1, sizeof *h->rg, err)) ||
        !(h->rz = rsc_calloc((size_t)L + 1, sizeof *h->rz, err)) ||
        !(h->owned = rsc_calloc(2 * ((size_t)L + 1) + RSC_ROP_TMP, sizeof *h->owned, err)) ||
        !(h->rop.v = rsc_calloc((size_t)np + 1, sizeof *h->rop.v, err)) ||
        !(h->rop.o = rsc_calloc((size_t)np + 1, sizeof *h->rop.o, err)))
        goto fail;
    if (!(h->vec = be->alloc(be, nt * sizeof(float), err)) ||
        !(h->out = be->alloc(be, nt * sizeof(float), err)))
        goto fail;
    for (int k = 0; k < np; k++) {
        const rsc_param *p = &net->params[k];
        size_t off = p->offset * sizeof(float), bytes = p->count * sizeof(float);
        if (!(h->rop.v[k] = be->view(be, h->vec, off, bytes, err)) ||
            !(h->rop.o[k] = be->view(be, h->out, off, bytes, err)))
            goto fail;
    }
    size_t B = (size_t)net->max_batch, most = rsc_shape_size(net->input);
    if (!(h->ra[0] = own(h, B * most, err)) || !(h->rg[0] = own(h, B * most, err)))
        goto fail;
    for (int i = 0; i < L; i++) {
        const rsc_layer *l = &net->layers[i];
        size_t f = rsc_shape_size(l->out);
        most = f > most ? f : most;
        if (l->ops->alias || l->inplace) {
            h->ra[i + 1] = h->ra[i];
            h->rg[i + 1] = h->rg[i];
        } else if (!(h->ra[i + 1] = own(h, B * f, err)) || !(h->rg[i + 1] = own(h, B * f, err))) {
            goto fail;
        }
    }
    for (int k = 0; k < RSC_ROP_TMP; k++)
        if (!(h->rop.tmp[k] = own(h, B * most, err)))
            goto fail;
    return h;
fail:
    rsc_hvp_free(h);
    return NULL;
}

void rsc_hvp_free(rsc_hvp *h)
{
    if (!h)
        return;
    rsc_backend *be = h->be;
    be->free(be, h->saved);
    be->free(be, h->norms);
    be->free(be, h->g0);
    be->free(be, h->dm);
    for (int i = 0; i < h->nowned; i++)
        be->free(be, h->owned[i]);
    if (h->rop.v)
        for (int k = 0; k < h->net->nparams; k++) {
            be->free(be, h->rop.v[k]);
            be->free(be, h->rop.o[k]);
        }
    free(h->rop.v);
    free(h->rop.o);
    free(h->owned);
    free(h->ra);
    free(h->rg);
    free(h->rz);
    be->free(be, h->vec);
    be->free(be, h->out);
    free(h);
}

static rsc_hvp *new_fd(rsc_net *net, int max_batch, rsc_error *err)
{
    rsc_backend *be = net->be;
    rsc_hvp *h = hvp_alloc(net, max_batch, err);
    if (!h)
        return NULL;
    h->fd = 1;
    h->rel_step = RSC_HVP_STEP;
    size_t np = net->nparam_total;
    if (!(h->vec = be->alloc(be, np * sizeof(float), err)) ||
        !(h->out = be->alloc(be, np * sizeof(float), err)) ||
        !(h->saved = be->alloc(be, np * sizeof(float), err)) ||
        !(h->g0 = be->alloc(be, np * sizeof(float), err)) ||
        !(h->dm = be->alloc(be, np * sizeof(float), err)) ||
        !(h->norms = be->alloc(be, sizeof(double), err))) {
        rsc_hvp_free(h);
        return NULL;
    }
    return h;
}

int rsc_hvp_exact(const rsc_hvp *h)
{
    return !h->fd;
}

void rsc_hvp_set_step(rsc_hvp *h, double rel)
{
    h->rel_step = rel;
}

double rsc_hvp_last_step(const rsc_hvp *h)
{
    return h->last_eps;
}

void rsc_hvp_fd_counts(const rsc_hvp *h, long *products, long *one_sided, long *unchecked)
{
    *products = h->products;
    *one_sided = h->one_sided;
    *unchecked = h->unchecked;
}

size_t rsc_hvp_size(const rsc_hvp *h)
{
    return h->net->nparam_total;
}

int rsc_hvp_max_batch(const rsc_hvp *h)
{
    return h->max_batch;
}

rsc_backend *rsc_hvp_be(rsc_hvp *h)
{
    return h->be;
}

rsc_buf *rsc_hvp_vec(rsc_hvp *h)
{
    return h->vec;
}

rsc_buf *rsc_hvp_out(rsc_hvp *h)
{
    return h->out;
}

int rsc_hvp_set_batch(rsc_hvp *h, const float *x, const int32_t *y, int n, rsc_error *err)
{
    rsc_backend *be = h->be;
    if (n < 1 || n > h->max_batch)
        return rsc_fail(err, "Hessian-vector product: batch of %d (1..%d)", n, h->max_batch);
    size_t img = rsc_shape_size(h->net->input);
    h->n = n;
    h->grad_scale = NAN;
    if (be->upload(be, rsc_net_input(h->net), 0, x, (size_t)n * img * sizeof(float), err) != 0 ||
        be->upload(be, h->net->labels, 0, y, (size_t)n * sizeof(int32_t), err) != 0)
        return -1;
    if (!h->fd)
        rsc_net_forward(h->net, n, 0);
    return 0;
}

/* G = d(scale * sum of the batch's losses)/d(theta) at the network's
 * current parameters, in evaluation mode. */
static void net_grad(rsc_hvp *h, float scale)
{
    rsc_net *net = h->net;
    rsc_net_forward(net, h->n, 0);
    rsc_net_loss_scaled(net, h->n, 1, scale);
    rsc_net_backward(net, h->n);
}

/* The exact mode's loss and backward at theta with the given scale (the
 * forward ran in rsc_hvp_set_batch); the weight gradients only when
 * params (the R-backward needs the activations' gradients alone). */
static void exact_backward(rsc_hvp *h, float scale, int params)
{
    h->net->no_param_grads = !params;
    rsc_net_loss_scaled(h->net, h->n, 1, scale);
    rsc_net_backward(h->net, h->n);
    h->net->no_param_grads = 0;
    h->grad_scale = scale;
}

void rsc_hvp_grad(rsc_hvp *h, float scale)
{
    rsc_backend *be = h->be;
    if (h->fd)
        net_grad(h, scale);
    else
        exact_backward(h, scale, 1);   /* the R-backward uses G as scratch */
    be->copy(be, h->out, 0, h->net->G, 0, rsc_hvp_size(h) * sizeof(float));
}

static int download_norm(rsc_hvp *h, const rsc_buf *x, double *out, rsc_error *err)
{
    rsc_backend *be = h->be;
    be->sumsq(be, x, rsc_hvp_size(h), h->norms);
    if (be->download(be, out, h->norms, 0, sizeof *out, err) != 0)
        return -1;
    *out = sqrt(*out);
    return 0;
}

/* G at theta + t v (t = 0: theta itself) into dst; theta is restored
 * from h->saved bit for bit. */
static void grad_at(rsc_hvp *h, double t, float scale, rsc_buf *dst)
{
    rsc_backend *be = h->be;
    rsc_net *net = h->net;
    size_t np = rsc_hvp_size(h), bytes = np * sizeof(float);
    if (t != 0)
        be->axpy(be, np, (float)t, h->vec, net->P);
    net_grad(h, scale);
    if (dst != net->G)
        be->copy(be, dst, 0, net->G, 0, bytes);
    if (t != 0)
        be->copy(be, net->P, 0, h->saved, 0, bytes);
}

/* |a - b| <= RSC_HVP_AGREE min(|a|, |b|) + floor, given the norms. */
static int agree(double dab, double a, double b, double floor)
{
    return dab <= RSC_HVP_AGREE * (a < b ? a : b) + floor;
}

/* The central difference (hvp.h), guarded against the kinks of ReLU and
 * max pooling: with G0 = G(theta) the one-sided differences
 * d+ = G(theta + eps v) - G0 and d- = G0 - G(theta - eps v) agree to
 * truncation and rounding where the gradient is smooth; a kink crossed
 * on one side adds a jump of order 1 (not eps) to that side's.  Then the
 * other, smaller side is used alone, checked against the same side at
 * eps / 8 (a kink on both sides: the smaller of the two is kept). */
static int apply_fd(rsc_hvp *h, float scale, rsc_error *err)
{
    rsc_backend *be = h->be;
    rsc_net *net = h->net;
    size_t np = rsc_hvp_size(h), bytes = np * sizeof(float);
    double vn, tn, g0n, dp, dmn, dd;
    if (download_norm(h, h->vec, &vn, err) != 0 || download_norm(h, net->P, &tn, err) != 0)
        return -1;
    h->last_eps = 0;
    if (!(vn > 0)) {
        be->fill(be, h->out, np, 0.0f);
        return isfinite(vn) ? 0 : rsc_fail(err, "Hessian-vector product: direction not finite");
    }
    h->products++;
    be->copy(be, h->saved, 0, net->P, 0, bytes);
    grad_at(h, 0, scale, h->g0);
    if (download_norm(h, h->g0, &g0n, err) != 0)
        return -1;
    /* Gradient rounding: a few float ulps of the gradient. */
    double floor = 1e-7 * g0n;
    double eps = h->rel_step * (tn > 1 ? tn : 1) / vn;
    h->last_eps = eps;
    grad_at(h, eps, scale, h->out);           /* out = G+ */
    grad_at(h, -eps, scale, h->dm);           /* dm = G- */
    be->axpy(be, np, -1.0f, h->g0, h->out);   /* out = d+ */
    be->scale(be, np, -1.0f, h->dm);
    be->axpy(be, np, 1.0f, h->g0, h->dm);     /* dm = d- */
    be->copy(be, net->G, 0, h->out, 0, bytes);
    be->axpy(be, np, -1.0f, h->dm, net->G);   /* d+ - d- */
    if (download_norm(h, h->out, &dp, err) != 0 || download_norm(h, h->dm, &dmn, err) != 0 ||
        download_norm(h, net->G, &dd, err) != 0)
        return -1;
    if (!isfinite(dp) || !isfinite(dmn))
        return rsc_fail(err, "Hessian-vector product: the gradient is not finite near the "
                        "parameters");
    if (agree(dd, dp, dmn, floor)) {
        be->axpy(be, np, 1.0f, h->dm, h->out);
        be->scale(be, np, (float)(0.5 / eps), h->out);
        return 0;
    }
    /* A kink: the smaller side (sign +1 or -1) into out, as d / eps. */
    h->one_sided++;
    double side = dmn < dp ? -1 : 1, d1 = side < 0 ? dmn : dp, d2;
    if (side < 0)
        be->copy(be, h->out, 0, h->dm, 0, bytes);
    be->scale(be, np, (float)(1.0 / eps), h->out);
    /* The same side at eps / 8, into dm as d / (eps / 8). */
    double e2 = eps / 8;
    grad_at(h, side * e2, scale, h->dm);
    be->axpy(be, np, -1.0f, h->g0, h->dm);
    be->scale(be, np, (float)(side / e2), h->dm);
    be->copy(be, net->G, 0, h->out, 0, bytes);
    be->axpy(be, np, -1.0f, h->dm, net->G);
    if (download_norm(h, h->dm, &d2, err) != 0 || download_norm(h, net->G, &dd, err) != 0)
        return -1;
    d1 /= eps;
    if (!agree(dd, d1, d2, 8 * floor / eps)) {
        h->unchecked++;
        if (d2 < d1)
            be->copy(be, h->out, 0, h->dm, 0, bytes);
    }
    return 0;
}

int rsc_hvp_apply(rsc_hvp *h, float scale, rsc_error *err)
{
    if (h->fd)
        return apply_fd(h, scale, err);
    rsc_net *net = h->net;
    rsc_backend *be = h->be;
    int n = h->n, L = net->nlayers;
    if (h->grad_scale != scale)
        exact_backward(h, scale, 0);
    h->rz[0] = 1;
    for (int i = 0; i < L; i++) {
        rsc_layer *l = &net->layers[i];
        h->rz[i + 1] = h->rz[i] && l->nparams == 0;
        if (!h->rz[i + 1])
            l->ops->rforward(net, l, &h->rop, net->act[i], h->rz[i] ? NULL : h->ra[i],
                             net->act[i + 1], h->ra[i + 1], n);
    }
    be->xent_hvp(be, net->act[L], h->ra[L], n, net->classes, h->rg[L], scale);
    for (int i = L - 1; i >= h->first; i--) {
        rsc_layer *l = &net->layers[i];
        l->ops->rbackward(net, l, &h->rop, net->act[i], h->rz[i] ? NULL : h->ra[i],
                          net->act[i + 1], net->grad[i + 1], h->rg[i + 1],
                          i > h->first ? h->rg[i] : NULL, n);
    }
    return be->sync(be, err);
}
