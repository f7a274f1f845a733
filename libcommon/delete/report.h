/* report.h - what rsc-delete --report measures of a deleted model and the
 * row it writes: rsc-score's provenance columns, then
 *   method, deleted            the method and the number of examples
 *   spurious_score_before      the input model's spurious score
 *   spurious_score, clean_acc  the output model's (clean_acc is TA, the
 *                              test accuracy)
 *   ua, ra                     accuracy on the deleted training examples
 *                              and on the remaining ones
 *   l2_to_exact, score_gap_to_exact
 *                              |theta - theta_exact| over the param/
 *                              tensors and spurious_score minus the exact
 *                              model's (NaN without one)
 *   seconds                    the method's wall time
 * so that rsc-score --aggregate and rsc-viz chart read the rows. */
#ifndef RSC_DELETE_REPORT_H
#define RSC_DELETE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "data/dataset.h"
#include "format/rows.h"
#include "format/rsct.h"
#include "score/scoring.h"

typedef struct rsc_delete_eval {
    rsc_score before, after;
    double ua, ra;
    double l2, gap;           /* NaN without a reference */
    double seconds;
} rsc_delete_eval;

/* Accuracy of model on the training rows idx (ua; NaN when m = 0) and on
 * every other row of train (ra). */
int rsc_delete_train_acc(const rsc_file *model, const char *fname, const rsc_split *train,
                         const int64_t *idx, size_t m, const char *device, int threads,
                         double *ua, double *ra, rsc_error *err);

/* The L2 distance between the param/ tensors of two models (the same
 * architecture). */
int rsc_delete_param_distance(const rsc_file *a, const char *aname, const rsc_file *b,
                              const char *bname, double *out, rsc_error *err);

rsc_rows *rsc_delete_rows(FILE *fp, const char *fname, int json, rsc_error *err);
int rsc_delete_write_row(rsc_rows *w, const rsc_file *model, const char *fname,
                         const char *method, size_t m, const rsc_delete_eval *e,
                         rsc_error *err);

#endif
