/* indexlist.c - lists of example indices in a text file, read line by
 * line with getline (no line-length limit, so no index is ever split). */
#include "config.h"

#include "format/indexlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* One token: a decimal integer in [0, INT64_MAX]. */
static int parse_index(const char *tok, int64_t *out)
{
    if (*tok < '0' || *tok > '9')
        return -1;
    uint64_t v = 0;
    for (const char *p = tok; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = (int64_t)v;
    return 0;
}

int rsc_indexlist_read(FILE *fp, const char *fname, int64_t **idx, size_t *n, rsc_error *err)
{
    size_t cap = 64, k = 0, linecap = 0;
    int64_t *v = rsc_malloc(cap, sizeof *v, err);
    char *line = NULL;
    long lineno = 0;
    ssize_t len;
    if (!v)
        return -1;
    while ((len = getline(&line, &linecap, fp)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len)) {
            rsc_fail(err, "%s:%ld: NUL byte in the line", fname, lineno);
            goto fail;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save, *tok;
        for (tok = strtok_r(line, " \t\r\n\v\f", &save); tok;
             tok = strtok_r(NULL, " \t\r\n\v\f", &save)) {
            int64_t x;
            if (parse_index(tok, &x) != 0) {
                rsc_fail(err, "%s:%ld: '%.40s%s' is not an example index", fname, lineno, tok,
                         strlen(tok) > 40 ? "..." : "");
                goto fail;
            }
            if (k == cap) {
                int64_t *nv = rsc_malloc(cap * 2, sizeof *nv, err);
                if (!nv)
                    goto fail;
                memcpy(nv, v, k * sizeof *v);
                free(v);
                v = nv;
                cap *= 2;
            }
            v[k++] = x;
        }
    }
    if (ferror(fp)) {
        rsc_fail(err, "%s: read error: %s", fname, strerror(errno));
        goto fail;
    }
    if (!feof(fp)) {   /* getline failed without reaching the end: memory */
        rsc_fail(err, "%s:%ld: out of memory reading the line", fname, lineno + 1);
        goto fail;
    }
    free(line);
    *idx = v;
    *n = k;
    return 0;
fail:
    free(line);
    free(v);
    return -1;
}

int rsc_indexlist_load(const char *path, int64_t **idx, size_t *n, rsc_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return rsc_fail(err, "%s: %s", path, strerror(errno));
    int rc = rsc_indexlist_read(fp, path, idx, n, err);
    fclose(fp);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int rsc_indexlist_check(const int64_t *idx, size_t k, size_t n, const char *what,
                         rsc_error *err)
{
    for (size_t i = 0; i < k; i++)
        if (idx[i] < 0 || (uint64_t)idx[i] >= n)
            return rsc_fail(err, "%s: index %lld is not a training example (0..%zu)", what,
                            (long long)idx[i], n ? n - 1 : 0);
    int64_t *s = rsc_malloc(k ? k : 1, sizeof *s, err);
    if (!s)
        return -1;
    if (k)
        memcpy(s, idx, k * sizeof *s);
    qsort(s, k, sizeof *s, cmp_i64);
    for (size_t i = 1; i < k; i++)
        if (s[i] == s[i - 1]) {
            long long d = (long long)s[i];
            free(s);
            return rsc_fail(err, "%s: index %lld is listed twice", what, d);
        }
    free(s);
    return 0;
}
