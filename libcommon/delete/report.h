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
 *   mia_deleted_before, mia_deleted
 *                              membership inference (rsc-mia's shadow
 *                              attack, when shadow models are given):
 *                              the fraction of the deleted examples the
 *                              attack calls members, on the input and on
 *                              the output model (NaN without shadows)
 *   mia_acc                    the attack's accuracy on the output model
 *                              as rsc-mia reports it: its training
 *                              examples (the deleted ones excluded)
 *                              against the test examples
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
#include "mia/experiment.h"
#include "score/scoring.h"

typedef struct rsc_delete_eval {
    rsc_score before, after;
    double ua, ra;
    double l2, gap;           /* NaN without a reference */
    double seconds;
    double mia_before, mia_after, mia_acc;   /* NaN without shadows */
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

/* Membership inference on the deleted examples: rsc-mia's attack
 * (o->attack RSC_MIA_SHADOW) fitted on the K shadows, then applied to
 * `before` and `after`, each run on its dataset ds (named dname): sets
 * e->mia_before and e->mia_after (the fraction of the m training rows
 * idx scored above the attack's threshold; NaN when m = 0) and
 * e->mia_acc (the attack's accuracy on `after`).  Errors are rsc-mia's
 * (rsc_mia_fit_shadows, rsc_mia_attack_target). */
int rsc_delete_mia(const rsc_mia_pair *shadows, int K, const rsc_mia_opts *o,
                   const rsc_file *before, const char *bname, const rsc_file *after,
                   const char *aname, const rsc_file *ds, const char *dname, const int64_t *idx,
                   size_t m, rsc_delete_eval *e, rsc_error *err);

rsc_rows *rsc_delete_rows(FILE *fp, const char *fname, int json, rsc_error *err);
int rsc_delete_write_row(rsc_rows *w, const rsc_file *model, const char *fname,
                         const char *method, size_t m, const rsc_delete_eval *e,
                         rsc_error *err);

#endif
