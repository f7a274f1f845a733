/* aggregate.c - TSV result tables: reading, grouping over seeds (mean,
 * standard error, count) and the norm/score correlation of App. B.4.1. */
#include "score/aggregate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score/stats.h"

#define MAX_LINE (1u << 20)

rsc_results *rsc_results_new(rsc_error *err)
{
    return rsc_calloc(1, sizeof(rsc_results), err);
}

void rsc_results_free(rsc_results *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->cols[i]);
    free(t->cols);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->line);
    free(t->source);
    for (size_t i = 0; i < t->nsources; i++)
        free(t->sources[i]);
    free(t->sources);
    free(t);
}

/* Split line (modified in place) at tabs into at most max fields; returns
 * the field count (max + 1 when there are more). */
static size_t split_tabs(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *s = line;
    for (;;) {
        char *tab = strchr(s, '\t');
        if (n < max)
            f[n] = s;
        n++;
        if (!tab || n > max)
            break;
        *tab = '\0';
        s = tab + 1;
    }
    return n;
}

static int same_header(const rsc_results *t, char **f, size_t n)
{
    if (n != t->ncols)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i], t->cols[i]) != 0)
            return 0;
    return 1;
}

static int add_row(rsc_results *t, char **f, size_t lineno, size_t src, rsc_error *err)
{
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        if (nc > SIZE_MAX / sizeof(char *) / t->ncols)
            return rsc_fail(err, "table too large");
        char **cells = realloc(t->cells, nc * t->ncols * sizeof *cells);
        if (!cells)
            return rsc_fail(err, "out of memory");
        t->cells = cells;
        size_t *line = realloc(t->line, nc * sizeof *line);
        if (!line)
            return rsc_fail(err, "out of memory");
        t->line = line;
        size_t *source = realloc(t->source, nc * sizeof *source);
        if (!source)
            return rsc_fail(err, "out of memory");
        t->source = source;
        t->cap = nc;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = rsc_strdup(f[i], err);
        if (!row[i]) {
            while (i--)
                free(row[i]);
            return -1;
        }
    }
    t->line[t->nrows] = lineno;
    t->source[t->nrows] = src;
    t->nrows++;
    return 0;
}

int rsc_results_read(rsc_results *t, FILE *in, const char *fname, rsc_error *err)
{
    char **sources = realloc(t->sources, (t->nsources + 1) * sizeof *sources);
    if (!sources)
        return rsc_fail(err, "out of memory");
    t->sources = sources;
    if (!(t->sources[t->nsources] = rsc_strdup(fname, err)))
        return -1;
    size_t src = t->nsources++;

    char *line = NULL;
    size_t cap = 0, lineno = 0;
    char **f = NULL;
    size_t fcap = 0;
    int rc = -1, header_seen = 0;
    ssize_t len;
    errno = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if ((size_t)len > MAX_LINE) {
            rsc_fail(err, "%s: line %zu: longer than %u bytes", fname, lineno, MAX_LINE);
            goto out;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        /* fields: one more than the tabs */
        size_t nf = 1;
        for (char *s = line; *s; s++)
            nf += *s == '\t';
        if (nf > fcap) {
            char **nfp = realloc(f, nf * sizeof *nfp);
            if (!nfp) {
                rsc_fail(err, "out of memory");
                goto out;
            }
            f = nfp;
            fcap = nf;
        }
        split_tabs(line, f, nf);
        if (t->ncols == 0) {
            /* The very first header fixes the columns. */
            t->cols = rsc_calloc(nf, sizeof *t->cols, err);
            if (!t->cols)
                goto out;
            for (size_t i = 0; i < nf; i++) {
                if (f[i][0] == '\0') {
                    rsc_fail(err, "%s: line %zu: empty column name (column %zu)", fname, lineno, i + 1);
                    goto bad_header;
                }
                for (size_t j = 0; j < i; j++)
                    if (strcmp(f[i], f[j]) == 0) {
                        rsc_fail(err, "%s: line %zu: duplicate column '%s'", fname, lineno, f[i]);
                        goto bad_header;
                    }
                if (!(t->cols[i] = rsc_strdup(f[i], err)))
                    goto bad_header;
                t->ncols = i + 1;
            }
            header_seen = 1;
            continue;
        bad_header:
            for (size_t i = 0; i < t->ncols; i++)
                free(t->cols[i]);
            free(t->cols);
            t->cols = NULL;
            t->ncols = 0;
            goto out;
        }
        if (same_header(t, f, nf)) {
            header_seen = 1;
            continue;
        }
        if (!header_seen) {
            rsc_fail(err, "%s: line %zu: header differs from that of %s", fname, lineno, t->sources[0]);
            goto out;
        }
        if (nf != t->ncols) {
            rsc_fail(err, "%s: line %zu: %zu fields, expected %zu", fname, lineno, nf, t->ncols);
            goto out;
        }
        if (add_row(t, f, lineno, src, err) != 0)
            goto out;
        errno = 0;
    }
    if (ferror(in)) {
        rsc_fail(err, "%s: read error: %s", fname, strerror(errno ? errno : EIO));
        goto out;
    }
    rc = 0;
out:
    free(line);
    free(f);
    return rc;
}

