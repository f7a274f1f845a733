/* hvp.c - Hessian-vector products (hvp.h): by the R-operator through
 * linear, ReLU, flatten and dropout layers, else by a central difference
 * of the network's own gradients.
 *
 * Per linear layer a_out = a_in W^T + b, the R-forward is
 *   R(a_out) = R(a_in) W^T + a_in V^T + c        (v = (V, c))
 * and per ReLU R(a_out) = [a_out > 0] R(a_in).  With g = dL/da, the
 * backward is gW = g_out^T a_in, gb = colsum g_out, g_in = g_out W, and its
 * R-derivative
 *   R(gW) = R(g_out)^T a_in + g_out^T R(a_in),  R(gb) = colsum R(g_out),
 *   R(g_in) = R(g_out) W + g_out V,
 * through a ReLU R(g_in) = [a_out > 0] R(g_out), and at the logits
 * R(g) = s (diag(p) - p p^T) R(logits) (backend xent_hvp).  The first
 * layer's R(a_in) is 0 (the input does not depend on the parameters). */
#include "config.h"

#include "delete/hvp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STEP_LINEAR, STEP_RELU };

typedef struct step {
    int kind;
    int in, out;                 /* features */
    rsc_buf *w, *b;              /* linear: the network's parameter views */
    rsc_buf *vw, *vb, *ow, *ob;  /* views of vec and out */
} step;

struct rsc_hvp {
    rsc_net *net;
    rsc_backend *be;
    int max_batch, n, nsteps;
    step *steps;
    rsc_buf **a, **ra, **g, **rg;   /* nsteps + 1 each: per activation */
    rsc_buf *vec, *out, *labels, *stats;
    /* Central-difference mode (any other layer): the network's own
     * forward and backward at theta +- eps v. */
    int fd;
    double rel_step, last_eps;
    long products, one_sided, unchecked;
    rsc_buf *saved, *g0, *dm, *norms;
};

static const char *const supported_kinds[] = { "linear", "relu", "flatten", "dropout", NULL };

int rsc_hvp_supported(const rsc_net *net, rsc_error *err)
{
    for (int i = 0; i < net->nlayers; i++) {
        const char *k = net->layers[i].ops->kind;
        int ok = 0;
        for (int j = 0; supported_kinds[j]; j++)
            ok |= !strcmp(k, supported_kinds[j]);
        if (!ok)
            return rsc_fail(err, "the Hessian-vector product supports linear, ReLU, flatten and "
                            "dropout layers (archs linear, mlp-small, mlp, mlp-large); layer '%s' "
                            "is %s", net->layers[i].name, k),
                   0;
    }
    return 1;
}

static rsc_buf *view(rsc_backend *be, rsc_buf *parent, size_t off, size_t n, rsc_error *err)
{
    return be->view(be, parent, off * sizeof(float), n * sizeof(float), err);
}

static rsc_hvp *new_fd(rsc_net *net, int max_batch, rsc_error *err);

