/* aggregate.h - result tables (TSV) read back, grouped over seeds, and the
 * norm-versus-score correlation of App. B.4.1.
 *
 * A table is the TSV that rsc-score (or any rsc tool) prints: a header
 * line of column names, then one row per model.  Several inputs (or `cat
 * *.tsv`) concatenate: a line equal to the header is skipped, every input
 * must have the same header.  Blank lines and lines starting with '#' are
 * skipped (as rsc-viz's reader does).  Errors name the input and line: "runs.tsv:
 * line 7: 18 fields, expected 27". */
#ifndef RSC_AGGREGATE_H
#define RSC_AGGREGATE_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"

typedef struct rsc_results {
    size_t ncols;
    char **cols;           /* header names */
    size_t nrows, cap;
    char **cells;          /* nrows * ncols strings, owned */
    size_t *line;          /* line number of each row in its input */
    size_t *source;        /* index into sources */
    size_t nsources;
    char **sources;        /* input names, for messages */
} rsc_results;

rsc_results *rsc_results_new(rsc_error *err);
void rsc_results_free(rsc_results *t);

/* Append the rows of one TSV input (fname names it in messages).  The
 * first input fixes the header; an empty input (no line at all) adds
 * nothing.  Fails on a header that differs from the first, a row with the
 * wrong number of fields, an empty or duplicate column name, a line over
 * 1 MiB, or a read error. */
int rsc_results_read(rsc_results *t, FILE *in, const char *fname, rsc_error *err);

/* Column index of name, or -1. */
long rsc_results_col(const rsc_results *t, const char *name);
/* Like rsc_results_col, but a missing column is an error naming the first
 * input: "runs.tsv: line 1: no column 'spurious_score'". */
long rsc_results_require(const rsc_results *t, const char *name, rsc_error *err);
static inline const char *rsc_results_cell(const rsc_results *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}
/* The cell as a number (strtod syntax, whole cell; nan and inf accepted):
 * "runs.tsv: line 7: column 'clean_acc': 'x' is not a number". */
int rsc_results_number(const rsc_results *t, size_t row, size_t col, double *out, rsc_error *err);

/* Rows grouped by equal values of the key columns: every column except
 * the metrics and the excluded ones (the seeds).  Groups come in the order
 * of their first row. */
typedef struct rsc_aggregate {
    size_t nkeys, nmetrics, ngroups;
    size_t *key_cols;      /* column indices of the keys, in header order */
    size_t *metric_cols;   /* column indices of the metrics, in the given order */
    size_t *first_row;     /* one row of each group (its key values) */
    size_t *count;         /* rows in each group */
    double *mean, *se;     /* ngroups x nmetrics; se by rsc_mean_se */
} rsc_aggregate;

/* Group t.  metrics: the columns to average (each must exist and hold
 * numbers); exclude: columns that are neither key nor metric (may be
 * absent from t).  Returns -1 with a message (missing column, non-numeric
 * value, no rows). */
int rsc_aggregate_table(const rsc_results *t, const char *const *metrics, size_t nmetrics,
                        const char *const *exclude, size_t nexclude,
                        rsc_aggregate *out, rsc_error *err);
void rsc_aggregate_free(rsc_aggregate *a);

/* App. B.4.1: for each group of score rows (keys as above, without
 * `pattern` and `count`), the Pearson correlation over patterns between
 * each pattern's mean empirical norm (norms: columns dataset, pattern,
 * norm, as `rsc-inject --norms` prints; averaged over its rows) and its
 * mean spurious score (scores: columns name, pattern, spurious_score;
 * averaged over every count and seed).  A pattern of the scores with no
 * norm for its dataset is an error; a group with fewer than two patterns,
 * or constant norms or scores, gets r = p = NaN. */
typedef struct rsc_correlation {
    size_t ngroups;
    size_t nkeys;
    size_t *key_cols;      /* columns of scores forming the group key */
    size_t *first_row;     /* one score row of each group */
    size_t *npatterns;
    double *r, *p;
} rsc_correlation;

int rsc_norm_correlation(const rsc_results *scores, const rsc_results *norms,
                         const char *const *metrics, size_t nmetrics,
                         const char *const *exclude, size_t nexclude,
                         rsc_correlation *out, rsc_error *err);
void rsc_correlation_free(rsc_correlation *c);

#endif
