/* aggregate.c - grouping by keys (a hash table over the key strings), mean
 * and standard error per group, and what rsc-score builds on it: the
 * aggregation over seeds and the norm/score correlation of App. B.4.1. */
#include "config.h"

#include "score/aggregate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/rows.h"
#include "score/stats.h"

/* ------------------------------------------------------------ groups */

int rsc_groups_init(rsc_groups *g, size_t nkeys, size_t nvalues, rsc_error *err)
{
    (void)err;
    memset(g, 0, sizeof *g);
    g->nkeys = nkeys;
    g->nvalues = nvalues;
    return 0;
}

void rsc_groups_free(rsc_groups *g)
{
    for (size_t i = 0; i < g->ngroups * g->nkeys; i++)
        free(g->keys[i]);
    free(g->keys);
    free(g->first);
    free(g->count);
    free(g->mean);
    free(g->se);
    free(g->slots);
    free(g->item_group);
    free(g->item_values);
    memset(g, 0, sizeof *g);
}

/* FNV-1a over the key strings and their terminators. */
static uint64_t hash_key(const char *const *key, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < n; k++) {
        const unsigned char *s = (const unsigned char *)key[k];
        do {
            h ^= *s;
            h *= 1099511628211ull;
        } while (*s++);
    }
    return h;
}

static int same_key(const rsc_groups *g, size_t group, const char *const *key)
{
    for (size_t k = 0; k < g->nkeys; k++)
        if (strcmp(g->keys[group * g->nkeys + k], key[k]) != 0)
            return 0;
    return 1;
}

/* The slot of key: its group's, or the free one where it would go. */
static size_t slot_of(const rsc_groups *g, const char *const *key)
{
    size_t mask = g->nslots - 1, i = (size_t)hash_key(key, g->nkeys) & mask;
    while (g->slots[i] && !same_key(g, g->slots[i] - 1, key))
        i = (i + 1) & mask;
    return i;
}

/* Keep the table at most half full. */
static int rehash(rsc_groups *g, rsc_error *err)
{
    if (2 * (g->ngroups + 1) <= g->nslots)
        return 0;
    size_t n = g->nslots ? 2 * g->nslots : 64;
    size_t *slots = rsc_calloc(n, sizeof *slots, err);
    if (!slots)
        return -1;
    free(g->slots);
    g->slots = slots;
    g->nslots = n;
    for (size_t gi = 0; gi < g->ngroups; gi++)
        g->slots[slot_of(g, (const char *const *)g->keys + gi * g->nkeys)] = gi + 1;
    return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size, rsc_error *err)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? 2 * *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return rsc_fail(err, "out of memory");
    *p = q;
    *cap = n;
    return 0;
}

static long new_group(rsc_groups *g, size_t slot, const char *const *key, size_t tag,
                      rsc_error *err)
{
    /* The three arrays grow alike, by groups. */
    size_t gi = g->ngroups, c1 = g->gcap, c2 = g->gcap, c3 = g->gcap;
    if (grow((void **)&g->first, &c1, gi + 1, sizeof *g->first, err) != 0 ||
        grow((void **)&g->count, &c2, gi + 1, sizeof *g->count, err) != 0 ||
        grow((void **)&g->keys, &c3, gi + 1, (g->nkeys ? g->nkeys : 1) * sizeof *g->keys, err) != 0)
        return -1;
    g->gcap = c1;
    for (size_t k = 0; k < g->nkeys; k++)
        if (!(g->keys[gi * g->nkeys + k] = rsc_strdup(key[k], err))) {
            while (k--)
                free(g->keys[gi * g->nkeys + k]);
            return -1;
        }
    g->first[gi] = tag;
    g->count[gi] = 0;
    g->slots[slot] = gi + 1;
    g->ngroups++;
    return (long)gi;
}

long rsc_groups_add(rsc_groups *g, const char *const *key, const double *values, size_t tag,
                    rsc_error *err)
{
    if (rehash(g, err) != 0)
        return -1;
    size_t slot = slot_of(g, key);
    long gi = g->slots[slot] ? (long)g->slots[slot] - 1 : new_group(g, slot, key, tag, err);
    if (gi < 0)
        return -1;
    size_t c1 = g->icap, c2 = g->icap;
    if (grow((void **)&g->item_group, &c1, g->nitems + 1, sizeof *g->item_group, err) != 0 ||
        grow((void **)&g->item_values, &c2, g->nitems + 1,
             (g->nvalues ? g->nvalues : 1) * sizeof *g->item_values, err) != 0)
        return -1;
    g->icap = c1;
    g->item_group[g->nitems] = (size_t)gi;
    if (g->nvalues)
        memcpy(g->item_values + g->nitems * g->nvalues, values, g->nvalues * sizeof *values);
    g->nitems++;
    g->count[gi]++;
    return gi;
}

