/* experiment.c - models run on their datasets, the attack fitted on the
 * shadows and applied to a target model, and the attack on a feature
 * table. */
#include "mia/experiment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "mia/features.h"
#include "mia/lira.h"
#include "nn/model.h"

/* ------------------------------------------------------------ names */

int rsc_mia_attack_parse(const char *s)
{
    return !strcmp(s, "shadow") ? RSC_MIA_SHADOW
           : !strcmp(s, "lira") ? RSC_MIA_LIRA_ONLINE
           : !strcmp(s, "lira-offline") ? RSC_MIA_LIRA_OFFLINE
                                       : 0;
}

const char *rsc_mia_attack_name(int attack)
{
    return attack == RSC_MIA_LIRA_ONLINE ? "lira" : attack == RSC_MIA_LIRA_OFFLINE ? "lira-offline" : "shadow";
}

static const char *const feature_words[] = { "logits", "correct", "softmax", "loss" };

unsigned rsc_mia_features_parse(const char *list, rsc_error *err)
{
    unsigned set = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (int i = 0; i < 4; i++)
            if (len == strlen(feature_words[i]) && !strncmp(p, feature_words[i], len))
                set |= 1u << i, found = 1;
        if (!found)
            return rsc_fail(err, "--features: '%.*s' is not logits, correct, softmax or loss", (int)len, p), 0u;
        if (!p[len])
            return set;
        p += len + 1;
    }
}

void rsc_mia_features_format(unsigned set, char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < 4; i++)
        if (set & (1u << i) && at < size)
            at += (size_t)snprintf(buf + at, size - at, "%s%s", at ? "," : "", feature_words[i]);
}

/* ------------------------------------------------------------ a model on its dataset */

/* What a model gives on every row of its dataset. */
typedef struct run {
    size_t ntr, nte;     /* rows of the dataset's splits */
    int k;               /* classes */
    float *logits;       /* (ntr + nte) x k: the training rows, then the test rows */
    int32_t *labels;     /* ntr + nte */
    uint8_t *trained;    /* ntr: 1 for a row the model trained on */
} run;

static void run_free(run *r)
{
    free(r->logits);
    free(r->labels);
    free(r->trained);
    memset(r, 0, sizeof *r);
}

static const char *key_or(const rsc_file *f, const char *k, const char *dflt)
{
    const char *v = rsc_meta_get(f, k);
    return v ? v : dflt;
}

/* The model was trained on this dataset, as far as their keys tell. */
static int check_pair(const rsc_file *model, const char *mname, const rsc_file *ds, const char *dname,
                      rsc_error *err)
{
    static const char *const same[] = { "mia_split", "mia_shadow", "mia_split_seed", "mia_pool", "mia_pool_size" };
    for (int i = 0; i < 5; i++) {
        const char *a = rsc_meta_get(model, same[i]), *b = rsc_meta_get(ds, same[i]);
        if ((a || b) && (!a || !b || strcmp(a, b)))
            return rsc_fail(err, "%s: %s=%s, but %s has %s=%s: not the dataset the model was trained on", mname,
                            same[i], a ? a : "(none)", dname, same[i], b ? b : "(none)");
    }
    long size;
    rsc_error ignored;
    const rsc_tensor *ty = rsc_file_find(ds, "train.y");
    if (rsc_meta_get_long(model, "train_size", &size, &ignored) == 0 && (uint64_t)size != ty->dims[0])
        return rsc_fail(err, "%s: trained on %ld training examples, but %s has %llu: not the dataset the model "
                        "was trained on", mname, size, dname, (unsigned long long)ty->dims[0]);
    return 0;
}

/* Which training rows the model trained on: [0, min(n, limit)) less its
 * train/excluded rows (libcommon/train: the examples of an epoch). */
