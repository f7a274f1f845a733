/* train.c - the training loop and the training state in model files.
 *
 * Resumability: the state after any batch is (parameters, optimiser
 * buffers and step, the shuffle stream as it was at the start of the
 * current epoch, the noise and dropout streams as they are now, the number
 * of batches done in the current epoch and the loss/accuracy sums so far,
 * the history).  All of it is saved, so a run stopped at any point (after
 * an epoch, or mid-epoch by a signal) and resumed computes exactly what an
 * uninterrupted run computes. */
#include "config.h"

#include "train/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/arch.h"
#include "core/atomic.h"
#include "data/augment.h"
#include "core/cli.h"
#include "nn/model_file.h"

struct rsc_trainer {
    rsc_train_cfg cfg;
    rsc_backend *be;
    rsc_net *net;
    rsc_optim *opt;
    rsc_shape input;
    int classes;
    rsc_rng shuffle;          /* state at the start of the current epoch */
    rsc_rng noise, dropout;   /* running */
    rsc_rng augment_rng;      /* running */
    rsc_augmenter *augment;
    int epochs_done;
    long batches_done;        /* in the current (partial) epoch */
    double part[2];           /* loss sum and correct count of the partial epoch */
    double *h_loss, *h_train, *h_test, *h_lr;
    int h_cap;
    /* data */
    rsc_buf *x, *y, *tx, *ty, *order, *ident;
    size_t n, tn, row, limit;
    size_t recorded_train_size;   /* from a resumed model, 0 = none */
    int64_t *excluded;            /* sorted, unique */
    size_t nexcluded;
    int32_t *order_host;
    size_t nused;
    rsc_buf *sumsq;
    /* Data-parallel replicas (CPU, threads > 1): replica r runs its share
     * of each batch on its own 1-thread backend, with the parameters of
     * t->net and its own gradients; the gradients are summed into
     * replica 0's, range k by thread k. */
    int nrep;
    rsc_backend **rbe;
    rsc_net **rnet;
    rsc_rng *rrng;            /* per-replica dropout streams (per step) */
    rsc_buf **gview;          /* gview[r * nrep + k]: range k of replica r's G */
    rsc_buf **pview, **mview, **vview;   /* range k of P and the optimiser state */
    int has_dropout;
};

void rsc_train_cfg_defaults(rsc_train_cfg *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->arch, sizeof c->arch, "mlp");
    rsc_optim_cfg_defaults(&c->optim);
    c->batch_size = 128;
    c->epochs = 70;
}

/* ------------------------------------------------------------ model keys */

static int get_double(const rsc_file *m, const char *fname, const char *key, double *out,
                      rsc_error *err)
{
    if (rsc_meta_get_double(m, key, out, err) != 0)
        return rsc_fail_prefix(err, "%s", fname);
    return 0;
}

static int get_long(const rsc_file *m, const char *fname, const char *key, long lo, long hi,
                    long *out, rsc_error *err)
{
    if (rsc_meta_get_long(m, key, out, err) != 0)
        return rsc_fail_prefix(err, "%s", fname);
    if (*out < lo || *out > hi)
        return rsc_fail(err, "%s: metadata key '%s': %ld is out of range", fname, key, *out);
    return 0;
}

int rsc_train_cfg_from_model(rsc_train_cfg *c, const rsc_file *m, const char *fname,
                             rsc_error *err)
{
    rsc_shape input;
    int classes;
    rsc_train_cfg_defaults(c);
    if (rsc_model_read_header(m, fname, c->arch, &input, &classes, err) != 0)
        return -1;
    const char *opt = rsc_meta_get(m, "optimizer");
    if (!opt || rsc_optim_type_parse(opt) < 0)
        return rsc_fail(err, "%s: metadata key 'optimizer' is missing or unknown", fname);
    c->optim.type = rsc_optim_type_parse(opt);
    long v;
    if (get_double(m, fname, "lr", &c->optim.lr, err) || get_double(m, fname, "momentum", &c->optim.momentum, err) ||
        get_double(m, fname, "weight_decay", &c->optim.weight_decay, err) ||
        get_double(m, fname, "gamma", &c->optim.gamma, err) ||
        get_double(m, fname, "clip_value", &c->clip_value, err) ||
        get_double(m, fname, "clip_norm", &c->clip_norm, err) ||
        get_double(m, fname, "input_noise", &c->input_noise, err))
        return -1;
    const char *aug = rsc_meta_get(m, "augment");
    if (aug && rsc_augment_parse(aug) < 0)
        return rsc_fail(err, "%s: metadata key 'augment': unknown augmentation '%s'", fname, aug);
    c->augment = aug ? rsc_augment_parse(aug) : RSC_AUGMENT_NONE;
    if (c->optim.type == RSC_OPTIM_ADAM &&
        (get_double(m, fname, "beta1", &c->optim.beta1, err) ||
         get_double(m, fname, "beta2", &c->optim.beta2, err) ||
         get_double(m, fname, "eps", &c->optim.eps, err)))
        return -1;
    if (get_long(m, fname, "batch_size", 1, 1 << 20, &v, err))
        return -1;
    c->batch_size = (int)v;
    if (get_long(m, fname, "epochs", 0, 1000000, &v, err))
        return -1;
    c->epochs = (int)v;
    if (get_long(m, fname, "threads", 0, 4096, &v, err))
        return -1;
    c->threads = (int)v;
    const char *seed = rsc_meta_get(m, "train_seed");
    char *end;
    if (!seed || !*seed || (c->train_seed = strtoull(seed, &end, 10), *end))
        return rsc_fail(err, "%s: metadata key 'train_seed' is missing or not an integer", fname);
    const char *ms = rsc_meta_get(m, "milestones");
    if (!ms || rsc_optim_milestones_parse(&c->optim, ms, err) != 0)
        return ms ? rsc_fail_prefix(err, "%s", fname)
                  : rsc_fail(err, "%s: metadata key 'milestones' is missing", fname);
    return 0;
}

