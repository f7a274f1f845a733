/* dataset.c - opening datasets (by name, folder or rsct file), the name
 * lookup (dataset.h), validation, and float views of the images.  The
 * formats themselves are in idx.c and cifar.c, the checksums of the known
 * datasets in manifest.c. */
#include "data/dataset.h"
#include "data/idx.h"
#include "data/cifar.h"
#include "data/manifest.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Names the lookup knows, with the folder names they go by and how
 * messages name them (their manifests are data/manifests/NAME.manifest). */
static const struct {
    const char *name;
    int format;
    const char *dirs[3];
    const char *title;
} known[] = {
    { "mnist", RSC_DIR_IDX, { "mnist", NULL, NULL }, "MNIST" },
    { "fashion", RSC_DIR_IDX, { "fashion-mnist", "fashion", NULL }, "Fashion-MNIST" },
    { "cifar10", RSC_DIR_CIFAR, { "cifar10", "cifar-10-batches-bin", NULL }, "CIFAR-10" },
};
#define NKNOWN (sizeof known / sizeof known[0])

static int known_index(const char *s)
{
    for (size_t i = 0; i < NKNOWN; i++)
        if (!strcmp(s, known[i].name))
            return (int)i;
    return -1;
}

int rsc_dataset_is_name(const char *s)
{
    return known_index(s) >= 0;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int rsc_dataset_dir_format(const char *dir)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", dir);
    if (is_file(p))
        return RSC_DIR_IDX;
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
    if (is_file(p))
        return RSC_DIR_IDX;
    snprintf(p, sizeof p, "%s/data_batch_1.bin", dir);
    if (is_file(p))
        return RSC_DIR_CIFAR;
    snprintf(p, sizeof p, "%s/cifar-10-batches-bin/data_batch_1.bin", dir);
    if (is_file(p))
        return RSC_DIR_CIFAR;
    return 0;
}

/* Look for dataset k under base: base/NAME.rsct, then the folder names.
 * Returns a malloc'ed path or NULL. */
static char *look_in(const char *base, int k, int with_rsct)
{
    char p[PATH_MAX];
    if (with_rsct) {
        snprintf(p, sizeof p, "%s/%s.rsct", base, known[k].name);
        if (is_file(p))
            return strdup(p);
    }
    for (int i = 0; i < 3 && known[k].dirs[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", base, known[k].dirs[i]);
        if (is_dir(p) && rsc_dataset_dir_format(p) == known[k].format)
            return strdup(p);
    }
    return NULL;
}

/* Append to a bounded message buffer. */
static void cat(char *buf, size_t sz, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < sz)
        snprintf(buf + n, sz - n, "%s", s);
}