long rsc_results_col(const rsc_results *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i], name) == 0)
            return (long)i;
    return -1;
}

long rsc_results_require(const rsc_results *t, const char *name, rsc_error *err)
{
    long c = rsc_results_col(t, name);
    if (c < 0)
        rsc_fail(err, "%s: line 1: no column '%s'", t->nsources ? t->sources[0] : "table", name);
    return c;
}

int rsc_results_number(const rsc_results *t, size_t row, size_t col, double *out, rsc_error *err)
{
    const char *s = rsc_results_cell(t, row, col);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || s[0] == ' ' || s[0] == '\t' || (errno == ERANGE && fabs(v) > 1))
        return rsc_fail(err, "%s: line %zu: column '%s': '%s' is not a number",
                        t->sources[t->source[row]], t->line[row], t->cols[col], s);
    *out = v;
    return 0;
}

/* ------------------------------------------------------------ grouping */

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static int same_keys(const rsc_results *t, size_t r1, size_t r2, const size_t *keys, size_t nkeys)
{
    for (size_t k = 0; k < nkeys; k++)
        if (strcmp(rsc_results_cell(t, r1, keys[k]), rsc_results_cell(t, r2, keys[k])) != 0)
            return 0;
    return 1;
}

/* group[r] = index of row r's group; *first = first row of each group. */
static long group_rows(const rsc_results *t, const size_t *keys, size_t nkeys,
                       size_t *group, size_t *first)
{
    size_t ng = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        size_t g;
        for (g = 0; g < ng; g++)
            if (same_keys(t, r, first[g], keys, nkeys))
                break;
        if (g == ng)
            first[ng++] = r;
        group[r] = g;
    }
    return (long)ng;
}

void rsc_aggregate_free(rsc_aggregate *a)
{
    free(a->key_cols);
    free(a->metric_cols);
    free(a->first_row);
    free(a->count);
    free(a->mean);
    free(a->se);
    memset(a, 0, sizeof *a);
}

/* Key columns: every column neither metric nor excluded. */
static int key_columns(const rsc_results *t, const char *const *metrics, size_t nmetrics,
                       const char *const *exclude, size_t nexclude,
                       const char *const *also, size_t nalso, size_t **keys, size_t *nkeys,
                       rsc_error *err)
{
    *keys = rsc_malloc(t->ncols ? t->ncols : 1, sizeof **keys, err);
    if (!*keys)
        return -1;
    *nkeys = 0;
    for (size_t c = 0; c < t->ncols; c++)
        if (!in_list(t->cols[c], metrics, nmetrics) && !in_list(t->cols[c], exclude, nexclude) &&
            !in_list(t->cols[c], also, nalso))
            (*keys)[(*nkeys)++] = c;
    return 0;
}

