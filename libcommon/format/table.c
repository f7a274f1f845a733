/* table.c - tab-separated tables from one or several inputs, with the input
 * and line of every row. */
#include "config.h"

#include "format/table.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LINE (1L << 20)

void rsc_table_free(rsc_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++) {
        free(t->cells[i][0]);   /* one buffer per row */
        free(t->cells[i]);
    }
    if (t->cols)
        free(t->cols[0]);
    free(t->cols);
    free(t->cells);
    free(t->lines);
    free(t->source);
    for (size_t i = 0; i < t->nsources; i++)
        free(t->sources[i]);
    free(t->sources);
    free(t);
}

rsc_table *rsc_table_new(rsc_error *err)
{
    return rsc_calloc(1, sizeof(rsc_table), err);
}

/* Split a copy of line at tabs: f[0] owns the copy. */
static char **split(const char *line, size_t *n)
{
    size_t k = 1;
    for (const char *p = line; *p; p++)
        k += *p == '\t';
    char *copy = strdup(line);
    char **f = copy ? malloc(k * sizeof *f) : NULL;
    if (!f) {
        free(copy);
        return NULL;
    }
    size_t i = 0;
    f[i++] = copy;
    for (char *p = copy; *p; p++)
        if (*p == '\t') {
            *p = '\0';
            f[i++] = p + 1;
        }
    *n = k;
    return f;
}

static void free_fields(char **f)
{
    if (f)
        free(f[0]);
    free(f);
}

static int same_header(const rsc_table *t, char **f, size_t n)
{
    if (n != t->ncols)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i], t->cols[i]) != 0)
            return 0;
    return 1;
}

/* The first input's header: names non-empty and distinct. */
static int set_header(rsc_table *t, char **f, size_t n, const char *fname, long lineno,
                      rsc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i][0] == '\0')
            return rsc_fail(err, "%s:%ld: header field %zu is empty", fname, lineno, i + 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(f[i], f[j]) == 0)
                return rsc_fail(err, "%s:%ld: column '%s' appears twice in the header", fname,
                                lineno, f[i]);
    }
    t->cols = f;
    t->ncols = n;
    t->header_line = lineno;
    return 0;
}

static int add_row(rsc_table *t, char **f, long lineno, size_t src, const char *fname,
                   rsc_error *err)
{
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 64;
        char ***nr = realloc(t->cells, nc * sizeof *nr);
        if (nr)
            t->cells = nr;
        long *nl = nr ? realloc(t->lines, nc * sizeof *nl) : NULL;
        if (nl)
            t->lines = nl;
        size_t *ns = nl ? realloc(t->source, nc * sizeof *ns) : NULL;
        if (!ns)
            return rsc_fail(err, "%s: out of memory", fname);
        t->source = ns;
        t->cap = nc;
    }
    t->cells[t->nrows] = f;
    t->lines[t->nrows] = lineno;
    t->source[t->nrows] = src;
    t->nrows++;
    return 0;
}

