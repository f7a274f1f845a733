/* report.c - the measurements and the row of rsc-delete --report
 * (report.h). */
#include "config.h"

#include "delete/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delete/influence.h"
#include "nn/model.h"
#include "score/metrics.h"

int rsc_delete_train_acc(const rsc_file *model, const char *fname, const rsc_split *train,
                         const int64_t *idx, size_t m, const char *device, int threads,
                         double *ua, double *ra, rsc_error *err)
{
    enum { B = 512 };
    rsc_model *mod = rsc_model_open(model, fname, device, threads, err);
    if (!mod)
        return -1;
    int classes = rsc_model_classes(mod);
    size_t img = (size_t)train->c * train->h * train->w;
    float *x = rsc_malloc(B, img * sizeof *x, err);
    float *p = x ? rsc_malloc(B, (size_t)classes * sizeof *p, err) : NULL;
    int32_t *y = p ? rsc_malloc(B, sizeof *y, err) : NULL;
    int64_t *rows = y ? rsc_malloc(B, sizeof *rows, err) : NULL;
    uint8_t *del = rows ? rsc_calloc(train->n ? train->n : 1, 1, err) : NULL;
    int rc = -1;
    if (!del)
        goto done;
    for (size_t k = 0; k < m; k++)
        del[idx[k]] = 1;
    size_t hit[2] = { 0, 0 }, cnt[2] = { 0, 0 };
    for (size_t s = 0; s < train->n;) {
        size_t n = 0;
        while (s < train->n && n < B)
            rows[n++] = (int64_t)s++;
        rsc_split_rows(train, rows, n, x, y);
        if (rsc_model_predict(mod, x, n, p, err) != 0)
            goto done;
        for (size_t i = 0; i < n; i++) {
            int g = del[rows[i]];
            cnt[g]++;
            hit[g] += rsc_argmax_f32(p + i * (size_t)classes, classes) == y[i];
        }
    }
    *ra = cnt[0] ? (double)hit[0] / (double)cnt[0] : NAN;
    *ua = cnt[1] ? (double)hit[1] / (double)cnt[1] : NAN;
    rc = 0;
done:
    free(x);
    free(p);
    free(y);
    free(rows);
    free(del);
    rsc_model_free(mod);
    return rc;
}

int rsc_delete_param_distance(const rsc_file *a, const char *aname, const rsc_file *b,
                              const char *bname, double *out, rsc_error *err)
{
    double s = 0;
    size_t seen = 0;
    for (size_t i = 0; i < a->ntensors; i++) {
        const rsc_tensor *ta = a->tensors[i];
        if (strncmp(ta->name, "param/", 6) != 0 || ta->dtype != RSC_F32)
            continue;
        const rsc_tensor *tb = rsc_file_find(b, ta->name);
        if (!tb || tb->dtype != RSC_F32 || rsc_tensor_numel(tb) != rsc_tensor_numel(ta))
            return rsc_fail(err, "%s: tensor '%s' does not match %s's", bname, ta->name, aname);
        const float *x = ta->data, *y = tb->data;
        for (uint64_t k = 0; k < rsc_tensor_numel(ta); k++)
            s += ((double)x[k] - y[k]) * ((double)x[k] - y[k]);
        seen++;
    }
    if (!seen)
        return rsc_fail(err, "%s: no parameters (param/ tensors)", aname);
    *out = sqrt(s);
    return 0;
}

/* The fraction of idx that the attack calls members on model. */
static int mia_called(const rsc_mia_fitted *f, const rsc_mia_opts *o, const rsc_file *model,
                      const char *fname, const rsc_file *ds, const char *dname,
                      const int64_t *idx, size_t m, double *called, double *acc, rsc_error *err)
{
    rsc_mia_eval ev;
    if (rsc_mia_attack_target_ds(f, model, fname, ds, dname, o, &ev, err) != 0)
        return -1;
    size_t hit = 0, scored = 0;
    for (size_t k = 0; k < m; k++) {
        double s = (size_t)idx[k] < ev.n_train ? ev.train_score[idx[k]] : NAN;
        if (isfinite(s)) {
            scored++;
            hit += s > ev.threshold;
        }
    }
    *called = scored ? (double)hit / (double)scored : NAN;
    if (acc)
        *acc = ev.m.accuracy;
    rsc_mia_eval_free(&ev);
    return 0;
}

int rsc_delete_mia(const rsc_mia_pair *shadows, int K, const rsc_mia_opts *o,
                   const rsc_file *before, const char *bname, const rsc_file *after,
                   const char *aname, const rsc_file *ds, const char *dname, const int64_t *idx,
                   size_t m, rsc_delete_eval *e, rsc_error *err)
{
    rsc_mia_fitted f;
    if (rsc_mia_fit_shadows(&f, shadows, K, NULL, o, err) != 0)
        return -1;
    int rc = mia_called(&f, o, before, bname, ds, dname, idx, m, &e->mia_before, NULL, err) ||
             mia_called(&f, o, after, aname, ds, dname, idx, m, &e->mia_after, &e->mia_acc, err);
    rsc_mia_fitted_free(&f);
    return rc ? -1 : 0;
}

static const char *const extra_cols[] = {
    "method", "deleted", "spurious_score_before", "spurious_score", "clean_acc", "ua", "ra",
    "l2_to_exact", "score_gap_to_exact", "seconds", "mia_deleted_before", "mia_deleted",
    "mia_acc", NULL,
};

rsc_rows *rsc_delete_rows(FILE *fp, const char *fname, int json, rsc_error *err)
{
    const char *cols[64];
    size_t n = 0;
    cols[n++] = "model";
    for (const char *const *p = rsc_score_provenance; *p; p++)
        cols[n++] = *p;
    for (const char *const *p = extra_cols; *p; p++)
        cols[n++] = *p;
    return rsc_rows_new(fp, fname, json, cols, n, err);
}

int rsc_delete_write_row(rsc_rows *w, const rsc_file *model, const char *fname,
                         const char *method, size_t m, const rsc_delete_eval *e,
                         rsc_error *err)
{
    rsc_score_provenance_cells(w, model, fname);
    rsc_rows_str(w, method);
    rsc_rows_uint(w, m);
    rsc_rows_f64(w, e->before.m.spurious_score);
    rsc_rows_f64(w, e->after.m.spurious_score);
    rsc_rows_f64(w, e->after.m.clean_acc);
    rsc_rows_f64(w, e->ua);
    rsc_rows_f64(w, e->ra);
    rsc_rows_f64(w, e->l2);
    rsc_rows_f64(w, e->gap);
    rsc_rows_f64(w, e->seconds);
    rsc_rows_f64(w, e->mia_before);
    rsc_rows_f64(w, e->mia_after);
    rsc_rows_f64(w, e->mia_acc);
    return rsc_rows_end(w, err);
}
