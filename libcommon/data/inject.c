/* inject.c - insert a spurious pattern into training examples of one class,
 * choosing them exactly as the reference code does. */
#include "data/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/inject.h"

int rsc_inject_choose(const int32_t *labels, size_t n, long target, long count, uint32_t seed,
                      int64_t *rows, rsc_error *err)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += labels[i] == target;
    if (count < 0 || (size_t)count > m)
        return rsc_fail(err, "count %ld exceeds the %zu training examples of class %ld", count, m, target);
    int64_t *pop = rsc_malloc(m, sizeof *pop, err);
    if (!pop)
        return -1;
    for (size_t i = 0, k = 0; i < n; i++)
        if (labels[i] == target)
            pop[k++] = (int64_t)i;
    rsc_rng r;
    rsc_rng_seed(&r, seed);
    int rc = rsc_rng_choice(&r, pop, m, (size_t)count, rows);
    free(pop);
    return rc < 0 ? rsc_fail(err, "out of memory") : 0;
}

/* The checks both entry points share: not injected yet, target in range,
 * a valid train split whose image shape is the pattern's. */
static int check_injectable(const rsc_file *ds, const rsc_pattern *p, long target, rsc_error *err)
{
    const char *had = rsc_meta_get(ds, "pattern");
    if ((had && strcmp(had, "none") != 0) || rsc_file_find(ds, "spurious.index"))
        return rsc_fail(err, "already injected (pattern %s, count %s); start from a clean dataset",
                        had ? had : "?", rsc_meta_get(ds, "count") ? rsc_meta_get(ds, "count") : "?");
    int classes = rsc_dataset_classes(ds);
    if (target < 0 || target >= classes)
        return rsc_fail(err, "target class %ld out of range (the dataset has %d classes: 0..%d)", target,
                        classes, classes - 1);
    const rsc_tensor *x = rsc_file_find(ds, "train.x"), *y = rsc_file_find(ds, "train.y");
    if (!x || !y || x->ndim != 4 || y->dtype != RSC_I32 || (x->dtype != RSC_U8 && x->dtype != RSC_F32))
        return rsc_fail(err, "not a valid dataset (train.x, train.y)");
    if (x->dims[1] != (uint64_t)p->c || x->dims[2] != (uint64_t)p->h || x->dims[3] != (uint64_t)p->w)
        return rsc_fail(err, "pattern is %dx%dx%d, images are %llux%llux%llu", p->c, p->h, p->w,
                        (unsigned long long)x->dims[1], (unsigned long long)x->dims[2],
                        (unsigned long long)x->dims[3]);
    return 0;
}

int rsc_dataset_inject(rsc_file *ds, const rsc_pattern *p, long target, long count, uint32_t seed,
                       rsc_error *err)
{
    if (check_injectable(ds, p, target, err) != 0)
        return -1;
    const rsc_tensor *y = rsc_file_find(ds, "train.y");
    int64_t *rows = rsc_malloc(count > 0 ? (size_t)count : 0, sizeof *rows, err);
    if (!rows || rsc_inject_choose(y->data, (size_t)y->dims[0], target, count, seed, rows, err) != 0) {
        free(rows);
        return -1;
    }
    int rc = rsc_dataset_inject_rows(ds, p, target, rows, count, seed, err);
    free(rows);
    return rc;
}

int rsc_dataset_inject_rows(rsc_file *ds, const rsc_pattern *p, long target, const int64_t *rows,
                            long count, uint32_t seed, rsc_error *err)
{
    if (check_injectable(ds, p, target, err) != 0)
        return -1;
    const rsc_tensor *x = rsc_file_find(ds, "train.x"), *y = rsc_file_find(ds, "train.y");
    size_t n = (size_t)x->dims[0], img = (size_t)p->c * p->h * p->w;
    const int32_t *lab = y->data;
    if (count < 0)
        return rsc_fail(err, "count %ld is negative", count);
    for (long k = 0; k < count; k++)
        if (rows[k] < 0 || (size_t)rows[k] >= n || lab[rows[k]] != target)
            return rsc_fail(err, "example %lld is not a training example of class %ld", (long long)rows[k],
                            target);
    int64_t *idx = rsc_malloc((size_t)count, sizeof *idx, err);
    float *sx = idx ? rsc_malloc((size_t)count, img * sizeof *sx, err) : NULL;
    if (!sx)
        goto fail;
    memcpy(idx, rows, (size_t)count * sizeof *idx);
    float lut[256];
    for (int v = 0; v < 256; v++)
        lut[v] = (float)v / 255.0f;
    for (long k = 0; k < count; k++) {
        float *row = sx + (size_t)k * img;
        if (x->dtype == RSC_U8) {
            const uint8_t *s = (const uint8_t *)x->data + (size_t)idx[k] * img;
            for (size_t i = 0; i < img; i++)
                row[i] = lut[s[i]];
        } else {
            memcpy(row, (const float *)x->data + (size_t)idx[k] * img, img * sizeof *row);
        }
        rsc_pattern_apply(p, row, row);
    }
    uint64_t di[1] = { (uint64_t)count };
    uint64_t dx[4] = { (uint64_t)count, (uint64_t)p->c, (uint64_t)p->h, (uint64_t)p->w };
    rsc_tensor *t = rsc_file_add_take(ds, "spurious.index", RSC_I64, 1, di, idx, err);
    idx = NULL;
    if (!t || rsc_pattern_to_tensor(p, ds, "spurious.pattern", err) < 0)
        goto fail;
    t = rsc_file_add_take(ds, "spurious.x", RSC_F32, 4, dx, sx, err);
    sx = NULL;
    if (!t || rsc_meta_set(ds, "pattern", p->name, err) < 0 ||
        rsc_meta_setf(ds, "target", err, "%ld", target) < 0 ||
        rsc_meta_setf(ds, "count", err, "%ld", count) < 0 ||
        rsc_meta_setf(ds, "seed", err, "%lu", (unsigned long)seed) < 0)
        goto fail;
    return 0;
fail:
    free(idx);
    free(sx);
    rsc_file_remove(ds, "spurious.index");
    rsc_file_remove(ds, "spurious.pattern");
    rsc_file_remove(ds, "spurious.x");
    return -1;
}