static uint8_t *trained_rows(const rsc_file *model, const char *mname, size_t ntr, rsc_error *err)
{
    long limit = 0;
    rsc_error ignored;
    if (rsc_meta_get_long(model, "limit", &limit, &ignored) != 0 || limit < 0)
        limit = 0;
    size_t upto = limit && (size_t)limit < ntr ? (size_t)limit : ntr;
    uint8_t *t = rsc_malloc(ntr, 1, err);
    if (!t)
        return NULL;
    for (size_t i = 0; i < ntr; i++)
        t[i] = i < upto;
    const rsc_tensor *ex = rsc_file_find(model, "train/excluded");
    if (ex && (ex->dtype != RSC_I64 || ex->ndim != 1)) {
        free(t);
        return rsc_fail(err, "%s: tensor 'train/excluded' is not i64 [n]", mname), NULL;
    }
    for (uint64_t i = 0; ex && i < ex->dims[0]; i++) {
        int64_t r = ((const int64_t *)ex->data)[i];
        if (r >= 0 && (size_t)r < ntr)
            t[r] = 0;
    }
    return t;
}

/* Logits of the model on every row of ds (the training split with its
 * spurious rows substituted); own: ds is the model's own dataset (checked
 * with check_pair), not another part of its pool (LiRA). */
static int run_model(run *r, const rsc_file *model, const char *mname, const rsc_file *ds, const char *dname,
                     int own, const rsc_mia_opts *o, rsc_error *err)
{
    memset(r, 0, sizeof *r);
    if (own && check_pair(model, mname, ds, dname, err) != 0)
        return -1;
    rsc_model *m = rsc_model_open(model, mname, o->device, o->threads, err);
    if (!m)
        return -1;
    int c, h, w, mc, mh, mw;
    const rsc_tensor *tx = rsc_file_find(ds, "train.x"), *ty = rsc_file_find(ds, "train.y");
    const rsc_tensor *ey = rsc_file_find(ds, "test.y");
    rsc_model_input(m, &mc, &mh, &mw);
    c = (int)tx->dims[1], h = (int)tx->dims[2], w = (int)tx->dims[3];
    r->k = rsc_model_classes(m);
    r->ntr = (size_t)ty->dims[0];
    r->nte = (size_t)ey->dims[0];
    size_t n = r->ntr + r->nte, img = (size_t)c * h * w, batch = 1024;
    float *x = NULL;
    if (r->k != rsc_dataset_classes(ds)) {
        rsc_fail(err, "%s: %d classes, but %s has %d", mname, r->k, dname, rsc_dataset_classes(ds));
        goto fail;
    }
    if (c != mc || h != mh || w != mw) {
        rsc_fail(err, "%s: takes %dx%dx%d images, but %s has %dx%dx%d", mname, mc, mh, mw, dname, c, h, w);
        goto fail;
    }
    if (!(r->trained = trained_rows(model, mname, r->ntr, err)) ||
        !(r->logits = rsc_malloc(n * (size_t)r->k, sizeof *r->logits, err)) ||
        !(r->labels = rsc_malloc(n, sizeof *r->labels, err)) || !(x = rsc_malloc(batch * img, sizeof *x, err)))
        goto fail;
    memcpy(r->labels, ty->data, r->ntr * sizeof *r->labels);
    memcpy(r->labels + r->ntr, ey->data, r->nte * sizeof *r->labels);
    for (int s = 0; s < 2; s++) {
        size_t ns = s ? r->nte : r->ntr, base = s ? r->ntr : 0;
        for (size_t at = 0; at < ns; at += batch) {
            size_t b = ns - at < batch ? ns - at : batch;
            if (rsc_dataset_range_f32(ds, s ? "test" : "train", at, b, x, err) != 0 ||
                rsc_model_logits(m, x, b, r->logits + (base + at) * (size_t)r->k, err) != 0) {
                rsc_fail_prefix(err, "%s on %s", mname, dname);
                goto fail;
            }
        }
    }
    free(x);
    rsc_model_free(m);
    return 0;
fail:
    free(x);
    rsc_model_free(m);
    run_free(r);
    return -1;
}

/* Load a model file and a dataset, and run one on the other. */
static int run_files(run *r, const rsc_mia_pair *p, const rsc_mia_opts *o, rsc_error *err)
{
    rsc_file *model = rsc_file_load(p->model, err);
    if (!model)
        return -1;
    const char *kind = rsc_meta_get(model, "kind");
    if (!kind || strcmp(kind, "model")) {
        rsc_fail(err, "%s: a %s file, not a model", p->model, kind ? kind : "kind-less");
        rsc_file_free(model);
        return -1;
    }
    rsc_file *ds = rsc_dataset_open_flags(p->data, 0, err);
    int rc = ds ? run_model(r, model, p->model, ds, p->data, 1, o, err) : -1;
    rsc_file_free(model);
    rsc_file_free(ds);
    return rc;
}