/* ------------------------------------------------------------ life cycle */

static int setup_replicas(rsc_trainer *t, rsc_error *err);

rsc_trainer *rsc_trainer_new(rsc_backend *be, const rsc_train_cfg *cfg, rsc_shape input,
                             int classes, rsc_error *err)
{
    rsc_trainer *t = rsc_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    t->be = be;
    t->input = input;
    t->classes = classes;
    t->row = rsc_shape_size(input);
    if (cfg->batch_size < 1) {
        rsc_fail(err, "batch size %d", cfg->batch_size);
        goto fail;
    }
    t->net = rsc_net_new(be, input, cfg->batch_size, err);
    if (!t->net || rsc_arch_build(t->net, cfg->arch, classes, err) != 0 ||
        rsc_arch_init(t->net, cfg->arch, cfg->train_seed, err) != 0)
        goto fail;
    t->opt = rsc_optim_new(be, t->net->nparam_total, &cfg->optim, err);
    if (!t->opt)
        goto fail;
    t->sumsq = be->alloc(be, sizeof(double), err);
    if (!t->sumsq)
        goto fail;
    if (setup_replicas(t, err) != 0)
        goto fail;
    rsc_rng_derive(&t->shuffle, cfg->train_seed, RSC_RNG_SHUFFLE);
    rsc_rng_derive(&t->noise, cfg->train_seed, RSC_RNG_NOISE);
    rsc_rng_derive(&t->dropout, cfg->train_seed, RSC_RNG_DROPOUT);
    t->net->dropout_rng = &t->dropout;
    rsc_rng_derive(&t->augment_rng, cfg->train_seed, RSC_RNG_AUGMENT);
    t->augment = rsc_augmenter_new(be, cfg->augment, input, cfg->batch_size, err);
    if (!t->augment)
        goto fail;
    return t;
fail:
    rsc_trainer_free(t);
    return NULL;
}

static void free_data(rsc_trainer *t)
{
    rsc_backend *be = t->be;
    be->free(be, t->x);
    be->free(be, t->y);
    be->free(be, t->tx);
    be->free(be, t->ty);
    be->free(be, t->order);
    be->free(be, t->ident);
    t->x = t->y = t->tx = t->ty = t->order = t->ident = NULL;
}

static void free_replicas(rsc_trainer *t)
{
    for (int k = 0; k < t->nrep; k++) {
        if (t->pview)
            t->rbe[k]->free(t->rbe[k], t->pview[k]);
        if (t->mview)
            t->rbe[k]->free(t->rbe[k], t->mview[k]);
        if (t->vview)
            t->rbe[k]->free(t->rbe[k], t->vview[k]);
    }
    free(t->pview);
    free(t->mview);
    free(t->vview);
    t->pview = t->mview = t->vview = NULL;
    for (int r = 0; r < t->nrep; r++) {
        for (int k = 0; k < t->nrep; k++)
            if (t->gview && t->gview[r * t->nrep + k])
                t->rbe[r]->free(t->rbe[r], t->gview[r * t->nrep + k]);
        rsc_net_free(t->rnet[r]);
        rsc_backend_close(t->rbe[r]);
    }
    free(t->gview);
    free(t->rnet);
    free(t->rbe);
    free(t->rrng);
    t->nrep = 0;
    t->gview = NULL;
    t->rnet = NULL;
    t->rbe = NULL;
    t->rrng = NULL;
}

