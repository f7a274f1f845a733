/* cifar.c - the CIFAR-10 binary version (data_batch_1..5.bin,
 * test_batch.bin): records of one label byte and 3072 pixel bytes (red,
 * green, blue planes of 32x32, i.e. CHW), imported as a dataset. */
#include "data/dataset.h"
#include "data/cifar.h"
#include "data/manifest.h"
#include "format/memlimit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CIFAR_MAX_BYTES (1ull << 36)

/* Size of a batch file, checked: a regular file of whole records. */
static int cifar_size(const char *path, FILE *f, size_t *n, rsc_error *err)
{
    struct stat st;
    if (fstat(fileno(f), &st) < 0)
        return rsc_fail(err, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return rsc_fail(err, "%s: not a regular file", path);
    uint64_t size = (uint64_t)st.st_size;
    if (size == 0)
        return rsc_fail(err, "%s: empty CIFAR-10 batch", path);
    if (size % RSC_CIFAR_RECORD != 0 || size > CIFAR_MAX_BYTES) {
        if (size % (RSC_CIFAR_RECORD + 1) == 0 && size <= CIFAR_MAX_BYTES)
            return rsc_fail(err, "%s: wrong size %llu bytes for a CIFAR-10 batch (records of 3074 bytes: "
                            "CIFAR-100 is not supported)", path, (unsigned long long)size);
        return rsc_fail(err, "%s: wrong size %llu bytes for a CIFAR-10 batch (not a multiple of %u-byte "
                        "records; truncated?)", path, (unsigned long long)size, RSC_CIFAR_RECORD);
    }
    *n = (size_t)(size / RSC_CIFAR_RECORD);
    return 0;
}

/* Read the n records of an open batch into x (n*3072) and y (n), feeding
 * the manifest check v, and end that check. */
static int cifar_records(const char *path, FILE *f, size_t n, uint8_t *x, int32_t *y, rsc_verify *v,
                         rsc_error *err)
{
    unsigned char rec[RSC_CIFAR_RECORD];
    for (size_t i = 0; i < n; i++) {
        size_t got = fread(rec, 1, RSC_CIFAR_RECORD, f);
        if (got != RSC_CIFAR_RECORD) {
            if (ferror(f))
                return rsc_fail(err, "%s: read error: %s", path, strerror(errno));
            return rsc_fail(err, "%s: truncated (record %zu of %zu)", path, i, n);
        }
        if (rec[0] >= RSC_CIFAR_CLASSES)
            return rsc_fail(err, "%s: label %u of record %zu out of range (0..%d)", path, rec[0], i,
                            RSC_CIFAR_CLASSES - 1);
        rsc_verify_update(v, rec, RSC_CIFAR_RECORD);
        y[i] = rec[0];
        memcpy(x + i * RSC_CIFAR_PIXELS, rec + 1, RSC_CIFAR_PIXELS);
    }
    return rsc_verify_end(v, err);
}

int rsc_cifar_read(const char *path, uint8_t **x, int32_t **y, size_t *n, rsc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rsc_fail(err, "%s: cannot open: %s", path, strerror(errno));
    uint8_t *px = NULL;
    int32_t *py = NULL;
    size_t m = 0;
    int rc = -1;
    rsc_verify none;
    rsc_verify_begin(&none, NULL, path);
    if (cifar_size(path, f, &m, err) < 0)
        goto out;
    if (!(px = rsc_malloc(m, RSC_CIFAR_PIXELS, err)) || !(py = rsc_malloc(m, sizeof *py, err)))
        goto out;
    if (cifar_records(path, f, m, px, py, &none, err) < 0)
        goto out;
    *x = px;
    *y = py;
    *n = m;
    px = NULL;
    py = NULL;
    rc = 0;
out:
    fclose(f);
    free(px);
    free(py);
    return rc;
}

/* The folder holding the batches: dir or dir/cifar-10-batches-bin. */
static int cifar_dir(const char *dir, char *out, size_t outsz)
{
    struct stat st;
    snprintf(out, outsz, "%s/data_batch_1.bin", dir);
    if (stat(out, &st) == 0) {
        snprintf(out, outsz, "%s", dir);
        return 0;
    }
    snprintf(out, outsz, "%s/cifar-10-batches-bin/data_batch_1.bin", dir);
    if (stat(out, &st) == 0) {
        snprintf(out, outsz, "%s/cifar-10-batches-bin", dir);
        return 0;
    }
    return -1;
}

/* Read the listed batch files into one split; sizes are all checked (also
 * against the manifest m, if any) before the split's buffers are
 * allocated. */
static int cifar_split(rsc_file *ds, const char *dir, const char *const *files, int nfiles,
                       const char *split, const rsc_manifest *m, rsc_error *err)
{
    FILE *f[5] = { NULL };
    size_t counts[5] = { 0 }, total = 0;
    char paths[5][PATH_MAX + 32];
    rsc_verify v[5];
    uint8_t *x = NULL;
    int32_t *y = NULL;
    int rc = -1;
    for (int i = 0; i < nfiles; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, files[i]);
        rsc_verify_begin(&v[i], m, paths[i]);
        if (!(f[i] = fopen(paths[i], "rb"))) {
            rsc_fail(err, "%s: cannot open: %s", paths[i], strerror(errno));
            goto out;
        }
        if (cifar_size(paths[i], f[i], &counts[i], err) < 0 ||
            rsc_verify_size(&v[i], counts[i] * RSC_CIFAR_RECORD, err) < 0)
            goto out;
        total += counts[i];
    }
    if (rsc_memory_check((uint64_t)total * (RSC_CIFAR_PIXELS + sizeof *y), dir,
                         strcmp(split, "test") ? "its training batches" : "its test batch", err) < 0)
        goto out;
    if (!(x = rsc_malloc(total, RSC_CIFAR_PIXELS, err)) || !(y = rsc_malloc(total, sizeof *y, err)))
        goto out;
    size_t at = 0;
    for (int i = 0; i < nfiles; i++) {
        if (cifar_records(paths[i], f[i], counts[i], x + at * RSC_CIFAR_PIXELS, y + at, &v[i], err) < 0)
            goto out;
        at += counts[i];
    }
    char name[32];
    uint64_t xd[4] = { total, 3, 32, 32 }, yd[1] = { total };
    snprintf(name, sizeof name, "%s.x", split);
    rsc_tensor *t = rsc_file_add_take(ds, name, RSC_U8, 4, xd, x, err);
    x = NULL;
    if (!t)
        goto out;
    snprintf(name, sizeof name, "%s.y", split);
    t = rsc_file_add_take(ds, name, RSC_I32, 1, yd, y, err);
    y = NULL;
    if (!t)
        goto out;
    rc = 0;
out:
    for (int i = 0; i < nfiles; i++)
        if (f[i])
            fclose(f[i]);
    free(x);
    free(y);
    return rc;
}