int rsc_aggregate_table(const rsc_results *t, const char *const *metrics, size_t nmetrics,
                        const char *const *exclude, size_t nexclude,
                        rsc_aggregate *a, rsc_error *err)
{
    memset(a, 0, sizeof *a);
    size_t *group = NULL;
    double *vals = NULL;
    if (t->ncols == 0 || t->nrows == 0)
        return rsc_fail(err, "%s: no rows to aggregate", t->nsources ? t->sources[0] : "input");
    if (!(a->metric_cols = rsc_malloc(nmetrics ? nmetrics : 1, sizeof *a->metric_cols, err)))
        goto fail;
    a->nmetrics = nmetrics;
    for (size_t m = 0; m < nmetrics; m++) {
        long c = rsc_results_require(t, metrics[m], err);
        if (c < 0)
            goto fail;
        a->metric_cols[m] = (size_t)c;
    }
    if (key_columns(t, metrics, nmetrics, exclude, nexclude, NULL, 0, &a->key_cols, &a->nkeys, err) != 0)
        goto fail;
    if (!(group = rsc_malloc(t->nrows, sizeof *group, err)) ||
        !(a->first_row = rsc_malloc(t->nrows, sizeof *a->first_row, err)) ||
        !(vals = rsc_malloc(t->nrows, sizeof *vals, err)))
        goto fail;
    a->ngroups = (size_t)group_rows(t, a->key_cols, a->nkeys, group, a->first_row);
    if (!(a->count = rsc_calloc(a->ngroups, sizeof *a->count, err)) ||
        !(a->mean = rsc_malloc(a->ngroups * (nmetrics ? nmetrics : 1), sizeof *a->mean, err)) ||
        !(a->se = rsc_malloc(a->ngroups * (nmetrics ? nmetrics : 1), sizeof *a->se, err)))
        goto fail;
    for (size_t r = 0; r < t->nrows; r++)
        a->count[group[r]]++;
    for (size_t g = 0; g < a->ngroups; g++) {
        for (size_t m = 0; m < nmetrics; m++) {
            size_t n = 0;
            for (size_t r = a->first_row[g]; r < t->nrows; r++) {
                if (group[r] != g)
                    continue;
                if (rsc_results_number(t, r, a->metric_cols[m], &vals[n], err) != 0)
                    goto fail;
                n++;
            }
            rsc_mean_se(vals, n, &a->mean[g * nmetrics + m], &a->se[g * nmetrics + m]);
        }
    }
    free(group);
    free(vals);
    return 0;
fail:
    free(group);
    free(vals);
    rsc_aggregate_free(a);
    return -1;
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

/* Mean norm of (dataset, pattern) over the rows of norms; -1 if none. */
static int mean_norm(const rsc_results *norms, long cd, long cp, long cn, const char *dataset,
                     const char *pattern, double *out, rsc_error *err)
{
    double s = 0;
    size_t n = 0;
    for (size_t r = 0; r < norms->nrows; r++) {
        if (strcmp(rsc_results_cell(norms, r, (size_t)cd), dataset) != 0 ||
            strcmp(rsc_results_cell(norms, r, (size_t)cp), pattern) != 0)
            continue;
        double v;
        if (rsc_results_number(norms, r, (size_t)cn, &v, err) != 0)
            return -1;
        s += v;
        n++;
    }
    if (n == 0)
        return rsc_fail(err, "%s: no norm for dataset '%s', pattern '%s'",
                        norms->nsources ? norms->sources[0] : "norms", dataset, pattern);
    *out = s / (double)n;
    return 0;
}

int rsc_norm_correlation(const rsc_results *scores, const rsc_results *norms,
                         const char *const *metrics, size_t nmetrics,
                         const char *const *exclude, size_t nexclude,
                         rsc_correlation *c, rsc_error *err)
{
    static const char *const pattern_count[] = { "pattern", "count" };
    memset(c, 0, sizeof *c);
    size_t *group = NULL, *pfirst = NULL, *pn = NULL;
    double *psum = NULL, *x = NULL, *y = NULL;
    if (scores->nrows == 0)
        return rsc_fail(err, "%s: no score rows", scores->nsources ? scores->sources[0] : "input");
    if (norms->nrows == 0)
        return rsc_fail(err, "%s: no norm rows", norms->nsources ? norms->sources[0] : "norms");
    long cname = rsc_results_require(scores, "name", err);
    long cpat = cname < 0 ? -1 : rsc_results_require(scores, "pattern", err);
    long cscore = cpat < 0 ? -1 : rsc_results_require(scores, "spurious_score", err);
    long nd = cscore < 0 ? -1 : rsc_results_require(norms, "dataset", err);
    long np = nd < 0 ? -1 : rsc_results_require(norms, "pattern", err);
    long nn = np < 0 ? -1 : rsc_results_require(norms, "norm", err);
    if (nn < 0)
        return -1;
    if (key_columns(scores, metrics, nmetrics, exclude, nexclude, pattern_count, 2,
                    &c->key_cols, &c->nkeys, err) != 0)
        goto fail;
    size_t nr = scores->nrows;
    if (!(group = rsc_malloc(nr, sizeof *group, err)) ||
        !(c->first_row = rsc_malloc(nr, sizeof *c->first_row, err)) ||
        !(pfirst = rsc_malloc(nr, sizeof *pfirst, err)) ||
        !(pn = rsc_malloc(nr, sizeof *pn, err)) ||
        !(psum = rsc_malloc(nr, sizeof *psum, err)) ||
        !(x = rsc_malloc(nr, sizeof *x, err)) ||
        !(y = rsc_malloc(nr, sizeof *y, err)))
        goto fail;
    c->ngroups = (size_t)group_rows(scores, c->key_cols, c->nkeys, group, c->first_row);
    if (!(c->npatterns = rsc_calloc(c->ngroups, sizeof *c->npatterns, err)) ||
        !(c->r = rsc_malloc(c->ngroups, sizeof *c->r, err)) ||
        !(c->p = rsc_malloc(c->ngroups, sizeof *c->p, err)))
        goto fail;
    for (size_t g = 0; g < c->ngroups; g++) {
        /* distinct patterns of the group, mean spurious score of each */
        size_t k = 0;
        for (size_t r = c->first_row[g]; r < nr; r++) {
            if (group[r] != g)
                continue;
            double v;
            if (rsc_results_number(scores, r, (size_t)cscore, &v, err) != 0)
                goto fail;
            size_t j;
            for (j = 0; j < k; j++)
                if (strcmp(rsc_results_cell(scores, r, (size_t)cpat),
                           rsc_results_cell(scores, pfirst[j], (size_t)cpat)) == 0)
                    break;
            if (j == k) {
                pfirst[k] = r;
                pn[k] = 0;
                psum[k] = 0;
                k++;
            }
            pn[j]++;
            psum[j] += v;
        }
        const char *dataset = rsc_results_cell(scores, c->first_row[g], (size_t)cname);
        for (size_t j = 0; j < k; j++) {
            y[j] = psum[j] / (double)pn[j];
            if (mean_norm(norms, nd, np, nn, dataset, rsc_results_cell(scores, pfirst[j], (size_t)cpat),
                          &x[j], err) != 0)
                goto fail;
        }
        c->npatterns[g] = k;
        /* One pattern, or constant norms or scores: no correlation (NaN),
         * reported with the group rather than failing the others. */
        rsc_error ignored;
        if (rsc_pearson(x, y, k, &c->r[g], &c->p[g], &ignored) != 0)
            c->r[g] = c->p[g] = NAN;
    }
    free(group);
    free(pfirst);
    free(pn);
    free(psum);
    free(x);
    free(y);
    return 0;
fail:
    free(group);
    free(pfirst);
    free(pn);
    free(psum);
    free(x);
    free(y);
    rsc_correlation_free(c);
    return -1;
}
