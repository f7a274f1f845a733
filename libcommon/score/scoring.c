/* scoring.c - a set of models scored on one test set, batch by batch from
 * the dataset's own pixels, and the rows of rsc-score. */
#include "config.h"

#include "score/scoring.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/patterns.h"
#include "nn/model.h"

const char *const rsc_score_provenance[] = {
    "name", "pattern", "pattern_seed", "target", "count", "seed", "train_seed",
    "arch", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs",
    "epochs_done", "milestones", "gamma", "clip_value", "clip_norm", "input_noise",
    "augment", NULL,
};

const char *const rsc_score_metrics[] = {
    "clean_acc", "spurious_acc", "spurious_score", "pd_mean", "pd_max", "asr", NULL,
};

/* ------------------------------------------------------------ test set */

int rsc_testset_open(rsc_testset *ts, const char *data, const char *split, int all_floats,
                     unsigned open_flags, rsc_error *err)
{
    memset(ts, 0, sizeof *ts);
    ts->split = strcmp(split, "train") == 0 ? "train" : "test";
    /* the test split alone, when that is all it takes (a bomb in the
     * training files costs nothing) */
    if (!strcmp(ts->split, "test"))
        open_flags |= RSC_DATASET_TEST_ONLY;
    if (!(ts->ds = rsc_dataset_open_flags(data, open_flags, err)) || !(ts->label = rsc_strdup(data, err)))
        goto fail;
    char yn[16];
    snprintf(yn, sizeof yn, "%s.y", ts->split);
    const rsc_tensor *x = rsc_file_find(ts->ds, strcmp(ts->split, "train") ? "test.x" : "train.x");
    const rsc_tensor *y = rsc_file_expect(ts->ds, yn, RSC_I32, 1, err);
    if (!x || !y) {
        rsc_fail_prefix(err, "%s", data);
        goto fail;
    }
    ts->n = (size_t)x->dims[0];
    ts->c = (int)x->dims[1];
    ts->h = (int)x->dims[2];
    ts->w = (int)x->dims[3];
    ts->y = y->data;
    ts->classes = rsc_dataset_classes(ts->ds);
    if (ts->n == 0) {
        rsc_fail(err, "%s: the %s split is empty", data, ts->split);
        goto fail;
    }
    if (all_floats &&
        rsc_dataset_images_f32(ts->ds, ts->split, &ts->x, NULL, NULL, NULL, NULL, NULL, err) != 0)
        goto fail;
    return 0;
fail:
    rsc_testset_close(ts);
    return -1;
}

void rsc_testset_close(rsc_testset *ts)
{
    rsc_file_free(ts->ds);
    free(ts->label);
    free(ts->x);
    memset(ts, 0, sizeof *ts);
}

/* Images [i, i + n) as floats. */
static int images(const rsc_testset *ts, size_t i, size_t n, float *x, rsc_error *err)
{
    size_t chw = (size_t)ts->c * (size_t)ts->h * (size_t)ts->w;
    if (ts->x) {
        memcpy(x, ts->x + i * chw, n * chw * sizeof *x);
        return 0;
    }
    return rsc_dataset_range_f32(ts->ds, ts->split, i, n, x, err);
}

const char *rsc_score_dataset_of(const rsc_file *model, const char *fname, rsc_error *err)
{
    const char *data = rsc_meta_get(model, "name");
    if (!data || !*data)
        return rsc_fail(err, "%s: the model names no dataset: give --data", fname), NULL;
    if (!rsc_dataset_is_name(data))
        return rsc_fail(err, "%s: the model's dataset '%s' is not one the lookup knows "
                        "(mnist, fashion, cifar10): give --data", fname, data), NULL;
    return data;
}

/* ------------------------------------------------------------ scoring */

/* Open the model and check it against the images. */
static rsc_model *open_model(const rsc_testset *ts, const rsc_file *f, const char *fname,
                             const rsc_score_opts *o, rsc_error *err)
{
    rsc_model *m = rsc_model_open(f, fname, o->device ? o->device : "auto", o->threads, err);
    if (!m)
        return NULL;
    int c, h, w, classes = rsc_model_classes(m);
    rsc_model_input(m, &c, &h, &w);
    if (classes != ts->classes)
        rsc_fail(err, "%s: the model has %d classes, %s has %d", fname, classes, ts->label,
                 ts->classes);
    else if (c != ts->c || h != ts->h || w != ts->w)
        rsc_fail(err, "%s: the model takes %dx%dx%d images, those of %s are %dx%dx%d", fname, c,
                 h, w, ts->label, ts->c, ts->h, ts->w);
    else
        return m;
    rsc_model_free(m);
    return NULL;
}

