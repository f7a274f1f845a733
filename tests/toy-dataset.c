/* toy-dataset.c - test helper: a small learnable dataset in rsct on stdout.
 *   toy-dataset NTRAIN NTEST [COUNT [drop]]
 * Images 1x8x8 u8, 4 classes: class c lights rows 2c and 2c+1 (value 200)
 * over noise in [0, 60) from RandomState(5).  COUNT > 0 injects pattern S2
 * into COUNT examples of class 0 (seed 1), as rsc-inject does; "drop"
 * then writes the same dataset without those examples (and without the
 * injection), for comparing --exclude-spurious with real removal; "noise"
 * makes every pixel noise in [0, 256), so that the labels can only be
 * memorised (membership inference: members and non-members differ). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "data/patterns.h"
#include "core/rng.h"
#include "format/rsct.h"
#include "data/inject.h"

static void die(const rsc_error *err)
{
    fprintf(stderr, "toy-dataset: %s\n", err->msg);
    exit(1);
}

static int noise;

static void split(rsc_file *f, const char *name, uint64_t n, rsc_rng *rng, rsc_error *err)
{
    char xn[32], yn[32];
    snprintf(xn, sizeof xn, "%s.x", name);
    snprintf(yn, sizeof yn, "%s.y", name);
    uint64_t xd[4] = { n, 1, 8, 8 }, yd[1] = { n };
    rsc_tensor *x = rsc_file_add(f, xn, RSC_U8, 4, xd, err);
    rsc_tensor *y = x ? rsc_file_add(f, yn, RSC_I32, 1, yd, err) : NULL;
    if (!y)
        die(err);
    for (uint64_t i = 0; i < n; i++) {
        int c = (int)rsc_rng_randint(rng, 0, 4);
        ((int32_t *)y->data)[i] = c;
        unsigned char *px = (unsigned char *)x->data + i * 64;
        for (int k = 0; k < 64; k++) {
            int row = k / 8;
            px[k] = (unsigned char)(noise ? rsc_rng_randint(rng, 0, 256)
                                    : row / 2 == c ? 200 : rsc_rng_randint(rng, 0, 60));
        }
    }
}

int main(int argc, char **argv)
{
    rsc_error err;
    if (argc < 3) {
        fprintf(stderr, "usage: toy-dataset NTRAIN NTEST [COUNT [drop|noise]]\n");
        return 2;
    }
    uint64_t ntrain = strtoull(argv[1], NULL, 10), ntest = strtoull(argv[2], NULL, 10);
    long count = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
    int drop = argc > 4 && !strcmp(argv[4], "drop");
    noise = argc > 4 && !strcmp(argv[4], "noise");
    rsc_rng rng;
    rsc_rng_seed(&rng, 5);
    rsc_file *f = rsc_file_new(&err);
    if (!f || rsc_file_stamp(f, "dataset", "toy-dataset", &err) ||
        rsc_meta_set(f, "name", "toy", &err) || rsc_meta_set(f, "classes", "4", &err) ||
        rsc_meta_set(f, "source", "tests/toy-dataset.c", &err))
        die(&err);
    split(f, "train", ntrain, &rng, &err);
    split(f, "test", ntest, &rng, &err);
    if (count > 0) {
        rsc_pattern p;
        if (rsc_pattern_make(&p, "S2", 1, 8, 8, 1, &err) != 0 ||
            rsc_dataset_inject(f, &p, 0, count, 1, &err) != 0)
            die(&err);
        rsc_pattern_free(&p);
    }
    if (drop) {
        const rsc_tensor *si = rsc_file_find(f, "spurious.index");
        rsc_tensor *x = rsc_file_find(f, "train.x"), *y = rsc_file_find(f, "train.y");
        unsigned char *keep = calloc(ntrain, 1);
        for (uint64_t i = 0; i < ntrain; i++)
            keep[i] = 1;
        for (uint64_t i = 0; i < rsc_tensor_numel(si); i++)
            keep[((const int64_t *)si->data)[i]] = 0;
        uint64_t k = 0;
        for (uint64_t i = 0; i < ntrain; i++) {
            if (!keep[i])
                continue;
            memmove((unsigned char *)x->data + k * 64, (unsigned char *)x->data + i * 64, 64);
            ((int32_t *)y->data)[k] = ((int32_t *)y->data)[i];
            k++;
        }
        x->dims[0] = k;
        y->dims[0] = k;
        free(keep);
        rsc_file_remove(f, "spurious.index");
        rsc_file_remove(f, "spurious.pattern");
        rsc_file_remove(f, "spurious.x");
        const char *keys[] = { "pattern", "target", "count", "seed" };
        for (int i = 0; i < 4; i++)
            rsc_meta_remove(f, keys[i]);
    }
    if (rsc_file_write(stdout, "stdout", f, 0, &err) != 0)
        die(&err);
    rsc_file_free(f);
    return fclose(stdout) == 0 ? 0 : 1;
}