long rsc_groups_find(const rsc_groups *g, const char *const *key)
{
    if (!g->nslots)
        return -1;
    size_t slot = slot_of(g, key);
    return g->slots[slot] ? (long)g->slots[slot] - 1 : -1;
}

int rsc_groups_finish(rsc_groups *g, rsc_error *err)
{
    size_t ng = g->ngroups ? g->ngroups : 1, nv = g->nvalues ? g->nvalues : 1;
    free(g->mean);
    free(g->se);
    g->mean = rsc_malloc(ng, nv * sizeof *g->mean, err);
    g->se = g->mean ? rsc_malloc(ng, nv * sizeof *g->se, err) : NULL;
    /* Items by group (a counting sort), then each group's values in item
     * order. */
    size_t *start = g->se ? rsc_calloc(ng + 1, sizeof *start, err) : NULL;
    size_t *order = start ? rsc_malloc(g->nitems ? g->nitems : 1, sizeof *order, err) : NULL;
    double *v = order ? rsc_malloc(g->nitems ? g->nitems : 1, sizeof *v, err) : NULL;
    if (!v) {
        free(start);
        free(order);
        return -1;
    }
    for (size_t gi = 0; gi < g->ngroups; gi++)
        start[gi + 1] = start[gi] + g->count[gi];
    for (size_t i = 0, *fill = start; i < g->nitems; i++)
        order[fill[g->item_group[i]]++] = i;
    for (size_t gi = g->ngroups; gi > 0; gi--)   /* fill moved each start to the next */
        start[gi] = start[gi - 1];
    start[0] = 0;
    for (size_t gi = 0; gi < g->ngroups; gi++)
        for (size_t j = 0; j < g->nvalues; j++) {
            size_t n = 0;
            for (size_t k = start[gi]; k < start[gi + 1]; k++)
                v[n++] = g->item_values[order[k] * g->nvalues + j];
            rsc_mean_se(v, n, &g->mean[gi * g->nvalues + j], &g->se[gi * g->nvalues + j]);
        }
    free(start);
    free(order);
    free(v);
    return 0;
}

int rsc_table_group(const rsc_table *t, const size_t *keys, size_t nkeys, const size_t *values,
                    size_t nvalues, rsc_groups *g, rsc_error *err)
{
    const char **key = rsc_malloc(nkeys ? nkeys : 1, sizeof *key, err);
    double *val = key ? rsc_malloc(nvalues ? nvalues : 1, sizeof *val, err) : NULL;
    if (!val || rsc_groups_init(g, nkeys, nvalues, err) != 0) {
        free(key);
        return -1;
    }
    int rc = -1;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t k = 0; k < nkeys; k++)
            key[k] = rsc_table_cell(t, r, keys[k]);
        for (size_t j = 0; j < nvalues; j++)
            if (rsc_table_number(t, r, values[j], &val[j], err) < 0)
                goto out;
        if (rsc_groups_add(g, key, val, r, err) < 0)
            goto out;
    }
    rc = rsc_groups_finish(g, err);
out:
    if (rc != 0)
        rsc_groups_free(g);
    free(key);
    free(val);
    return rc;
}

/* ------------------------------------------------------------ aggregate */

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

/* Key columns: every column neither metric nor excluded nor in also. */
static size_t *key_columns(const rsc_table *t, const char *const *metrics, size_t nmetrics,
                           const char *const *exclude, size_t nexclude,
                           const char *const *also, size_t nalso, size_t *nkeys, rsc_error *err)
{
    size_t *keys = rsc_malloc(t->ncols + 1, sizeof *keys, err);
    if (!keys)
        return NULL;
    *nkeys = 0;
    for (size_t c = 0; c < t->ncols; c++)
        if (!in_list(t->cols[c], metrics, nmetrics) && !in_list(t->cols[c], exclude, nexclude) &&
            !in_list(t->cols[c], also, nalso))
            keys[(*nkeys)++] = c;
    return keys;
}

void rsc_aggregate_free(rsc_aggregate *a)
{
    free(a->key_cols);
    free(a->metric_cols);
    rsc_groups_free(&a->groups);
    memset(a, 0, sizeof *a);
}