/* Replicas when the backend can run them: at least 16 examples each. */
static int setup_replicas(rsc_trainer *t, rsc_error *err)
{
    rsc_backend *be = t->be;
    int T = be->threads;
    while (T > 1 && t->cfg.batch_size / T < 16)
        T--;
    if (!be->parallel || T < 2 || strcmp(be->name, "cpu") != 0)
        return 0;
    /* Batch norm normalises with the statistics of the whole batch and
     * keeps one set of running statistics, and augmentation transforms
     * the batch as a whole: such networks run on the full batch, the
     * threads splitting each operation (the convolutions by examples). */
    if (t->net->nstates > 0 || t->cfg.augment != RSC_AUGMENT_NONE)
        return 0;
    t->rbe = calloc((size_t)T, sizeof *t->rbe);
    t->rnet = calloc((size_t)T, sizeof *t->rnet);
    t->rrng = calloc((size_t)T, sizeof *t->rrng);
    t->gview = calloc((size_t)T * T, sizeof *t->gview);
    t->pview = calloc((size_t)T, sizeof *t->pview);
    t->mview = calloc((size_t)T, sizeof *t->mview);
    t->vview = calloc((size_t)T, sizeof *t->vview);
    if (!t->rbe || !t->rnet || !t->rrng || !t->gview || !t->pview || !t->mview || !t->vview)
        return rsc_fail(err, "out of memory");
    t->nrep = T;
    int per = (t->cfg.batch_size + T - 1) / T;
    size_t n = t->net->nparam_total;
    for (int r = 0; r < T; r++) {
        t->rbe[r] = rsc_backend_open("cpu", 1, err);
        if (!t->rbe[r])
            return -1;
        t->rnet[r] = rsc_net_new(t->rbe[r], t->input, per, err);
        if (!t->rnet[r] || rsc_arch_build(t->rnet[r], t->cfg.arch, t->classes, err) != 0 ||
            rsc_net_share_params(t->rnet[r], t->net, err) != 0)
            return -1;
        t->rnet[r]->dropout_rng = &t->rrng[r];
        for (int k = 0; k < T; k++) {
            size_t lo = n * (size_t)k / (size_t)T, hi = n * (size_t)(k + 1) / (size_t)T;
            t->gview[r * T + k] = t->rbe[r]->view(t->rbe[r], t->rnet[r]->G, lo * sizeof(float),
                                                  (hi - lo) * sizeof(float), err);
            if (!t->gview[r * T + k])
                return -1;
        }
        /* Range r of the parameters and the optimiser state, for thread r. */
        size_t lo = n * (size_t)r / (size_t)T, len = n * (size_t)(r + 1) / (size_t)T - lo;
        rsc_backend *b = t->rbe[r];
        t->pview[r] = b->view(b, t->net->P, lo * sizeof(float), len * sizeof(float), err);
        if (!t->pview[r])
            return -1;
        if (t->opt->m && !(t->mview[r] = b->view(b, t->opt->m, lo * sizeof(float), len * sizeof(float), err)))
            return -1;
        if (t->opt->v && !(t->vview[r] = b->view(b, t->opt->v, lo * sizeof(float), len * sizeof(float), err)))
            return -1;
    }
    for (int i = 0; i < t->net->nlayers; i++)
        if (strcmp(t->net->layers[i].ops->kind, "dropout") == 0)
            t->has_dropout = 1;
    return 0;
}

void rsc_trainer_free(rsc_trainer *t)
{
    if (!t)
        return;
    free_replicas(t);
    free_data(t);
    if (t->sumsq)
        t->be->free(t->be, t->sumsq);
    rsc_optim_free(t->opt);
    rsc_augmenter_free(t->augment);
    rsc_net_free(t->net);
    free(t->h_loss);
    free(t->h_train);
    free(t->h_test);
    free(t->h_lr);
    free(t->excluded);
    free(t->order_host);
    free(t);
}

static int history_reserve(rsc_trainer *t, int n, rsc_error *err)
{
    if (n <= t->h_cap)
        return 0;
    int cap = n > 2 * t->h_cap ? n : 2 * t->h_cap;
    double **arrs[4] = { &t->h_loss, &t->h_train, &t->h_test, &t->h_lr };
    for (int i = 0; i < 4; i++) {
        double *p = realloc(*arrs[i], (size_t)cap * sizeof *p);
        if (!p)
            return rsc_fail(err, "out of memory");
        *arrs[i] = p;
    }
    t->h_cap = cap;
    return 0;
}

/* ------------------------------------------------------------ state I/O */

static int save_rng(rsc_file *f, const char *name, const rsc_rng *r, rsc_error *err)
{
    uint32_t words[626];
    double gauss;
    rsc_rng_get_state(r, words, &gauss);
    char tn[64];
    uint64_t d626 = 626, d1 = 1;
    snprintf(tn, sizeof tn, "rng/%s.state", name);
    rsc_tensor *t = rsc_file_add(f, tn, RSC_I64, 1, &d626, err);
    if (!t)
        return -1;
    for (int i = 0; i < 626; i++)
        ((int64_t *)t->data)[i] = words[i];
    snprintf(tn, sizeof tn, "rng/%s.gauss", name);
    t = rsc_file_add(f, tn, RSC_F64, 1, &d1, err);
    if (!t)
        return -1;
    memcpy(t->data, &gauss, sizeof gauss);
    return 0;
}

static int load_rng(const rsc_file *f, const char *fname, const char *name, rsc_rng *r,
                    rsc_error *err)
{
    char tn[64];
    snprintf(tn, sizeof tn, "rng/%s.state", name);
    const rsc_tensor *s = rsc_file_find(f, tn);
    snprintf(tn, sizeof tn, "rng/%s.gauss", name);
    const rsc_tensor *g = rsc_file_find(f, tn);
    if (!s || !g || s->dtype != RSC_I64 || rsc_tensor_numel(s) != 626 || g->dtype != RSC_F64 ||
        rsc_tensor_numel(g) != 1)
        return rsc_fail(err, "%s: tensors 'rng/%s.state' (i64 [626]) and 'rng/%s.gauss' (f64 [1]) "
                        "missing or malformed", fname, name, name);
    uint32_t words[626];
    for (int i = 0; i < 626; i++) {
        int64_t v = ((const int64_t *)s->data)[i];
        if (v < 0 || v > 0xffffffffLL)
            return rsc_fail(err, "%s: tensor 'rng/%s.state': word %d out of range", fname, name, i);
        words[i] = (uint32_t)v;
    }
    double gauss;
    memcpy(&gauss, g->data, sizeof gauss);
    if (rsc_rng_set_state(r, words, gauss) != 0)
        return rsc_fail(err, "%s: tensor 'rng/%s.state': invalid generator state", fname, name);
    return 0;
}

