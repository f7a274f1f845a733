/* table.c - tab-separated tables with line numbers. */
#include "config.h"

#include "format/table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rsc_table_free(rsc_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->cells[i])
            free(t->cells[i][0]);   /* one buffer per row */
        free(t->cells[i]);
    }
    if (t->cols)
        free(t->cols[0]);
    free(t->cols);
    free(t->cells);
    free(t->lines);
    free(t->fname);
    free(t);
}

/* Split line (modified in place) at tabs into a malloc'ed array. */
static char **split(char *line, size_t *n)
{
    size_t k = 1;
    for (char *p = line; *p; p++)
        k += *p == '\t';
    char **f = malloc(k * sizeof *f);
    if (!f)
        return NULL;
    size_t i = 0;
    f[i++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            f[i++] = p + 1;
        }
    *n = k;
    return f;
}

rsc_table *rsc_table_read(FILE *fp, const char *fname, rsc_error *err)
{
    rsc_table *t = rsc_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    t->fname = rsc_strdup(fname, err);
    if (!t->fname) {
        free(t);
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0, rcap = 0;
    ssize_t len;
    long lineno = 0;
    errno = 0;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if ((size_t)len != strlen(line)) {
            rsc_fail(err, "%s:%ld: NUL byte in a text table", fname, lineno);
            goto fail;
        }
        char *copy = strdup(line);
        size_t n;
        char **f = copy ? split(copy, &n) : NULL;
        if (!f) {
            free(copy);
            rsc_fail(err, "%s: out of memory", fname);
            goto fail;
        }
        if (!t->cols) {
            for (size_t i = 0; i < n; i++) {
                if (f[i][0] == '\0') {
                    rsc_fail(err, "%s:%ld: header field %zu is empty", fname, lineno, i + 1);
                    free(copy);
                    free(f);
                    goto fail;
                }
                for (size_t j = 0; j < i; j++)
                    if (strcmp(f[i], f[j]) == 0) {
                        rsc_fail(err, "%s:%ld: column '%s' appears twice in the header", fname,
                                 lineno, f[i]);
                        free(copy);
                        free(f);
                        goto fail;
                    }
            }
            t->cols = f;
            t->ncols = n;
            t->header_line = lineno;
            continue;
        }
        int same = n == t->ncols;
        for (size_t i = 0; same && i < n; i++)
            same = strcmp(f[i], t->cols[i]) == 0;
        if (same) {   /* a repeated header from concatenated tables */
            free(copy);
            free(f);
            continue;
        }
        if (n != t->ncols) {
            rsc_fail(err, "%s:%ld: %zu fields, but the header (line %ld) has %zu", fname, lineno,
                     n, t->header_line, t->ncols);
            free(copy);
            free(f);
            goto fail;
        }
        if (t->nrows == rcap) {
            size_t nc = rcap ? 2 * rcap : 64;
            char ***nr = realloc(t->cells, nc * sizeof *nr);
            long *nl = nr ? realloc(t->lines, nc * sizeof *nl) : NULL;
            if (nr)
                t->cells = nr;
            if (nl)
                t->lines = nl;
            if (!nr || !nl) {
                free(copy);
                free(f);
                rsc_fail(err, "%s: out of memory", fname);
                goto fail;
            }
            rcap = nc;
        }
        t->cells[t->nrows] = f;
        t->lines[t->nrows] = lineno;
        t->nrows++;
    }
    if (ferror(fp)) {
        rsc_fail(err, "%s: read error: %s", fname, strerror(errno));
        goto fail;
    }
    free(line);
    if (!t->cols) {
        rsc_fail(err, "%s: empty table (no header line)", fname);
        rsc_table_free(t);
        return NULL;
    }
    return t;
fail:
    free(line);
    rsc_table_free(t);
    return NULL;
}

rsc_table *rsc_table_load(const char *path, rsc_error *err)
{
    if (!path || strcmp(path, "-") == 0)
        return rsc_table_read(stdin, "stdin", err);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        rsc_fail(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    rsc_table *t = rsc_table_read(fp, path, err);
    fclose(fp);
    return t;
}

int rsc_table_col(const rsc_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i], name) == 0)
            return (int)i;
    return -1;
}

void rsc_table_columns(const rsc_table *t, char *list, size_t size)
{
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < t->ncols; i++) {
        int k = snprintf(list + used, size - used, "%s%s", i ? ", " : "", t->cols[i]);
        if (k < 0 || (size_t)k >= size - used) {
            if (size > 4)
                snprintf(list + size - 4, 4, "...");
            break;
        }
        used += (size_t)k;
    }
}

int rsc_table_need(const rsc_table *t, const char *name, rsc_error *err)
{
    int c = rsc_table_col(t, name);
    if (c >= 0)
        return c;
    char list[512];
    rsc_table_columns(t, list, sizeof list);
    return rsc_fail(err, "%s:%ld: no column '%s' (columns: %s)", t->fname, t->header_line, name,
                    list);
}

int rsc_parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    if (out)
        *out = v;
    return 1;
}

int rsc_table_number(const rsc_table *t, size_t row, int col, double *out, rsc_error *err)
{
    const char *s = t->cells[row][col];
    if (rsc_parse_number(s, out))
        return 1;
    if (*s == '\0' || strcmp(s, "-") == 0 || strcmp(s, "NA") == 0 || strcasecmp(s, "nan") == 0)
        return 0;
    return rsc_fail(err, "%s:%ld: column '%s': '%s' is not a number", t->fname, t->lines[row],
                    t->cols[col], s);
}
