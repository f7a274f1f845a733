/* stack.c - k MLPs stacked for lockstep training (stack.h). */
#include "config.h"

#include "nn/stack.h"

#include <stdlib.h>
#include <string.h>

/* The linear layers of net, when it is flatten/linear/ReLU with every
 * ReLU fused into the linear layer before it; -1 otherwise. */
static int linear_layers(const rsc_net *net, rsc_stack_linear *lin, int cap)
{
    int n = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const rsc_layer *l = &net->layers[i];
        const char *kind = l->ops->kind;
        if (!strcmp(kind, "flatten") && n == 0)
            continue;
        if (!strcmp(kind, "relu") && l->fused)
            continue;
        if (strcmp(kind, "linear") != 0 || l->nparams != 2 || n == cap)
            return -1;
        const rsc_param *w = &net->params[l->param_first];
        lin[n] = (rsc_stack_linear){ .in = l->in.c, .out = l->out.c, .relu = l->fuse_relu,
                                     .w = w->offset, .b = w[1].offset };
        n++;
    }
    return n;
}

#define STACK_MAX_LAYERS 64

rsc_net_stack *rsc_net_stack_new(rsc_net *const *nets, int k, rsc_error *err)
{
    rsc_stack_linear lin[STACK_MAX_LAYERS];
    const rsc_net *n0 = nets[0];
    rsc_backend *be = n0->be;
    int nlin = linear_layers(n0, lin, STACK_MAX_LAYERS);
    if (nlin <= 0 || n0->input_grad)
        return rsc_fail(err, "the network is not an MLP (flatten, linear and ReLU layers)"), NULL;
    for (int i = 1; i < k; i++)
        if (nets[i]->be != be || nets[i]->nparam_total != n0->nparam_total ||
            nets[i]->max_batch != n0->max_batch || nets[i]->nlayers != n0->nlayers)
            return rsc_fail(err, "the stacked networks differ"), NULL;
    rsc_net_stack *s = rsc_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->be = be;
    s->k = k;
    s->max_batch = n0->max_batch;
    s->classes = n0->classes;
    s->nlin = nlin;
    s->in_size = rsc_shape_size(n0->input);
    s->nparam = n0->nparam_total;
    s->lin = rsc_calloc((size_t)nlin, sizeof *s->lin, err);
    s->act = rsc_calloc((size_t)nlin + 1, sizeof *s->act, err);
    s->grad = rsc_calloc((size_t)nlin + 1, sizeof *s->grad, err);
    if (!s->lin || !s->act || !s->grad)
        goto fail;
    memcpy(s->lin, lin, (size_t)nlin * sizeof *lin);
    size_t K = (size_t)k, B = (size_t)s->max_batch, all = K * s->nparam * sizeof(float);
    if (!(s->P = be->alloc(be, all, err)) || !(s->G = be->alloc(be, all, err)) ||
        !(s->labels = be->alloc(be, K * B * sizeof(int32_t), err)) ||
        !(s->stats = be->alloc(be, K * 2 * sizeof(double), err)) ||
        !(s->act[0] = be->alloc(be, K * B * s->in_size * sizeof(float), err)))
        goto fail;
    for (int j = 0; j < nlin; j++) {
        rsc_stack_linear *L = &s->lin[j];
        size_t bytes = K * B * (size_t)L->out * sizeof(float);
        if (!(s->act[j + 1] = be->alloc(be, bytes, err)) ||
            !(s->grad[j + 1] = be->alloc(be, bytes, err)) ||
            !(L->pw = be->view(be, s->P, L->w * sizeof(float), all - L->w * sizeof(float), err)) ||
            !(L->pb = be->view(be, s->P, L->b * sizeof(float), all - L->b * sizeof(float), err)) ||
            !(L->gw = be->view(be, s->G, L->w * sizeof(float), all - L->w * sizeof(float), err)) ||
            !(L->gb = be->view(be, s->G, L->b * sizeof(float), all - L->b * sizeof(float), err)))
            goto fail;
    }
    for (int i = 0; i < k; i++)
        be->copy(be, s->P, (size_t)i * s->nparam * sizeof(float), nets[i]->P, 0,
                 s->nparam * sizeof(float));
    return s;
fail:
    rsc_net_stack_free(s);
    return NULL;
}