/* The pooled row of each row of ds: mia.train_rows then mia.test_rows,
 * or the row itself (train i; test ntr + i) for a dataset that is no
 * split. */
static int64_t *pooled_rows(const rsc_file *ds, const char *dname, size_t ntr, size_t nte, rsc_error *err)
{
    int64_t *idx = rsc_malloc(ntr + nte, sizeof *idx, err);
    if (!idx)
        return NULL;
    const rsc_tensor *a = rsc_file_find(ds, "mia.train_rows"), *b = rsc_file_find(ds, "mia.test_rows");
    if (!a && !b) {
        for (size_t i = 0; i < ntr + nte; i++)
            idx[i] = (int64_t)i;
        return idx;
    }
    long pool = 0;
    rsc_error ignored;
    if (!a || !b || a->dtype != RSC_I64 || b->dtype != RSC_I64 || a->ndim != 1 || b->ndim != 1 ||
        a->dims[0] != ntr || b->dims[0] != nte || rsc_meta_get_long(ds, "mia_pool", &pool, &ignored) != 0) {
        free(idx);
        return rsc_fail(err, "%s: tensors 'mia.train_rows' and 'mia.test_rows' (i64, one per example) and key "
                        "'mia_pool' do not match the dataset", dname), NULL;
    }
    memcpy(idx, a->data, ntr * sizeof *idx);
    memcpy(idx + ntr, b->data, nte * sizeof *idx);
    for (size_t i = 0; i < ntr + nte; i++)
        if (idx[i] < 0 || idx[i] >= pool) {
            free(idx);
            return rsc_fail(err, "%s: tensor 'mia.%s_rows': row %lld outside the pool of %ld", dname,
                            i < ntr ? "train" : "test", (long long)idx[i], pool), NULL;
        }
    return idx;
}

/* ------------------------------------------------------------ fitting */

void rsc_mia_fitted_free(rsc_mia_fitted *f)
{
    rsc_mia_attack_free(&f->lr);
    free(f->phi);
    free(f->in);
    free(f->lira_data);
    memset(f, 0, sizeof *f);
}

/* Attack features of the shadow's members and non-members, appended. */
static int shadow_features(const run *r, unsigned set, double **x, uint8_t **y, size_t *n, int *d,
                           rsc_error *err)
{
    int dd = rsc_mia_feature_count(set, r->k, err);
    if (dd < 0)
        return -1;
    if (*d && dd != *d)
        return rsc_fail(err, "%d attack features, the first shadow had %d (a model of another class count)", dd,
                        *d);
    *d = dd;
    size_t add = r->nte;
    for (size_t i = 0; i < r->ntr; i++)
        add += r->trained[i];
    double *nx = realloc(*x, (*n + add) * (size_t)dd * sizeof **x);
    if (nx)
        *x = nx;
    uint8_t *ny = nx ? realloc(*y, *n + add) : NULL;
    if (ny)
        *y = ny;
    if (!nx || !ny)
        return rsc_fail(err, "out of memory (%zu attack training rows)", *n + add);
    for (size_t i = 0; i < r->ntr + r->nte; i++) {
        if (i < r->ntr && !r->trained[i])
            continue;
        if (rsc_mia_features(r->logits + i * (size_t)r->k, r->labels + i, 1, r->k, set, *x + *n * (size_t)dd,
                             err) != 0)
            return -1;
        (*y)[(*n)++] = i < r->ntr;
    }
    return 0;
}