rsc_file *rsc_dataset_import_cifar(const char *dir, const char *name, const rsc_manifest *m, rsc_error *err)
{
    return rsc_dataset_import_cifar_split(dir, name, m, 0, err);
}

rsc_file *rsc_dataset_import_cifar_split(const char *dir, const char *name, const rsc_manifest *m,
                                         int test_only, rsc_error *err)
{
    static const char *const train[] = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                         "data_batch_4.bin", "data_batch_5.bin" };
    static const char *const test[] = { "test_batch.bin" };
    char d[PATH_MAX], real[PATH_MAX];
    if (cifar_dir(dir, d, sizeof d) < 0) {
        rsc_fail(err, "%s: no CIFAR-10 batches (data_batch_1.bin, here or in cifar-10-batches-bin/)", dir);
        return NULL;
    }
    rsc_file *ds = rsc_file_new(err);
    if (!ds)
        return NULL;
    if ((!test_only && cifar_split(ds, d, train, 5, "train", m, err) < 0) ||
        cifar_split(ds, d, test, 1, "test", m, err) < 0)
        goto fail;
    if (rsc_meta_set(ds, "kind", "dataset", err) < 0 ||
        rsc_meta_set(ds, "name", name ? name : "cifar10", err) < 0 ||
        rsc_meta_setf(ds, "classes", err, "%d", RSC_CIFAR_CLASSES) < 0 ||
        rsc_meta_set(ds, "source", realpath(d, real) ? real : d, err) < 0)
        goto fail;
    return ds;
fail:
    rsc_file_free(ds);
    return NULL;
}