/* The pattern (and its seed) a model is scored against. */
static int pattern_of(const rsc_testset *ts, const rsc_file *f, const char *fname,
                      const rsc_score_opts *o, rsc_pattern *p, rsc_score *s, rsc_error *err)
{
    rsc_error e;
    long v;
    if (o->pattern) {
        uint32_t seed = 0;
        if (o->pattern_seed >= 0)
            seed = (uint32_t)o->pattern_seed;
        else if (rsc_meta_get(f, "seed") && rsc_meta_get_long(f, "seed", &v, &e) == 0 && v >= 0 &&
                 v <= (long)UINT32_MAX)
            seed = (uint32_t)v;
        snprintf(s->pattern_seed, sizeof s->pattern_seed, "%lu", (unsigned long)seed);
        if (rsc_pattern_make(p, o->pattern, ts->c, ts->h, ts->w, seed, &e) != 0)
            return rsc_fail(err, "--pattern: %s", e.msg);
        return 0;
    }
    const rsc_file *src = NULL;
    const char *srcname = fname;
    const char *pk = rsc_meta_get(f, "pattern");
    if (pk && *pk && strcmp(pk, "none") != 0) {
        src = f;
    } else if ((pk = rsc_meta_get(ts->ds, "pattern")) && *pk && strcmp(pk, "none") != 0) {
        src = ts->ds;
        srcname = ts->label;
    }
    if (!src)
        return rsc_fail(err, "%s: the model records no pattern (trained on clean data?), nor "
                        "does %s: give --pattern", fname, ts->label);
    if (rsc_pattern_from_dataset(p, src, &e) != 0)
        return rsc_fail(err, "%s: %s", srcname, e.msg);
    const char *sk = rsc_meta_get(src, "seed");
    snprintf(s->pattern_seed, sizeof s->pattern_seed, "%s", sk ? sk : "");
    if (p->c != ts->c || p->h != ts->h || p->w != ts->w) {
        rsc_fail(err, "%s: pattern '%s' is %dx%dx%d, the images of %s are %dx%dx%d", srcname,
                 p->name, p->c, p->h, p->w, ts->label, ts->c, ts->h, ts->w);
        rsc_pattern_free(p);
        return -1;
    }
    return 0;
}

/* The target class: --target, the model's, or the test set's. */
static int target_of(const rsc_testset *ts, const rsc_file *f, const char *fname,
                     const rsc_score_opts *o, int *target, rsc_error *err)
{
    long v;
    if (o->target >= 0) {
        *target = (int)o->target;
        if (*target >= ts->classes)
            return rsc_fail(err, "--target %d: %s has only %d classes", *target, ts->label,
                            ts->classes);
        return 0;
    }
    const rsc_file *src = rsc_meta_get(f, "target") ? f : rsc_meta_get(ts->ds, "target") ? ts->ds : NULL;
    const char *srcname = src == f ? fname : ts->label;
    if (!src)
        return rsc_fail(err, "%s: the model records no target class, nor does %s: give --target",
                        fname, ts->label);
    if (rsc_meta_get_long(src, "target", &v, err) != 0)
        return rsc_fail_prefix(err, "%s", srcname);
    if (v < 0 || v >= ts->classes)
        return rsc_fail(err, "%s: target class %ld is not in [0, %d]", srcname, v, ts->classes - 1);
    *target = (int)v;
    return 0;
}

static void progress(const rsc_score_opts *o, double images, const char *fname)
{
    if (o->progress)
        rsc_progress_update(o->progress, o->progress->done + images, fname);
}

int rsc_score_model(const rsc_testset *ts, const rsc_file *model, const char *fname,
                    const rsc_score_opts *o, rsc_score *s, rsc_error *err)
{
    memset(s, 0, sizeof *s);
    rsc_pattern p = { 0 };
    rsc_model *m = open_model(ts, model, fname, o, err);
    if (!m)
        return -1;
    if (pattern_of(ts, model, fname, o, &p, s, err) != 0 ||
        target_of(ts, model, fname, o, &s->target, err) != 0) {
        rsc_pattern_free(&p);
        rsc_model_free(m);
        return -1;
    }
    snprintf(s->pattern, sizeof s->pattern, "%s", p.name);
    double eps = isnan(o->epsilon) ? 1.0 / ts->classes : o->epsilon;
    s->epsilon = (float)eps;
    size_t chw = (size_t)ts->c * (size_t)ts->h * (size_t)ts->w, k = (size_t)ts->classes;
    size_t bs = o->batch_size < ts->n ? o->batch_size : ts->n;
    float *xc = rsc_malloc(bs, chw * sizeof *xc, err);
    float *xp = xc ? rsc_malloc(bs, chw * sizeof *xp, err) : NULL;
    float *pc = xp ? rsc_malloc(bs, k * sizeof *pc, err) : NULL;
    float *pp = pc ? rsc_malloc(bs, k * sizeof *pp, err) : NULL;
    rsc_metrics_acc acc;
    int rc = -1;
    if (!pp)
        goto out;
    if (rsc_metrics_init(&acc, ts->classes, s->target, eps, err) != 0) {
        rsc_fail_prefix(err, "%s", fname);
        goto out;
    }
    for (size_t i = 0; i < ts->n; i += bs) {
        size_t b = ts->n - i < bs ? ts->n - i : bs;
        if (images(ts, i, b, xc, err) != 0)
            goto out;
        for (size_t j = 0; j < b; j++)
            rsc_pattern_apply(&p, xc + j * chw, xp + j * chw);
        if (rsc_model_predict(m, xc, b, pc, err) != 0 || rsc_model_predict(m, xp, b, pp, err) != 0)
            goto out;
        if (rsc_metrics_add(&acc, pc, pp, ts->y + i, b, err) != 0) {
            rsc_fail_prefix(err, "%s", ts->label);
            goto out;
        }
        progress(o, 2.0 * (double)b, fname);
    }
    rsc_metrics_result(&acc, &s->m);
    rc = 0;
out:
    free(xc);
    free(xp);
    free(pc);
    free(pp);
    rsc_pattern_free(&p);
    rsc_model_free(m);
    return rc;
}