static int fit_lr(rsc_mia_fitted *f, const rsc_mia_pair *shadows, int K, const rsc_mia_opts *o, rsc_error *err)
{
    double *x = NULL;
    uint8_t *y = NULL;
    size_t n = 0;
    int d = 0, k = 0, rc = -1;
    char **names = NULL;
    for (int s = 0; s < K; s++) {
        run r;
        if (run_files(&r, &shadows[s], o, err) != 0)
            goto done;
        k = r.k;
        int bad = shadow_features(&r, o->features, &x, &y, &n, &d, err);
        run_free(&r);
        if (bad) {
            rsc_fail_prefix(err, "%s", shadows[s].model);
            goto done;
        }
    }
    /* feature names for the scaler's messages */
    if (!(names = rsc_malloc((size_t)d, sizeof *names, err)))
        goto done;
    for (int j = 0; j < d; j++) {
        names[j] = malloc(32);
        if (!names[j]) {
            rsc_fail(err, "out of memory");
            goto done;
        }
        rsc_mia_feature_name(o->features, k, j, names[j], 32);
    }
    if (rsc_mia_attack_fit(&f->lr, x, y, n, d, rsc_mia_C_grid, RSC_MIA_N_C, RSC_MIA_FOLDS,
                           (const char *const *)names, err) != 0) {
        rsc_fail_prefix(err, "the shadows' attack training set");
        goto done;
    }
    f->n_attack_train = n;
    rc = 0;
done:
    for (int j = 0; names && j < d; j++)
        free(names[j]);
    free(names);
    free(x);
    free(y);
    return rc;
}

/* A LiRA shadow's in-flags on the rows of the target dataset (pooled rows
 * rows[0..n)): the pooled rows it trained on, from its own dataset. */
static int lira_in_flags(const rsc_file *model, const rsc_mia_pair *p, const rsc_file *D, const char *dname,
                         const int64_t *rows, size_t n, uint8_t *in_pool, size_t pool, uint8_t *in,
                         rsc_error *err)
{
    rsc_file *S = rsc_dataset_open_flags(p->data, 0, err);
    uint8_t *tr = NULL;
    int64_t *srows = NULL;
    int rc = -1;
    if (!S)
        return -1;
    if (strcmp(key_or(S, "mia_split", ""), "lira") ||
        strcmp(key_or(S, "mia_split_seed", "?"), key_or(D, "mia_split_seed", "")) ||
        strcmp(key_or(S, "mia_pool", "?"), key_or(D, "mia_pool", "")) ||
        strcmp(key_or(S, "mia_pool_size", "?"), key_or(D, "mia_pool_size", ""))) {
        rsc_fail(err, "%s: not a LiRA split of the pool of %s (keys mia_split, mia_split_seed, mia_pool, "
                 "mia_pool_size)",
                 p->data, dname);
        goto done;
    }
    size_t ntr = (size_t)rsc_file_find(S, "train.y")->dims[0], nte = (size_t)rsc_file_find(S, "test.y")->dims[0];
    if (check_pair(model, p->model, S, p->data, err) != 0 || !(tr = trained_rows(model, p->model, ntr, err)) ||
        !(srows = pooled_rows(S, p->data, ntr, nte, err)))
        goto done;
    memset(in_pool, 0, pool);
    for (size_t i = 0; i < ntr; i++)
        in_pool[srows[i]] = tr[i];
    for (size_t i = 0; i < n; i++)
        in[i] = in_pool[rows[i]];
    rc = 0;
done:
    free(tr);
    free(srows);
    rsc_file_free(S);
    return rc;
}

/* LiRA: every shadow run on the target dataset's rows (its spurious rows
 * patterned), with its in-flags from its own dataset. */
static int fit_lira(rsc_mia_fitted *f, const rsc_mia_pair *shadows, int K, const char *lira_data,
                    const rsc_mia_opts *o, rsc_error *err)
{
    rsc_file *D = rsc_dataset_open_flags(lira_data, 0, err);
    int64_t *rows = NULL;
    uint8_t *in_pool = NULL;
    long pool = 0;
    rsc_error ignored;
    int rc = -1;
    if (!D)
        return -1;
    if (strcmp(key_or(D, "mia_split", ""), "lira") || rsc_meta_get_long(D, "mia_pool", &pool, &ignored) != 0) {
        rsc_fail(err, "%s: not a LiRA split (made by rsc-inject --mia-split lira)", lira_data);
        goto done;
    }
    size_t ntr = (size_t)rsc_file_find(D, "train.y")->dims[0], n = ntr + rsc_file_find(D, "test.y")->dims[0];
    if (!(rows = pooled_rows(D, lira_data, ntr, n - ntr, err)) ||
        !(f->phi = rsc_malloc((size_t)K * n, sizeof *f->phi, err)) || !(f->in = rsc_malloc((size_t)K * n, 1, err)) ||
        !(in_pool = rsc_malloc((size_t)pool, 1, err)) || !(f->lira_data = rsc_strdup(lira_data, err)))
        goto done;
    for (int s = 0; s < K; s++) {
        const rsc_mia_pair *p = &shadows[s];
        run r = { 0 };
        rsc_file *model = rsc_file_load(p->model, err);
        int bad = !model ||
                  lira_in_flags(model, p, D, lira_data, rows, n, in_pool, (size_t)pool, f->in + (size_t)s * n, err) ||
                  run_model(&r, model, p->model, D, lira_data, 0, o, err) ||
                  rsc_lira_phis(r.logits, r.labels, n, r.k, f->phi + (size_t)s * n, err);
        run_free(&r);
        rsc_file_free(model);
        if (bad)
            goto done;
    }
    f->rows = n;
    rc = 0;
done:
    free(rows);
    free(in_pool);
    rsc_file_free(D);
    return rc;
}