int rsc_aggregate_table(const rsc_table *t, const char *const *metrics, size_t nmetrics,
                        const char *const *exclude, size_t nexclude, rsc_aggregate *a,
                        rsc_error *err)
{
    memset(a, 0, sizeof *a);
    if (t->ncols == 0 || t->nrows == 0)
        return rsc_fail(err, "%s: no rows to aggregate", t->fname ? t->fname : "input");
    if (!(a->metric_cols = rsc_malloc(nmetrics ? nmetrics : 1, sizeof *a->metric_cols, err)))
        goto fail;
    a->nmetrics = nmetrics;
    for (size_t m = 0; m < nmetrics; m++) {
        int c = rsc_table_need(t, metrics[m], err);
        if (c < 0)
            goto fail;
        a->metric_cols[m] = (size_t)c;
    }
    if (!(a->key_cols = key_columns(t, metrics, nmetrics, exclude, nexclude, NULL, 0, &a->nkeys,
                                    err)) ||
        rsc_table_group(t, a->key_cols, a->nkeys, a->metric_cols, nmetrics, &a->groups, err) != 0)
        goto fail;
    return 0;
fail:
    rsc_aggregate_free(a);
    return -1;
}

int rsc_aggregate_write(const rsc_table *t, const rsc_aggregate *a, FILE *fp, const char *fname,
                        int json, rsc_error *err)
{
    size_t ncols = a->nkeys + 2 * a->nmetrics + 1;
    const char **cols = rsc_calloc(ncols, sizeof *cols, err);
    char **names = cols ? rsc_calloc(2 * a->nmetrics + 1, sizeof *names, err) : NULL;
    rsc_rows *w = NULL;
    int rc = -1;
    if (!names)
        goto out;
    for (size_t k = 0; k < a->nkeys; k++)
        cols[k] = t->cols[a->key_cols[k]];
    for (size_t m = 0; m < 2 * a->nmetrics; m++) {
        const char *base = t->cols[a->metric_cols[m / 2]];
        size_t len = strlen(base) + 6;
        if (!(names[m] = rsc_malloc(len, 1, err)))
            goto out;
        snprintf(names[m], len, "%s_%s", base, m % 2 ? "se" : "mean");
        cols[a->nkeys + m] = names[m];
    }
    cols[ncols - 1] = "n";
    if (!(w = rsc_rows_new(fp, fname, json, cols, ncols, err)))
        goto out;
    const rsc_groups *g = &a->groups;
    for (size_t gi = 0; gi < g->ngroups; gi++) {
        for (size_t k = 0; k < a->nkeys; k++)
            rsc_rows_text(w, rsc_groups_key(g, gi, k));
        for (size_t m = 0; m < a->nmetrics; m++) {
            rsc_rows_f64(w, g->mean[gi * a->nmetrics + m]);
            rsc_rows_f64(w, g->se[gi * a->nmetrics + m]);
        }
        rsc_rows_int(w, (long long)g->count[gi]);
        if (rsc_rows_end(w, err) != 0)
            goto out;
    }
    rc = rsc_rows_close(w, err);
    w = NULL;
out:
    rsc_rows_free(w);
    for (size_t m = 0; names && m < 2 * a->nmetrics; m++)
        free(names[m]);
    free(names);
    free(cols);
    return rc;
}

/* ------------------------------------------------------------ correlation */

void rsc_correlation_free(rsc_correlation *c)
{
    free(c->key_cols);
    free(c->first_row);
    free(c->npatterns);
    free(c->r);
    free(c->p);
    memset(c, 0, sizeof *c);
}

