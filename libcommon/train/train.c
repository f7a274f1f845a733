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
#include "format/rows.h"
#include "train/parallel.h"

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
    rsc_workers *workers;     /* who computes a step (parallel.h) */
    rsc_augmenter **augment;  /* one per worker, on its backend */
    rsc_error *werr;          /* one per worker: a failed step's message */
    int32_t *augment_prm;     /* the choices of a batch (host) */
    int epochs_done;
    long batches_done;        /* in the current (partial) epoch */
    double part[2];           /* loss sum and correct count of the partial epoch */
    double *h_loss, *h_train, *h_test, *h_lr;
    int h_cap;
    /* data, resident on the backend: images u8 or f32 (xtype: enum
     * rsc_gather_type), the training rows substituted at gather time
     * (slot, sub; NULL without), labels, this epoch's order */
    rsc_buf *x, *y, *tx, *ty, *slot, *sub, *order, *ident;
    int xtype, txtype;
    int borrowed;                 /* x, y, tx, ty, ident are another trainer's */
    size_t nsub;                  /* rows of sub */
    rsc_rng next_shuffle;         /* the shuffle stream after this epoch's draw */
    int drawn;                    /* order_host holds this epoch's order, not uploaded yet */
    size_t n, tn, row, limit;
    size_t recorded_train_size;   /* from a resumed model, 0 = none */
    char resumed[256];            /* its name in messages */
    int64_t *excluded;            /* sorted, unique */
    size_t nexcluded;
    int32_t *order_host;
    size_t nused;
    rsc_buf *sumsq;
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

/* The hyper-parameters a model records, with the ranges of their
 * command-line options (rsc-train): a resumed model's values get the same
 * checks, so that a hand-edited lr=nan or batch_size=0 is refused as
 * --lr nan would be.  lo_open: the value must be above lo. */
static const struct param_range {
    const char *key, *option;
    double lo, hi;
    int lo_open;
} param_ranges[] = {
    { "lr", "--lr", 0, 1e6, 1 },
    { "momentum", "--momentum", 0, 1, 0 },
    { "weight_decay", "--weight-decay", 0, 1e6, 0 },
    { "gamma", "--gamma", 0, 1e6, 0 },
    { "clip_value", "--clip-value", 0, 1e30, 0 },
    { "clip_norm", "--clip-norm", 0, 1e30, 0 },
    { "input_noise", "--input-noise", 0, 1e6, 0 },
    { "beta1", "Adam's beta1", 0, 1, 0 },
    { "beta2", "Adam's beta2", 0, 1, 0 },
    { "eps", "Adam's eps", 0, 1, 1 },
    { "batch_size", "--batch-size", 1, 1 << 20, 0 },
    { "epochs", "--epochs", 1, 1000000, 0 },
    { "threads", "--threads", 0, 4096, 0 },
    { "epochs_done", NULL, 0, 1000000, 0 },
    { "batches_done", NULL, 0, 2147483647L, 0 },   /* at most 2^31 examples */
    { "train_size", NULL, 0, 1L << 40, 0 },
    { "limit", "--limit", 0, 2147483647L, 0 },
};

static const struct param_range *range_of(const char *key)
{
    for (size_t i = 0; i < sizeof param_ranges / sizeof *param_ranges; i++)
        if (!strcmp(param_ranges[i].key, key))
            return &param_ranges[i];
    return NULL;
}

static int out_of_range(const char *fname, const char *key, const char *text, rsc_error *err)
{
    const struct param_range *r = range_of(key);
    char lo[32], hi[32];
    snprintf(lo, sizeof lo, "%.17g", r->lo);
    snprintf(hi, sizeof hi, "%.17g", r->hi);
    if (r->option)
        return rsc_fail(err, "%s: metadata key '%s': %s is out of range %s%s, %s] (as %s)", fname,
                        key, text, r->lo_open ? "(" : "[", lo, hi, r->option);
    return rsc_fail(err, "%s: metadata key '%s': %s is out of range %s%s, %s]", fname, key, text,
                    r->lo_open ? "(" : "[", lo, hi);
}

