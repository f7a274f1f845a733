/* optim.c - Adam and SGD over the flat parameter buffer, and the
 * learning-rate schedule. */
#include "config.h"

#include "nn/optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rsc_optim_cfg_defaults(rsc_optim_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->type = RSC_OPTIM_ADAM;
    c->lr = 0.01;
    c->momentum = 0.9;
    c->weight_decay = 0;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
    c->gamma = 0.1;
}

int rsc_optim_type_parse(const char *s)
{
    if (strcmp(s, "adam") == 0)
        return RSC_OPTIM_ADAM;
    if (strcmp(s, "sgd") == 0)
        return RSC_OPTIM_SGD;
    return -1;
}

const char *rsc_optim_type_name(int type)
{
    return type == RSC_OPTIM_SGD ? "sgd" : "adam";
}

void rsc_optim_default_milestones(rsc_optim_cfg *c, int total)
{
    static const struct {
        int upto;
        int m[4];
    } table[] = {
        { 30, { 15, 25 } },        { 40, { 20, 30 } },        { 50, { 25, 40 } },
        { 60, { 30, 50 } },        { 70, { 40, 50, 60 } },    { 80, { 40, 60, 70 } },
        { 120, { 50, 90, 110 } },  { 140, { 60, 100, 120 } }, { 160, { 40, 80, 120, 140 } },
        { 200, { 80, 140, 180 } }, { 0, { 60, 120 } },
    };
    size_t i = 0;
    while (table[i].upto && total > table[i].upto)
        i++;
    c->nmilestones = 0;
    for (int k = 0; k < 4 && table[i].m[k]; k++)
        c->milestones[c->nmilestones++] = table[i].m[k];
}

double rsc_optim_lr_at(const rsc_optim_cfg *c, int epoch)
{
    double lr = c->lr;
    for (int i = 0; i < c->nmilestones; i++)
        if (c->milestones[i] <= epoch)
            lr *= c->gamma;
    return lr;
}

void rsc_optim_milestones_str(const rsc_optim_cfg *c, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->nmilestones && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", c->milestones[i]);
}

int rsc_optim_milestones_parse(rsc_optim_cfg *c, const char *s, rsc_error *err)
{
    c->nmilestones = 0;
    if (*s == '\0' || strcmp(s, "none") == 0)
        return 0;
    const char *p = s;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 1000000 || (*end != ',' && *end != '\0'))
            return rsc_fail(err, "milestones '%s': expected ascending epoch numbers like 40,50,60", s);
        if (c->nmilestones == RSC_MAX_MILESTONES)
            return rsc_fail(err, "milestones '%s': more than %d", s, RSC_MAX_MILESTONES);
        if (c->nmilestones && v <= c->milestones[c->nmilestones - 1])
            return rsc_fail(err, "milestones '%s': not ascending", s);
        c->milestones[c->nmilestones++] = (int)v;
        p = *end ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            return rsc_fail(err, "milestones '%s': trailing comma", s);
    }
    return 0;
}

rsc_optim *rsc_optim_new(rsc_backend *be, size_t n, const rsc_optim_cfg *cfg, rsc_error *err)
{
    rsc_optim *o = rsc_calloc(1, sizeof *o, err);
    if (!o)
        return NULL;
    o->cfg = *cfg;
    o->be = be;
    o->n = n;
    size_t bytes = (n ? n : 1) * sizeof(float);
    if (cfg->type == RSC_OPTIM_ADAM) {
        o->m = be->alloc(be, bytes, err);
        o->v = o->m ? be->alloc(be, bytes, err) : NULL;
        if (!o->v)
            goto fail;
    } else if (cfg->momentum != 0) {
        o->m = be->alloc(be, bytes, err);
        if (!o->m)
            goto fail;
    }
    return o;
fail:
    rsc_optim_free(o);
    return NULL;
}

void rsc_optim_free(rsc_optim *o)
{
    if (!o)
        return;
    o->be->free(o->be, o->m);
    o->be->free(o->be, o->v);
    free(o);
}

void rsc_optim_begin_step(rsc_optim *o)
{
    o->step++;
}

void rsc_optim_apply(const rsc_optim *o, rsc_backend *be, rsc_buf *P, const rsc_buf *G, rsc_buf *m,
                     rsc_buf *v, size_t n, double lr)
{
    if (o->cfg.type == RSC_OPTIM_ADAM) {
        rsc_adam_hp hp = { lr, o->cfg.beta1, o->cfg.beta2, o->cfg.eps, o->cfg.weight_decay,
                           o->step };
        be->adam(be, P, G, m, v, n, &hp);
    } else {
        rsc_sgd_hp hp = { lr, o->cfg.momentum, o->cfg.weight_decay, o->step == 1 };
        be->sgd(be, P, G, m, n, &hp);
    }
}

void rsc_optim_step(rsc_optim *o, rsc_buf *P, const rsc_buf *G, double lr)
{
    rsc_optim_begin_step(o);
    rsc_optim_apply(o, o->be, P, G, o->m, o->v, o->n, lr);
}

int rsc_optim_state_count(const rsc_optim *o)
{
    return (o->m != NULL) + (o->v != NULL);
}

const char *rsc_optim_state_name(const rsc_optim *o, int i)
{
    if (o->cfg.type == RSC_OPTIM_ADAM)
        return i == 0 ? "exp_avg" : "exp_avg_sq";
    return "momentum_buffer";
}

rsc_buf *rsc_optim_state_buf(rsc_optim *o, int i)
{
    return i == 0 ? o->m : o->v;
}
