/* deletion.c - the three deletion methods on the trainer (deletion.h). */
#include "config.h"

#include "delete/deletion.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/inject.h"
#include "format/indexlist.h"
#include "data/patterns.h"
#include "score/scoring.h"
#include "delete/hvp.h"
#include "nn/optim.h"
#include "train/config.h"

/* Prefix the message in err (rsc_fail must not read what it writes). */
static int prefix(rsc_error *err, const char *fmt, const char *a, const char *b)
{
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    char head[sizeof err->msg];
    snprintf(head, sizeof head, fmt, a, b);
    return rsc_fail(err, "%s%s", head, msg);
}

static const char *const method_names[] = { NULL, "retrain", "influence", "exact" };

int rsc_delete_method_parse(const char *s)
{
    for (int i = 1; i <= 3; i++)
        if (!strcmp(s, method_names[i]))
            return i;
    return -1;
}

const char *rsc_delete_method_name(int method)
{
    return method >= 1 && method <= 3 ? method_names[method] : "?";
}

void rsc_delete_cfg_defaults(rsc_delete_cfg *c, const char *dataset, size_t m)
{
    memset(c, 0, sizeof *c);
    c->method = RSC_DELETE_RETRAIN;
    c->epochs = 70;
    c->lr = NAN;
    c->threads = -1;
    rsc_lissa_defaults(&c->lissa, dataset, m);
    c->hvp_step = RSC_HVP_STEP;
    c->hvp_mode = -1;
}

int rsc_delete_check_pair(const rsc_file *model, const char *mname, const rsc_file *ds,
                          const char *dname, rsc_error *err)
{
    static const char *const keys[] = { "name", "pattern", "target", "count", "seed" };
    for (int i = 0; i < 5; i++) {
        const char *a = rsc_meta_get(model, keys[i]), *b = rsc_meta_get(ds, keys[i]);
        if ((a || b) && (!a || !b || strcmp(a, b) != 0))
            return rsc_fail(err, "%s was not trained on %s: its %s is '%s', the dataset's '%s'",
                            mname, dname, keys[i], a ? a : "", b ? b : "");
    }
    const rsc_tensor *a = rsc_file_find(model, "spurious.index"),
                     *b = rsc_file_find(ds, "spurious.index");
    if ((a || b) && (!a || !b || rsc_tensor_numel(a) != rsc_tensor_numel(b) ||
                     memcmp(a->data, b->data, (size_t)rsc_tensor_numel(a) * sizeof(int64_t))))
        return rsc_fail(err, "%s was not trained on %s: their spurious.index differ", mname, dname);
    long n;
    const rsc_tensor *y = rsc_file_find(ds, "train.y");
    if (rsc_meta_get_long(model, "train_size", &n, err) == 0 && y &&
        n != (long)rsc_tensor_numel(y))
        return rsc_fail(err, "%s was not trained on %s: it saw %ld training examples, the dataset "
                        "has %lld", mname, dname, n, (long long)rsc_tensor_numel(y));
    return 0;
}

int rsc_delete_check_model(int method, const rsc_file *model, const char *mname, rsc_error *err)
{
    const char *kind = rsc_meta_get(model, "kind");
    if (!kind || strcmp(kind, "model") != 0)
        return rsc_fail(err, "%s: not a model file (kind=%s)", mname, kind ? kind : "");
    if (method == RSC_DELETE_RETRAIN && !rsc_file_find(model, "opt/step"))
        return rsc_fail(err, "%s: no optimiser state (tensor 'opt/step'): --method retrain "
                        "continues the training of a model written by rsc-train", mname);
    return 0;
}