int rsc_mia_fit_shadows(rsc_mia_fitted *f, const rsc_mia_pair *shadows, int K, const char *lira_data,
                        const rsc_mia_opts *o, rsc_error *err)
{
    memset(f, 0, sizeof *f);
    f->attack = o->attack;
    f->nshadows = K;
    f->features = o->features;
    f->lira_var = o->lira_var;
    if (K < 1)
        return rsc_fail(err, "no shadow model");
    int rc = o->attack == RSC_MIA_SHADOW ? fit_lr(f, shadows, K, o, err)
                                         : fit_lira(f, shadows, K, lira_data, o, err);
    if (rc != 0)
        rsc_mia_fitted_free(f);
    return rc;
}

/* ------------------------------------------------------------ the target */

void rsc_mia_eval_free(rsc_mia_eval *ev)
{
    free(ev->index);
    free(ev->member);
    free(ev->spurious);
    free(ev->score);
    free(ev->train_score);
    rsc_roc_free(&ev->roc);
    memset(ev, 0, sizeof *ev);
}

/* The metrics over the scored examples. */
static int evaluate(rsc_mia_eval *ev, rsc_error *err)
{
    double *s = rsc_malloc(ev->n, sizeof *s, err);
    uint8_t *m = s ? rsc_malloc(ev->n, 1, err) : NULL;
    if (!m) {
        free(s);
        return -1;
    }
    size_t n = 0, hit = 0;
    for (size_t i = 0; i < ev->n; i++)
        if (isfinite(ev->score[i]))
            s[n] = ev->score[i], m[n++] = ev->member[i];
    ev->n_unscored = ev->n - n;
    int rc = -1;
    if (rsc_mia_metrics_compute(s, m, n, ev->threshold, &ev->m, err) != 0 ||
        rsc_roc_compute(s, m, n, &ev->roc, err) != 0)
        goto done;
    ev->tpr_1pct = rsc_roc_tpr_at_fpr(&ev->roc, 0.01, NULL);
    ev->tpr_01pct = rsc_roc_tpr_at_fpr(&ev->roc, 0.001, NULL);
    double t01 = rsc_roc_threshold_at_fpr(&ev->roc, 0.001);
    size_t hit01 = 0;
    ev->n_spurious = 0;
    for (size_t i = 0; i < ev->n; i++)
        if (ev->spurious[i] && isfinite(ev->score[i])) {
            ev->n_spurious++;
            hit += ev->score[i] > ev->threshold;
            hit01 += ev->score[i] >= t01;
        }
    ev->acc_spurious = ev->n_spurious ? (double)hit / (double)ev->n_spurious : NAN;
    ev->tpr_01pct_spurious = ev->n_spurious ? (double)hit01 / (double)ev->n_spurious : NAN;
    rc = 0;
done:
    free(s);
    free(m);
    return rc;
}

int rsc_mia_attack_target(const rsc_mia_fitted *f, const rsc_file *model, const char *fname,
                          const char *data, const rsc_mia_opts *o, rsc_mia_eval *ev, rsc_error *err)
{
    memset(ev, 0, sizeof *ev);
    if (f->attack != RSC_MIA_SHADOW && strcmp(data, f->lira_data))
        return rsc_fail(err, "%s: LiRA scores the dataset the shadows ran on (%s), not %s", fname, f->lira_data,
                        data);
    rsc_file *ds = rsc_dataset_open_flags(data, 0, err);
    if (!ds)
        return -1;
    int rc = rsc_mia_attack_target_ds(f, model, fname, ds, data, o, ev, err);
    rsc_file_free(ds);
    return rc;
}

