/* net.c - the layer graph: building, buffer planning, forward, backward. */
#include "config.h"

#include "nn/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rsc_net *rsc_net_new(rsc_backend *be, rsc_shape input, int max_batch, rsc_error *err)
{
    if (input.c <= 0 || input.h <= 0 || input.w <= 0 || max_batch <= 0) {
        rsc_fail(err, "bad network input %dx%dx%d or batch %d", input.c, input.h, input.w,
                 max_batch);
        return NULL;
    }
    rsc_net *net = rsc_calloc(1, sizeof *net, err);
    if (!net)
        return NULL;
    net->be = be;
    net->input = input;
    net->max_batch = max_batch;
    return net;
}

void rsc_net_free(rsc_net *net)
{
    if (!net)
        return;
    rsc_backend *be = net->be;
    for (int i = 0; i < net->nlayers; i++)
        if (net->layers[i].ops->destroy)
            net->layers[i].ops->destroy(net, &net->layers[i]);
    for (int i = 0; i < net->nparams; i++) {
        be->free(be, net->params[i].p);
        be->free(be, net->params[i].g);
    }
    for (int i = 0; i < net->nstates; i++)
        be->free(be, net->states[i].p);
    be->free(be, net->S);
    free(net->states);
    for (int i = 0; i < net->nowned; i++)
        be->free(be, net->owned[i]);
    be->free(be, net->P);
    be->free(be, net->G);
    be->free(be, net->labels);
    be->free(be, net->stats);
    free(net->owned);
    free(net->act);
    free(net->grad);
    free(net->layers);
    free(net->params);
    free(net);
}

int rsc_net_add(rsc_net *net, const rsc_layer_ops *ops, const char *name, void *priv,
                rsc_error *err)
{
    if (net->finalized) {
        if (ops->destroy) {
            rsc_layer tmp = { .ops = ops, .priv = priv };
            ops->destroy(net, &tmp);
        }
        return rsc_fail(err, "layer '%s' added after the network was finalised", name);
    }
    if (net->nlayers == net->cap_layers) {
        int nc = net->cap_layers ? 2 * net->cap_layers : 16;
        rsc_layer *nl = realloc(net->layers, (size_t)nc * sizeof *nl);
        if (!nl) {
            if (ops->destroy) {
                rsc_layer tmp = { .ops = ops, .priv = priv };
                ops->destroy(net, &tmp);
            }
            return rsc_fail(err, "out of memory");
        }
        net->layers = nl;
        net->cap_layers = nc;
    }
    rsc_layer *l = &net->layers[net->nlayers];
    memset(l, 0, sizeof *l);
    l->ops = ops;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->in = net->nlayers ? net->layers[net->nlayers - 1].out : net->input;
    l->priv = priv;
    l->param_first = net->nparams;
    l->state_first = net->nstates;
    net->nlayers++;
    if (ops->setup(net, l, err) != 0) {
        if (ops->destroy)
            ops->destroy(net, l);
        net->nlayers--;
        return rsc_fail_prefix(err, "layer '%s'", name);
    }
    return 0;
}

/* Append an entry named "<layer>.<suffix>" of the given shape to a
 * parameter table (*list, *n, *cap), at offset *total of its flat buffer. */
static rsc_param *declare(rsc_param **list, int *n, int *cap, size_t *total, const rsc_layer *l,
                          const char *suffix, int ndim, const int64_t *dims, rsc_error *err)
{
    if (*n == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        rsc_param *np = realloc(*list, (size_t)nc * sizeof *np);
        if (!np) {
            rsc_fail(err, "out of memory");
            return NULL;
        }
        *list = np;
        *cap = nc;
    }
    rsc_param *p = &(*list)[*n];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s.%s", l->name, suffix);
    p->ndim = ndim;
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        p->dims[i] = dims[i];
        count *= (size_t)dims[i];
    }
    p->count = count;
    p->offset = *total;
    *total += count;
    (*n)++;
    return p;
}

int rsc_net_declare_param(rsc_net *net, rsc_layer *l, const char *suffix, int ndim,
                          const int64_t *dims, int fan_in, rsc_error *err)
{
    rsc_param *p = declare(&net->params, &net->nparams, &net->cap_params, &net->nparam_total, l,
                           suffix, ndim, dims, err);
    if (!p)
        return -1;
    p->fan_in = fan_in;
    l->nparams++;
    return 0;
}

int rsc_net_declare_state(rsc_net *net, rsc_layer *l, const char *suffix, int ndim,
                          const int64_t *dims, rsc_error *err)
{
    if (!declare(&net->states, &net->nstates, &net->cap_states, &net->nstate_total, l, suffix, ndim,
                 dims, err))
        return -1;
    l->nstates++;
    return 0;
}

static rsc_buf *own(rsc_net *net, size_t bytes, rsc_error *err)
{
    rsc_buf *b = net->be->alloc(net->be, bytes, err);
    if (!b)
        return NULL;
    net->owned[net->nowned++] = b;
    return b;
}