rsc_file *rsc_delete_open_data(const rsc_file *model, const char *mname, const char *data,
                               unsigned flags, const char **label, rsc_error *err)
{
    if (data) {
        *label = data;
        return rsc_dataset_open_flags(data, flags, err);
    }
    if (!(data = rsc_score_dataset_of(model, mname, err)))
        return NULL;
    *label = data;
    rsc_file *ds = rsc_dataset_open_flags(data, flags, err);
    const char *pat = rsc_meta_get(model, "pattern");
    if (!ds || !pat || !strcmp(pat, "none"))
        return ds;
    /* The model was trained on an injected copy: inject again, as its keys
     * say (rsc-inject is deterministic). */
    rsc_pattern p;
    long target, count, seed;
    if (rsc_meta_get_long(model, "target", &target, err) ||
        rsc_meta_get_long(model, "count", &count, err) ||
        rsc_meta_get_long(model, "seed", &seed, err) || seed < 0 || seed > 0xffffffffL ||
        rsc_pattern_from_dataset(&p, model, err) != 0) {
        prefix(err, "%s: cannot redo its injection into %s (give --data): ", mname, data);
        rsc_file_free(ds);
        return NULL;
    }
    int rc = rsc_dataset_inject(ds, &p, target, count, (uint32_t)seed, err);
    rsc_pattern_free(&p);
    if (rc < 0) {
        rsc_file_free(ds);
        return NULL;
    }
    return ds;
}

struct rsc_deletion {
    rsc_delete_cfg cfg;
    const rsc_file *model, *ds;
    const char *mname;
    int64_t *idx;
    size_t m;
    rsc_backend *be;
    rsc_trainer *tr;
    rsc_train_cfg tcfg;
    rsc_split train;
    double lr;                /* retrain: the rate used */
    int total;                /* retrain, exact: target epochs */
    int hvp_exact;            /* influence: the R-operator (1) or the central difference */
    long hvp_counts[3];       /* central difference: products, one-sided, unchecked */
};

/* The deletion a checkpoint records must be this one. */
static int check_resume(const rsc_deletion *d, const rsc_file *r, const char *rname,
                        rsc_error *err)
{
    const char *meth = rsc_meta_get(r, "deletion");
    const rsc_tensor *ix = rsc_file_find(r, "deletion/index");
    if (!meth || strcmp(meth, rsc_delete_method_name(d->cfg.method)) != 0 || !ix ||
        ix->dtype != RSC_I64 || (size_t)rsc_tensor_numel(ix) != d->m ||
        (d->m && memcmp(ix->data, d->idx, d->m * sizeof(int64_t)) != 0))
        return rsc_fail(err, "%s: not a checkpoint of this deletion (--method %s of the same "
                        "examples)", rname, rsc_delete_method_name(d->cfg.method));
    return 0;
}

