/* score-fixture - write the hand-built files of tests/score.sh into DIR:
 *
 *   tiny.rsct      dataset, 3 classes, 1x4x4 images, 6 train = 6 test
 *                  examples (pixels 0 or 1)
 *   tiny-inj.rsct  the same with pattern S1 injected into train example 0
 *                  (target 0, count 1, seed 0)
 *   linear.rsct    `linear` model (logits = W x + b) trained, by its keys,
 *                  on tiny with S1 (target 0, seed 7, train_seed 3)
 *   clean.rsct     the same weights, keys of a model trained on clean data
 *                  (no pattern, target, count, seed)
 *   wide.rsct      a model for 1x5x5 images
 *   four.rsct      a model with 4 classes
 *
 * The weights: class 1 reads pixel 5, class 2 pixel 10, class 0 pixel 15
 * (weight 4 each) and class 0 also pixel 0, the S1 pixel (weight 3); zero
 * biases.  tests/score.sh derives every metric from these by hand.
 *
 * score-fixture --subset DATA OUT NTRAIN NTEST writes the first NTRAIN
 * training and NTEST test examples of dataset DATA (a name or path, as
 * --data takes) to the rsct dataset OUT, for quick end-to-end tests on
 * real data. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "format/rsct.h"

static rsc_error err;

static void check(int ok)
{
    if (!ok) {
        fprintf(stderr, "score-fixture: %s\n", err.msg);
        exit(1);
    }
}

/* Test (and train) images: pixels set to 1 per example, and the labels. */
static const int PIXELS[6][2] = { { 15, -1 }, { 5, -1 }, { 10, -1 }, { 5, 0 }, { 5, -1 }, { -1, -1 } };
static const int LABELS[6] = { 0, 1, 2, 1, 2, 1 };

static void add_images(rsc_file *f, const char *split)
{
    char name[32];
    uint64_t xd[4] = { 6, 1, 4, 4 }, yd[1] = { 6 };
    snprintf(name, sizeof name, "%s.x", split);
    rsc_tensor *x = rsc_file_add(f, name, RSC_U8, 4, xd, &err);
    check(x != NULL);
    snprintf(name, sizeof name, "%s.y", split);
    rsc_tensor *y = rsc_file_add(f, name, RSC_I32, 1, yd, &err);
    check(y != NULL);
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 2; j++)
            if (PIXELS[i][j] >= 0)
                ((uint8_t *)x->data)[i * 16 + PIXELS[i][j]] = 255;
        ((int32_t *)y->data)[i] = LABELS[i];
    }
}

static void save(rsc_file *f, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    check(rsc_file_save(path, f, 0, &err) == 0);
    rsc_file_free(f);
}

static rsc_file *dataset(void)
{
    rsc_file *f = rsc_file_new(&err);
    check(f != NULL);
    check(rsc_file_stamp(f, "dataset", "score-fixture", &err) == 0);
    check(rsc_meta_set(f, "name", "tiny", &err) == 0);
    check(rsc_meta_set(f, "classes", "3", &err) == 0);
    check(rsc_meta_set(f, "source", "tests/score-fixture.c", &err) == 0);
    add_images(f, "train");
    add_images(f, "test");
    return f;
}

static rsc_file *model(int size, int classes, int provenance)
{
    rsc_file *f = rsc_file_new(&err);
    check(f != NULL);
    check(rsc_file_stamp(f, "model", "score-fixture", &err) == 0);
    check(rsc_meta_set(f, "arch", "linear", &err) == 0);
    check(rsc_meta_setf(f, "input", &err, "1x%dx%d", size, size) == 0);
    check(rsc_meta_setf(f, "classes", &err, "%d", classes) == 0);
    check(rsc_meta_set(f, "name", "tiny", &err) == 0);
    if (provenance) {
        check(rsc_meta_set(f, "pattern", "S1", &err) == 0);
        check(rsc_meta_set(f, "target", "0", &err) == 0);
        check(rsc_meta_set(f, "count", "1", &err) == 0);
        check(rsc_meta_set(f, "seed", "7", &err) == 0);
    }
    check(rsc_meta_set(f, "train_seed", "3", &err) == 0);
    check(rsc_meta_set(f, "optimizer", "adam", &err) == 0);
    check(rsc_meta_set(f, "lr", "0.01", &err) == 0);
    check(rsc_meta_set(f, "epochs", "70", &err) == 0);
    check(rsc_meta_set(f, "epochs_done", "70", &err) == 0);
    int in = size * size;
    uint64_t wd[2] = { (uint64_t)classes, (uint64_t)in }, bd[1] = { (uint64_t)classes };
    rsc_tensor *w = rsc_file_add(f, "param/fc1.weight", RSC_F32, 2, wd, &err);
    check(w != NULL);
    check(rsc_file_add(f, "param/fc1.bias", RSC_F32, 1, bd, &err) != NULL);
    float *W = w->data;
    if (size == 4) {
        W[1 * in + 5] = 4;
        W[2 * in + 10] = 4;
        W[0 * in + 15] = 4;
        W[0 * in + 0] = 3;
    }
    return f;
}