int rsc_net_finalize(rsc_net *net, rsc_error *err)
{
    rsc_backend *be = net->be;
    if (net->finalized)
        return 0;
    if (net->nlayers == 0)
        return rsc_fail(err, "network has no layers");
    rsc_shape last = net->layers[net->nlayers - 1].out;
    if (last.h != 1 || last.w != 1)
        return rsc_fail(err, "network output %dx%dx%d is not flat", last.c, last.h, last.w);
    net->classes = last.c;

    /* Fusion and in-place decisions. */
    for (int i = 0; i < net->nlayers; i++) {
        rsc_layer *l = &net->layers[i];
        const rsc_layer_ops *prev = i ? net->layers[i - 1].ops : NULL;
        if (strcmp(l->ops->kind, "relu") == 0 && prev && strcmp(prev->kind, "linear") == 0) {
            net->layers[i - 1].fuse_relu = 1;
            l->fused = 1;
        }
        /* The layer that really produced this input (looking through
         * reshapes) must not need its output back. */
        const rsc_layer_ops *producer = NULL;
        for (int j = i - 1; j >= 0 && !producer; j--)
            if (!net->layers[j].ops->alias)
                producer = net->layers[j].ops;
        l->inplace = l->ops->inplace_ok && (!producer || !producer->needs_output);
        if (l->fused)
            l->inplace = 1;   /* the linear layer never needs its output */
    }

    size_t P = net->nparam_total ? net->nparam_total : 1;
    net->P = be->alloc(be, P * sizeof(float), err);
    net->G = net->P ? be->alloc(be, P * sizeof(float), err) : NULL;
    if (!net->P || !net->G)
        return rsc_fail_prefix(err, "parameters");
    for (int i = 0; i < net->nparams; i++) {
        rsc_param *p = &net->params[i];
        p->p = be->view(be, net->P, p->offset * sizeof(float), p->count * sizeof(float), err);
        p->g = p->p ? be->view(be, net->G, p->offset * sizeof(float), p->count * sizeof(float), err)
                    : NULL;
        if (!p->g)
            return -1;
    }

    net->S = be->alloc(be, (net->nstate_total ? net->nstate_total : 1) * sizeof(float), err);
    if (!net->S)
        return rsc_fail_prefix(err, "state");
    for (int i = 0; i < net->nstates; i++) {
        rsc_param *p = &net->states[i];
        p->p = be->view(be, net->S, p->offset * sizeof(float), p->count * sizeof(float), err);
        if (!p->p)
            return -1;
    }

    int n = net->nlayers;
    net->act = calloc((size_t)n + 1, sizeof *net->act);
    net->grad = calloc((size_t)n + 1, sizeof *net->grad);
    net->owned = calloc(2 * ((size_t)n + 1), sizeof *net->owned);
    if (!net->act || !net->grad || !net->owned)
        return rsc_fail(err, "out of memory");
    size_t B = (size_t)net->max_batch;
    net->act[0] = own(net, B * rsc_shape_size(net->input) * sizeof(float), err);
    net->grad[0] = own(net, B * rsc_shape_size(net->input) * sizeof(float), err);
    if (!net->act[0] || !net->grad[0])
        return -1;
    for (int i = 0; i < n; i++) {
        rsc_layer *l = &net->layers[i];
        if (l->ops->alias || l->inplace) {
            net->act[i + 1] = net->act[i];
            net->grad[i + 1] = net->grad[i];
            continue;
        }
        size_t bytes = B * rsc_shape_size(l->out) * sizeof(float);
        net->act[i + 1] = own(net, bytes, err);
        net->grad[i + 1] = net->act[i + 1] ? own(net, bytes, err) : NULL;
        if (!net->grad[i + 1])
            return -1;
    }
    for (int i = 0; i < n; i++) {
        rsc_layer *l = &net->layers[i];
        if (l->ops->alloc && l->ops->alloc(net, l, err) != 0)
            return rsc_fail_prefix(err, "layer '%s'", l->name);
    }
    net->labels = be->alloc(be, B * sizeof(int32_t), err);
    net->stats = net->labels ? be->alloc(be, 2 * sizeof(double), err) : NULL;
    if (!net->stats)
        return -1;
    net->finalized = 1;
    return 0;
}

rsc_buf *rsc_net_input(rsc_net *net)
{
    return net->act[0];
}

rsc_buf *rsc_net_forward(rsc_net *net, int batch, int train)
{
    for (int i = 0; i < net->nlayers; i++) {
        rsc_layer *l = &net->layers[i];
        l->ops->forward(net, l, net->act[i], net->act[i + 1], batch, train);
    }
    return net->act[net->nlayers];
}

void rsc_net_loss(rsc_net *net, int batch, int want_grad)
{
    rsc_net_loss_scaled(net, batch, want_grad, 1.0f / (float)batch);
}

void rsc_net_loss_scaled(rsc_net *net, int batch, int want_grad, float grad_scale)
{
    int n = net->nlayers;
    net->be->xent(net->be, net->act[n], net->labels, batch, net->classes,
                  want_grad ? net->grad[n] : NULL, grad_scale, net->stats);
}