static int add_f64(rsc_file *f, const char *name, const double *v, size_t n, rsc_error *err)
{
    uint64_t d = n;
    rsc_tensor *t = rsc_file_add(f, name, RSC_F64, 1, &d, err);
    if (!t)
        return -1;
    if (n)
        memcpy(t->data, v, n * sizeof *v);
    return 0;
}

static int setd(rsc_file *f, const char *key, double v, rsc_error *err)
{
    char buf[64];
    rsc_model_fmt_double(buf, sizeof buf, v);
    return rsc_meta_set(f, key, buf, err);
}

int rsc_trainer_save(rsc_trainer *t, rsc_file *f, rsc_error *err)
{
    const rsc_train_cfg *c = &t->cfg;
    char ms[256];
    rsc_optim_milestones_str(&c->optim, ms, sizeof ms);
    if (rsc_meta_set(f, "arch", c->arch, err) ||
        rsc_meta_setf(f, "input", err, "%dx%dx%d", t->input.c, t->input.h, t->input.w) ||
        rsc_meta_setf(f, "classes", err, "%d", t->classes) ||
        rsc_meta_set(f, "optimizer", rsc_optim_type_name(c->optim.type), err) ||
        setd(f, "lr", c->optim.lr, err) || setd(f, "momentum", c->optim.momentum, err) ||
        setd(f, "weight_decay", c->optim.weight_decay, err))
        return -1;
    if (c->optim.type == RSC_OPTIM_ADAM &&
        (setd(f, "beta1", c->optim.beta1, err) || setd(f, "beta2", c->optim.beta2, err) ||
         setd(f, "eps", c->optim.eps, err)))
        return -1;
    if (rsc_meta_setf(f, "batch_size", err, "%d", c->batch_size) ||
        rsc_meta_setf(f, "epochs", err, "%d", c->epochs) ||
        rsc_meta_setf(f, "epochs_done", err, "%d", t->epochs_done) ||
        rsc_meta_setf(f, "batches_done", err, "%ld", t->batches_done) ||
        rsc_meta_set(f, "milestones", ms, err) || setd(f, "gamma", c->optim.gamma, err) ||
        setd(f, "lr_current", rsc_optim_lr_at(&c->optim, t->epochs_done ? t->epochs_done - 1 : 0), err) ||
        setd(f, "clip_value", c->clip_value, err) || setd(f, "clip_norm", c->clip_norm, err) ||
        setd(f, "input_noise", c->input_noise, err) ||
        rsc_meta_set(f, "augment", rsc_augment_name(c->augment), err) ||
        rsc_meta_setf(f, "train_seed", err, "%llu", (unsigned long long)c->train_seed) ||
        rsc_meta_setf(f, "threads", err, "%d", c->threads) ||
        rsc_meta_set(f, "backend", t->be->desc, err) ||
        rsc_meta_setf(f, "train_size", err, "%zu", t->n) ||
        rsc_meta_setf(f, "limit", err, "%zu", t->limit) ||
        rsc_meta_setf(f, "examples", err, "%zu", t->nused) ||
        rsc_meta_setf(f, "excluded", err, "%zu", t->nexcluded))
        return -1;
    if (rsc_model_write_params(t->net, f, err) != 0)
        return -1;
    /* Optimiser state. */
    rsc_backend *be = t->be;
    uint64_t dn = t->net->nparam_total ? t->net->nparam_total : 1, d1 = 1;
    for (int i = 0; i < rsc_optim_state_count(t->opt); i++) {
        char name[64];
        snprintf(name, sizeof name, "opt/%s", rsc_optim_state_name(t->opt, i));
        rsc_tensor *s = rsc_file_add(f, name, RSC_F32, 1, &dn, err);
        if (!s || be->download(be, s->data, rsc_optim_state_buf(t->opt, i), 0,
                               t->net->nparam_total * sizeof(float), err) != 0)
            return -1;
    }
    rsc_tensor *st = rsc_file_add(f, "opt/step", RSC_I64, 1, &d1, err);
    if (!st)
        return -1;
    *(int64_t *)st->data = t->opt->step;
    /* The partial epoch's sums (zeros at an epoch boundary). */
    if (add_f64(f, "opt/epoch_sums", t->part, 2, err) != 0)
        return -1;
    if (save_rng(f, "shuffle", &t->shuffle, err) || save_rng(f, "noise", &t->noise, err) ||
        save_rng(f, "dropout", &t->dropout, err) ||
        (c->augment && save_rng(f, "augment", &t->augment_rng, err)))
        return -1;
    size_t ne = (size_t)t->epochs_done;
    if (add_f64(f, "history/loss", t->h_loss, ne, err) ||
        add_f64(f, "history/train_acc", t->h_train, ne, err) ||
        add_f64(f, "history/test_acc", t->h_test, ne, err) ||
        add_f64(f, "history/lr", t->h_lr, ne, err))
        return -1;
    uint64_t dx = t->nexcluded;
    rsc_tensor *ex = rsc_file_add(f, "train/excluded", RSC_I64, 1, &dx, err);
    if (!ex)
        return -1;
    if (dx)
        memcpy(ex->data, t->excluded, dx * sizeof(int64_t));
    return 0;
}