int rsc_norm_correlation(const rsc_table *scores, const rsc_table *norms,
                         const char *const *metrics, size_t nmetrics,
                         const char *const *exclude, size_t nexclude, rsc_correlation *c,
                         rsc_error *err)
{
    static const char *const pattern_count[] = { "pattern", "count" };
    memset(c, 0, sizeof *c);
    if (scores->nrows == 0)
        return rsc_fail(err, "%s: no score rows", scores->fname ? scores->fname : "input");
    if (norms->nrows == 0)
        return rsc_fail(err, "%s: no norm rows", norms->fname ? norms->fname : "norms");
    int cname = rsc_table_need(scores, "name", err);
    int cpat = cname < 0 ? -1 : rsc_table_need(scores, "pattern", err);
    int cscore = cpat < 0 ? -1 : rsc_table_need(scores, "spurious_score", err);
    int nd = cscore < 0 ? -1 : rsc_table_need(norms, "dataset", err);
    int np = nd < 0 ? -1 : rsc_table_need(norms, "pattern", err);
    int nn = np < 0 ? -1 : rsc_table_need(norms, "norm", err);
    if (nn < 0)
        return -1;
    rsc_groups by_pattern = { 0 }, by_key = { 0 }, norm = { 0 };
    size_t *group = NULL;
    double *x = NULL, *y = NULL;
    size_t score_col = (size_t)cscore, norm_keys[2] = { (size_t)nd, (size_t)np };
    size_t norm_col = (size_t)nn;
    /* Mean score per (key, pattern), mean norm per (dataset, pattern), and
     * the key groups over the (key, pattern) groups. */
    if (!(c->key_cols = key_columns(scores, metrics, nmetrics, exclude, nexclude, pattern_count,
                                    2, &c->nkeys, err)))
        goto fail;
    c->key_cols[c->nkeys] = (size_t)cpat;
    if (rsc_table_group(scores, c->key_cols, c->nkeys + 1, &score_col, 1, &by_pattern, err) != 0 ||
        rsc_table_group(norms, norm_keys, 2, &norm_col, 1, &norm, err) != 0 ||
        rsc_groups_init(&by_key, c->nkeys, 0, err) != 0)
        goto fail;
    size_t np_groups = by_pattern.ngroups;
    if (!(group = rsc_malloc(np_groups, sizeof *group, err)) ||
        !(x = rsc_malloc(np_groups, sizeof *x, err)) || !(y = rsc_malloc(np_groups, sizeof *y, err)))
        goto fail;
    for (size_t j = 0; j < np_groups; j++) {
        long gi = rsc_groups_add(&by_key, (const char *const *)by_pattern.keys + j * (c->nkeys + 1),
                                 NULL, by_pattern.first[j], err);
        if (gi < 0)
            goto fail;
        group[j] = (size_t)gi;
    }
    c->ngroups = by_key.ngroups;
    if (!(c->first_row = rsc_malloc(c->ngroups, sizeof *c->first_row, err)) ||
        !(c->npatterns = rsc_calloc(c->ngroups, sizeof *c->npatterns, err)) ||
        !(c->r = rsc_malloc(c->ngroups, sizeof *c->r, err)) ||
        !(c->p = rsc_malloc(c->ngroups, sizeof *c->p, err)))
        goto fail;
    for (size_t g = 0; g < c->ngroups; g++) {
        c->first_row[g] = by_key.first[g];
        const char *dataset = rsc_table_cell(scores, c->first_row[g], (size_t)cname);
        size_t k = 0;
        for (size_t j = 0; j < np_groups; j++) {
            if (group[j] != g)
                continue;
            const char *nkey[2] = { dataset, rsc_groups_key(&by_pattern, j, c->nkeys) };
            long ni = rsc_groups_find(&norm, nkey);
            if (ni < 0) {
                rsc_fail(err, "%s: no norm for dataset '%s', pattern '%s'", norms->fname, nkey[0],
                         nkey[1]);
                goto fail;
            }
            x[k] = norm.mean[ni];
            y[k++] = by_pattern.mean[j];
        }
        c->npatterns[g] = k;
        /* One pattern, or constant norms or scores: no correlation (NaN),
         * reported with the group rather than failing the others. */
        rsc_error ignored;
        if (rsc_pearson(x, y, k, &c->r[g], &c->p[g], &ignored) != 0)
            c->r[g] = c->p[g] = NAN;
    }
    rsc_groups_free(&by_pattern);
    rsc_groups_free(&by_key);
    rsc_groups_free(&norm);
    free(group);
    free(x);
    free(y);
    return 0;
fail:
    rsc_groups_free(&by_pattern);
    rsc_groups_free(&by_key);
    rsc_groups_free(&norm);
    free(group);
    free(x);
    free(y);
    rsc_correlation_free(c);
    return -1;
}

int rsc_correlation_write(const rsc_table *scores, const rsc_correlation *c, FILE *fp,
                          const char *fname, int json, rsc_error *err)
{
    size_t ncols = c->nkeys + 3;
    const char **cols = rsc_calloc(ncols, sizeof *cols, err);
    if (!cols)
        return -1;
    for (size_t k = 0; k < c->nkeys; k++)
        cols[k] = scores->cols[c->key_cols[k]];
    cols[c->nkeys] = "n_patterns";
    cols[c->nkeys + 1] = "pearson_r";
    cols[c->nkeys + 2] = "p_value";
    rsc_rows *w = rsc_rows_new(fp, fname, json, cols, ncols, err);
    free(cols);
    if (!w)
        return -1;
    for (size_t g = 0; g < c->ngroups; g++) {
        for (size_t k = 0; k < c->nkeys; k++)
            rsc_rows_text(w, rsc_table_cell(scores, c->first_row[g], c->key_cols[k]));
        rsc_rows_int(w, (long long)c->npatterns[g]);
        rsc_rows_f64(w, c->r[g]);
        rsc_rows_f64(w, c->p[g]);
        if (rsc_rows_end(w, err) != 0) {
            rsc_rows_free(w);
            return -1;
        }
    }
    return rsc_rows_close(w, err);
}
