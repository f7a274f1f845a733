/* group.c - many models in one process (group.h): the jobs' seeds and
 * output names, and the lockstep trainer over a stacked network. */
#include "config.h"

#include "train/group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/arch.h"

/* ------------------------------------------------------------ jobs */

static int parse_seed(const char *opt, const char *s, size_t len, uint64_t *v, rsc_error *err)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return rsc_fail(err, "%s: '%.*s' is not a seed (an integer in [0, 2^53])", opt, (int)len, s);
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 10);
    if (*end || errno || buf[0] < '0' || buf[0] > '9' || x > (1ULL << 53))
        return rsc_fail(err, "%s: '%s' is not a seed (an integer in [0, 2^53])", opt, buf);
    *v = x;
    return 0;
}

long rsc_seed_list_parse(const char *opt, const char *s, size_t max_n, uint64_t **out,
                         rsc_error *err)
{
    size_t n = 0, cap = 16;
    uint64_t *v = rsc_malloc(cap, sizeof *v, err);
    if (!v)
        return -1;
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        const char *dash = memchr(p, '-', len);
        uint64_t lo, hi;
        if (dash ? parse_seed(opt, p, (size_t)(dash - p), &lo, err) ||
                       parse_seed(opt, dash + 1, len - (size_t)(dash - p) - 1, &hi, err)
                 : parse_seed(opt, p, len, &lo, err))
            goto fail;
        if (!dash)
            hi = lo;
        if (hi < lo) {
            rsc_fail(err, "%s: range '%.*s' is descending", opt, (int)len, p);
            goto fail;
        }
        for (uint64_t x = lo;; x++) {
            if (n == max_n) {
                rsc_fail(err, "%s: more than %zu seeds", opt, max_n);
                goto fail;
            }
            if (n == cap) {
                uint64_t *nv = realloc(v, 2 * cap * sizeof *v);
                if (!nv) {
                    rsc_fail(err, "out of memory");
                    goto fail;
                }
                v = nv;
                cap *= 2;
            }
            v[n++] = x;
            if (x == hi)
                break;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    *out = v;
    return (long)n;
fail:
    free(v);
    return -1;
}

char *rsc_output_name_expand(const char *tmpl, const char *data, uint64_t seed, rsc_error *err)
{
    /* The dataset's base name: no folder, no ".rsct" (a folder argument
     * ending in '/' keeps its last component). */
    char base[256];
    if (!strcmp(data, "-")) {
        snprintf(base, sizeof base, "stdin");
    } else {
        size_t len = strlen(data);
        while (len > 1 && data[len - 1] == '/')
            len--;
        size_t start = len;
        while (start > 0 && data[start - 1] != '/')
            start--;
        size_t bl = len - start;
        if (bl > 5 && !memcmp(data + len - 5, ".rsct", 5))
            bl -= 5;
        snprintf(base, sizeof base, "%.*s", (int)bl, data + start);
    }
    size_t tl = strlen(tmpl);
    int dir = tl > 0 && tmpl[tl - 1] == '/';
    const char *t = dir ? "{data}-s{seed}.rsct" : tmpl;
    /* Each character of t grows at most to the base name or a seed. */
    size_t cap = tl + strlen(t) * (strlen(base) + 24) + 1, k = 0;
    char *s = rsc_malloc(cap, 1, err);
    if (!s)
        return NULL;
    s[0] = '\0';
    if (dir)
        k += (size_t)snprintf(s, cap, "%s", tmpl);
    for (const char *p = t; *p; p++) {
        if (*p == '{') {
            size_t fl = strcspn(p + 1, "}");
            if (p[1 + fl] == '}' && fl == 4 && !memcmp(p + 1, "data", 4)) {
                k += (size_t)snprintf(s + k, cap - k, "%s", base);
                p += fl + 1;
                continue;
            }
            if (p[1 + fl] == '}' && fl == 4 && !memcmp(p + 1, "seed", 4)) {
                k += (size_t)snprintf(s + k, cap - k, "%llu", (unsigned long long)seed);
                p += fl + 1;
                continue;
            }
            free(s);
            rsc_fail(err, "-o '%s': unknown field '%.*s' (use {data} and {seed})", tmpl,
                     (int)(p[1 + fl] == '}' ? fl + 2 : fl + 1), p);
            return NULL;
        }
        s[k++] = *p;
        s[k] = '\0';
    }
    return s;
}

/* ------------------------------------------------------------ shared data */

/* Two tensors with the same type, shape and bytes (both absent: equal). */
static int same_tensor(const rsc_file *a, const rsc_file *b, const char *name)
{
    const rsc_tensor *x = rsc_file_find(a, name), *y = rsc_file_find(b, name);
    if (!x || !y)
        return !x && !y;
    if (x->dtype != y->dtype || x->ndim != y->ndim)
        return 0;
    for (int i = 0; i < x->ndim; i++)
        if (x->dims[i] != y->dims[i])
            return 0;
    return memcmp(x->data, y->data, rsc_tensor_bytes(x)) == 0;
}

int rsc_train_group_same_images(const rsc_file *a, const rsc_file *b)
{
    static const char *const names[] = { "train.x", "train.y", "test.x", "test.y" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!same_tensor(a, b, names[i]))
            return 0;
    return 1;
}

void rsc_train_group_drop_images(rsc_file *ds)
{
    static const char *const names[] = { "train.x", "train.y", "test.x", "test.y", "spurious.x" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        rsc_file_remove(ds, names[i]);
}

/* ------------------------------------------------------------ the group */

struct rsc_train_group {
    rsc_trainer *const *t;
    int k;
};

int rsc_train_group_fits(const rsc_train_cfg *cfg, const rsc_backend *be)
{
    (void)cfg, (void)be;
    return 0;
}

rsc_train_group *rsc_train_group_new(rsc_trainer *const *t, int k, rsc_error *err)
{
    rsc_train_group *g = rsc_calloc(1, sizeof *g, err);
    if (!g)
        return NULL;
    g->t = t;
    g->k = k;
    return g;
}

void rsc_train_group_free(rsc_train_group *g)
{
    free(g);
}

/* The models in turn, each with its own epoch. */
static int epoch_in_turn(rsc_train_group *g, rsc_train_progress cb, void *ud,
                         rsc_epoch_stats *st, rsc_error *err)
{
    for (int i = 0; i < g->k; i++) {
        int rc = rsc_trainer_epoch(g->t[i], i == 0 ? cb : NULL, ud, &st[i], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int rsc_train_group_epoch(rsc_train_group *g, rsc_train_progress cb, void *ud,
                          rsc_epoch_stats *st, rsc_error *err)
{
    return epoch_in_turn(g, cb, ud, st, err);
}