static int load_hist(const rsc_file *f, const char *fname, const char *name, double *dst, size_t n,
                     rsc_error *err)
{
    const rsc_tensor *h = rsc_file_find(f, name);
    if (!h || h->dtype != RSC_F64 || rsc_tensor_numel(h) != n)
        return rsc_fail(err, "%s: tensor '%s' missing or not f64 [%zu]", fname, name, n);
    if (n)
        memcpy(dst, h->data, n * sizeof *dst);
    return 0;
}

int rsc_trainer_load_state(rsc_trainer *t, const rsc_file *m, const char *fname, rsc_error *err)
{
    char arch[32];
    rsc_shape input;
    int classes;
    if (rsc_model_read_header(m, fname, arch, &input, &classes, err) != 0)
        return -1;
    if (strcmp(arch, t->cfg.arch) != 0 || input.c != t->input.c || input.h != t->input.h ||
        input.w != t->input.w || classes != t->classes)
        return rsc_fail(err, "%s: model is %s on %dx%dx%d with %d classes, the data is %dx%dx%d "
                        "with %d classes", fname, arch, input.c, input.h, input.w, classes,
                        t->input.c, t->input.h, t->input.w, t->classes);
    if (rsc_model_read_params(t->net, m, fname, err) != 0)
        return -1;
    long v;
    if (get_long(m, fname, "epochs_done", 0, 1000000, &v, err))
        return -1;
    t->epochs_done = (int)v;
    if (get_long(m, fname, "batches_done", 0, 1L << 40, &v, err))
        return -1;
    t->batches_done = v;
    if (get_long(m, fname, "train_size", 0, 1L << 40, &v, err))
        return -1;
    t->recorded_train_size = (size_t)v;
    if (get_long(m, fname, "limit", 0, 1L << 40, &v, err))
        return -1;
    t->limit = (size_t)v;
    const char *opt = rsc_meta_get(m, "optimizer");
    /* The optimiser state continues when the optimiser is the same kind. */
    if (opt && rsc_optim_type_parse(opt) == t->cfg.optim.type) {
        for (int i = 0; i < rsc_optim_state_count(t->opt); i++) {
            char name[64];
            snprintf(name, sizeof name, "opt/%s", rsc_optim_state_name(t->opt, i));
            if (rsc_model_read_state(m, fname, name, t->be, rsc_optim_state_buf(t->opt, i),
                                     t->net->nparam_total, err) != 0)
                return -1;
        }
        const rsc_tensor *st = rsc_file_find(m, "opt/step");
        if (!st || st->dtype != RSC_I64 || rsc_tensor_numel(st) != 1 || *(int64_t *)st->data < 0)
            return rsc_fail(err, "%s: tensor 'opt/step' missing or malformed", fname);
        t->opt->step = (long)*(int64_t *)st->data;
    } else if (t->batches_done) {
        return rsc_fail(err, "%s: a mid-epoch checkpoint continues only with its own optimiser",
                        fname);
    }
    if (load_hist(m, fname, "opt/epoch_sums", t->part, 2, err) != 0)
        return -1;
    if (load_rng(m, fname, "shuffle", &t->shuffle, err) || load_rng(m, fname, "noise", &t->noise, err) ||
        load_rng(m, fname, "dropout", &t->dropout, err) ||
        (t->cfg.augment && load_rng(m, fname, "augment", &t->augment_rng, err)))
        return -1;
    if (history_reserve(t, t->epochs_done + 1, err) != 0)
        return -1;
    size_t ne = (size_t)t->epochs_done;
    if (load_hist(m, fname, "history/loss", t->h_loss, ne, err) ||
        load_hist(m, fname, "history/train_acc", t->h_train, ne, err) ||
        load_hist(m, fname, "history/test_acc", t->h_test, ne, err) ||
        load_hist(m, fname, "history/lr", t->h_lr, ne, err))
        return -1;
    const rsc_tensor *ex = rsc_file_find(m, "train/excluded");
    if (!ex || ex->dtype != RSC_I64 || ex->ndim != 1)
        return rsc_fail(err, "%s: tensor 'train/excluded' missing or not i64 [n]", fname);
    size_t ne2 = (size_t)rsc_tensor_numel(ex);
    free(t->excluded);
    t->excluded = rsc_malloc(ne2 ? ne2 : 1, sizeof(int64_t), err);
    if (!t->excluded)
        return -1;
    const int64_t *ev = ex->data;
    for (size_t i = 0; i < ne2; i++)
        if (ev[i] < 0 || (t->recorded_train_size && (size_t)ev[i] >= t->recorded_train_size) ||
            (i && ev[i] <= ev[i - 1]))
            return rsc_fail(err, "%s: tensor 'train/excluded': bad index list", fname);
    if (ne2)
        memcpy(t->excluded, ev, ne2 * sizeof(int64_t));
    t->nexcluded = ne2;
    return 0;
}

/* ------------------------------------------------------------ data */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The examples used in each epoch: [0, min(n, limit)) minus exclusions. */
static void count_used(rsc_trainer *t)
{
    size_t upto = t->limit && t->limit < t->n ? t->limit : t->n, used = upto;
    for (size_t i = 0; i < t->nexcluded; i++)
        if ((size_t)t->excluded[i] < upto)
            used--;
    t->nused = used;
}