static int get_double(const rsc_file *m, const char *fname, const char *key, double *out,
                      rsc_error *err)
{
    if (rsc_meta_get_double(m, key, out, err) != 0)
        return rsc_fail_prefix(err, "%s", fname);
    const struct param_range *r = range_of(key);
    if (!isfinite(*out) || *out < r->lo || *out > r->hi || (r->lo_open && *out <= r->lo))
        return out_of_range(fname, key, rsc_meta_get(m, key), err);
    return 0;
}

static int get_long(const rsc_file *m, const char *fname, const char *key, long *out,
                    rsc_error *err)
{
    if (rsc_meta_get_long(m, key, out, err) != 0)
        return rsc_fail_prefix(err, "%s", fname);
    const struct param_range *r = range_of(key);
    if (*out < (long)r->lo || *out > (long)r->hi)
        return out_of_range(fname, key, rsc_meta_get(m, key), err);
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
    if (get_long(m, fname, "batch_size", &v, err))
        return -1;
    c->batch_size = (int)v;
    if (get_long(m, fname, "epochs", &v, err))
        return -1;
    c->epochs = (int)v;
    if (get_long(m, fname, "threads", &v, err))
        return -1;
    c->threads = (int)v;
    /* The position, checked here too: the run's configuration depends on
     * it (an --epochs total above the epochs done). */
    if (get_long(m, fname, "epochs_done", &v, err) || get_long(m, fname, "batches_done", &v, err))
        return -1;
    const char *seed = rsc_meta_get(m, "train_seed");
    if (!seed || rsc_parse_u64(seed, &c->train_seed) != 0)
        return rsc_fail(err, "%s: metadata key 'train_seed' is missing or not an integer", fname);
    const char *ms = rsc_meta_get(m, "milestones");
    if (!ms || rsc_optim_milestones_parse(&c->optim, ms, err) != 0)
        return ms ? rsc_fail_prefix(err, "%s", fname)
                  : rsc_fail(err, "%s: metadata key 'milestones' is missing", fname);
    return 0;
}

/* ------------------------------------------------------------ life cycle */

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
    rsc_rng_derive(&t->shuffle, cfg->train_seed, RSC_RNG_SHUFFLE);
    rsc_rng_derive(&t->noise, cfg->train_seed, RSC_RNG_NOISE);
    rsc_rng_derive(&t->dropout, cfg->train_seed, RSC_RNG_DROPOUT);
    t->net->dropout_rng = &t->dropout;
    rsc_rng_derive(&t->augment_rng, cfg->train_seed, RSC_RNG_AUGMENT);
    t->workers = rsc_workers_new(be, t->net, cfg->arch, classes, cfg->batch_size, t->opt,
                                 &t->dropout, err);
    if (!t->workers)
        goto fail;
    int nw = rsc_workers_count(t->workers);
    t->augment = rsc_calloc((size_t)nw, sizeof *t->augment, err);
    t->werr = rsc_calloc((size_t)nw, sizeof *t->werr, err);
    t->augment_prm = rsc_malloc((size_t)cfg->batch_size * 3, sizeof *t->augment_prm, err);
    if (!t->augment || !t->werr || !t->augment_prm)
        goto fail;
    for (int i = 0; i < nw; i++)
        if (!(t->augment[i] = rsc_augmenter_new(rsc_workers_get(t->workers, i)->be, cfg->augment,
                                                input, rsc_workers_max_rows(t->workers), err)))
            goto fail;
    return t;
fail:
    rsc_trainer_free(t);
    return NULL;
}

static void free_data(rsc_trainer *t)
{
    rsc_backend *be = t->be;
    rsc_buf **bufs[] = { &t->slot, &t->sub, &t->order, &t->x, &t->y, &t->tx, &t->ty, &t->ident };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        if (i < 3 || !t->borrowed)
            be->free(be, *bufs[i]);
        *bufs[i] = NULL;
    }
    t->borrowed = 0;
    t->nsub = 0;
}