rsc_deletion *rsc_deletion_new(const rsc_delete_cfg *cfg, const rsc_file *model,
                               const char *mname, const rsc_file *ds, const int64_t *idx,
                               size_t m, const rsc_file *resume, const char *rname,
                               rsc_error *err)
{
    rsc_deletion *d = rsc_calloc(1, sizeof *d, err);
    if (!d)
        return NULL;
    d->cfg = *cfg;
    d->model = model;
    d->ds = ds;
    d->mname = mname;
    d->m = m;
    if (!(d->idx = rsc_malloc(m ? m : 1, sizeof *d->idx, err)))
        goto fail;
    if (m)
        memcpy(d->idx, idx, m * sizeof *idx);
    rsc_split test;
    if (rsc_dataset_split(ds, "train", &d->train, err) != 0 ||
        rsc_dataset_split(ds, "test", &test, err) != 0 ||
        rsc_indexlist_check(idx, m, d->train.n, "deleted examples", err) != 0)
        goto fail;
    if (rsc_delete_check_model(cfg->method, model, mname, err) != 0)
        goto fail;
    if (rsc_train_cfg_from_model(&d->tcfg, model, mname, err) != 0)
        goto fail;
    if (resume && check_resume(d, resume, rname, err) != 0)
        goto fail;
    long done = 0, limit = 0;
    if (rsc_meta_get_long(model, "epochs_done", &done, err) != 0 ||
        rsc_meta_get_long(model, "limit", &limit, err) != 0)
        return prefix(err, "%s: not a model written by rsc-train: %s", mname, ""),
               rsc_deletion_free(d), NULL;
    if (cfg->method == RSC_DELETE_RETRAIN) {
        d->lr = isnan(cfg->lr) ? rsc_optim_lr_at(&d->tcfg.optim, done ? (int)done - 1 : 0)
                               : cfg->lr;
        if (cfg->epochs > 0) {
            d->tcfg.optim.lr = d->lr;
            d->tcfg.optim.nmilestones = 0;   /* a constant rate */
        }
        d->total = (int)done + cfg->epochs;
        d->tcfg.epochs = d->total > d->tcfg.epochs ? d->total : d->tcfg.epochs;
    } else if (cfg->method == RSC_DELETE_EXACT) {
        d->total = d->tcfg.epochs;
    }
    if (cfg->threads >= 0)
        d->tcfg.threads = cfg->threads;
    if (!(d->be = rsc_backend_open(cfg->device, d->tcfg.threads, err)))
        goto fail;
    d->tcfg.threads = d->be->threads;
    rsc_shape shape = { d->train.c, d->train.h, d->train.w };
    if (!(d->tr = rsc_trainer_new(d->be, &d->tcfg, shape, rsc_dataset_classes(ds), err)))
        goto fail;
    if (cfg->method == RSC_DELETE_EXACT) {
        if (resume && rsc_trainer_load_state(d->tr, resume, rname, err) != 0)
            goto fail;
    } else if (rsc_trainer_load_state(d->tr, resume ? resume : model, resume ? rname : mname,
                                      err) != 0) {
        goto fail;
    }
    if (rsc_trainer_set_data(d->tr, &d->train, &test, (size_t)limit, err) != 0)
        goto fail;
    if (cfg->method == RSC_DELETE_EXACT && !resume) {
        /* The model's own exclusions, then the deleted examples. */
        const rsc_tensor *ex = rsc_file_find(model, "train/excluded");
        if (ex && rsc_tensor_numel(ex) &&
            rsc_trainer_exclude(d->tr, ex->data, (size_t)rsc_tensor_numel(ex), err) != 0)
            goto fail;
    }
    if (cfg->method != RSC_DELETE_INFLUENCE && rsc_trainer_exclude(d->tr, idx, m, err) != 0)
        goto fail;
    return d;
fail:
    rsc_deletion_free(d);
    return NULL;
}

void rsc_deletion_free(rsc_deletion *d)
{
    if (!d)
        return;
    rsc_trainer_free(d->tr);
    if (d->be)
        rsc_backend_close(d->be);
    free(d->idx);
    free(d);
}

int rsc_deletion_epochs_done(const rsc_deletion *d)
{
    return rsc_trainer_epochs_done(d->tr);
}

int rsc_deletion_epochs_total(const rsc_deletion *d)
{
    return d->total;
}

int rsc_deletion_epoch(rsc_deletion *d, rsc_train_progress cb, void *ud, rsc_epoch_stats *st,
                       rsc_error *err)
{
    return rsc_trainer_epoch(d->tr, cb, ud, st, err);
}

int rsc_deletion_hvp_counts(const rsc_deletion *d, long counts[3])
{
    memcpy(counts, d->hvp_counts, sizeof d->hvp_counts);
    return !d->hvp_exact;
}

rsc_trainer *rsc_deletion_trainer(rsc_deletion *d)
{
    return d->tr;
}

