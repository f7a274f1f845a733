/* report.h - what rsc-mia writes: the report (one row per target model,
 * with rsc-score's provenance columns so that rsc-score --aggregate and
 * rsc-viz chart take it), the per-example scores (JSON lines), the ROC
 * curve, and the row of rsc-mia fit. */
#ifndef RSC_MIA_REPORT_H
#define RSC_MIA_REPORT_H

#include <stdio.h>

#include "base/error.h"
#include "format/rows.h"
#include "format/rsct.h"
#include "mia/experiment.h"

/* The report: model, rsc-score's provenance columns (the model's keys),
 * split_seed, attack, features, shadows, then the metrics
 * (rsc_mia_report_metrics) and counts. */
extern const char *const rsc_mia_report_metrics[];   /* NULL-terminated */
rsc_rows *rsc_mia_report_rows(FILE *fp, const char *fname, int json, rsc_error *err);
int rsc_mia_report_write(rsc_rows *w, const rsc_file *model, const char *fname,
                         const rsc_mia_fitted *f, const rsc_mia_eval *ev, rsc_error *err);

/* --scores: one JSON object per example (model, index, member, spurious,
 * score; null for an unscored one).  --roc: rows model, fpr, tpr,
 * threshold, one per point of the curve. */
int rsc_mia_scores_write(FILE *fp, const char *fname, const char *model, const rsc_mia_eval *ev,
                         rsc_error *err);
rsc_rows *rsc_mia_roc_rows(FILE *fp, const char *fname, int json, rsc_error *err);
int rsc_mia_roc_write(rsc_rows *w, const char *model, const rsc_mia_eval *ev, rsc_error *err);

/* The row of rsc-mia fit: n_train, n_test, C_chosen, cv_C<C> for each C
 * (the mean of the fold accuracies), test_acc, coef_1 .. coef_k and
 * intercept (on the standardised features, as scikit-learn's coef_ and
 * intercept_ behind a StandardScaler). */
int rsc_mia_fit_write(FILE *fp, const char *fname, int json, const rsc_mia_table_fit *r, rsc_error *err);

#endif