int rsc_mia_attack_target_ds(const rsc_mia_fitted *f, const rsc_file *model, const char *fname,
                             const rsc_file *ds, const char *data, const rsc_mia_opts *o, rsc_mia_eval *ev,
                             rsc_error *err)
{
    memset(ev, 0, sizeof *ev);
    run r = { 0 };
    int64_t *rows = NULL;
    double *x = NULL, *all = NULL, *phi = NULL;
    rsc_lira_fit lf = { 0 };
    int rc = -1;
    if (run_model(&r, model, fname, ds, data, 1, o, err) != 0 ||
        !(rows = pooled_rows(ds, data, r.ntr, r.nte, err)))
        goto done;
    size_t n = r.ntr + r.nte;
    /* scores of every row of the dataset */
    if (!(all = rsc_malloc(n, sizeof *all, err)))
        goto done;
    if (f->attack == RSC_MIA_SHADOW) {
        int d = f->lr.d;
        if (!(x = rsc_malloc(n * (size_t)d, sizeof *x, err)) ||
            rsc_mia_features(r.logits, r.labels, n, r.k, f->features, x, err) != 0 ||
            rsc_mia_attack_score(&f->lr, x, n, all, err) != 0) {
            rsc_fail_prefix(err, "%s", fname);
            goto done;
        }
        ev->threshold = 0;
    } else {
        if (n != f->rows) {
            rsc_fail(err, "%s: %zu rows, the shadows ran on %zu", data, n, f->rows);
            goto done;
        }
        if (!(phi = rsc_malloc(n, sizeof *phi, err)) || !(x = rsc_malloc(n, sizeof *x, err)) ||
            rsc_lira_phis(r.logits, r.labels, n, r.k, phi, err) != 0 ||
            rsc_lira_fit_shadows(f->phi, f->in, f->nshadows, n, f->lira_var, &lf, err) != 0)
            goto fail_prefix;
        /* offline: the z-score (phi - mu_out) / s_out, which ranks as the
         * CDF without saturating at 1; member iff z > 0 (CDF > 1/2) */
        long bad = f->attack == RSC_MIA_LIRA_ONLINE
                       ? rsc_lira_score_online(&lf, phi, RSC_LIRA_SKIP_UNSCORABLE, all, err)
                       : rsc_lira_score_offline(&lf, phi, RSC_LIRA_SKIP_UNSCORABLE, x, all, err);
        if (bad < 0)
            goto fail_prefix;
        ev->threshold = 0;
    }
    /* the evaluated rows: trained training rows (members), test rows */
    size_t m = r.nte;
    for (size_t i = 0; i < r.ntr; i++)
        m += r.trained[i];
    if (!(ev->index = rsc_malloc(m, sizeof *ev->index, err)) || !(ev->member = rsc_malloc(m, 1, err)) ||
        !(ev->spurious = rsc_malloc(m, 1, err)) || !(ev->score = rsc_malloc(m, sizeof *ev->score, err)))
        goto done;
    uint8_t *spur = rsc_malloc(r.ntr, 1, err);
    if (!spur)
        goto done;
    memset(spur, 0, r.ntr);
    const rsc_tensor *si = rsc_file_find(ds, "spurious.index");
    for (uint64_t i = 0; si && i < si->dims[0]; i++)
        spur[((const int64_t *)si->data)[i]] = 1;
    for (size_t i = 0, j = 0; i < n; i++) {
        if (i < r.ntr && !r.trained[i])
            continue;
        ev->index[j] = rows[i];
        ev->member[j] = i < r.ntr;
        ev->spurious[j] = i < r.ntr && spur[i];
        ev->score[j++] = all[i];
    }
    free(spur);
    ev->n = m;
    if (!(ev->train_score = rsc_malloc(r.ntr ? r.ntr : 1, sizeof *ev->train_score, err)))
        goto done;
    memcpy(ev->train_score, all, r.ntr * sizeof *all);
    ev->n_train = r.ntr;
    if (evaluate(ev, err) != 0)
        goto fail_prefix;
    rc = 0;
    goto done;
fail_prefix:
    rsc_fail_prefix(err, "%s", fname);
done:
    if (rc != 0)
        rsc_mia_eval_free(ev);
    rsc_lira_fit_free(&lf);
    run_free(&r);
    free(rows);
    free(x);
    free(all);
    free(phi);
    return rc;
}