int rsc_deletion_influence(rsc_deletion *d, rsc_error *err)
{
    rsc_net *net = rsc_trainer_net(d->tr);
    size_t ntrain = rsc_trainer_examples(d->tr);
    rsc_lissa_opts lo = d->cfg.lissa;
    lo.weight_decay = d->tcfg.optim.weight_decay;
    if (d->m >= ntrain)
        return rsc_fail(err, "%s: deleting all %zu training examples leaves nothing", d->mname,
                        ntrain);
    int mb = lo.batch > 256 ? lo.batch : 256;
    rsc_hvp *h = d->cfg.hvp_mode < 0 ? rsc_hvp_new(net, mb, err)
                                     : rsc_hvp_new_mode(net, mb, d->cfg.hvp_mode, err);
    if (!h)
        return prefix(err, "--method influence%s%s: ", "", "");
    d->hvp_exact = rsc_hvp_exact(h);
    rsc_hvp_set_step(h, d->cfg.hvp_step);
    size_t np = rsc_hvp_size(h);
    float *theta = rsc_malloc(np, sizeof *theta, err);
    float *v = theta ? rsc_malloc(np, sizeof *v, err) : NULL;
    float *hinv = v ? rsc_malloc(np, sizeof *hinv, err) : NULL;
    int rc = -1;
    if (!hinv || rsc_net_get_params(net, theta, err) != 0 ||
        rsc_influence_gradient(h, &d->train, d->idx, d->m, lo.weight_decay, theta, v, err) != 0)
        goto done;
    if (d->cfg.solver == RSC_SOLVER_EXACT) {
        if (rsc_influence_exact(h, &d->train, v, lo.weight_decay, lo.damp * lo.scale, hinv,
                                err) != 0)
            goto done;
    } else if (rsc_influence_lissa(h, &d->train, v, &lo, hinv, err) != 0) {
        goto done;
    }
    rsc_hvp_fd_counts(h, &d->hvp_counts[0], &d->hvp_counts[1], &d->hvp_counts[2]);
    rsc_influence_update(theta, hinv, np, ntrain, d->m);
    if (rsc_net_set_params(net, theta, err) != 0 ||
        rsc_trainer_exclude(d->tr, d->idx, d->m, err) != 0)
        goto done;
    rc = 0;
done:
    free(theta);
    free(v);
    free(hinv);
    rsc_hvp_free(h);
    return rc;
}

static int setd(rsc_file *f, const char *key, double v, rsc_error *err)
{
    return rsc_meta_setf(f, key, err, "%.17g", v);
}

rsc_file *rsc_deletion_model_file(rsc_deletion *d, const char *creator, rsc_error *err)
{
    rsc_file *f = rsc_train_model_file(d->tr, d->ds, creator, err);
    if (!f)
        return NULL;
    const rsc_delete_cfg *c = &d->cfg;
    uint64_t dm = d->m;
    rsc_tensor *t;
    if (rsc_meta_set(f, "deletion", rsc_delete_method_name(c->method), err) ||
        rsc_meta_setf(f, "deleted", err, "%zu", d->m))
        goto fail;
    if (c->method == RSC_DELETE_RETRAIN &&
        (rsc_meta_setf(f, "deletion_epochs", err, "%d", c->epochs) ||
         setd(f, "deletion_lr", d->lr, err)))
        goto fail;
    if (c->method == RSC_DELETE_INFLUENCE &&
        (rsc_meta_set(f, "influence_solver", c->solver == RSC_SOLVER_EXACT ? "exact" : "lissa",
                      err) ||
         rsc_meta_set(f, "influence_hvp", d->hvp_exact ? "exact" : "central-difference", err) ||
         (!d->hvp_exact && (setd(f, "influence_hvp_step", c->hvp_step, err) ||
                            rsc_meta_setf(f, "influence_hvp_products", err, "%ld", d->hvp_counts[0]) ||
                            rsc_meta_setf(f, "influence_hvp_one_sided", err, "%ld",
                                          d->hvp_counts[1]))) ||
         setd(f, "lissa_damp", c->lissa.damp, err) || setd(f, "lissa_scale", c->lissa.scale, err) ||
         rsc_meta_setf(f, "lissa_depth", err, "%d", c->lissa.depth) ||
         rsc_meta_setf(f, "lissa_repeats", err, "%d", c->lissa.repeats) ||
         rsc_meta_setf(f, "lissa_batch", err, "%d", c->lissa.batch) ||
         rsc_meta_setf(f, "lissa_seed", err, "%llu", (unsigned long long)c->lissa.seed)))
        goto fail;
    if (!(t = rsc_file_add(f, "deletion/index", RSC_I64, 1, &dm, err)))
        goto fail;
    if (d->m)
        memcpy(t->data, d->idx, d->m * sizeof(int64_t));
    return f;
fail:
    rsc_file_free(f);
    return NULL;
}
