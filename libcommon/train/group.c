/* group.c - many models in one process (group.h): the jobs' seeds and
 * output names, and the lockstep trainer over a stacked network. */
#include "config.h"

#include "train/group.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic.h"
#include "core/cli.h"
#include "nn/optim.h"
#include "nn/stack.h"

/* ------------------------------------------------------------ jobs */

static int parse_seed(const char *opt, const char *s, size_t len, uint64_t *v, rsc_error *err)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return rsc_fail(err, "%s: '%.*s' is not a seed (an integer in [0, 2^53])", opt, (int)len, s);
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 10);
    if (*end || errno || buf[0] < '0' || buf[0] > '9' || x > (1ULL << 53))
        return rsc_fail(err, "%s: '%s' is not a seed (an integer in [0, 2^53])", opt, buf);
    *v = x;
    return 0;
}

long rsc_seed_list_parse(const char *opt, const char *s, size_t max_n, uint64_t **out,
                         rsc_error *err)
{
    size_t n = 0, cap = 16;
    uint64_t *v = rsc_malloc(cap, sizeof *v, err);
    if (!v)
        return -1;
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        const char *dash = memchr(p, '-', len);
        uint64_t lo, hi;
        if (dash ? parse_seed(opt, p, (size_t)(dash - p), &lo, err) ||
                       parse_seed(opt, dash + 1, len - (size_t)(dash - p) - 1, &hi, err)
                 : parse_seed(opt, p, len, &lo, err))
            goto fail;
        if (!dash)
            hi = lo;
        if (hi < lo) {
            rsc_fail(err, "%s: range '%.*s' is descending", opt, (int)len, p);
            goto fail;
        }
        for (uint64_t x = lo;; x++) {
            if (n == max_n) {
                rsc_fail(err, "%s: more than %zu seeds", opt, max_n);
                goto fail;
            }
            if (n == cap) {
                uint64_t *nv = realloc(v, 2 * cap * sizeof *v);
                if (!nv) {
                    rsc_fail(err, "out of memory");
                    goto fail;
                }
                v = nv;
                cap *= 2;
            }
            v[n++] = x;
            if (x == hi)
                break;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    *out = v;
    return (long)n;
fail:
    free(v);
    return -1;
}

char *rsc_output_name_expand(const char *tmpl, const char *data, uint64_t seed, rsc_error *err)
{
    /* The dataset's base name: no folder, no ".rsct" (a folder argument
     * ending in '/' keeps its last component). */
    char base[256];
    if (!strcmp(data, "-")) {
        snprintf(base, sizeof base, "stdin");
    } else {
        size_t len = strlen(data);
        while (len > 1 && data[len - 1] == '/')
            len--;
        size_t start = len;
        while (start > 0 && data[start - 1] != '/')
            start--;
        size_t bl = len - start;
        if (bl > 5 && !memcmp(data + len - 5, ".rsct", 5))
            bl -= 5;
        snprintf(base, sizeof base, "%.*s", (int)bl, data + start);
    }
    size_t tl = strlen(tmpl);
    int dir = tl > 0 && tmpl[tl - 1] == '/';
    const char *t = dir ? "{data}-s{seed}.rsct" : tmpl;
    /* Each character of t grows at most to the base name or a seed. */
    size_t cap = tl + strlen(t) * (strlen(base) + 24) + 1, k = 0;
    char *s = rsc_malloc(cap, 1, err);
    if (!s)
        return NULL;
    s[0] = '\0';
    if (dir)
        k += (size_t)snprintf(s, cap, "%s", tmpl);
    for (const char *p = t; *p; p++) {
        if (*p == '{') {
            size_t fl = strcspn(p + 1, "}");
            if (p[1 + fl] == '}' && fl == 4 && !memcmp(p + 1, "data", 4)) {
                k += (size_t)snprintf(s + k, cap - k, "%s", base);
                p += fl + 1;
                continue;
            }
            if (p[1 + fl] == '}' && fl == 4 && !memcmp(p + 1, "seed", 4)) {
                k += (size_t)snprintf(s + k, cap - k, "%llu", (unsigned long long)seed);
                p += fl + 1;
                continue;
            }
            free(s);
            rsc_fail(err, "-o '%s': unknown field '%.*s' (use {data} and {seed})", tmpl,
                     (int)(p[1 + fl] == '}' ? fl + 2 : fl + 1), p);
            return NULL;
        }
        s[k++] = *p;
        s[k] = '\0';
    }
    return s;
}

/* ------------------------------------------------------------ shared data */

/* Two tensors with the same type, shape and bytes (both absent: equal). */
static int same_tensor(const rsc_file *a, const rsc_file *b, const char *name)
{
    const rsc_tensor *x = rsc_file_find(a, name), *y = rsc_file_find(b, name);
    if (!x || !y)
        return !x && !y;
    if (x->dtype != y->dtype || x->ndim != y->ndim)
        return 0;
    for (int i = 0; i < x->ndim; i++)
        if (x->dims[i] != y->dims[i])
            return 0;
    return memcmp(x->data, y->data, rsc_tensor_bytes(x)) == 0;
}

int rsc_train_group_same_images(const rsc_file *a, const rsc_file *b)
{
    static const char *const names[] = { "train.x", "train.y", "test.x", "test.y" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!same_tensor(a, b, names[i]))
            return 0;
    return 1;
}

void rsc_train_group_drop_images(rsc_file *ds)
{
    static const char *const names[] = { "train.x", "train.y", "test.x", "test.y", "spurious.x" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        rsc_file_remove(ds, names[i]);
}

/* ------------------------------------------------------------ the group */

struct rsc_train_group {
    rsc_trainer *const *t;
    int k;
    rsc_backend *be;
    rsc_net_stack *s;           /* NULL: the models in turn */
    rsc_optim *opt;             /* over the k * nparam stacked parameters */
    rsc_trainer_view *v;        /* each trainer's buffers */
    size_t n, nsub;             /* training rows; substituted rows per model (the most) */
    rsc_buf *order, *slot, *sub, *tstats;
    double *sums;               /* k pairs (host) */
};

int rsc_train_group_fits(const rsc_train_cfg *cfg, const rsc_backend *be)
{
    int mlp = !strcmp(cfg->arch, "linear") || !strncmp(cfg->arch, "mlp", 3);
    return mlp && cfg->clip_norm <= 0 && cfg->augment == 0 && be->gemm_batched &&
           be->bias_act_batched && be->sum_rows_batched && be->gather_batched &&
           be->gather_i32_batched && be->xent_batched && (!be->sibling || be->threads < 2);
}

int rsc_train_group_lockstep(const rsc_train_group *g)
{
    return g->s != NULL;
}

void rsc_train_group_free(rsc_train_group *g)
{
    if (!g)
        return;
    if (g->be) {
        g->be->free(g->be, g->order);
        g->be->free(g->be, g->slot);
        g->be->free(g->be, g->sub);
        g->be->free(g->be, g->tstats);
    }
    rsc_optim_free(g->opt);
    rsc_net_stack_free(g->s);
    free(g->v);
    free(g->sums);
    free(g);
}

/* Whether the trainers can advance together: one configuration (but the
 * seed), one resident copy of the images, the same examples per epoch,
 * all at the start of the same epoch with the same optimiser step. */
static int lockstep_applies(const rsc_train_group *g)
{
    const rsc_trainer_view *a = &g->v[0];
    if (!rsc_train_group_fits(a->cfg, g->be))
        return 0;
    for (int i = 0; i < g->k; i++) {
        const rsc_trainer_view *b = &g->v[i];
        rsc_train_cfg c = *b->cfg;
        c.train_seed = a->cfg->train_seed;
        if (memcmp(&c, a->cfg, sizeof c) != 0 || b->x != a->x || b->tx != a->tx ||
            b->nused != a->nused || b->batches_done != 0 || a->batches_done != 0 ||
            b->opt->step != a->opt->step ||
            rsc_trainer_epochs_done(g->t[i]) != rsc_trainer_epochs_done(g->t[0]))
            return 0;
    }
    return 1;
}

/* The substitution of every model side by side: slot maps k x n (-1 for
 * a model without), substituted rows k x nsub x row. */
static int stack_substitution(rsc_train_group *g, rsc_error *err)
{
    rsc_backend *be = g->be;
    size_t row = g->v[0].row;
    for (int i = 0; i < g->k; i++)
        if (g->v[i].slot && g->v[i].nsub > g->nsub)
            g->nsub = g->v[i].nsub;
    if (g->nsub == 0)
        return 0;
    int32_t *none = rsc_malloc(g->n, sizeof *none, err);
    if (!none)
        return -1;
    for (size_t j = 0; j < g->n; j++)
        none[j] = -1;
    int rc = -1;
    if (!(g->slot = be->alloc(be, (size_t)g->k * g->n * sizeof(int32_t), err)) ||
        !(g->sub = be->alloc(be, (size_t)g->k * g->nsub * row * sizeof(float), err)))
        goto done;
    for (int i = 0; i < g->k; i++) {
        const rsc_trainer_view *v = &g->v[i];
        size_t off = (size_t)i * g->n * sizeof(int32_t);
        if (!v->slot) {
            if (be->upload(be, g->slot, off, none, g->n * sizeof(int32_t), err) != 0)
                goto done;
            continue;
        }
        be->copy(be, g->slot, off, v->slot, 0, g->n * sizeof(int32_t));
        if (v->nsub)
            be->copy(be, g->sub, (size_t)i * g->nsub * row * sizeof(float), v->sub, 0,
                     v->nsub * row * sizeof(float));
    }
    rc = 0;
done:
    free(none);
    return rc;
}

/* The stacked optimiser with every model's state (the step is common). */
static int stack_optim(rsc_train_group *g, rsc_error *err)
{
    rsc_backend *be = g->be;
    size_t np = g->s->nparam;
    if (!(g->opt = rsc_optim_new(be, (size_t)g->k * np, &g->v[0].cfg->optim, err)))
        return -1;
    g->opt->step = g->v[0].opt->step;
    for (int i = 0; i < g->k; i++)
        for (int j = 0; j < rsc_optim_state_count(g->opt); j++)
            be->copy(be, rsc_optim_state_buf(g->opt, j), (size_t)i * np * sizeof(float),
                     rsc_optim_state_buf(g->v[i].opt, j), 0, np * sizeof(float));
    return 0;
}

rsc_train_group *rsc_train_group_new(rsc_trainer *const *t, int k, rsc_error *err)
{
    rsc_train_group *g = rsc_calloc(1, sizeof *g, err);
    if (!g)
        return NULL;
    g->t = t;
    g->k = k;
    g->v = rsc_calloc((size_t)k, sizeof *g->v, err);
    g->sums = rsc_calloc((size_t)k * 2, sizeof *g->sums, err);
    if (!g->v || !g->sums)
        goto fail;
    for (int i = 0; i < k; i++)
        rsc_trainer_get_view(t[i], &g->v[i]);
    g->be = g->v[0].net->be;
    if (!lockstep_applies(g))
        return g;   /* in turn */
    rsc_net **nets = rsc_calloc((size_t)k, sizeof *nets, err);
    if (!nets)
        goto fail;
    for (int i = 0; i < k; i++)
        nets[i] = g->v[i].net;
    g->s = rsc_net_stack_new(nets, k, err);
    free(nets);
    rsc_backend *be = g->be;
    g->n = g->v[0].n;
    if (!g->s || stack_optim(g, err) != 0 || stack_substitution(g, err) != 0 ||
        !(g->order = be->alloc(be, (size_t)k * g->n * sizeof(int32_t), err)) ||
        !(g->tstats = be->alloc(be, (size_t)k * 2 * sizeof(double), err)))
        goto fail;
    return g;
fail:
    rsc_train_group_free(g);
    return NULL;
}

/* The models in turn, each with its own epoch. */
static int epoch_in_turn(rsc_train_group *g, rsc_train_progress cb, void *ud,
                         rsc_epoch_stats *st, rsc_error *err)
{
    for (int i = 0; i < g->k; i++) {
        int rc = rsc_trainer_epoch(g->t[i], i == 0 ? cb : NULL, ud, &st[i], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* One batch of every model: the gathers, input noise (each model's own
 * stream and seed, as its trainer draws them), forward, loss, backward,
 * clipping by value and the optimiser step, over all models at once. */
static void lockstep_batch(rsc_train_group *g, size_t start, int b, double lr)
{
    rsc_backend *be = g->be;
    rsc_net_stack *s = g->s;
    const rsc_trainer_view *v = &g->v[0];
    const rsc_train_cfg *cfg = v->cfg;
    size_t row = v->row;
    be->gather_batched(be, rsc_net_stack_input(s), v->x, v->xtype, row, g->order, g->n, start,
                       (size_t)b, g->slot, g->n, g->sub, g->nsub * row, g->k);
    be->gather_i32_batched(be, s->labels, v->y, g->order, g->n, start, (size_t)b, g->k);
    for (int i = 0; cfg->input_noise > 0 && i < g->k; i++) {
        uint64_t seed = rsc_rng_seed64(g->v[i].noise);
        size_t per = (size_t)b * row;
        rsc_error verr;
        rsc_buf *x = be->view(be, rsc_net_stack_input(s), (size_t)i * per * sizeof(float),
                              per * sizeof(float), &verr);
        if (x)   /* a failed view leaves the error to the next sync */
            be->noise_add(be, x, per, (float)cfg->input_noise, seed);
        be->free(be, x);
    }
    rsc_net_stack_forward(s, b);
    rsc_net_stack_loss(s, b, 1, 1.0f / (float)b, s->stats);
    rsc_net_stack_backward(s, b);
    size_t all = (size_t)g->k * s->nparam;
    if (cfg->clip_value > 0)
        be->clamp(be, s->G, all, (float)-cfg->clip_value, (float)cfg->clip_value);
    rsc_optim_step(g->opt, s->P, s->G, lr);
}

/* Every model's test accuracy into acc (NaN without a test split). */
static int lockstep_test(rsc_train_group *g, double *acc, rsc_error *err)
{
    rsc_backend *be = g->be;
    rsc_net_stack *s = g->s;
    const rsc_trainer_view *v = &g->v[0];
    for (int i = 0; i < g->k; i++)
        acc[i] = NAN;
    if (!v->tn)
        return 0;
    be->fill(be, g->tstats, 4 * (size_t)g->k, 0);
    size_t B = (size_t)s->max_batch;
    for (size_t i = 0; i < v->tn; i += B) {
        int b = (int)(v->tn - i < B ? v->tn - i : B);
        be->gather_batched(be, rsc_net_stack_input(s), v->tx, v->txtype, v->row, v->ident, 0, i,
                           (size_t)b, NULL, 0, NULL, 0, g->k);
        be->gather_i32_batched(be, s->labels, v->ty, v->ident, 0, i, (size_t)b, g->k);
        rsc_net_stack_forward(s, b);
        rsc_net_stack_loss(s, b, 0, 0.0f, g->tstats);
    }
    if (be->download(be, g->sums, g->tstats, 0, (size_t)g->k * 2 * sizeof(double), err) != 0)
        return -1;
    for (int i = 0; i < g->k; i++)
        acc[i] = g->sums[2 * i + 1] / (double)v->tn;
    return 0;
}

/* The stacked parameters and optimiser state back into each trainer. */
static void store_models(rsc_train_group *g)
{
    rsc_backend *be = g->be;
    size_t np = g->s->nparam;
    for (int i = 0; i < g->k; i++) {
        rsc_net_stack_store(g->s, i, g->v[i].net);
        for (int j = 0; j < rsc_optim_state_count(g->opt); j++)
            be->copy(be, rsc_optim_state_buf(g->v[i].opt, j), 0, rsc_optim_state_buf(g->opt, j),
                     (size_t)i * np * sizeof(float), np * sizeof(float));
        g->v[i].opt->step = g->opt->step;
    }
}

/* The epoch's orders of every trainer drawn on up to 16 threads at once
 * (the host's share of an epoch: 315 permutations of 60,000 take
 * 0.3-0.7 s on one core), thread j taking trainers j, j + T, ... */
typedef struct draw_ctx {
    rsc_train_group *g;
    int j, nthreads, rc;
    rsc_error err;
} draw_ctx;

static void *draw_some(void *arg)
{
    draw_ctx *c = arg;
    c->rc = 0;
    for (int i = c->j; i < c->g->k && c->rc == 0; i += c->nthreads)
        c->rc = rsc_trainer_epoch_draw(c->g->t[i], &c->err);
    return NULL;
}

static int draw_all(rsc_train_group *g, rsc_error *err)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int T = cores < 1 ? 1 : cores > 16 ? 16 : (int)cores;
    if (T > g->k)
        T = g->k;
    draw_ctx ctx[16];
    pthread_t th[16];
    int started[16] = { 0 };
    for (int j = 0; j < T; j++)
        ctx[j] = (draw_ctx){ .g = g, .j = j, .nthreads = T };
    for (int j = 1; j < T; j++)
        started[j] = pthread_create(&th[j], NULL, draw_some, &ctx[j]) == 0;
    for (int j = 0; j < T; j++)   /* here: the first share, and any thread that did not start */
        if (!started[j])
            draw_some(&ctx[j]);
    for (int j = 1; j < T; j++)
        if (started[j])
            pthread_join(th[j], NULL);
    for (int j = 0; j < T; j++)
        if (ctx[j].rc != 0) {
            *err = ctx[j].err;
            return -1;
        }
    return 0;
}

int rsc_train_group_epoch(rsc_train_group *g, rsc_train_progress cb, void *ud,
                          rsc_epoch_stats *st, rsc_error *err)
{
    if (!g->s)
        return epoch_in_turn(g, cb, ud, st, err);
    rsc_backend *be = g->be;
    double t0 = rsc_now(), lr = 0;
    int epoch = rsc_trainer_epochs_done(g->t[0]);
    size_t nused = g->v[0].nused;
    if (draw_all(g, err) != 0)
        return -1;
    for (int i = 0; i < g->k; i++) {
        if (rsc_trainer_epoch_begin(g->t[i], &lr, err) != 0)
            return -1;
        be->copy(be, g->order, (size_t)i * g->n * sizeof(int32_t), g->v[i].order, 0,
                 nused * sizeof(int32_t));
    }
    be->fill(be, g->s->stats, 4 * (size_t)g->k, 0);
    size_t B = (size_t)g->s->max_batch, nb = (nused + B - 1) / B;
    for (size_t bi = 0; bi < nb; bi++) {
        int sig = rsc_signal_pending();
        if (sig)
            return sig;   /* the trainers keep their last epoch */
        size_t start = bi * B;
        int b = (int)(nused - start < B ? nused - start : B);
        lockstep_batch(g, start, b, lr);
        if (cb && (bi % 16 == 15 || bi + 1 == nb)) {
            double s0[2];
            if (be->download(be, s0, g->s->stats, 0, sizeof s0, err) != 0)
                return -1;
            size_t done = start + (size_t)b;
            cb(ud, epoch + 1, done, nused, s0[0] / (double)done, s0[1] / (double)done);
        }
    }
    double *acc = rsc_malloc((size_t)g->k, sizeof *acc, err);
    if (!acc)
        return -1;
    int rc = -1;
    if (be->download(be, g->sums, g->s->stats, 0, (size_t)g->k * 2 * sizeof(double), err) != 0)
        goto done;
    double *train_sums = rsc_malloc((size_t)g->k * 2, sizeof *train_sums, err);
    if (!train_sums)
        goto done;
    memcpy(train_sums, g->sums, (size_t)g->k * 2 * sizeof *train_sums);
    int finite = 1;
    for (int i = 0; i < g->k; i++)
        finite &= isfinite(train_sums[2 * i]);
    if ((!finite || lockstep_test(g, acc, err) == 0)) {
        store_models(g);
        rc = 0;
        for (int i = 0; i < g->k && rc == 0; i++)
            rc = rsc_trainer_epoch_end(g->t[i], train_sums + 2 * i, acc[i], lr, t0, &st[i], err);
    }
    free(train_sums);
done:
    free(acc);
    return rc;
}