char *rsc_dataset_locate(const char *name, rsc_error *err)
{
    int k = known_index(name);
    if (k < 0) {
        rsc_fail(err, "unknown dataset name '%s' (known: mnist, fashion, cifar10)", name);
        return NULL;
    }
    char where[RSC_ERROR_MAX / 2] = "", *hit;
    /* 1. $RSC_DATA_PATH, a colon-separated list of folders */
    const char *env = getenv("RSC_DATA_PATH");
    if (env && *env) {
        char *list = strdup(env), *save = NULL;
        if (!list) {
            rsc_fail(err, "out of memory");
            return NULL;
        }
        for (char *d = strtok_r(list, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            if ((hit = look_in(d, k, 1))) {
                free(list);
                return hit;
            }
            cat(where, sizeof where, d);
            cat(where, sizeof where, ", ");
        }
        free(list);
    }
    /* 2. Debian's convention */
    if ((hit = look_in("/usr/share/datasets", k, 0)))
        return hit;
    cat(where, sizeof where, "/usr/share/datasets, ");
    /* 3. $XDG_DATA_HOME/rsc */
    char xdg[PATH_MAX];
    const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (x && *x)
        snprintf(xdg, sizeof xdg, "%s/rsc", x);
    else
        snprintf(xdg, sizeof xdg, "%s/.local/share/rsc", home ? home : "");
    if ((hit = look_in(xdg, k, 1)))
        return hit;
    cat(where, sizeof where, xdg);
    char names[128];
    snprintf(names, sizeof names, "%s.rsct, %s/%s%s%s", known[k].name, known[k].dirs[0],
             known[k].dirs[1] ? ", " : "", known[k].dirs[1] ? known[k].dirs[1] : "",
             known[k].dirs[1] ? "/" : "");
    rsc_fail(err, "dataset '%s' not found (looked for %s in %s; set RSC_DATA_PATH%s)", name, names,
             where, k == 1 ? " or install dataset-fashion-mnist" : "");
    return NULL;
}

/* Name a non-rsct file the user may have given by mistake. */
static int sniff_foreign(const char *path, rsc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char m[4] = { 0 };
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        return rsc_fail(err, "%s: a gzip file, not an rsct dataset (for IDX files give the folder that "
                        "holds all four)", path);
    if (n == 4 && m[0] == 0 && m[1] == 0 && m[2] == 0x08 && (m[3] == 1 || m[3] == 3))
        return rsc_fail(err, "%s: an IDX file, not an rsct dataset (give the folder that holds all four)",
                        path);
    struct stat st;
    size_t len = strlen(path);
    if (len > 4 && !strcmp(path + len - 4, ".bin") && stat(path, &st) == 0 && st.st_size > 0 &&
        st.st_size % 3073 == 0)
        return rsc_fail(err, "%s: a CIFAR-10 batch, not an rsct dataset (give the folder that holds "
                        "data_batch_1.bin ... test_batch.bin)", path);
    return 0;
}

static int validate(const rsc_file *ds, const char *fname, int test_only, rsc_error *err);

/* What RSC_DATASET_TEST_ONLY keeps of an rsct dataset. */
static int test_tensor(const char *name, void *ctx)
{
    (void)ctx;
    return !strcmp(name, "test.x") || !strcmp(name, "test.y") || !strcmp(name, "spurious.pattern");
}

/* Open a folder or rsct file; name is the dataset name it was found by
 * (NULL: a path), whose manifest checks a folder's files unless flags say
 * RSC_DATASET_NO_VERIFY. */
static rsc_file *open_path(const char *path, const char *name, unsigned flags, rsc_error *err)
{
    rsc_file *ds = NULL;
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) < 0) {
        if (!strchr(path, '/'))
            rsc_fail(err, "%s: no such dataset file or folder (dataset names: mnist, fashion, cifar10)", path);
        else
            rsc_fail(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
        int fmt = rsc_dataset_dir_format(path), k = name ? known_index(name) : -1;
        rsc_manifest man, *m = NULL;
        if (k >= 0 && !(flags & RSC_DATASET_NO_VERIFY)) {
            if (rsc_manifest_load(&man, name, known[k].title, err) < 0)
                return NULL;
            m = &man;
        }
        int test_only = (flags & RSC_DATASET_TEST_ONLY) != 0;
        if (fmt == RSC_DIR_IDX)
            ds = rsc_dataset_import_idx_split(path, name, m, test_only, err);
        else if (fmt == RSC_DIR_CIFAR)
            ds = rsc_dataset_import_cifar_split(path, name, m, test_only, err);
        else
            rsc_fail(err, "%s: no dataset in this folder (IDX train-images-idx3-ubyte[.gz] or CIFAR-10 "
                     "data_batch_1.bin expected)", path);
        rsc_manifest_free(m);
        if (!ds)
            return NULL;
    } else {
        rsc_error e;
        rsc_read_opts test_only = { .keep = test_tensor, .drop = 1 };
        ds = rsc_file_load_opts(path, flags & RSC_DATASET_TEST_ONLY ? &test_only : NULL, &e);
        if (!ds) {
            if (sniff_foreign(path, err) == 0)
                *err = e;
            return NULL;
        }
    }
    if (validate(ds, strcmp(path, "-") ? path : "stdin", (flags & RSC_DATASET_TEST_ONLY) != 0,
                 err) < 0) {
        rsc_file_free(ds);
        return NULL;
    }
    return ds;
}