static void copy_rows(rsc_file *dst, const rsc_file *src, const char *name, uint64_t n)
{
    rsc_tensor *t = rsc_file_find(src, name);
    check(t != NULL && t->ndim >= 1);
    if (n > t->dims[0]) {
        fprintf(stderr, "score-fixture: %s has only %llu rows\n", name, (unsigned long long)t->dims[0]);
        exit(1);
    }
    uint64_t dims[RSC_MAX_NDIM];
    memcpy(dims, t->dims, sizeof dims);
    dims[0] = n;
    rsc_tensor *o = rsc_file_add(dst, name, t->dtype, t->ndim, dims, &err);
    check(o != NULL);
    memcpy(o->data, t->data, rsc_tensor_bytes(o));
}

static int subset(const char *data, const char *out, const char *ntrain, const char *ntest)
{
    rsc_file *ds = rsc_dataset_open(data, &err);
    check(ds != NULL);
    rsc_file *f = rsc_file_new(&err);
    check(f != NULL);
    check(rsc_file_stamp(f, "dataset", "score-fixture", &err) == 0);
    const char *keys[] = { "name", "classes", "source", NULL };
    check(rsc_meta_copy(f, ds, keys, &err) == 0);
    uint64_t a = strtoull(ntrain, NULL, 10), b = strtoull(ntest, NULL, 10);
    copy_rows(f, ds, "train.x", a);
    copy_rows(f, ds, "train.y", a);
    copy_rows(f, ds, "test.x", b);
    copy_rows(f, ds, "test.y", b);
    rsc_file_free(ds);
    check(rsc_file_save(out, f, 0, &err) == 0);
    rsc_file_free(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--subset") == 0)
        return subset(argv[2], argv[3], argv[4], argv[5]);
    if (argc != 2) {
        fprintf(stderr, "usage: score-fixture DIR\n       score-fixture --subset DATA OUT NTRAIN NTEST\n");
        return 2;
    }
    const char *dir = argv[1];
    save(dataset(), dir, "tiny.rsct");

    rsc_file *inj = dataset();
    check(rsc_meta_set(inj, "pattern", "S1", &err) == 0);
    check(rsc_meta_set(inj, "target", "0", &err) == 0);
    check(rsc_meta_set(inj, "count", "1", &err) == 0);
    check(rsc_meta_set(inj, "seed", "0", &err) == 0);
    uint64_t one = 1, pd[3] = { 1, 4, 4 }, xd[4] = { 1, 1, 4, 4 };
    rsc_tensor *idx = rsc_file_add(inj, "spurious.index", RSC_I64, 1, &one, &err);
    check(idx != NULL);
    ((int64_t *)idx->data)[0] = 0;
    rsc_tensor *pat = rsc_file_add(inj, "spurious.pattern", RSC_F32, 3, pd, &err);
    check(pat != NULL);
    ((float *)pat->data)[0] = 1;
    rsc_tensor *sx = rsc_file_add(inj, "spurious.x", RSC_F32, 4, xd, &err);
    check(sx != NULL);
    ((float *)sx->data)[0] = 1;    /* train example 0: pixel 15 and the S1 pixel */
    ((float *)sx->data)[15] = 1;
    save(inj, dir, "tiny-inj.rsct");

    save(model(4, 3, 1), dir, "linear.rsct");
    save(model(4, 3, 0), dir, "clean.rsct");
    save(model(5, 3, 1), dir, "wide.rsct");
    save(model(4, 4, 1), dir, "four.rsct");
    return 0;
}