int rsc_score_occlusion(const rsc_testset *ts, const rsc_occlusion *occ, const rsc_file *model,
                        const char *fname, const double *fr, size_t nfr, const rsc_score_opts *o,
                        double *mean_prob, rsc_error *err)
{
    rsc_model *m = open_model(ts, model, fname, o, err);
    if (!m)
        return -1;
    size_t chw = (size_t)ts->c * (size_t)ts->h * (size_t)ts->w, k = (size_t)ts->classes;
    size_t bs = o->batch_size < occ->k ? o->batch_size : occ->k;
    float *x = rsc_malloc(bs, chw * sizeof *x, err);
    float *probs = x ? rsc_malloc(bs, k * sizeof *probs, err) : NULL;
    int rc = probs ? 0 : -1;
    for (size_t fi = 0; rc == 0 && fi < nfr; fi++) {
        double sum = 0;
        for (size_t i = 0; rc == 0 && i < occ->k; i += bs) {
            size_t b = occ->k - i < bs ? occ->k - i : bs;
            for (size_t j = 0; j < b; j++)
                rsc_occlusion_apply(occ, ts->x, i + j, fr[fi], x + j * chw);
            rc = rsc_model_predict(m, x, b, probs, err);
            for (size_t j = 0; rc == 0 && j < b; j++)
                sum += probs[j * k + (size_t)ts->y[occ->index[i + j]]];
            progress(o, (double)b, fname);
        }
        mean_prob[fi] = sum / (double)occ->k;
    }
    free(x);
    free(probs);
    rsc_model_free(m);
    return rc;
}

/* ------------------------------------------------------------ rows */

rsc_rows *rsc_score_rows(FILE *fp, const char *fname, int json, int occlusion, rsc_error *err)
{
    const char *cols[64];
    size_t n = 0;
    cols[n++] = "model";
    for (const char *const *p = rsc_score_provenance; *p; p++)
        cols[n++] = *p;
    if (occlusion) {
        cols[n++] = "fraction";
        cols[n++] = "mean_prob";
        cols[n++] = "n";
    } else {
        cols[n++] = "epsilon";
        for (const char *const *p = rsc_score_metrics; *p; p++)
            cols[n++] = *p;
        cols[n++] = "n_test";
    }
    return rsc_rows_new(fp, fname, json, cols, n, err);
}

/* model and the provenance cells; s: what the model was scored with. */
static void provenance(rsc_rows *w, const rsc_file *f, const char *fname, const rsc_score *s)
{
    rsc_rows_str(w, fname);
    for (const char *const *p = rsc_score_provenance; *p; p++) {
        const char *k = *p;
        if (s && strcmp(k, "pattern") == 0)
            rsc_rows_str(w, s->pattern);
        else if (s && strcmp(k, "pattern_seed") == 0)
            rsc_rows_text(w, s->pattern_seed);
        else if (s && strcmp(k, "target") == 0)
            rsc_rows_int(w, s->target);
        else {
            const char *v = rsc_meta_get(f, strcmp(k, "pattern_seed") == 0 ? "seed" : k);
            rsc_rows_text(w, v ? v : "");
        }
    }
}

void rsc_score_provenance_cells(rsc_rows *w, const rsc_file *model, const char *fname)
{
    provenance(w, model, fname, NULL);
}

int rsc_score_write(rsc_rows *w, const rsc_file *model, const char *fname, const rsc_score *s,
                    rsc_error *err)
{
    provenance(w, model, fname, s);
    /* What the network computes (probabilities, their differences) prints
     * as float32; the rates are ratios of counts (doubles); epsilon as
     * compared, in float32. */
    rsc_rows_f32(w, s->epsilon);
    rsc_rows_f64(w, s->m.clean_acc);
    rsc_rows_f64(w, s->m.spurious_acc);
    rsc_rows_f64(w, s->m.spurious_score);
    rsc_rows_f32(w, (float)s->m.pd_mean);
    rsc_rows_f32(w, (float)s->m.pd_max);
    rsc_rows_f64(w, s->m.asr);
    rsc_rows_uint(w, s->m.n_test);
    return rsc_rows_end(w, err);
}

int rsc_score_write_occlusion(rsc_rows *w, const rsc_file *model, const char *fname,
                              double fraction, double mean_prob, size_t n, rsc_error *err)
{
    provenance(w, model, fname, NULL);
    rsc_rows_f64(w, fraction);
    rsc_rows_f32(w, (float)mean_prob);
    rsc_rows_uint(w, n);
    return rsc_rows_end(w, err);
}