rsc_file *rsc_dataset_open_flags(const char *name_or_path, unsigned flags, rsc_error *err)
{
    if (rsc_dataset_is_name(name_or_path)) {
        char *p = rsc_dataset_locate(name_or_path, err);
        if (!p)
            return NULL;
        rsc_file *ds = open_path(p, name_or_path, flags, err);
        free(p);
        return ds;
    }
    return open_path(name_or_path, NULL, flags, err);
}

rsc_file *rsc_dataset_open(const char *name_or_path, rsc_error *err)
{
    return rsc_dataset_open_flags(name_or_path, 0, err);
}

int rsc_dataset_classes(const rsc_file *ds)
{
    long c = 0;
    if (rsc_meta_get_long(ds, "classes", &c, NULL) < 0)
        return 0;
    return (int)c;
}

/* ------------------------------------------------------------ validation */

static int check_x(const rsc_tensor *x, const char *name, rsc_error *err)
{
    if (x->dtype != RSC_U8 && x->dtype != RSC_F32)
        return rsc_fail(err, "tensor '%s': dtype %s, expected u8 or f32", name, rsc_dtype_name(x->dtype));
    if (x->ndim != 4)
        return rsc_fail(err, "tensor '%s': %d dimensions, expected 4 (N x C x H x W)", name, x->ndim);
    for (int i = 1; i < 4; i++)
        if (x->dims[i] < 1 || x->dims[i] > 65536)
            return rsc_fail(err, "tensor '%s': bad image shape %llux%llux%llu", name,
                            (unsigned long long)x->dims[1], (unsigned long long)x->dims[2],
                            (unsigned long long)x->dims[3]);
    if (x->dims[0] < 1)
        return rsc_fail(err, "tensor '%s': no examples", name);
    return 0;
}

/* f32 values: finite and in [0,1]. */
static int check_unit(const float *v, uint64_t n, const char *name, rsc_error *err)
{
    for (uint64_t i = 0; i < n; i++)
        if (!(v[i] >= 0.0f && v[i] <= 1.0f))
            return rsc_fail(err, "tensor '%s': value %g at %llu outside [0,1]", name, (double)v[i],
                            (unsigned long long)i);
    return 0;
}

static int check_split(const rsc_file *ds, const char *split, long classes, const rsc_tensor *ref,
                       rsc_error *err)
{
    char xn[32], yn[32];
    snprintf(xn, sizeof xn, "%s.x", split);
    snprintf(yn, sizeof yn, "%s.y", split);
    const rsc_tensor *x = rsc_file_find(ds, xn);
    if (!x)
        return rsc_fail(err, "tensor '%s': missing (not a dataset?)", xn);
    if (check_x(x, xn, err) < 0)
        return -1;
    if (ref && (x->dims[1] != ref->dims[1] || x->dims[2] != ref->dims[2] || x->dims[3] != ref->dims[3]))
        return rsc_fail(err, "tensor '%s': images are %llux%llux%llu, the training images %llux%llux%llu", xn,
                        (unsigned long long)x->dims[1], (unsigned long long)x->dims[2],
                        (unsigned long long)x->dims[3], (unsigned long long)ref->dims[1],
                        (unsigned long long)ref->dims[2], (unsigned long long)ref->dims[3]);
    if (x->dtype == RSC_F32 && check_unit(x->data, rsc_tensor_numel(x), xn, err) < 0)
        return -1;
    const rsc_tensor *y = rsc_file_expect(ds, yn, RSC_I32, 1, err);
    if (!y)
        return -1;
    if (y->dims[0] != x->dims[0])
        return rsc_fail(err, "tensor '%s': %llu labels for %llu images", yn, (unsigned long long)y->dims[0],
                        (unsigned long long)x->dims[0]);
    const int32_t *lab = y->data;
    for (uint64_t i = 0; i < y->dims[0]; i++)
        if (lab[i] < 0 || lab[i] >= classes)
            return rsc_fail(err, "tensor '%s': label %d of example %llu out of range (classes=%ld)", yn,
                            lab[i], (unsigned long long)i, classes);
    return 0;
}