/* ------------------------------------------------------------ a feature table */

int rsc_mia_fit_table(const rsc_table *t, rsc_mia_table_fit *r, rsc_error *err)
{
    memset(r, 0, sizeof *r);
    int d = 0;
    char name[32];
    for (;;) {
        snprintf(name, sizeof name, "f%d", d + 1);
        if (rsc_table_col(t, name) < 0)
            break;
        d++;
    }
    if (d == 0)
        return rsc_table_need(t, "f1", err);
    int cm = rsc_table_need(t, "member", err), cs = cm < 0 ? -1 : rsc_table_need(t, "set", err);
    if (cs < 0)
        return -1;
    size_t n = t->nrows;
    double *x = rsc_malloc(n * (size_t)d, sizeof *x, err), *xt = x ? rsc_malloc(n * (size_t)d, sizeof *xt, err) : NULL;
    uint8_t *y = xt ? rsc_malloc(n, 1, err) : NULL, *yt = y ? rsc_malloc(n, 1, err) : NULL;
    char **names = yt ? rsc_malloc((size_t)d, sizeof *names, err) : NULL;
    double *score = NULL;
    int rc = -1;
    if (!names)
        goto done;
    for (int j = 0; j < d; j++)
        names[j] = t->cols[rsc_table_col(t, (snprintf(name, sizeof name, "f%d", j + 1), name))];
    for (size_t i = 0; i < n; i++) {
        const char *set = rsc_table_cell(t, i, (size_t)cs), *mem = rsc_table_cell(t, i, (size_t)cm);
        int train = !strcmp(set, "train");
        if (!train && strcmp(set, "test")) {
            rsc_fail(err, "%s:%ld: column 'set': '%s' is not train or test", t->sources[t->source[i]], t->lines[i],
                     set);
            goto done;
        }
        if (strcmp(mem, "0") && strcmp(mem, "1")) {
            rsc_fail(err, "%s:%ld: column 'member': '%s' is not 0 or 1", t->sources[t->source[i]], t->lines[i], mem);
            goto done;
        }
        double *row = (train ? x + r->n_train * (size_t)d : xt + r->n_test * (size_t)d);
        for (int j = 0; j < d; j++) {
            snprintf(name, sizeof name, "f%d", j + 1);
            if (rsc_table_number(t, i, (size_t)rsc_table_col(t, name), &row[j], err) < 0)
                goto done;
            if (!isfinite(row[j])) {
                rsc_fail(err, "%s:%ld: column '%s': missing or not finite", t->sources[t->source[i]], t->lines[i],
                         name);
                goto done;
            }
        }
        if (train)
            y[r->n_train++] = mem[0] == '1';
        else
            yt[r->n_test++] = mem[0] == '1';
    }
    size_t members = 0;
    for (size_t i = 0; i < r->n_train; i++)
        members += y[i];
    if (r->n_train && (members == 0 || members == r->n_train)) {
        rsc_fail(err, "%s: column 'member' is %d in every train row (%zu): the attack needs members and "
                 "non-members", t->fname, members ? 1 : 0, r->n_train);
        goto done;
    }
    if (rsc_mia_attack_fit(&r->a, x, y, r->n_train, d, rsc_mia_C_grid, RSC_MIA_N_C, RSC_MIA_FOLDS,
                           (const char *const *)names, err) != 0) {
        rsc_fail_prefix(err, "%s", t->fname);
        goto done;
    }
    r->d = d;
    r->test_acc = NAN;
    if (r->n_test) {
        if (!(score = rsc_malloc(r->n_test, sizeof *score, err)) ||
            rsc_mia_attack_score(&r->a, xt, r->n_test, score, err) != 0)
            goto done;
        size_t right = 0;
        for (size_t i = 0; i < r->n_test; i++)
            right += (score[i] > 0) == yt[i];
        r->test_acc = (double)right / (double)r->n_test;
    }
    rc = 0;
done:
    if (rc != 0)
        rsc_mia_attack_free(&r->a);
    free(x);
    free(xt);
    free(y);
    free(yt);
    free(names);
    free(score);
    return rc;
}