void rsc_trainer_free(rsc_trainer *t)
{
    if (!t)
        return;
    for (int i = 0; t->augment && t->workers && i < rsc_workers_count(t->workers); i++)
        rsc_augmenter_free(t->augment[i]);
    free(t->augment);
    free(t->werr);
    free(t->augment_prm);
    rsc_workers_free(t->workers);
    free_data(t);
    if (t->sumsq)
        t->be->free(t->be, t->sumsq);
    rsc_optim_free(t->opt);
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
    char buf[RSC_FMT_SIZE];
    return rsc_meta_set(f, key, rsc_fmt_f64(buf, v), err);
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
    snprintf(t->resumed, sizeof t->resumed, "%s", fname);
    long v;
    if (get_long(m, fname, "epochs_done", &v, err))
        return -1;
    t->epochs_done = (int)v;
    if (get_long(m, fname, "batches_done", &v, err))
        return -1;
    t->batches_done = v;
    if (get_long(m, fname, "train_size", &v, err))
        return -1;
    t->recorded_train_size = (size_t)v;
    if (get_long(m, fname, "limit", &v, err))
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
    /* The partial epoch's loss and correct-count sums: finite, and at
     * most one correct example per example trained. */
    if (!isfinite(t->part[0]) || !isfinite(t->part[1]) || t->part[0] < 0 || t->part[1] < 0 ||
        t->part[1] > (double)t->batches_done * t->cfg.batch_size ||
        (!t->batches_done && (t->part[0] != 0 || t->part[1] != 0)))
        return rsc_fail(err, "%s: tensor 'opt/epoch_sums': not the sums of the batches done",
                        fname);
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

/* A split's checks: image shape and labels. */
static int check_split(const rsc_trainer *t, const rsc_split *s, const char *what, rsc_error *err)
{
    if (s->n > INT32_MAX)
        return rsc_fail(err, "more than 2^31 %s examples", what);
    if (s->c != t->input.c || s->h != t->input.h || s->w != t->input.w)
        return rsc_fail(err, "%s images are %dx%dx%d, the network's input %dx%dx%d", what, s->c,
                        s->h, s->w, t->input.c, t->input.h, t->input.w);
    if (s->dtype != RSC_U8 && s->dtype != RSC_F32)
        return rsc_fail(err, "%s images: element type %d, not u8 or f32", what, s->dtype);
    for (size_t i = 0; i < s->n; i++)
        if (s->y[i] < 0 || s->y[i] >= t->classes)
            return rsc_fail(err, "%s label %d of example %zu is not a class", what, (int)s->y[i],
                            i);
    return 0;
}

/* The images of a split on the backend, as they are (u8 or f32). */
static rsc_buf *upload_images(rsc_backend *be, const rsc_split *s, int *type, rsc_error *err)
{
    size_t esize = s->dtype == RSC_U8 ? 1 : sizeof(float);
    *type = s->dtype == RSC_U8 ? RSC_GATHER_U8 : RSC_GATHER_F32;
    return upload_new(be, s->x, s->n * (size_t)s->c * s->h * s->w * esize, err);
}

/* The substitution of the training rows sub_index by sub_x: the rows on
 * the backend and the slot of every training row (-1: itself). */
static int upload_substitution(rsc_trainer *t, const rsc_split *s, rsc_error *err)
{
    rsc_backend *be = t->be;
    int32_t *slot = rsc_malloc(s->n, sizeof *slot, err);
    if (!slot)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        slot[i] = -1;
    for (size_t k = 0; k < s->nsub; k++) {
        int64_t r = s->sub_index[k];
        if (r < 0 || (size_t)r >= s->n || slot[r] >= 0) {
            free(slot);
            return rsc_fail(err, "substituted training row %lld out of range or repeated",
                            (long long)r);
        }
        slot[r] = (int32_t)k;
    }
    t->slot = upload_new(be, slot, s->n * sizeof *slot, err);
    free(slot);
    t->sub = t->slot ? upload_new(be, s->sub_x, s->nsub * t->row * sizeof(float), err) : NULL;
    t->nsub = s->nsub;
    return t->sub ? 0 : -1;
}

/* A resumed position inside the epoch: before its last batch. */
static int check_position(const rsc_trainer *t, rsc_error *err)
{
    size_t B = (size_t)t->cfg.batch_size, nb = (t->nused + B - 1) / B;
    if (t->batches_done < 0 || (size_t)t->batches_done >= nb)
        return rsc_fail(err, "%s: the checkpoint's position, batch %ld of the epoch, is past its "
                        "end (%zu batches of %zu over %zu examples)", t->resumed,
                        t->batches_done, nb, B, t->nused);
    return 0;
}

/* The checks of a new training split (and test split) and limit. */
static int check_data(rsc_trainer *t, const rsc_split *train, const rsc_split *test,
                      size_t limit, rsc_error *err)
{
    size_t n = train->n;
    if (n == 0)
        return rsc_fail(err, "the dataset has no training examples");
    if (t->recorded_train_size && t->recorded_train_size != n)
        return rsc_fail(err, "the dataset has %zu training examples, the model was trained on a "
                        "set of %zu", n, t->recorded_train_size);
    if (check_split(t, train, "training", err) != 0 ||
        (test && check_split(t, test, "test", err) != 0))
        return -1;
    /* A checkpoint taken in the middle of an epoch resumes at its batch:
     * the examples the epoch goes through depend on the limit. */
    if (t->batches_done && limit && limit != (t->limit ? t->limit : n))
        return rsc_fail(err, "--limit %zu: the checkpoint stopped in the middle of an epoch "
                        "over %s%zu examples; resume it with the same --limit (or none)",
                        limit, t->limit ? "--limit " : "all ", t->limit ? t->limit : n);
    return 0;
}

/* The per-trainer part of the data: the substitution, this epoch's order,
 * the used examples. */
static int set_own_data(rsc_trainer *t, const rsc_split *train, rsc_error *err)
{
    rsc_backend *be = t->be;
    if ((train->nsub && upload_substitution(t, train, err) != 0) ||
        !(t->order = be->alloc(be, t->n * sizeof(int32_t), err)))
        return -1;
    free(t->order_host);
    t->order_host = rsc_malloc(t->n, sizeof(int32_t), err);
    if (!t->order_host)
        return -1;
    count_used(t);
    if (t->nused == 0)
        return rsc_fail(err, "no training examples left after the exclusions");
    return check_position(t, err);
}

int rsc_trainer_set_data(rsc_trainer *t, const rsc_split *train, const rsc_split *test,
                         size_t limit, rsc_error *err)
{
    rsc_backend *be = t->be;
    size_t n = train->n, tn = test ? test->n : 0;
    if (check_data(t, train, test, limit, err) != 0)
        return -1;
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
    t->ident = upload_new(be, ident, most * sizeof(int32_t), err);
    free(ident);
    if (!t->ident || !(t->x = upload_images(be, train, &t->xtype, err)) ||
        !(t->y = upload_new(be, train->y, n * sizeof(int32_t), err)) ||
        (tn && (!(t->tx = upload_images(be, test, &t->txtype, err)) ||
                !(t->ty = upload_new(be, test->y, tn * sizeof(int32_t), err)))))
        return -1;
    return set_own_data(t, train, err);
}

int rsc_trainer_set_data_shared(rsc_trainer *t, const rsc_trainer *owner, const rsc_split *train,
                                size_t limit, rsc_error *err)
{
    if (!owner->x || owner->be != t->be || owner->n != train->n || owner->row != t->row)
        return rsc_fail(err, "the shared data do not fit this trainer");
    if (check_data(t, train, NULL, limit, err) != 0)
        return -1;
    free_data(t);
    t->borrowed = 1;
    t->n = owner->n;
    t->tn = owner->tn;
    if (limit)
        t->limit = limit;
    t->x = owner->x;
    t->y = owner->y;
    t->tx = owner->tx;
    t->ty = owner->ty;
    t->ident = owner->ident;
    t->xtype = owner->xtype;
    t->txtype = owner->txtype;
    return set_own_data(t, train, err);
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
    return check_position(t, err);
}

/* ------------------------------------------------------------ the loop */

/* This epoch's order (into order_host): a permutation of the used
 * examples drawn from the shuffle stream as it was at the start of the
 * epoch.  Returns the stream state after the draw (the next epoch's start)
 * in *next.  Host work only. */
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
    rsc_rng_permutation(next, perm, t->nused);   /* next: the stream after the draw */
    for (size_t i = 0; i < t->nused; i++)
        t->order_host[i] = used[perm[i]];
    free(perm);
    free(used);
    return 0;
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

typedef struct step_ctx {
    rsc_trainer *t;
    size_t start;             /* the batch's first position in the epoch's order */
    int b;                    /* its examples */
    uint64_t noise_seed;
    int *rc;                  /* per worker: 0, or -1 with t->werr[i] */
} step_ctx;

/* Worker i: its rows of the batch (all of them with one worker) gathered,
 * augmented with their slice of the batch's choices, noised, forward and
 * backward, the loss gradient scaled by 1/b so that the workers'
 * gradients add up to the batch mean's.  The noise of worker i's rows
 * comes from the batch's seed + i * 0x9E3779B97F4A7C15 (its rows' own
 * indices), so it depends on the number of workers. */
static void worker_step(void *arg, rsc_worker *wk, int i)
{
    step_ctx *c = arg;
    rsc_trainer *t = c->t;
    rsc_backend *be = wk->be;
    rsc_net *net = wk->net;
    int n = wk->hi - wk->lo;
    c->rc[i] = 0;
    if (n <= 0) {
        be->fill(be, net->G, net->nparam_total, 0);
        return;
    }
    rsc_buf *x = rsc_net_input(net);
    be->gather(be, x, t->x, t->xtype, t->row, t->order, c->start + (size_t)wk->lo, (size_t)n,
               t->slot, t->sub);
    be->gather_i32(be, net->labels, t->y, t->order, c->start + (size_t)wk->lo, (size_t)n);
    if (rsc_augmenter_apply(t->augment[i], x, n, t->augment_prm + 3 * wk->lo, &t->werr[i]) != 0) {
        c->rc[i] = -1;
        return;
    }
    if (t->cfg.input_noise > 0)
        be->noise_add(be, x, (size_t)n * t->row, (float)t->cfg.input_noise,
                      c->noise_seed + (uint64_t)i * 0x9E3779B97F4A7C15ull);
    rsc_net_forward(net, n, 1);
    rsc_net_loss_scaled(net, n, 1, 1.0f / (float)c->b);
    rsc_net_backward(net, n);
}

/* One batch: the workers' forward and backward passes, then the clipped
 * update (or the one the workers fused with their reduction). */
static int train_step(rsc_trainer *t, size_t start, int b, double lr, rsc_error *err)
{
    int nw = rsc_workers_count(t->workers);
    int rc[nw];
    step_ctx c = { t, start, b, t->cfg.input_noise > 0 ? rsc_rng_seed64(&t->noise) : 0, rc };
    rsc_augment_draw(t->cfg.augment, b, &t->augment_rng, t->augment_prm);
    rsc_workers_run(t->workers, b, worker_step, &c);
    for (int i = 0; i < nw; i++)
        if (rc[i] != 0) {
            *err = t->werr[i];
            return -1;
        }
    int updated;
    rsc_buf *G = rsc_workers_gradient(t->workers, t->cfg.clip_norm <= 0, t->cfg.clip_value, lr,
                                      &updated);
    if (!updated) {
        if (clip(t, G, err) != 0)
            return -1;
        rsc_optim_step(t->opt, t->net->P, G, lr);
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
        be->gather(be, rsc_net_input(net), t->tx, t->txtype, t->row, t->ident, i, (size_t)b,
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

int rsc_trainer_epoch_draw(rsc_trainer *t, rsc_error *err)
{
    if (!t->x)
        return rsc_fail(err, "no training data");
    if (draw_order(t, &t->next_shuffle, err) != 0)
        return -1;
    t->drawn = 1;
    return 0;
}

int rsc_trainer_epoch_begin(rsc_trainer *t, double *lr, rsc_error *err)
{
    if (!t->drawn && rsc_trainer_epoch_draw(t, err) != 0)
        return -1;
    t->drawn = 0;
    *lr = rsc_optim_lr_at(&t->cfg.optim, t->epochs_done);
    return t->be->upload(t->be, t->order, 0, t->order_host, t->nused * sizeof(int32_t), err);
}

int rsc_trainer_epoch_end(rsc_trainer *t, const double st[2], double test_acc, double lr,
                          double t0, rsc_epoch_stats *out, rsc_error *err)
{
    int epoch = t->epochs_done;
    if (!isfinite(st[0]))
        return rsc_fail(err, "epoch %d: the loss is not finite (diverged; try a lower --lr or "
                        "clipping)", epoch + 1);
    if (history_reserve(t, epoch + 1, err) != 0)
        return -1;
    t->h_loss[epoch] = st[0] / (double)t->nused;
    t->h_train[epoch] = st[1] / (double)t->nused;
    t->h_lr[epoch] = lr;
    t->h_test[epoch] = test_acc;
    t->shuffle = t->next_shuffle;
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

void rsc_trainer_get_view(rsc_trainer *t, rsc_trainer_view *v)
{
    *v = (rsc_trainer_view){ t->net, t->opt, &t->cfg, &t->noise, t->x, t->y, t->tx, t->ty,
                             t->slot, t->sub, t->order, t->ident, t->xtype, t->txtype, t->n,
                             t->tn, t->row, t->nused, t->nsub, t->batches_done };
}

int rsc_trainer_epoch(rsc_trainer *t, rsc_train_progress cb, void *ud, rsc_epoch_stats *out,
                      rsc_error *err)
{
    double t0 = rsc_now(), lr = 0;
    int epoch = t->epochs_done;
    if (rsc_trainer_epoch_begin(t, &lr, err) != 0)
        return -1;
    if (rsc_workers_set_sums(t->workers, t->part, err) != 0)
        return -1;
    size_t B = (size_t)t->cfg.batch_size;
    size_t nb = (t->nused + B - 1) / B;
    for (size_t bi = (size_t)t->batches_done; bi < nb; bi++) {
        int sig = rsc_signal_pending();
        if (sig) {
            /* Stop here: record the partial epoch so that a save now is a
             * checkpoint that resumes at this batch. */
            if (rsc_workers_get_sums(t->workers, t->part, err) != 0)
                return -1;
            return sig;
        }
        size_t start = bi * B;
        int b = (int)(t->nused - start < B ? t->nused - start : B);
        if (train_step(t, start, b, lr, err) != 0)
            return -1;
        t->batches_done = (long)bi + 1;
        if (cb && (bi % 16 == 15 || bi + 1 == nb)) {
            double st[2];
            if (rsc_workers_get_sums(t->workers, st, err) != 0)
                return -1;
            size_t done = start + (size_t)b;
            cb(ud, epoch + 1, done, t->nused, st[0] / (double)done, st[1] / (double)done);
        }
    }
    double st[2];
    if (rsc_workers_get_sums(t->workers, st, err) != 0)
        return -1;
    double test_acc = isfinite(st[0]) ? rsc_trainer_test_acc(t, err) : NAN;
    if (isfinite(st[0]) && t->tn && isnan(test_acc))
        return -1;
    return rsc_trainer_epoch_end(t, st, test_acc, lr, t0, out, err);
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