/* spurious.pattern: the images' shape, finite values. */
static int check_pattern(const rsc_tensor *sp, const rsc_tensor *x, rsc_error *err)
{
    if (sp->dims[0] != x->dims[1] || sp->dims[1] != x->dims[2] || sp->dims[2] != x->dims[3])
        return rsc_fail(err, "tensor 'spurious.pattern': shape %llux%llux%llu, images are %llux%llux%llu",
                        (unsigned long long)sp->dims[0], (unsigned long long)sp->dims[1],
                        (unsigned long long)sp->dims[2], (unsigned long long)x->dims[1],
                        (unsigned long long)x->dims[2], (unsigned long long)x->dims[3]);
    for (uint64_t i = 0; i < rsc_tensor_numel(sp); i++)
        if (!isfinite(sp->dtype == RSC_F64 ? ((const double *)sp->data)[i] : ((const float *)sp->data)[i]))
            return rsc_fail(err, "tensor 'spurious.pattern': value %llu is not finite", (unsigned long long)i);
    return 0;
}

static int check_injection(const rsc_file *ds, long classes, rsc_error *err)
{
    const char *pattern = rsc_meta_get(ds, "pattern");
    const rsc_tensor *si = rsc_file_find(ds, "spurious.index");
    const rsc_tensor *sx = rsc_file_find(ds, "spurious.x");
    const rsc_tensor *sp = rsc_file_find(ds, "spurious.pattern");
    if (!pattern || !strcmp(pattern, "none")) {
        if (si || sx || sp)
            return rsc_fail(err, "tensor '%s' present but no spurious pattern recorded (key 'pattern')",
                            si ? si->name : sx ? sx->name : sp->name);
        return 0;
    }
    long target, count, seed;
    if (rsc_meta_get_long(ds, "target", &target, err) < 0 || rsc_meta_get_long(ds, "count", &count, err) < 0 ||
        rsc_meta_get_long(ds, "seed", &seed, err) < 0)
        return -1;
    if (target < 0 || target >= classes)
        return rsc_fail(err, "metadata key 'target': %ld out of range (classes=%ld)", target, classes);
    if (seed < 0 || seed > 0xffffffffL)
        return rsc_fail(err, "metadata key 'seed': %ld out of range 0..4294967295", seed);
    const rsc_tensor *x = rsc_file_find(ds, "train.x"), *y = rsc_file_find(ds, "train.y");
    uint64_t n = x->dims[0];
    if (count < 0 || (uint64_t)count > n)
        return rsc_fail(err, "metadata key 'count': %ld out of range 0..%llu", count, (unsigned long long)n);
    if (!(si = rsc_file_expect(ds, "spurious.index", RSC_I64, 1, err)) ||
        !(sx = rsc_file_expect(ds, "spurious.x", RSC_F32, 4, err)) ||
        !(sp = rsc_file_expect(ds, "spurious.pattern", sp && sp->dtype == RSC_F64 ? RSC_F64 : RSC_F32, 3, err)))
        return -1;
    if (si->dims[0] != (uint64_t)count)
        return rsc_fail(err, "tensor 'spurious.index': %llu entries, but count=%ld",
                        (unsigned long long)si->dims[0], count);
    if (sx->dims[0] != (uint64_t)count || sx->dims[1] != x->dims[1] || sx->dims[2] != x->dims[2] ||
        sx->dims[3] != x->dims[3])
        return rsc_fail(err, "tensor 'spurious.x': shape %llux%llux%llux%llu, expected %ldx%llux%llux%llu",
                        (unsigned long long)sx->dims[0], (unsigned long long)sx->dims[1],
                        (unsigned long long)sx->dims[2], (unsigned long long)sx->dims[3], count,
                        (unsigned long long)x->dims[1], (unsigned long long)x->dims[2],
                        (unsigned long long)x->dims[3]);
    if (check_pattern(sp, x, err) < 0)
        return -1;
    if (check_unit(sx->data, rsc_tensor_numel(sx), "spurious.x", err) < 0)
        return -1;
    const int64_t *idx = si->data;
    const int32_t *lab = y->data;
    unsigned char *seen = count ? rsc_calloc(n, 1, err) : NULL;
    if (count && !seen)
        return -1;
    for (long i = 0; i < count; i++) {
        if (idx[i] < 0 || (uint64_t)idx[i] >= n) {
            free(seen);
            return rsc_fail(err, "tensor 'spurious.index': index %lld out of range (%llu training examples)",
                            (long long)idx[i], (unsigned long long)n);
        }
        if (seen[idx[i]]) {
            free(seen);
            return rsc_fail(err, "tensor 'spurious.index': index %lld repeated", (long long)idx[i]);
        }
        seen[idx[i]] = 1;
        if (lab[idx[i]] != target) {
            free(seen);
            return rsc_fail(err, "tensor 'spurious.index': example %lld has label %d, not the target %ld",
                            (long long)idx[i], lab[idx[i]], target);
        }
    }
    free(seen);
    return 0;
}