static rsc_buf *upload_new(rsc_backend *be, const void *src, size_t bytes, rsc_error *err)
{
    rsc_buf *b = be->alloc(be, bytes ? bytes : 4, err);
    if (b && bytes && be->upload(be, b, 0, src, bytes, err) != 0) {
        be->free(be, b);
        return NULL;
    }
    return b;
}

int rsc_trainer_set_data(rsc_trainer *t, const float *x, const int32_t *y, size_t n,
                         const float *tx, const int32_t *ty, size_t tn, size_t limit,
                         rsc_error *err)
{
    rsc_backend *be = t->be;
    if (n == 0)
        return rsc_fail(err, "the dataset has no training examples");
    if (n > INT32_MAX || tn > INT32_MAX)
        return rsc_fail(err, "more than 2^31 examples");
    if (t->recorded_train_size && t->recorded_train_size != n)
        return rsc_fail(err, "the dataset has %zu training examples, the model was trained on a "
                        "set of %zu", n, t->recorded_train_size);
    for (size_t i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= t->classes)
            return rsc_fail(err, "training label %d of example %zu is not a class", (int)y[i], i);
    for (size_t i = 0; i < tn; i++)
        if (ty[i] < 0 || ty[i] >= t->classes)
            return rsc_fail(err, "test label %d of example %zu is not a class", (int)ty[i], i);
    free_data(t);
    t->n = n;
    t->tn = tn;
    if (limit)
        t->limit = limit;
    size_t most = n > tn ? n : tn;
    int32_t *ident = rsc_malloc(most, sizeof *ident, err);
    if (!ident)
        return -1;
    for (size_t i = 0; i < most; i++)
        ident[i] = (int32_t)i;
    t->x = upload_new(be, x, n * t->row * sizeof(float), err);
    t->y = t->x ? upload_new(be, y, n * sizeof(int32_t), err) : NULL;
    t->tx = t->y ? upload_new(be, tx, tn * t->row * sizeof(float), err) : NULL;
    t->ty = t->tx ? upload_new(be, ty, tn * sizeof(int32_t), err) : NULL;
    t->ident = t->ty ? upload_new(be, ident, most * sizeof(int32_t), err) : NULL;
    t->order = t->ident ? be->alloc(be, n * sizeof(int32_t), err) : NULL;
    free(ident);
    free(t->order_host);
    t->order_host = rsc_malloc(n, sizeof(int32_t), err);
    if (!t->order || !t->order_host)
        return -1;
    count_used(t);
    if (t->nused == 0)
        return rsc_fail(err, "no training examples left after the exclusions");
    return 0;
}

int rsc_trainer_exclude(rsc_trainer *t, const int64_t *idx, size_t n, rsc_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (idx[i] < 0 || (size_t)idx[i] >= t->n)
            return rsc_fail(err, "excluded index %lld is not a training example (0..%zu)",
                            (long long)idx[i], t->n - 1);
    int64_t *all = rsc_malloc(t->nexcluded + n + 1, sizeof *all, err);
    if (!all)
        return -1;
    if (t->nexcluded)
        memcpy(all, t->excluded, t->nexcluded * sizeof *all);
    if (n)
        memcpy(all + t->nexcluded, idx, n * sizeof *all);
    size_t m = t->nexcluded + n, k = 0;
    qsort(all, m, sizeof *all, cmp_i64);
    for (size_t i = 0; i < m; i++)
        if (k == 0 || all[i] != all[k - 1])
            all[k++] = all[i];
    if (t->batches_done && k != t->nexcluded) {
        /* Repeating the recorded exclusions is fine; new ones would change
         * the order of the epoch under way. */
        free(all);
        return rsc_fail(err, "cannot exclude more examples in the middle of an epoch (resume "
                        "without the new exclusions, then continue after the epoch)");
    }
    free(t->excluded);
    t->excluded = all;
    t->nexcluded = k;
    count_used(t);
    if (t->nused == 0)
        return rsc_fail(err, "no training examples left after the exclusions");
    return 0;
}

/* ------------------------------------------------------------ the loop */

/* Epoch sums of loss and correct predictions: in the network's stats, or
 * spread over the replicas' (added in replica order). */
static int get_sums(rsc_trainer *t, double out[2], rsc_error *err)
{
    if (!t->nrep)
        return t->be->download(t->be, out, t->net->stats, 0, 2 * sizeof(double), err);
    out[0] = out[1] = 0;
    for (int r = 0; r < t->nrep; r++) {
        double s[2];
        if (t->rbe[r]->download(t->rbe[r], s, t->rnet[r]->stats, 0, sizeof s, err) != 0)
            return -1;
        out[0] += s[0];
        out[1] += s[1];
    }
    return 0;
}

static int set_sums(rsc_trainer *t, const double in[2], rsc_error *err)
{
    static const double zero[2] = { 0, 0 };
    if (!t->nrep)
        return t->be->upload(t->be, t->net->stats, 0, in, 2 * sizeof(double), err);
    for (int r = 0; r < t->nrep; r++)
        if (t->rbe[r]->upload(t->rbe[r], t->rnet[r]->stats, 0, r ? zero : in, 2 * sizeof(double),
                              err) != 0)
            return -1;
    return 0;
}

