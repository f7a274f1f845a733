/* aggregate.h - the one group-by of rsc: items grouped by equal keys, with
 * the mean and standard error (rsc_mean_se) of their values; over a table
 * (table.h) it gives rsc-score --aggregate (mean and SE over seeds), the
 * norm/score correlation of App. B.4.1 (--norms), and the points of a
 * chart (chart_data.h). */
#ifndef RSC_AGGREGATE_H
#define RSC_AGGREGATE_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "format/table.h"

/* ------------------------------------------------------------ groups */

/* Items (a key of nkeys strings, nvalues numbers and a tag) grouped by
 * equal keys; groups in the order of their first item. */
typedef struct rsc_groups {
    size_t nkeys, nvalues, ngroups;
    size_t *first;         /* the tag of each group's first item */
    size_t *count;         /* items in each group */
    double *mean, *se;     /* ngroups x nvalues, by rsc_groups_finish */
    /* private */
    char **keys;           /* ngroups x nkeys, copies */
    size_t *slots, nslots; /* hash table: group + 1, 0 for a free slot */
    size_t gcap, nitems, icap;
    size_t *item_group;
    double *item_values;   /* nitems x nvalues */
} rsc_groups;

int rsc_groups_init(rsc_groups *g, size_t nkeys, size_t nvalues, rsc_error *err);
/* Add an item; returns its group, or -1 (out of memory). */
long rsc_groups_add(rsc_groups *g, const char *const *key, const double *values, size_t tag,
                    rsc_error *err);
/* The group of a key, or -1. */
long rsc_groups_find(const rsc_groups *g, const char *const *key);
static inline const char *rsc_groups_key(const rsc_groups *g, size_t group, size_t k)
{
    return g->keys[group * g->nkeys + k];
}
/* Mean and standard error of each group's values (rsc_mean_se: a NaN
 * value makes both NaN; one item gives SE NaN). */
int rsc_groups_finish(rsc_groups *g, rsc_error *err);
void rsc_groups_free(rsc_groups *g);

/* The rows of t grouped by the key columns, with the mean and SE of the
 * value columns (missing values are NaN and propagate); tags are row
 * numbers.  Errors: a value that is not a number (naming file and line). */
int rsc_table_group(const rsc_table *t, const size_t *keys, size_t nkeys, const size_t *values,
                    size_t nvalues, rsc_groups *g, rsc_error *err);

/* ------------------------------------------------------------ aggregate */

/* rsc-score --aggregate: the rows grouped by every column except the
 * metrics and the excluded ones (the seeds), each metric averaged. */
typedef struct rsc_aggregate {
    size_t nkeys, nmetrics;
    size_t *key_cols;      /* column indices of the keys, in header order */
    size_t *metric_cols;   /* column indices of the metrics, in the given order */
    rsc_groups groups;     /* first: one row of each group (its key values) */
} rsc_aggregate;

/* metrics: the columns to average (each must exist and hold numbers);
 * exclude: columns that are neither key nor metric (may be absent).
 * Errors: a missing column, a value that is not a number, no rows. */
int rsc_aggregate_table(const rsc_table *t, const char *const *metrics, size_t nmetrics,
                        const char *const *exclude, size_t nexclude, rsc_aggregate *out,
                        rsc_error *err);
/* The groups as rows (rows.h): the keys, <metric>_mean and <metric>_se
 * per metric, and n (rows in the group). */
int rsc_aggregate_write(const rsc_table *t, const rsc_aggregate *a, FILE *fp, const char *fname,
                        int json, rsc_error *err);
void rsc_aggregate_free(rsc_aggregate *a);

/* ------------------------------------------------------------ correlation */

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

int rsc_norm_correlation(const rsc_table *scores, const rsc_table *norms,
                         const char *const *metrics, size_t nmetrics,
                         const char *const *exclude, size_t nexclude,
                         rsc_correlation *out, rsc_error *err);
/* The groups as rows: the keys, n_patterns, pearson_r, p_value. */
int rsc_correlation_write(const rsc_table *scores, const rsc_correlation *c, FILE *fp,
                          const char *fname, int json, rsc_error *err);
void rsc_correlation_free(rsc_correlation *c);

#endif