/* The common part of both modes: zeroed, net, backend, largest batch. */
static rsc_hvp *hvp_alloc(rsc_net *net, int max_batch, rsc_error *err)
{
    rsc_hvp *h = rsc_calloc(1, sizeof *h, err);
    if (h) {
        h->net = net;
        h->be = net->be;
        h->max_batch = max_batch;
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
    h->steps = rsc_calloc((size_t)net->nlayers + 1, sizeof *h->steps, err);
    if (!h->steps)
        goto fail;
    size_t np = net->nparam_total;
    if (!(h->vec = be->alloc(be, np * sizeof(float), err)) ||
        !(h->out = be->alloc(be, np * sizeof(float), err)) ||
        !(h->labels = be->alloc(be, (size_t)max_batch * sizeof(int32_t), err)) ||
        !(h->stats = be->alloc(be, 2 * sizeof(double), err)))
        goto fail;
    int feat = (int)rsc_shape_size(net->input);
    for (int i = 0; i < net->nlayers; i++) {
        const rsc_layer *l = &net->layers[i];
        step *s = &h->steps[h->nsteps];
        if (!strcmp(l->ops->kind, "linear")) {
            const rsc_param *w = &net->params[l->param_first], *b = w + 1;
            s->kind = STEP_LINEAR;
            s->in = (int)w->dims[1];
            s->out = (int)w->dims[0];
            s->w = w->p;
            s->b = b->p;
            if (!(s->vw = view(be, h->vec, w->offset, w->count, err)) ||
                !(s->vb = view(be, h->vec, b->offset, b->count, err)) ||
                !(s->ow = view(be, h->out, w->offset, w->count, err)) ||
                !(s->ob = view(be, h->out, b->offset, b->count, err)))
                goto fail;
            h->nsteps++;
        } else if (!strcmp(l->ops->kind, "relu")) {
            s->kind = STEP_RELU;
            s->in = s->out = feat;
            h->nsteps++;
        }
        feat = (int)rsc_shape_size(l->out);
    }
    rsc_buf **arrs[4];
    for (int k = 0; k < 4; k++) {
        arrs[k] = rsc_calloc((size_t)h->nsteps + 1, sizeof(rsc_buf *), err);
        if (!arrs[k]) {
            for (int j = 0; j < k; j++)
                free(arrs[j]);
            goto fail;
        }
    }
    h->a = arrs[0], h->ra = arrs[1], h->g = arrs[2], h->rg = arrs[3];
    for (int i = 0; i <= h->nsteps; i++) {
        int f = i < h->nsteps ? h->steps[i].in : h->steps[h->nsteps - 1].out;
        size_t bytes = (size_t)max_batch * (size_t)f * sizeof(float);
        if (!(h->a[i] = be->alloc(be, bytes, err)) || !(h->ra[i] = be->alloc(be, bytes, err)) ||
            !(h->g[i] = be->alloc(be, bytes, err)) || !(h->rg[i] = be->alloc(be, bytes, err)))
            goto fail;
    }
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
    if (h->a)
        for (int i = 0; i <= h->nsteps; i++) {
            be->free(be, h->a[i]);
            be->free(be, h->ra[i]);
            be->free(be, h->g[i]);
            be->free(be, h->rg[i]);
        }
    free(h->a);
    free(h->ra);
    free(h->g);
    free(h->rg);
    if (h->steps)
        for (int i = 0; i < h->nsteps; i++) {
            be->free(be, h->steps[i].vw);
            be->free(be, h->steps[i].vb);
            be->free(be, h->steps[i].ow);
            be->free(be, h->steps[i].ob);
        }
    free(h->steps);
    be->free(be, h->vec);
    be->free(be, h->out);
    be->free(be, h->labels);
    be->free(be, h->stats);
    free(h);
}

static rsc_hvp *new_fd(rsc_net *net, int max_batch, rsc_error *err)
{
    rsc_backend *be = net->be;
    rsc_hvp *h = hvp_alloc(net, max_batch < net->max_batch ? max_batch : net->max_batch, err);
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
    if (h->fd) {
        size_t img = rsc_shape_size(h->net->input);
        h->n = n;
        if (be->upload(be, rsc_net_input(h->net), 0, x, (size_t)n * img * sizeof(float), err) != 0 ||
            be->upload(be, h->net->labels, 0, y, (size_t)n * sizeof(int32_t), err) != 0)
            return -1;
        return 0;
    }
    int in0 = h->steps[0].in;
    if (be->upload(be, h->a[0], 0, x, (size_t)n * (size_t)in0 * sizeof(float), err) != 0 ||
        be->upload(be, h->labels, 0, y, (size_t)n * sizeof(int32_t), err) != 0)
        return -1;
    h->n = n;
    for (int i = 0; i < h->nsteps; i++) {
        const step *s = &h->steps[i];
        if (s->kind == STEP_LINEAR) {
            be->gemm(be, 0, 1, n, s->out, s->in, 1.0f, h->a[i], s->in, s->w, s->in, 0.0f,
                     h->a[i + 1], s->out);
            be->bias_act(be, h->a[i + 1], s->b, n, s->out, 0);
        } else {
            be->relu_fwd(be, h->a[i], h->a[i + 1], (size_t)n * (size_t)s->out);
        }
    }
    /* g at the logits: d(sum of losses)/d(logits) (scale 1; the calls
     * below scale). */
    int L = h->nsteps, classes = h->steps[L - 1].out;
    be->fill(be, h->stats, 4, 0.0f);
    be->xent(be, h->a[L], h->labels, n, classes, h->g[L], 1.0f, h->stats);
    for (int i = L - 1; i > 0; i--) {
        const step *s = &h->steps[i];
        if (s->kind == STEP_LINEAR)
            be->gemm(be, 0, 0, n, s->in, s->out, 1.0f, h->g[i + 1], s->out, s->w, s->in, 0.0f,
                     h->g[i], s->in);
        else
            be->relu_bwd(be, h->a[i + 1], h->g[i + 1], h->g[i], (size_t)n * (size_t)s->out);
    }
    return be->sync(be, err);
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

void rsc_hvp_grad(rsc_hvp *h, float scale)
{
    rsc_backend *be = h->be;
    int n = h->n;
    if (h->fd) {
        net_grad(h, scale);
        be->copy(be, h->out, 0, h->net->G, 0, rsc_hvp_size(h) * sizeof(float));
        return;
    }
    for (int i = 0; i < h->nsteps; i++) {
        const step *s = &h->steps[i];
        if (s->kind != STEP_LINEAR)
            continue;
        be->gemm(be, 1, 0, s->out, s->in, n, scale, h->g[i + 1], s->out, h->a[i], s->in, 0.0f,
                 s->ow, s->in);
        be->sum_rows(be, h->g[i + 1], s->ob, n, s->out, 0.0f);
        be->scale(be, (size_t)s->out, scale, s->ob);
    }
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
    rsc_backend *be = h->be;
    int n = h->n, L = h->nsteps;
    /* R-forward; ra[0] = 0 (rzero). */
    int rzero = 1;
    for (int i = 0; i < L; i++) {
        const step *s = &h->steps[i];
        size_t nout = (size_t)n * (size_t)s->out;
        if (s->kind == STEP_LINEAR) {
            be->gemm(be, 0, 1, n, s->out, s->in, 1.0f, h->a[i], s->in, s->vw, s->in, 0.0f,
                     h->ra[i + 1], s->out);
            if (!rzero)
                be->gemm(be, 0, 1, n, s->out, s->in, 1.0f, h->ra[i], s->in, s->w, s->in, 1.0f,
                         h->ra[i + 1], s->out);
            be->bias_act(be, h->ra[i + 1], s->vb, n, s->out, 0);
            rzero = 0;
        } else if (rzero) {
            be->fill(be, h->ra[i + 1], nout, 0.0f);
        } else {
            be->relu_bwd(be, h->a[i + 1], h->ra[i], h->ra[i + 1], nout);
        }
    }
    /* R of the logits' gradient, then the R-backward. */
    be->xent_hvp(be, h->a[L], h->ra[L], n, h->steps[L - 1].out, h->rg[L], 1.0f);
    rzero = 1;   /* whether R(a_in) of the layer is 0: only before the first linear */
    int first_linear = 0;
    while (h->steps[first_linear].kind != STEP_LINEAR)
        first_linear++;
    for (int i = L - 1; i >= 0; i--) {
        const step *s = &h->steps[i];
        rzero = i <= first_linear;
        if (s->kind == STEP_LINEAR) {
            be->gemm(be, 1, 0, s->out, s->in, n, scale, h->rg[i + 1], s->out, h->a[i], s->in,
                     0.0f, s->ow, s->in);
            if (!rzero)
                be->gemm(be, 1, 0, s->out, s->in, n, scale, h->g[i + 1], s->out, h->ra[i], s->in,
                         1.0f, s->ow, s->in);
            be->sum_rows(be, h->rg[i + 1], s->ob, n, s->out, 0.0f);
            be->scale(be, (size_t)s->out, scale, s->ob);
            if (i > first_linear) {
                be->gemm(be, 0, 0, n, s->in, s->out, 1.0f, h->rg[i + 1], s->out, s->w, s->in,
                         0.0f, h->rg[i], s->in);
                be->gemm(be, 0, 0, n, s->in, s->out, 1.0f, h->g[i + 1], s->out, s->vw, s->in,
                         1.0f, h->rg[i], s->in);
            }
        } else if (i > first_linear) {
            be->relu_bwd(be, h->a[i + 1], h->rg[i + 1], h->rg[i], (size_t)n * (size_t)s->out);
        }
    }
    return 0;
}