/* The test split alone (RSC_DATASET_TEST_ONLY): the pattern's shape is
 * that of the test images. */
static int check_test_pattern(const rsc_file *ds, rsc_error *err)
{
    const rsc_tensor *sp = rsc_file_find(ds, "spurious.pattern"), *x = rsc_file_find(ds, "test.x");
    if (!sp)
        return 0;
    if (!(sp = rsc_file_expect(ds, "spurious.pattern", sp->dtype == RSC_F64 ? RSC_F64 : RSC_F32, 3, err)))
        return -1;
    return check_pattern(sp, x, err);
}

int rsc_dataset_validate(const rsc_file *ds, const char *fname, rsc_error *err)
{
    return validate(ds, fname, 0, err);
}

static int validate(const rsc_file *ds, const char *fname, int test_only, rsc_error *err)
{
    const char *kind = rsc_meta_get(ds, "kind");
    long classes;
    if (kind && strcmp(kind, "dataset") != 0)
        return rsc_fail(err, "%s: a %s file, not a dataset", fname, kind);
    if (rsc_meta_get_long(ds, "classes", &classes, err) < 0)
        return rsc_fail_prefix(err, "%s", fname);
    if (classes < 2 || classes > 65536)
        return rsc_fail(err, "%s: metadata key 'classes': %ld out of range 2..65536", fname, classes);
    if (test_only) {
        if (check_split(ds, "test", classes, NULL, err) < 0 || check_test_pattern(ds, err) < 0)
            return rsc_fail_prefix(err, "%s", fname);
        return 0;
    }
    if (check_split(ds, "train", classes, NULL, err) < 0 ||
        check_split(ds, "test", classes, rsc_file_find(ds, "train.x"), err) < 0 ||
        check_injection(ds, classes, err) < 0)
        return rsc_fail_prefix(err, "%s", fname);
    return 0;
}

/* ------------------------------------------------------------ splits */