int rsc_net_share_params(rsc_net *net, rsc_net *owner, rsc_error *err)
{
    rsc_backend *be = net->be;
    if (!net->finalized || !owner->finalized || net->nparams != owner->nparams ||
        net->nparam_total != owner->nparam_total)
        return rsc_fail(err, "networks do not have the same parameters");
    for (int i = 0; i < net->nparams; i++) {
        rsc_param *p = &net->params[i];
        rsc_buf *v = be->view(be, owner->P, p->offset * sizeof(float), p->count * sizeof(float), err);
        if (!v)
            return -1;
        be->free(be, p->p);
        p->p = v;
    }
    be->free(be, net->P);
    net->P = be->view(be, owner->P, 0, net->nparam_total * sizeof(float), err);
    return net->P ? 0 : -1;
}

void rsc_net_backward(rsc_net *net, int batch)
{
    for (int i = net->nlayers - 1; i >= 0; i--) {
        rsc_layer *l = &net->layers[i];
        /* The first layer's input gradient is only wanted on request; an
         * in-place or aliasing layer shares its buffers and always runs. */
        rsc_buf *dx = (i > 0 || net->input_grad || l->inplace || l->ops->alias) ? net->grad[i]
                                                                                : NULL;
        l->ops->backward(net, l, net->act[i], net->act[i + 1], net->grad[i + 1], dx, batch);
    }
}

int rsc_net_get_params(rsc_net *net, float *host, rsc_error *err)
{
    return net->be->download(net->be, host, net->P, 0, net->nparam_total * sizeof(float), err);
}

int rsc_net_set_params(rsc_net *net, const float *host, rsc_error *err)
{
    return net->be->upload(net->be, net->P, 0, host, net->nparam_total * sizeof(float), err);
}

int rsc_net_get_grads(rsc_net *net, float *host, rsc_error *err)
{
    return net->be->download(net->be, host, net->G, 0, net->nparam_total * sizeof(float), err);
}

int rsc_net_get_state(rsc_net *net, float *host, rsc_error *err)
{
    return net->be->download(net->be, host, net->S, 0, net->nstate_total * sizeof(float), err);
}

int rsc_net_set_state(rsc_net *net, const float *host, rsc_error *err)
{
    return net->be->upload(net->be, net->S, 0, host, net->nstate_total * sizeof(float), err);
}

const rsc_param *rsc_net_find_state(const rsc_net *net, const char *name)
{
    for (int i = 0; i < net->nstates; i++)
        if (strcmp(net->states[i].name, name) == 0)
            return &net->states[i];
    return NULL;
}

const rsc_param *rsc_net_find_param(const rsc_net *net, const char *name)
{
    for (int i = 0; i < net->nparams; i++)
        if (strcmp(net->params[i].name, name) == 0)
            return &net->params[i];
    return NULL;
}

char *rsc_net_describe(const rsc_net *net, rsc_error *err)
{
    size_t cap = 256 + ((size_t)net->nlayers + (size_t)net->nparams + (size_t)net->nstates) * 200;
    char *s = rsc_malloc(cap, 1, err);
    if (!s)
        return NULL;
    size_t len = 0;
    len += (size_t)snprintf(s + len, cap - len, "%-10s %-10s %-22s %-12s %12s\n", "layer", "kind",
                            "shape", "output", "parameters");
    for (int i = 0; i < net->nlayers; i++) {
        const rsc_layer *l = &net->layers[i];
        size_t count = 0;
        for (int j = 0; j < l->nparams; j++)
            count += net->params[l->param_first + j].count;
        char what[64] = "", out[32];
        if (l->ops->describe)
            l->ops->describe(l, what, sizeof what);
        snprintf(out, sizeof out, "%dx%dx%d", l->out.c, l->out.h, l->out.w);
        len += (size_t)snprintf(s + len, cap - len, "%-10s %-10s %-22s %-12s %12zu\n", l->name,
                                l->ops->kind, what, out, count);
    }
    for (int i = 0; i < net->nparams; i++) {
        const rsc_param *p = &net->params[i];
        char shape[64];
        size_t k = 0;
        shape[0] = '\0';
        for (int d = 0; d < p->ndim; d++)
            k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%lld", d ? ", " : "",
                                  (long long)p->dims[d]);
        len += (size_t)snprintf(s + len, cap - len, "param %-20s [%s]\n", p->name, shape);
    }
    /* State tensors (batch norm running statistics): saved, not trained. */
    for (int i = 0; i < net->nstates; i++) {
        const rsc_param *p = &net->states[i];
        char shape[64];
        size_t k = 0;
        shape[0] = '\0';
        for (int d = 0; d < p->ndim; d++)
            k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%lld", d ? ", " : "",
                                  (long long)p->dims[d]);
        len += (size_t)snprintf(s + len, cap - len, "state %-20s [%s]\n", p->name, shape);
    }
    snprintf(s + len, cap - len, "total parameters: %zu\n", net->nparam_total);
    return s;
}
