/* scoring.h - what rsc-score does to a set of models: a test set loaded
 * once, each model scored on it without and with the spurious pattern
 * (metrics.h), or its occlusion curve (sensitivity.h), and the rows of
 * rsc-score's table (rows.h): the model's provenance, then the results.
 *
 * The test images stay in the dataset's own dtype (u8 for the imported
 * datasets); each batch is converted to floats (rsc_dataset_range_f32) and
 * patterned (rsc_pattern_apply) just before inference, so that scoring
 * holds two batches of floats besides the dataset, whatever the pattern. */
#ifndef RSC_SCORING_H
#define RSC_SCORING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "core/cli.h"
#include "format/rows.h"
#include "format/rsct.h"
#include "score/metrics.h"
#include "score/sensitivity.h"

/* The images a set of models is scored on. */
typedef struct rsc_testset {
    rsc_file *ds;
    char *label;              /* the dataset as given, for messages */
    const char *split;        /* "test" or "train" */
    size_t n;
    int c, h, w, classes;
    const int32_t *y;         /* labels (the dataset's tensor) */
    float *x;                 /* a float copy of the split, when asked for (occlusion) */
} rsc_testset;

/* Open dataset `data` (a name or path, as rsc_dataset_open_flags with
 * open_flags) and one split; all_floats: also keep a float copy of the
 * split in ts->x.  For the test split only that split is read
 * (RSC_DATASET_TEST_ONLY): ts->ds then holds no training tensors. */
int rsc_testset_open(rsc_testset *ts, const char *data, const char *split, int all_floats,
                     unsigned open_flags, rsc_error *err);
void rsc_testset_close(rsc_testset *ts);

/* The dataset a model was trained on (its `name` key), when it is one the
 * lookup knows; an error "FNAME: the model names no dataset: give --data"
 * otherwise. */
const char *rsc_score_dataset_of(const rsc_file *model, const char *fname, rsc_error *err);

/* How to score (each field as rsc-score's option of the same name). */
typedef struct rsc_score_opts {
    const char *pattern;      /* NULL: the model's own, else the test set's */
    long pattern_seed;        /* with pattern; < 0: the model's `seed` key, else 0 */
    long target;              /* < 0: the model's `target` key, else the test set's */
    double epsilon;           /* NaN: 1 / classes */
    const char *device;       /* NULL: auto */
    int threads;              /* 0: all cores */
    size_t batch_size;        /* images per inference call */
    rsc_progress *progress;   /* NULL, or a bar advanced by the images run */
} rsc_score_opts;

/* One model's scores. */
typedef struct rsc_score {
    char pattern[64];         /* the pattern it was scored against */
    char pattern_seed[32];    /* its seed ("" when it has none) */
    int target;
    float epsilon;            /* as compared, in float32 */
    rsc_metrics m;
} rsc_score;

/* Score a model (fname names it in messages) on ts: clean and patterned
 * predictions of every image.  Errors: a model that does not fit the
 * images or classes, no pattern or target to use, a pattern that does not
 * fit. */
int rsc_score_model(const rsc_testset *ts, const rsc_file *model, const char *fname,
                    const rsc_score_opts *o, rsc_score *out, rsc_error *err);

/* Fig. 10: for each of the nfr fractions, the mean probability of the true
 * label of the occluded examples of occ (made on ts->x) into mean_prob. */
int rsc_score_occlusion(const rsc_testset *ts, const rsc_occlusion *occ, const rsc_file *model,
                        const char *fname, const double *fr, size_t nfr, const rsc_score_opts *o,
                        double *mean_prob, rsc_error *err);

/* rsc-score's table: model, the provenance columns (below), then epsilon,
 * clean_acc, spurious_acc, spurious_score, pd_mean, pd_max, asr, n_test;
 * with occlusion, fraction, mean_prob, n instead.  The provenance columns
 * are the model's keys, except pattern, pattern_seed and target (those it
 * was scored with); fixed, so that rows of any models concatenate. */
extern const char *const rsc_score_provenance[];   /* NULL-terminated */
extern const char *const rsc_score_metrics[];      /* clean_acc .. asr, NULL-terminated */
rsc_rows *rsc_score_rows(FILE *fp, const char *fname, int json, int occlusion, rsc_error *err);
/* The cells model, then the provenance columns, of a model (fname) as
 * its keys say: for other tables with rsc-score's provenance (rsc-mia). */
void rsc_score_provenance_cells(rsc_rows *w, const rsc_file *model, const char *fname);
/* The row of a scored model; one point of a model's occlusion curve. */
int rsc_score_write(rsc_rows *w, const rsc_file *model, const char *fname, const rsc_score *s,
                    rsc_error *err);
int rsc_score_write_occlusion(rsc_rows *w, const rsc_file *model, const char *fname,
                              double fraction, double mean_prob, size_t n, rsc_error *err);

#endif
