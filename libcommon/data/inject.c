/* inject.c - insert a spurious pattern into training examples of one class,
 * choosing them exactly as the reference code does. */
#include "data/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/inject.h"

int rsc_dataset_inject(rsc_file *ds, const rsc_pattern *p, long target, long count, uint32_t seed,
                       rsc_error *err)
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
    size_t n = (size_t)x->dims[0], img = (size_t)p->c * p->h * p->w, m = 0;
    const int32_t *lab = y->data;
    for (size_t i = 0; i < n; i++)
        m += lab[i] == target;
    if (count < 0 || (size_t)count > m)
        return rsc_fail(err, "count %ld exceeds the %zu training examples of class %ld", count, m, target);
    int64_t *pop = rsc_malloc(m, sizeof *pop, err);
    int64_t *idx = pop ? rsc_malloc((size_t)count, sizeof *idx, err) : NULL;
    float *sx = idx ? rsc_malloc((size_t)count, img * sizeof *sx, err) : NULL;
    if (!sx)
        goto fail;
    for (size_t i = 0, k = 0; i < n; i++)
        if (lab[i] == target)
            pop[k++] = (int64_t)i;
    rsc_rng r;
    rsc_rng_seed(&r, seed);
    if (rsc_rng_choice(&r, pop, m, (size_t)count, idx) < 0) {
        rsc_fail(err, "out of memory");
        goto fail;
    }
    free(pop);
    pop = NULL;
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
    free(pop);
    free(idx);
    free(sx);
    rsc_file_remove(ds, "spurious.index");
    rsc_file_remove(ds, "spurious.pattern");
    rsc_file_remove(ds, "spurious.x");
    return -1;
}
