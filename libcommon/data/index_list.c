/* index_list.c - reading and checking lists of example indices
 * (index_list.h). */
#include "config.h"

#include "data/index_list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t *rsc_index_list_read(const char *path, size_t *n, rsc_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return rsc_fail(err, "%s: %s", path, strerror(errno)), NULL;
    size_t cap = 64, k = 0;
    int64_t *v = rsc_malloc(cap, sizeof *v, err);
    char line[4096];
    long lineno = 0;
    if (!v)
        goto fail;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save, *tok;
        for (tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
            char *end;
            errno = 0;
            long long x = strtoll(tok, &end, 10);
            if (*end || errno || x < 0) {
                rsc_fail(err, "%s: line %ld: '%s' is not an example index", path, lineno, tok);
                goto fail;
            }
            if (k == cap) {
                int64_t *nv = realloc(v, 2 * cap * sizeof *nv);
                if (!nv) {
                    rsc_fail(err, "%s: out of memory", path);
                    goto fail;
                }
                v = nv;
                cap *= 2;
            }
            v[k++] = x;
        }
    }
    if (ferror(f)) {
        rsc_fail(err, "%s: read error", path);
        goto fail;
    }
    fclose(f);
    *n = k;
    return v;
fail:
    free(v);
    fclose(f);
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int rsc_index_list_check(const int64_t *idx, size_t k, size_t n, const char *what,
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