typedef struct step_ctx {
    rsc_trainer *t;
    size_t start;
    int b;
    uint64_t noise_seed;
    int fused_update;         /* reduce_range also clips by value and updates */
    double lr;
} step_ctx;

/* Replica r: forward and backward on its rows of the batch, the loss
 * gradient scaled by 1/b so that the replicas' gradients add up to the
 * batch mean's. */
static void replica_step(void *arg, int r)
{
    step_ctx *c = arg;
    rsc_trainer *t = c->t;
    rsc_backend *be = t->rbe[r];
    rsc_net *net = t->rnet[r];
    int T = t->nrep;
    int lo = c->b * r / T, hi = c->b * (r + 1) / T, n = hi - lo;
    if (n <= 0) {
        be->fill(be, net->G, net->nparam_total, 0);
        return;
    }
    be->gather(be, rsc_net_input(net), t->x, RSC_GATHER_F32, t->row, t->order, c->start + (size_t)lo,
               (size_t)n, NULL, NULL);
    be->gather_i32(be, net->labels, t->y, t->order, c->start + (size_t)lo, (size_t)n);
    if (t->cfg.input_noise > 0)
        be->noise_add(be, rsc_net_input(net), (size_t)n * t->row, (float)t->cfg.input_noise,
                      c->noise_seed + (uint64_t)r * 0x9E3779B97F4A7C15ull);
    rsc_net_forward(net, n, 1);
    rsc_net_loss_scaled(net, n, 1, 1.0f / (float)c->b);
    rsc_net_backward(net, n);
}

/* Thread k: replica 0's gradient range k += the other replicas', in
 * replica order. */
static void reduce_range(void *arg, int k)
{
    step_ctx *c = arg;
    rsc_trainer *t = c->t;
    int T = t->nrep;
    rsc_backend *be = t->rbe[k];
    rsc_buf *dst = t->gview[k];
    size_t len = be->size(dst) / sizeof(float);
    for (int r = 1; r < T; r++)
        be->axpy(be, len, 1.0f, t->gview[r * T + k], dst);
    if (c->fused_update) {
        /* No global norm needed: clip and update this range right away,
         * while it is in this core's cache. */
        if (t->cfg.clip_value > 0)
            be->clamp(be, dst, len, (float)-t->cfg.clip_value, (float)t->cfg.clip_value);
        rsc_optim_apply(t->opt, be, t->pview[k], dst, t->mview[k], t->vview[k], len, c->lr);
    }
}

/* This epoch's order: a permutation of the used examples drawn from the
 * shuffle stream as it was at the start of the epoch.  Returns the stream
 * state after the draw (the next epoch's start) in *next. */
static int draw_order(rsc_trainer *t, rsc_rng *next, rsc_error *err)
{
    size_t upto = t->limit && t->limit < t->n ? t->limit : t->n;
    int64_t *perm = rsc_malloc(t->nused, sizeof *perm, err);
    int32_t *used = rsc_malloc(t->nused, sizeof *used, err);
    if (!perm || !used) {
        free(perm);
        free(used);
        return -1;
    }
    size_t k = 0, e = 0;
    for (size_t i = 0; i < upto; i++) {
        while (e < t->nexcluded && (size_t)t->excluded[e] < i)
            e++;
        if (e < t->nexcluded && (size_t)t->excluded[e] == i)
            continue;
        used[k++] = (int32_t)i;
    }
    *next = t->shuffle;
    rsc_rng_permutation(next, perm, t->nused);
    for (size_t i = 0; i < t->nused; i++)
        t->order_host[i] = used[perm[i]];
    free(perm);
    free(used);
    return t->be->upload(t->be, t->order, 0, t->order_host, t->nused * sizeof(int32_t), err);
}

static uint64_t draw_seed(rsc_rng *r)
{
    uint64_t hi = rsc_rng_u32(r);
    return hi << 32 | rsc_rng_u32(r);
}

static int clip(rsc_trainer *t, rsc_buf *G, rsc_error *err)
{
    rsc_backend *be = t->be;
    size_t n = t->net->nparam_total;
    if (t->cfg.clip_value > 0)
        be->clamp(be, G, n, (float)-t->cfg.clip_value, (float)t->cfg.clip_value);
    if (t->cfg.clip_norm > 0) {
        double ss;
        be->sumsq(be, G, n, t->sumsq);
        if (be->download(be, &ss, t->sumsq, 0, sizeof ss, err) != 0)
            return -1;
        /* torch.nn.utils.clip_grad_norm_: coef = max / (norm + 1e-6),
         * applied when below 1. */
        double coef = t->cfg.clip_norm / (sqrt(ss) + 1e-6);
        if (coef < 1)
            be->scale(be, n, (float)coef, G);
    }
    return 0;
}

