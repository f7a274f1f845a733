/* report.c - rsc-mia's tables: the report row, the scores, the ROC curve,
 * the row of rsc-mia fit. */
#include "mia/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mia/cv.h"
#include "score/scoring.h"

const char *const rsc_mia_report_metrics[] = {
    "attack_acc", "attack_bacc", "attack_acc_spurious", "auc", "advantage", "tpr_at_1pct",
    "tpr_at_0.1pct", "tpr_at_0.1pct_spurious", "C", "n_unscored", NULL,
};

rsc_rows *rsc_mia_report_rows(FILE *fp, const char *fname, int json, rsc_error *err)
{
    const char *cols[64];
    size_t n = 0;
    cols[n++] = "model";
    for (const char *const *p = rsc_score_provenance; *p; p++)
        cols[n++] = *p;
    cols[n++] = "split_seed";
    cols[n++] = "attack";
    cols[n++] = "features";
    cols[n++] = "shadows";
    for (const char *const *p = rsc_mia_report_metrics; *p; p++)
        cols[n++] = *p;
    cols[n++] = "n_members";
    cols[n++] = "n_nonmembers";
    cols[n++] = "n_spurious";
    cols[n++] = "n_attack_train";
    return rsc_rows_new(fp, fname, json, cols, n, err);
}

int rsc_mia_report_write(rsc_rows *w, const rsc_file *model, const char *fname,
                         const rsc_mia_fitted *f, const rsc_mia_eval *ev, rsc_error *err)
{
    char feats[64];
    const char *ss = rsc_meta_get(model, "mia_split_seed");
    rsc_score_provenance_cells(w, model, fname);
    rsc_rows_text(w, ss ? ss : "");
    rsc_rows_str(w, rsc_mia_attack_name(f->attack));
    if (f->attack == RSC_MIA_SHADOW)
        rsc_mia_features_format(f->features, feats, sizeof feats);
    else
        snprintf(feats, sizeof feats, "phi");
    rsc_rows_str(w, feats);
    rsc_rows_int(w, f->nshadows);
    rsc_rows_f64(w, ev->m.accuracy);
    rsc_rows_f64(w, ev->m.balanced_accuracy);
    rsc_rows_f64(w, ev->acc_spurious);
    rsc_rows_f64(w, ev->m.auc);
    rsc_rows_f64(w, ev->m.advantage);
    rsc_rows_f64(w, ev->tpr_1pct);
    rsc_rows_f64(w, ev->tpr_01pct);
    rsc_rows_f64(w, ev->tpr_01pct_spurious);
    rsc_rows_f64(w, f->attack == RSC_MIA_SHADOW ? f->lr.cv.C[f->lr.cv.best] : NAN);
    rsc_rows_uint(w, ev->n_unscored);
    rsc_rows_uint(w, ev->m.n_members);
    rsc_rows_uint(w, ev->m.n_nonmembers);
    rsc_rows_uint(w, ev->n_spurious);
    if (f->attack == RSC_MIA_SHADOW)
        rsc_rows_uint(w, f->n_attack_train);
    else
        rsc_rows_missing(w);
    return rsc_rows_end(w, err);
}

int rsc_mia_scores_write(FILE *fp, const char *fname, const char *model, const rsc_mia_eval *ev,
                         rsc_error *err)
{
    static const char *const cols[] = { "model", "index", "member", "spurious", "score" };
    rsc_rows *w = rsc_rows_new(fp, fname, 1, cols, 5, err);
    if (!w)
        return -1;
    for (size_t i = 0; i < ev->n; i++) {
        rsc_rows_str(w, model);
        rsc_rows_int(w, ev->index[i]);
        rsc_rows_int(w, ev->member[i]);
        rsc_rows_int(w, ev->spurious[i]);
        rsc_rows_f64(w, ev->score[i]);
        if (rsc_rows_end(w, err) != 0) {
            rsc_rows_free(w);
            return -1;
        }
    }
    return rsc_rows_close(w, err);
}

rsc_rows *rsc_mia_roc_rows(FILE *fp, const char *fname, int json, rsc_error *err)
{
    static const char *const cols[] = { "model", "fpr", "tpr", "threshold" };
    return rsc_rows_new(fp, fname, json, cols, 4, err);
}

int rsc_mia_roc_write(rsc_rows *w, const char *model, const rsc_mia_eval *ev, rsc_error *err)
{
    for (size_t i = 0; i < ev->roc.n; i++) {
        const rsc_roc_point *p = &ev->roc.points[i];
        rsc_rows_str(w, model);
        rsc_rows_f64(w, p->fpr);
        rsc_rows_f64(w, p->tpr);
        rsc_rows_f64(w, p->threshold);
        if (rsc_rows_end(w, err) != 0)
            return -1;
    }
    return 0;
}

int rsc_mia_fit_write(FILE *fp, const char *fname, int json, const rsc_mia_table_fit *r, rsc_error *err)
{
    const rsc_cv_result *cv = &r->a.cv;
    size_t ncols = 4 + (size_t)cv->n_C + (size_t)r->d + 1;
    char **names = rsc_malloc(ncols, sizeof *names, err);
    if (!names)
        return -1;
    size_t n = 0;
    int rc = -1;
    rsc_rows *w = NULL;
    const char *fixed[] = { "n_train", "n_test", "C_chosen" };
    for (int i = 0; i < 3; i++)
        names[n++] = (char *)fixed[i];
    char buf[RSC_CV_MAX_C][32];
    size_t nb = 0;
    for (int c = 0; c < cv->n_C; c++) {
        snprintf(buf[nb], sizeof buf[nb], "cv_C%g", cv->C[c]);
        names[n++] = buf[nb++];
    }
    names[n++] = "test_acc";
    char **coef = rsc_malloc((size_t)r->d, sizeof *coef, err);
    if (!coef)
        goto done;
    for (int j = 0; j < r->d; j++) {
        coef[j] = malloc(32);
        if (!coef[j]) {
            for (int i = 0; i < j; i++)
                free(coef[i]);
            free(coef);
            coef = NULL;
            rsc_fail(err, "out of memory");
            goto done;
        }
        snprintf(coef[j], 32, "coef_%d", j + 1);
        names[n++] = coef[j];
    }
    names[n++] = "intercept";
    if (!(w = rsc_rows_new(fp, fname, json, (const char *const *)names, n, err)))
        goto done;
    rsc_rows_uint(w, r->n_train);
    rsc_rows_uint(w, r->n_test);
    rsc_rows_f64(w, cv->C[cv->best]);
    for (int c = 0; c < cv->n_C; c++)
        rsc_rows_f64(w, cv->mean_acc[c]);
    rsc_rows_f64(w, r->test_acc);
    for (int j = 0; j <= r->d; j++)
        rsc_rows_f64(w, r->a.coef[j]);
    if (rsc_rows_end(w, err) != 0)
        rsc_rows_free(w);
    else
        rc = rsc_rows_close(w, err);
done:
    for (int j = 0; coef && j < r->d; j++)
        free(coef[j]);
    free(coef);
    free(names);
    return rc;
}