int rsc_table_append(rsc_table *t, FILE *fp, const char *fname, rsc_error *err)
{
    char **ns = realloc(t->sources, (t->nsources + 1) * sizeof *ns);
    if (!ns)
        return rsc_fail(err, "%s: out of memory", fname);
    t->sources = ns;
    if (!(t->sources[t->nsources] = rsc_strdup(fname, err)))
        return -1;
    size_t src = t->nsources++;
    t->fname = t->sources[0];

    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, header_line = 0;   /* this input's header */
    int rc = -1;
    errno = 0;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if (len > MAX_LINE) {
            rsc_fail(err, "%s:%ld: line longer than %ld bytes", fname, lineno, MAX_LINE);
            goto out;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if ((size_t)len != strlen(line)) {
            rsc_fail(err, "%s:%ld: NUL byte in a text table", fname, lineno);
            goto out;
        }
        size_t n;
        char **f = split(line, &n);
        if (!f) {
            rsc_fail(err, "%s: out of memory", fname);
            goto out;
        }
        if (!t->cols) {
            if (set_header(t, f, n, fname, lineno, err) != 0) {
                free_fields(f);
                goto out;
            }
            header_line = lineno;
            continue;
        }
        if (same_header(t, f, n)) {   /* this input's header, or a repeated one */
            free_fields(f);
            header_line = header_line ? header_line : lineno;
            continue;
        }
        if (!header_line) {
            free_fields(f);
            rsc_fail(err, "%s:%ld: header differs from that of %s", fname, lineno, t->fname);
            goto out;
        }
        if (n != t->ncols) {
            free_fields(f);
            rsc_fail(err, "%s:%ld: %zu fields, but the header (line %ld) has %zu", fname, lineno,
                     n, header_line, t->ncols);
            goto out;
        }
        if (add_row(t, f, lineno, src, fname, err) != 0) {
            free_fields(f);
            goto out;
        }
        errno = 0;
    }
    if (ferror(fp)) {
        rsc_fail(err, "%s: read error: %s", fname, strerror(errno ? errno : EIO));
        goto out;
    }
    rc = 0;
out:
    free(line);
    return rc;
}

rsc_table *rsc_table_read(FILE *fp, const char *fname, rsc_error *err)
{
    rsc_table *t = rsc_table_new(err);
    if (!t)
        return NULL;
    if (rsc_table_append(t, fp, fname, err) != 0) {
        rsc_table_free(t);
        return NULL;
    }
    if (!t->cols) {
        rsc_fail(err, "%s: empty table (no header line)", fname);
        rsc_table_free(t);
        return NULL;
    }
    return t;
}

rsc_table *rsc_table_load(const char *const *paths, size_t n, rsc_error *err)
{
    static const char *const stdin_only[] = { "-" };
    if (n == 0) {
        paths = stdin_only;
        n = 1;
    }
    rsc_table *t = rsc_table_new(err);
    if (!t)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int is_stdin = strcmp(paths[i], "-") == 0;
        FILE *fp = is_stdin ? stdin : fopen(paths[i], "r");
        if (!fp) {
            rsc_fail(err, "%s: %s", paths[i], strerror(errno));
            rsc_table_free(t);
            return NULL;
        }
        int rc = rsc_table_append(t, fp, is_stdin ? "stdin" : paths[i], err);
        if (!is_stdin)
            fclose(fp);
        if (rc != 0) {
            rsc_table_free(t);
            return NULL;
        }
    }
    if (!t->cols) {
        rsc_fail(err, "%s: empty table (no header line)", t->fname);
        rsc_table_free(t);
        return NULL;
    }
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
    return rsc_fail(err, "%s:%ld: no column '%s' (columns: %s)", t->fname ? t->fname : "table",
                    t->header_line, name, list);
}

/* strtod over the whole of s; 1 and the value when it is a number (an
 * infinity included, an overflowing literal not). */
static int parse(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || s[0] == ' ' || s[0] == '\t' || isnan(v) ||
        (errno == ERANGE && fabs(v) > 1))
        return 0;
    *out = v;
    return 1;
}

int rsc_parse_number(const char *s, double *out)
{
    double v;
    if (!parse(s, &v) || !isfinite(v))
        return 0;
    if (out)
        *out = v;
    return 1;
}

int rsc_is_missing(const char *s)
{
    if (*s == '\0' || strcmp(s, "NA") == 0 || strcmp(s, "-") == 0)
        return 1;
    if (*s == '-' || *s == '+')
        s++;
    return strcasecmp(s, "nan") == 0;
}

int rsc_table_number(const rsc_table *t, size_t row, size_t col, double *out, rsc_error *err)
{
    const char *s = t->cells[row][col];
    if (rsc_is_missing(s)) {
        *out = NAN;
        return 0;
    }
    if (parse(s, out))
        return 1;
    return rsc_fail(err, "%s:%ld: column '%s': '%s' is not a number", t->sources[t->source[row]],
                    t->lines[row], t->cols[col], s);
}