double rsc_trainer_test_acc(rsc_trainer *t, rsc_error *err)
{
    rsc_backend *be = t->be;
    rsc_net *net = t->net;
    if (!t->tn)
        return NAN;
    double saved[2], st[2];
    if (be->download(be, saved, net->stats, 0, sizeof saved, err) != 0)
        return NAN;
    be->fill(be, net->stats, 4, 0);
    int B = net->max_batch;
    for (size_t i = 0; i < t->tn; i += (size_t)B) {
        int b = (int)(t->tn - i < (size_t)B ? t->tn - i : (size_t)B);
        be->gather(be, rsc_net_input(net), t->tx, RSC_GATHER_F32, t->row, t->ident, i, (size_t)b,
                   NULL, NULL);
        be->gather_i32(be, net->labels, t->ty, t->ident, i, (size_t)b);
        rsc_net_forward(net, b, 0);
        rsc_net_loss(net, b, 0);
    }
    if (be->download(be, st, net->stats, 0, sizeof st, err) != 0 ||
        be->upload(be, net->stats, 0, saved, sizeof saved, err) != 0)
        return NAN;
    return st[1] / (double)t->tn;
}

int rsc_trainer_epoch(rsc_trainer *t, rsc_train_progress cb, void *ud, rsc_epoch_stats *out,
                      rsc_error *err)
{
    rsc_backend *be = t->be;
    rsc_net *net = t->net;
    if (!t->x)
        return rsc_fail(err, "no training data");
    double t0 = rsc_now();
    int epoch = t->epochs_done;
    double lr = rsc_optim_lr_at(&t->cfg.optim, epoch);
    rsc_rng next;
    if (draw_order(t, &next, err) != 0)
        return -1;
    if (set_sums(t, t->part, err) != 0)
        return -1;
    size_t B = (size_t)t->cfg.batch_size;
    size_t nb = (t->nused + B - 1) / B;
    size_t elems = t->row;
    for (size_t bi = (size_t)t->batches_done; bi < nb; bi++) {
        int sig = rsc_signal_pending();
        if (sig) {
            /* Stop here: record the partial epoch so that a save now is a
             * checkpoint that resumes at this batch. */
            if (get_sums(t, t->part, err) != 0)
                return -1;
            return sig;
        }
        size_t start = bi * B;
        int b = (int)(t->nused - start < B ? t->nused - start : B);
        rsc_buf *G = net->G;
        int updated = 0;
        if (t->nrep) {
            step_ctx c = { t, start, b, t->cfg.input_noise > 0 ? draw_seed(&t->noise) : 0,
                           t->cfg.clip_norm <= 0, lr };
            if (t->has_dropout)
                for (int r = 0; r < t->nrep; r++)
                    rsc_rng_derive(&t->rrng[r], draw_seed(&t->dropout), RSC_RNG_DROPOUT);
            be->parallel(be, t->nrep, replica_step, &c);
            if (c.fused_update)
                rsc_optim_begin_step(t->opt);
            be->parallel(be, t->nrep, reduce_range, &c);
            G = t->rnet[0]->G;
            updated = c.fused_update;
        } else {
            be->gather(be, rsc_net_input(net), t->x, RSC_GATHER_F32, elems, t->order, start,
                       (size_t)b, NULL, NULL);
            be->gather_i32(be, net->labels, t->y, t->order, start, (size_t)b);
            if (rsc_augmenter_apply(t->augment, rsc_net_input(net), b, &t->augment_rng, err) != 0)
                return -1;
            if (t->cfg.input_noise > 0)
                be->noise_add(be, rsc_net_input(net), (size_t)b * elems, (float)t->cfg.input_noise,
                              draw_seed(&t->noise));
            rsc_net_forward(net, b, 1);
            rsc_net_loss(net, b, 1);
            rsc_net_backward(net, b);
        }
        if (!updated) {
            if (clip(t, G, err) != 0)
                return -1;
            rsc_optim_step(t->opt, net->P, G, lr);
        }
        t->batches_done = (long)bi + 1;
        if (cb && (bi % 16 == 15 || bi + 1 == nb)) {
            double st[2];
            if (get_sums(t, st, err) != 0)
                return -1;
            size_t done = start + (size_t)b;
            cb(ud, epoch + 1, done, t->nused, st[0] / (double)done, st[1] / (double)done);
        }
    }
    double st[2];
    if (get_sums(t, st, err) != 0)
        return -1;
    if (!isfinite(st[0]))
        return rsc_fail(err, "epoch %d: the loss is not finite (diverged; try a lower --lr or "
                        "clipping)", epoch + 1);
    if (history_reserve(t, epoch + 1, err) != 0)
        return -1;
    t->h_loss[epoch] = st[0] / (double)t->nused;
    t->h_train[epoch] = st[1] / (double)t->nused;
    t->h_lr[epoch] = lr;
    t->h_test[epoch] = rsc_trainer_test_acc(t, err);
    if (t->tn && isnan(t->h_test[epoch]))
        return -1;
    t->shuffle = next;
    t->epochs_done = epoch + 1;
    t->batches_done = 0;
    t->part[0] = t->part[1] = 0;
    if (out) {
        out->epoch = epoch + 1;
        out->loss = t->h_loss[epoch];
        out->train_acc = t->h_train[epoch];
        out->test_acc = t->h_test[epoch];
        out->lr = lr;
        out->examples = t->nused;
        out->seconds = rsc_now() - t0;
    }
    return 0;
}

int rsc_trainer_epochs_done(const rsc_trainer *t)
{
    return t->epochs_done;
}

size_t rsc_trainer_examples(const rsc_trainer *t)
{
    return t->nused;
}

size_t rsc_trainer_excluded(const rsc_trainer *t)
{
    return t->nexcluded;
}

rsc_net *rsc_trainer_net(rsc_trainer *t)
{
    return t->net;
}