void rsc_net_stack_free(rsc_net_stack *s)
{
    if (!s)
        return;
    rsc_backend *be = s->be;
    for (int j = 0; s->lin && j < s->nlin; j++) {
        be->free(be, s->lin[j].pw);
        be->free(be, s->lin[j].pb);
        be->free(be, s->lin[j].gw);
        be->free(be, s->lin[j].gb);
    }
    for (int j = 0; s->act && j <= s->nlin; j++) {
        be->free(be, s->act[j]);
        be->free(be, s->grad[j]);
    }
    be->free(be, s->P);
    be->free(be, s->G);
    be->free(be, s->labels);
    be->free(be, s->stats);
    free(s->lin);
    free(s->act);
    free(s->grad);
    free(s);
}

void rsc_net_stack_store(rsc_net_stack *s, int i, rsc_net *net)
{
    s->be->copy(s->be, net->P, 0, s->P, (size_t)i * s->nparam * sizeof(float),
                s->nparam * sizeof(float));
}

rsc_buf *rsc_net_stack_input(rsc_net_stack *s)
{
    return s->act[0];
}

/* As the linear layer's forward (layers.c): Y = X W^T, then Y += b (and
 * the ReLU), for every model. */
void rsc_net_stack_forward(rsc_net_stack *s, int batch)
{
    rsc_backend *be = s->be;
    size_t b = (size_t)batch;
    for (int j = 0; j < s->nlin; j++) {
        const rsc_stack_linear *L = &s->lin[j];
        be->gemm_batched(be, 0, 1, batch, L->out, L->in, 1.0f, s->act[j], L->in, b * L->in, L->pw,
                         L->in, s->nparam, 0.0f, s->act[j + 1], L->out, b * L->out, s->k);
        be->bias_act_batched(be, s->act[j + 1], b * L->out, L->pb, s->nparam, batch, L->out,
                             L->relu, s->k);
    }
}

void rsc_net_stack_loss(rsc_net_stack *s, int batch, int want_grad, float grad_scale,
                        rsc_buf *stats)
{
    s->be->xent_batched(s->be, s->act[s->nlin], s->labels, batch, s->classes,
                        want_grad ? s->grad[s->nlin] : NULL, grad_scale, stats, s->k);
}

/* As the linear layer's backward: dW = dY^T X, db = column sums of dY,
 * dX = dY W (not for the first layer), then the fused ReLU's backward on
 * dX, for every model. */
void rsc_net_stack_backward(rsc_net_stack *s, int batch)
{
    rsc_backend *be = s->be;
    size_t b = (size_t)batch;
    for (int j = s->nlin - 1; j >= 0; j--) {
        const rsc_stack_linear *L = &s->lin[j];
        const rsc_buf *dy = s->grad[j + 1], *x = s->act[j];
        be->gemm_batched(be, 1, 0, L->out, L->in, batch, 1.0f, dy, L->out, b * L->out, x, L->in,
                         b * L->in, 0.0f, L->gw, L->in, s->nparam, s->k);
        be->sum_rows_batched(be, dy, b * L->out, L->gb, s->nparam, batch, L->out, s->k);
        if (j == 0)
            continue;
        be->gemm_batched(be, 0, 0, batch, L->in, L->out, 1.0f, dy, L->out, b * L->out, L->pw,
                         L->in, s->nparam, 0.0f, s->grad[j], L->in, b * L->in, s->k);
        if (s->lin[j - 1].relu)
            be->relu_bwd(be, s->act[j], s->grad[j], s->grad[j], (size_t)s->k * b * L->in);
    }
}