int rsc_dataset_split(const rsc_file *ds, const char *split, rsc_split *out, rsc_error *err)
{
    int train = !strcmp(split, "train");
    if (!train && strcmp(split, "test") != 0)
        return rsc_fail(err, "unknown split '%s' (train or test)", split);
    char xn[32], yn[32];
    snprintf(xn, sizeof xn, "%s.x", split);
    snprintf(yn, sizeof yn, "%s.y", split);
    const rsc_tensor *tx = rsc_file_find(ds, xn), *ty = rsc_file_expect(ds, yn, RSC_I32, 1, err);
    if (!ty)
        return -1;
    if (!tx)
        return rsc_fail(err, "tensor '%s': missing", xn);
    if (check_x(tx, xn, err) < 0)
        return -1;
    size_t m = (size_t)tx->dims[0], img = (size_t)(tx->dims[1] * tx->dims[2] * tx->dims[3]);
    if (ty->dims[0] != m)
        return rsc_fail(err, "tensor '%s': %zu labels for %zu images", yn, (size_t)ty->dims[0], m);
    *out = (rsc_split){ .n = m, .c = (int)tx->dims[1], .h = (int)tx->dims[2],
                        .w = (int)tx->dims[3], .dtype = tx->dtype, .x = tx->data,
                        .y = ty->data };
    const rsc_tensor *si = train ? rsc_file_find(ds, "spurious.index") : NULL;
    if (!si)
        return 0;
    const rsc_tensor *sx = rsc_file_find(ds, "spurious.x");
    if (!sx || si->dtype != RSC_I64 || si->ndim != 1 || sx->dtype != RSC_F32 || sx->ndim != 4 ||
        sx->dims[0] != si->dims[0] || (size_t)(sx->dims[1] * sx->dims[2] * sx->dims[3]) != img)
        return rsc_fail(err, "tensors 'spurious.index' and 'spurious.x' do not match the dataset");
    const int64_t *idx = si->data;
    for (uint64_t k = 0; k < si->dims[0]; k++)
        if (idx[k] < 0 || (uint64_t)idx[k] >= m)
            return rsc_fail(err, "tensor 'spurious.index': index %lld out of range",
                            (long long)idx[k]);
    out->nsub = (size_t)si->dims[0];
    out->sub_index = idx;
    out->sub_x = sx->data;
    return 0;
}

int rsc_dataset_range_f32(const rsc_file *ds, const char *split, size_t start, size_t count,
                          float *x, rsc_error *err)
{
    rsc_split sp;
    if (rsc_dataset_split(ds, split, &sp, err) != 0)
        return -1;
    size_t m = sp.n, img = (size_t)sp.c * sp.h * sp.w;
    if (start > m || count > m - start)
        return rsc_fail(err, "images %zu..%zu of the %s split: it has %zu", start, start + count,
                        split, m);
    if (sp.dtype == RSC_U8) {
        /* astype(float32) / 255: a float32 division, as the reference */
        float lut[256];
        for (int v = 0; v < 256; v++)
            lut[v] = (float)v / 255.0f;
        const uint8_t *s = (const uint8_t *)sp.x + start * img;
        for (size_t i = 0; i < count * img; i++)
            x[i] = lut[s[i]];
    } else {
        memcpy(x, (const float *)sp.x + start * img, count * img * sizeof *x);
    }
    for (size_t k = 0; k < sp.nsub; k++) {
        size_t i = (size_t)sp.sub_index[k];
        if (i >= start && i < start + count)
            memcpy(x + (i - start) * img, sp.sub_x + k * img, img * sizeof *x);
    }
    return 0;
}

int rsc_dataset_images_f32(const rsc_file *ds, const char *split, float **x, int32_t **y, size_t *n,
                           int *c, int *h, int *w, rsc_error *err)
{
    rsc_split sp;
    if (rsc_dataset_split(ds, split, &sp, err) != 0)
        return -1;
    size_t m = sp.n, img = (size_t)sp.c * sp.h * sp.w;
    float *fx = NULL;
    int32_t *fy = NULL;
    if (x && (!(fx = rsc_malloc(m, img * sizeof *fx, err)) ||
              rsc_dataset_range_f32(ds, split, 0, m, fx, err) != 0)) {
        free(fx);
        return -1;
    }
    if (y) {
        if (!(fy = rsc_malloc(m, sizeof *fy, err))) {
            free(fx);
            return -1;
        }
        memcpy(fy, sp.y, m * sizeof *fy);
    }
    if (x)
        *x = fx;
    if (y)
        *y = fy;
    if (n)
        *n = m;
    if (c)
        *c = sp.c;
    if (h)
        *h = sp.h;
    if (w)
        *w = sp.w;
    return 0;
}
