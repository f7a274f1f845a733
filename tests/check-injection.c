/* check-injection.c - test helper for tests/inject.sh and tests/table1.sh.
 *
 *   check-injection CLEAN INJECTED
 *       INJECTED is CLEAN plus an injection and nothing else: every tensor
 *       and key of CLEAN is there byte for byte (creator aside), the only
 *       new tensors are spurious.index/pattern/x and the only new keys
 *       pattern/target/count/seed[/pattern_file]; the indices are distinct
 *       examples of the target class; spurious.x is Phi of the clean rows bit
 *       for bit, with the pattern regenerated from the file's keys.
 *       Prints "ok COUNT".
 *   check-injection --same A B
 *       A and B hold the same tensors and keys (`source` and `name`,
 *       which follow the folder imported, aside).
 *   check-injection --summary FILE
 *       Prints the keys name, pattern, target, count, seed, then the
 *       spurious indices and an FNV-1a 64 hash of spurious.x (float32
 *       little-endian), to compare with NumPy fixtures.
 * Exit 0 when the file checks out, 1 with a message otherwise. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/patterns.h"
#include "format/rsct.h"

static void die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "check-injection: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    exit(1);
}

static rsc_file *load(const char *path)
{
    rsc_error err;
    rsc_file *f = rsc_file_load(path, &err);
    if (!f)
        die("%s%s", err.msg, "");
    if (rsc_dataset_validate(f, path, &err) < 0)
        die("%s%s", err.msg, "");
    return f;
}

static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int is_spurious_tensor(const char *n)
{
    return !strcmp(n, "spurious.index") || !strcmp(n, "spurious.pattern") || !strcmp(n, "spurious.x");
}

static int is_injection_key(const char *k)
{
    return !strcmp(k, "pattern") || !strcmp(k, "target") || !strcmp(k, "count") || !strcmp(k, "seed") ||
           !strcmp(k, "pattern_file") || !strcmp(k, "creator");
}

static int summary(const char *path)
{
    rsc_file *f = load(path);
    rsc_tensor *si = rsc_file_find(f, "spurious.index"), *sx = rsc_file_find(f, "spurious.x");
    const int64_t *idx = si ? si->data : NULL;
    const char *keys[] = { "name", "pattern", "target", "count", "seed", NULL };
    for (int i = 0; keys[i]; i++)
        printf("%s%s=%s", i ? " " : "", keys[i], rsc_meta_get(f, keys[i]) ? rsc_meta_get(f, keys[i]) : "-");
    printf("\nindex");
    for (uint64_t i = 0; si && i < si->dims[0]; i++)
        printf(" %" PRId64, idx[i]);
    if (sx)
        printf("\nhash %016" PRIx64 "\n", fnv(sx->data, rsc_tensor_bytes(sx)));
    else
        printf("\nhash -\n");
    rsc_file_free(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--summary"))
        return summary(argv[2]);
    int same = argc == 4 && !strcmp(argv[1], "--same");
    if (same) {
        argv++;
        argc--;
    }
    if (argc != 3)
        die("usage: check-injection [--same] CLEAN INJECTED | --summary FILE%s%s", "", "");
    rsc_file *a = load(argv[1]), *b = load(argv[2]);
    if (same) {   /* the same data from another source */
        const char *keys[] = { "source", "name" };   /* both follow the folder */
        for (int i = 0; i < 2; i++) {
            rsc_meta_remove(a, keys[i]);
            rsc_meta_remove(b, keys[i]);
        }
        if (a->ntensors != b->ntensors || a->nmeta != b->nmeta)
            die("%s and %s differ in their tensors or keys", argv[1], argv[2]);
    }
    rsc_error err;
    for (size_t i = 0; i < a->ntensors; i++) {
        const rsc_tensor *t = a->tensors[i], *u = rsc_file_find(b, t->name);
        if (!u)
            die("tensor '%s' missing from %s", t->name, argv[2]);
        if (u->dtype != t->dtype || u->ndim != t->ndim || memcmp(u->dims, t->dims, sizeof t->dims) != 0 ||
            memcmp(u->data, t->data, (size_t)rsc_tensor_bytes(t)) != 0)
            die("tensor '%s' differs in %s", t->name, argv[2]);
    }
    for (size_t i = 0; i < b->ntensors; i++)
        if (!rsc_file_find(a, b->tensors[i]->name) && !is_spurious_tensor(b->tensors[i]->name))
            die("unexpected tensor '%s' in %s", b->tensors[i]->name, argv[2]);
    for (size_t i = 0; i < a->nmeta; i++) {
        const char *v = rsc_meta_get(b, a->keys[i]);
        if (!is_injection_key(a->keys[i]) && (!v || strcmp(v, a->values[i]) != 0))
            die("key '%s' differs in %s", a->keys[i], argv[2]);
    }
    for (size_t i = 0; i < b->nmeta; i++)
        if (!rsc_meta_get(a, b->keys[i]) && !is_injection_key(b->keys[i]))
            die("unexpected key '%s' in %s", b->keys[i], argv[2]);

    if (same) {
        printf("same\n");
        rsc_file_free(a);
        rsc_file_free(b);
        return 0;
    }
    /* the injection itself (validate checked shapes, labels, distinctness) */
    rsc_pattern p;
    if (rsc_pattern_from_dataset(&p, b, &err) < 0)
        die("%s: %s", argv[2], err.msg);
    const rsc_tensor *si = rsc_file_find(b, "spurious.index"), *sx = rsc_file_find(b, "spurious.x");
    const rsc_tensor *sp = rsc_file_find(b, "spurious.pattern");
    size_t img = (size_t)p.c * p.h * p.w;
    for (size_t i = 0; i < img; i++)
        if (sp->dtype == RSC_F64 ? ((const double *)sp->data)[i] != p.add[i]
                                 : ((const float *)sp->data)[i] != (float)p.add[i])
            die("%s: spurious.pattern is not the pattern %s", argv[2], p.name);
    float *x;
    size_t n;
    if (rsc_dataset_images_f32(a, "train", &x, NULL, &n, NULL, NULL, NULL, &err) < 0)
        die("%s: %s", argv[1], err.msg);
    float *row = malloc(img * sizeof *row);
    const int64_t *idx = si->data;
    for (uint64_t k = 0; k < si->dims[0]; k++) {
        rsc_pattern_apply(&p, x + (size_t)idx[k] * img, row);
        if (memcmp(row, (const float *)sx->data + k * img, img * sizeof *row) != 0)
            die("%s: spurious.x row differs from Phi(train.x[index])%s", argv[2], "");
    }
    printf("ok %llu\n", (unsigned long long)si->dims[0]);
    free(row);
    free(x);
    rsc_pattern_free(&p);
    rsc_file_free(a);
    rsc_file_free(b);
    return 0;
}
