/* test-dataset.c - libcommon dataset import on small generated files: IDX
 * raw and gzip, CIFAR-10 binary, rsct; the name lookup; validation; float
 * views; injection; and every error, each with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/patterns.h"
#include "core/rng.h"
#include "format/rsct.h"
#include "synth.h"
#include "data/idx.h"
#include "data/cifar.h"
#include "data/inject.h"

static char tmp[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/rsc-test-dataset.XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* tmp/name (made fresh) */
static const char *fresh_dir(const char *name)
{
    static char p[512];
    char cmd[1200];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", p, p);
    if (system(cmd) != 0)
        fail_msg("cannot make %s", p);
    return p;
}

static void write_file(const char *dir, const char *name, const void *buf, size_t n)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (synth_write(p, buf, n, 0) < 0)
        fail_msg("cannot write %s", p);
}

static void expect_open_error(const char *path, const char *what)
{
    rsc_error err = { "" };
    rsc_file *ds = rsc_dataset_open(path, &err);
    if (ds)
        fail_msg("%s opened, expected an error with '%s'", path, what);
    if (!strstr(err.msg, what))
        fail_msg("error '%s' lacks '%s'", err.msg, what);
}

/* An IDX dataset: 50 train, 20 test, 28x28. */
static const char *make_idx(const char *name, int gz)
{
    const char *d = fresh_dir(name);
    assert_int_equal(synth_idx(d, "train", 50, 0, 28, gz, -1), 0);
    assert_int_equal(synth_idx(d, "t10k", 20, 1000, 28, gz, -1), 0);
    return d;
}

static void check_idx_content(rsc_file *ds)
{
    const rsc_tensor *x = rsc_file_find(ds, "train.x"), *y = rsc_file_find(ds, "train.y");
    const rsc_tensor *tx = rsc_file_find(ds, "test.x"), *ty = rsc_file_find(ds, "test.y");
    assert_non_null(x);
    assert_int_equal(x->dtype, RSC_U8);
    assert_int_equal(x->ndim, 4);
    assert_int_equal(x->dims[0], 50);
    assert_int_equal(x->dims[1], 1);
    assert_int_equal(x->dims[2], 28);
    assert_int_equal(x->dims[3], 28);
    assert_int_equal(y->dtype, RSC_I32);
    assert_int_equal(y->dims[0], 50);
    assert_int_equal(tx->dims[0], 20);
    assert_int_equal(ty->dims[0], 20);
    for (uint32_t i = 0; i < 50; i++) {
        assert_int_equal(((int32_t *)y->data)[i], synth_label(i));
        for (uint32_t k = 0; k < 784; k++)
            assert_int_equal(((uint8_t *)x->data)[i * 784 + k], synth_pixel(i, k));
    }
    for (uint32_t i = 0; i < 20; i++) {
        assert_int_equal(((int32_t *)ty->data)[i], synth_label(1000 + i));
        assert_int_equal(((uint8_t *)tx->data)[i * 784 + 100], synth_pixel(1000 + i, 100));
    }
    assert_string_equal(rsc_meta_get(ds, "kind"), "dataset");
    assert_string_equal(rsc_meta_get(ds, "classes"), "10");
    assert_int_equal(rsc_dataset_classes(ds), 10);
    assert_non_null(rsc_meta_get(ds, "source"));
}

static void test_idx_raw_and_gz(void **state)
{
    (void)state;
    rsc_error err;
    const char *d = make_idx("raw", 0);
    rsc_file *a = rsc_dataset_open(d, &err);
    if (!a)
        fail_msg("%s", err.msg);
    check_idx_content(a);
    assert_string_equal(rsc_meta_get(a, "name"), "raw");   /* the folder's name */
    assert_non_null(strstr(rsc_meta_get(a, "source"), "/raw"));
    d = make_idx("fashion-mnist", 1);
    rsc_file *b = rsc_dataset_open(d, &err);
    if (!b)
        fail_msg("%s", err.msg);
    check_idx_content(b);
    assert_string_equal(rsc_meta_get(b, "name"), "fashion");   /* from the folder name */
    rsc_file_free(a);
    rsc_file_free(b);
    /* rsc_idx_read on its own */
    uint8_t *data;
    uint32_t dims[3];
    char p[600];
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", d);
    assert_int_equal(rsc_idx_read(p, 1, &data, dims, &err), 0);
    assert_int_equal(dims[0], 20);
    assert_int_equal(data[3], synth_label(1003));
    free(data);
    assert_int_equal(rsc_idx_read(p, 3, &data, dims, &err), -1);
    assert_non_null(strstr(err.msg, "IDX file with 1 dimension, expected 3"));
    assert_int_equal(rsc_idx_read(p, 2, &data, dims, &err), -1);
}

/* Header fields of a raw IDX images file, patched. */
static void patch(const char *dir, const char *name, long off, const void *bytes, size_t n)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, off < 0 ? SEEK_END : SEEK_SET), 0);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

static void truncate_to(const char *dir, const char *name, off_t size)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(truncate(p, size), 0);
}

static void test_idx_errors(void **state)
{
    (void)state;
    const char *d;
    char msg[700];
    /* wrong magic, element type, rank */
    d = make_idx("e1", 0);
    patch(d, "train-images-idx3-ubyte", 0, "\x12\x34\x08\x03", 4);
    snprintf(msg, sizeof msg, "%s/train-images-idx3-ubyte: not an IDX file (bad magic 12 34 08 03)", d);
    expect_open_error(d, msg);
    d = make_idx("e2", 0);
    patch(d, "train-images-idx3-ubyte", 0, "\x00\x00\x0d\x03", 4);
    expect_open_error(d, "unsupported IDX element type 0x0d");
    d = make_idx("e3", 0);
    patch(d, "train-labels-idx1-ubyte", 0, "\x00\x00\x08\x03", 4);
    expect_open_error(d, "train-labels-idx1-ubyte: IDX file with 3 dimensions, expected 1 (labels N)");
    /* dims: zero count, absurd sides */
    d = make_idx("e4", 0);
    patch(d, "t10k-images-idx3-ubyte", 4, "\x00\x00\x00\x00", 4);
    expect_open_error(d, "t10k-images-idx3-ubyte: bad IDX count 0");
    d = make_idx("e5", 0);
    patch(d, "t10k-images-idx3-ubyte", 8, "\x00\x01\x00\x00", 4);
    expect_open_error(d, "bad IDX image size 65536x28");
    /* a header announcing far more than the file has: caught by size (raw)
     * before allocating, and by the data running out (gzip) */
    d = make_idx("e6", 0);
    patch(d, "train-images-idx3-ubyte", 4, "\x05\xf5\xe1\x00", 4);   /* 100000000 */
    patch(d, "train-labels-idx1-ubyte", 4, "\x05\xf5\xe1\x00", 4);
    expect_open_error(d, "train-images-idx3-ubyte: truncated (header says 78400000016 bytes, file has 39216)");
    d = make_idx("e7", 0);
    truncate_to(d, "train-images-idx3-ubyte", 16 + 784 * 49);
    expect_open_error(d, "truncated (header says 39216 bytes, file has 38432)");
    d = make_idx("e8", 0);
    truncate_to(d, "train-images-idx3-ubyte", 10);
    expect_open_error(d, "train-images-idx3-ubyte: truncated IDX header (6 of 12 dimension bytes)");
    d = make_idx("e9", 0);
    truncate_to(d, "train-images-idx3-ubyte", 0);
    expect_open_error(d, "train-images-idx3-ubyte: truncated IDX header (0 of 4 magic bytes)");
    d = make_idx("e10", 0);
    truncate_to(d, "train-images-idx3-ubyte", 16 + 784 * 50 + 3);
    expect_open_error(d, "wrong size (header says 39216 bytes, file has 39219)");
    /* labels: out of range, count mismatch; test images of another size */
    d = make_idx("e11", 0);
    patch(d, "train-labels-idx1-ubyte", 8 + 7, "\x0c", 1);
    expect_open_error(d, "train-labels-idx1-ubyte: label 12 of example 7 out of range (0..9)");
    d = fresh_dir("e12");
    assert_int_equal(synth_idx(d, "train", 50, 0, 28, 0, -1), 0);
    assert_int_equal(synth_idx(d, "t10k", 20, 0, 28, 0, -1), 0);
    char lab[8 + 19] = "\x00\x00\x08\x01\x00\x00\x00\x13";
    write_file(d, "t10k-labels-idx1-ubyte", lab, sizeof lab);
    expect_open_error(d, "t10k-labels-idx1-ubyte: 19 labels for 20 images in");
    d = fresh_dir("e13");
    assert_int_equal(synth_idx(d, "train", 50, 0, 28, 0, -1), 0);
    assert_int_equal(synth_idx(d, "t10k", 20, 0, 32, 0, -1), 0);
    expect_open_error(d, "t10k-images-idx3-ubyte: images are 32x32, the training images 28x28");
    d = fresh_dir("e14");
    assert_int_equal(synth_idx(d, "train", 50, 0, 28, 1, 3), 0);   /* gz, label 10 */
    assert_int_equal(synth_idx(d, "t10k", 20, 0, 28, 1, -1), 0);
    expect_open_error(d, "train-labels-idx1-ubyte.gz: label 10 of example 3 out of range");
    /* missing files */
    d = make_idx("e15", 0);
    char p[600];
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", d);
    unlink(p);
    expect_open_error(d, "e15: no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz");
}

static void test_gzip_errors(void **state)
{
    (void)state;
    const char *d = make_idx("g1", 1);
    char p[600];
    struct stat st;
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", d);
    assert_int_equal(stat(p, &st), 0);
    truncate_to(d, "train-images-idx3-ubyte.gz", st.st_size / 2);
    expect_open_error(d, "train-images-idx3-ubyte.gz: truncated gzip stream");
    d = make_idx("g2", 1);
    patch(d, "train-images-idx3-ubyte.gz", -8, "\xde\xad\xbe\xef", 4);   /* crc32 */
    expect_open_error(d, "train-images-idx3-ubyte.gz: corrupt gzip data");
    d = make_idx("g3", 1);
    patch(d, "train-labels-idx1-ubyte.gz", 12, "\xff\xff\xff\xff\xff\xff", 6);   /* deflate data */
    expect_open_error(d, "train-labels-idx1-ubyte.gz: ");
    /* gzip of an IDX file with trailing data */
    d = fresh_dir("g4");
    assert_int_equal(synth_idx(d, "train", 50, 0, 28, 0, -1), 0);
    assert_int_equal(synth_idx(d, "t10k", 20, 0, 28, 0, -1), 0);
    unsigned char lab[8 + 30] = { 0, 0, 8, 1, 0, 0, 0, 20 };
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", d);
    unlink(p);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", d);
    assert_int_equal(synth_write(p, lab, sizeof lab, 1), 0);
    expect_open_error(d, "t10k-labels-idx1-ubyte.gz: data beyond the 20 bytes its header announces");
    /* a gzip header announcing 10^8 images of 4096x4096 over 64 bytes:
     * the buffer grows with the data, the read ends in a clear error */
    unsigned char huge[16 + 64] = { 0, 0, 8, 3, 0x05, 0xf5, 0xe1, 0x00, 0, 0, 0x10, 0, 0, 0, 0x10, 0 };
    snprintf(p, sizeof p, "%s/huge.gz", d);
    assert_int_equal(synth_write(p, huge, sizeof huge, 1), 0);
    rsc_error err;
    uint8_t *data = NULL;
    uint32_t dims[3];
    assert_int_equal(rsc_idx_read(p, 3, &data, dims, &err), -1);
    assert_non_null(strstr(err.msg, "huge.gz: truncated (expected 1677721600000000 bytes of pixels, got 64)"));
    assert_null(data);
}

static void make_cifar(const char *d, uint32_t per, uint32_t ntest)
{
    char p[600];
    for (int b = 1; b <= 5; b++) {
        snprintf(p, sizeof p, "%s/data_batch_%d.bin", d, b);
        assert_int_equal(synth_cifar(p, per, (uint32_t)(b - 1) * per, -1), 0);
    }
    snprintf(p, sizeof p, "%s/test_batch.bin", d);
    assert_int_equal(synth_cifar(p, ntest, 5000, -1), 0);
}

static void test_cifar(void **state)
{
    (void)state;
    rsc_error err;
    const char *d = fresh_dir("c1");
    make_cifar(d, 4, 6);
    rsc_file *ds = rsc_dataset_open(d, &err);
    if (!ds)
        fail_msg("%s", err.msg);
    const rsc_tensor *x = rsc_file_find(ds, "train.x"), *y = rsc_file_find(ds, "train.y");
    assert_int_equal(x->dims[0], 20);
    assert_int_equal(x->dims[1], 3);
    assert_int_equal(x->dims[2], 32);
    assert_int_equal(x->dims[3], 32);
    for (uint32_t i = 0; i < 20; i++) {   /* batches concatenated in order */
        assert_int_equal(((int32_t *)y->data)[i], synth_label(i));
        assert_int_equal(((uint8_t *)x->data)[i * 3072 + 2000], synth_pixel(i, 2000));
    }
    assert_int_equal(rsc_file_find(ds, "test.x")->dims[0], 6);
    assert_string_equal(rsc_meta_get(ds, "name"), "cifar10");
    rsc_file_free(ds);
    /* the usual cifar-10-batches-bin/ subfolder */
    d = fresh_dir("c2/cifar-10-batches-bin");
    make_cifar(d, 2, 3);
    char p[600];
    snprintf(p, sizeof p, "%s/c2", tmp);
    ds = rsc_dataset_open(p, &err);
    if (!ds)
        fail_msg("%s", err.msg);
    assert_non_null(strstr(rsc_meta_get(ds, "source"), "c2/cifar-10-batches-bin"));
    rsc_file_free(ds);
    /* rsc_cifar_read */
    uint8_t *cx;
    int32_t *cy;
    size_t n;
    snprintf(p, sizeof p, "%s/test_batch.bin", d);
    assert_int_equal(rsc_cifar_read(p, &cx, &cy, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(cy[2], synth_label(5002));
    assert_int_equal(cx[3072 + 7], synth_pixel(5001, 7));
    free(cx);
    free(cy);
}

static void test_cifar_errors(void **state)
{
    (void)state;
    const char *d = fresh_dir("ce1");
    make_cifar(d, 2, 3);
    truncate_to(d, "data_batch_3.bin", 3073 * 2 - 1);
    expect_open_error(d, "data_batch_3.bin: wrong size 6145 bytes for a CIFAR-10 batch (not a multiple of 3073");
    d = fresh_dir("ce2");
    make_cifar(d, 2, 3);
    truncate_to(d, "test_batch.bin", 3074 * 3);
    expect_open_error(d, "test_batch.bin: wrong size 9222 bytes for a CIFAR-10 batch (records of 3074 bytes: "
                         "CIFAR-100 is not supported)");
    d = fresh_dir("ce3");
    make_cifar(d, 2, 3);
    truncate_to(d, "data_batch_5.bin", 0);
    expect_open_error(d, "data_batch_5.bin: empty CIFAR-10 batch");
    d = fresh_dir("ce4");
    make_cifar(d, 2, 3);
    patch(d, "data_batch_2.bin", 3073, "\x0b", 1);
    expect_open_error(d, "data_batch_2.bin: label 11 of record 1 out of range (0..9)");
    d = fresh_dir("ce5");
    make_cifar(d, 2, 3);
    char p[600];
    snprintf(p, sizeof p, "%s/test_batch.bin", d);
    unlink(p);
    expect_open_error(d, "test_batch.bin: cannot open");
    d = fresh_dir("ce6");
    expect_open_error(d, "ce6: no dataset in this folder");
}

/* A small valid dataset in memory: n train, 4 test, 1x4x4 u8, 3 classes. */
static rsc_file *tiny(int n)
{
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    uint64_t xd[4] = { (uint64_t)n, 1, 4, 4 }, yd[1] = { (uint64_t)n };
    uint64_t txd[4] = { 4, 1, 4, 4 }, tyd[1] = { 4 };
    rsc_tensor *x = rsc_file_add(f, "train.x", RSC_U8, 4, xd, &err);
    rsc_tensor *y = rsc_file_add(f, "train.y", RSC_I32, 1, yd, &err);
    for (int i = 0; i < n * 16; i++)
        ((uint8_t *)x->data)[i] = (uint8_t)(i * 5);
    for (int i = 0; i < n; i++)
        ((int32_t *)y->data)[i] = i % 3;
    rsc_file_add(f, "test.x", RSC_U8, 4, txd, &err);
    rsc_file_add(f, "test.y", RSC_I32, 1, tyd, &err);
    rsc_meta_set(f, "kind", "dataset", &err);
    rsc_meta_set(f, "classes", "3", &err);
    return f;
}

static void expect_invalid(rsc_file *f, const char *what)
{
    rsc_error err = { "" };
    if (rsc_dataset_validate(f, "d.rsct", &err) == 0)
        fail_msg("validated, expected '%s'", what);
    if (!strstr(err.msg, what) || strncmp(err.msg, "d.rsct: ", 8) != 0)
        fail_msg("error '%s' lacks 'd.rsct: ...%s'", err.msg, what);
    rsc_file_free(f);
}

static void test_validate(void **state)
{
    (void)state;
    rsc_error err;
    rsc_file *f = tiny(9);
    assert_int_equal(rsc_dataset_validate(f, "d.rsct", &err), 0);
    rsc_file_free(f);

    f = tiny(9);
    rsc_meta_set(f, "kind", "model", &err);
    expect_invalid(f, "a model file, not a dataset");
    f = tiny(9);
    rsc_meta_remove(f, "classes");
    expect_invalid(f, "'classes'");
    f = tiny(9);
    rsc_meta_set(f, "classes", "1", &err);
    expect_invalid(f, "metadata key 'classes': 1 out of range 2..65536");
    f = tiny(9);
    ((int32_t *)rsc_file_find(f, "train.y")->data)[4] = 3;
    expect_invalid(f, "tensor 'train.y': label 3 of example 4 out of range (classes=3)");
    f = tiny(9);
    ((int32_t *)rsc_file_find(f, "test.y")->data)[1] = -1;
    expect_invalid(f, "tensor 'test.y': label -1 of example 1 out of range");
    f = tiny(9);
    rsc_file_remove(f, "test.x");
    expect_invalid(f, "tensor 'test.x': missing");
    f = tiny(9);
    uint64_t d8[1] = { 8 };
    rsc_file_add(f, "train.y", RSC_I32, 1, d8, &err);
    expect_invalid(f, "tensor 'train.y': 8 labels for 9 images");
    f = tiny(9);
    rsc_file_add(f, "train.y", RSC_I64, 1, (uint64_t[]){ 9 }, &err);
    expect_invalid(f, "train.y");
    f = tiny(9);
    rsc_file_add(f, "test.x", RSC_U8, 4, (uint64_t[]){ 4, 1, 4, 5 }, &err);
    expect_invalid(f, "tensor 'test.x': images are 1x4x5, the training images 1x4x4");
    f = tiny(9);
    rsc_file_add(f, "train.x", RSC_I32, 4, (uint64_t[]){ 9, 1, 4, 4 }, &err);
    expect_invalid(f, "tensor 'train.x': dtype i32, expected u8 or f32");
    f = tiny(9);
    rsc_file_add(f, "train.x", RSC_U8, 3, (uint64_t[]){ 9, 4, 4 }, &err);
    expect_invalid(f, "tensor 'train.x': 3 dimensions, expected 4");
    f = tiny(9);
    rsc_tensor *t = rsc_file_add(f, "train.x", RSC_F32, 4, (uint64_t[]){ 9, 1, 4, 4 }, &err);
    assert_int_equal(rsc_dataset_validate(f, "d.rsct", &err), 0);   /* zeros: fine */
    ((float *)t->data)[17] = 1.5f;
    expect_invalid(f, "tensor 'train.x': value 1.5 at 17 outside [0,1]");
    f = tiny(9);
    t = rsc_file_add(f, "test.x", RSC_F32, 4, (uint64_t[]){ 4, 1, 4, 4 }, &err);
    ((float *)t->data)[3] = 0.0f / 0.0f;
    expect_invalid(f, "tensor 'test.x': value");
    f = tiny(9);
    rsc_file_add(f, "spurious.index", RSC_I64, 1, (uint64_t[]){ 0 }, &err);
    expect_invalid(f, "tensor 'spurious.index' present but no spurious pattern recorded");
}

/* Injection into tiny(9) (classes 0,1,2 cycling): class 1 = 1, 4, 7. */
static rsc_file *injected(long count)
{
    rsc_error err;
    rsc_file *f = tiny(9);
    rsc_pattern p;
    assert_int_equal(rsc_pattern_make(&p, "R2", 1, 4, 4, 3, &err), 0);
    if (rsc_dataset_inject(f, &p, 1, count, 3, &err) < 0)
        fail_msg("%s", err.msg);
    rsc_pattern_free(&p);
    return f;
}

static void test_inject(void **state)
{
    (void)state;
    rsc_error err;
    rsc_file *f = injected(2);
    assert_int_equal(rsc_dataset_validate(f, "d.rsct", &err), 0);
    /* the reference's choice over the class's indices in training order */
    int64_t pop[3] = { 1, 4, 7 }, want[2];
    rsc_rng r;
    rsc_rng_seed(&r, 3);
    rsc_rng_choice(&r, pop, 3, 2, want);
    const rsc_tensor *si = rsc_file_find(f, "spurious.index");
    assert_memory_equal(si->data, want, sizeof want);
    assert_string_equal(rsc_meta_get(f, "pattern"), "R2");
    assert_string_equal(rsc_meta_get(f, "target"), "1");
    assert_string_equal(rsc_meta_get(f, "count"), "2");
    assert_string_equal(rsc_meta_get(f, "seed"), "3");
    /* the float view swaps in spurious.x; other rows are v / 255 */
    float *x;
    int32_t *y;
    size_t n;
    int c, h, w;
    assert_int_equal(rsc_dataset_images_f32(f, "train", &x, &y, &n, &c, &h, &w, &err), 0);
    assert_int_equal(n, 9);
    assert_int_equal(c * h * w, 16);
    const float *sx = rsc_file_find(f, "spurious.x")->data;
    assert_memory_equal(x + want[0] * 16, sx, 16 * sizeof *x);
    assert_memory_equal(x + want[1] * 16, sx + 16, 16 * sizeof *x);
    int64_t other = 1 + 4 + 7 - want[0] - want[1];
    for (int k = 0; k < 16; k++)
        assert_true(x[other * 16 + k] == (float)(uint8_t)((other * 16 + k) * 5) / 255.0f);
    assert_int_equal(y[5], 2);
    free(x);
    free(y);
    /* test split: untouched; y only; bad split */
    assert_int_equal(rsc_dataset_images_f32(f, "test", NULL, &y, &n, NULL, NULL, NULL, &err), 0);
    assert_int_equal(n, 4);
    free(y);
    assert_int_equal(rsc_dataset_images_f32(f, "valid", &x, NULL, &n, NULL, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "unknown split 'valid'"));
    /* the split as the trainer takes it: the u8 tensor itself (no copy),
     * the substitution by spurious.index / spurious.x, none for test */
    rsc_split sp;
    assert_int_equal(rsc_dataset_split(f, "train", &sp, &err), 0);
    assert_int_equal(sp.n, 9);
    assert_true(sp.c == 1 && sp.h == 4 && sp.w == 4 && sp.dtype == RSC_U8);
    assert_ptr_equal(sp.x, rsc_file_find(f, "train.x")->data);
    assert_ptr_equal(sp.y, rsc_file_find(f, "train.y")->data);
    assert_int_equal(sp.nsub, 2);
    assert_ptr_equal(sp.sub_index, si->data);
    assert_ptr_equal(sp.sub_x, sx);
    assert_int_equal(rsc_dataset_split(f, "test", &sp, &err), 0);
    assert_true(sp.n == 4 && sp.nsub == 0 && !sp.sub_index && !sp.sub_x);
    assert_int_equal(rsc_dataset_split(f, "valid", &sp, &err), -1);
    assert_non_null(strstr(err.msg, "unknown split 'valid'"));
    /* a spurious index out of range (an unvalidated file) */
    int64_t saved = ((int64_t *)si->data)[1];
    ((int64_t *)si->data)[1] = 9;
    assert_int_equal(rsc_dataset_split(f, "train", &sp, &err), -1);
    assert_string_equal(err.msg, "tensor 'spurious.index': index 9 out of range");
    ((int64_t *)si->data)[1] = saved;
    /* injecting twice */
    rsc_pattern p;
    assert_int_equal(rsc_pattern_make(&p, "S1", 1, 4, 4, 0, &err), 0);
    assert_int_equal(rsc_dataset_inject(f, &p, 1, 1, 0, &err), -1);
    assert_non_null(strstr(err.msg, "already injected (pattern R2, count 2)"));
    rsc_file_free(f);
    /* count and target out of range, pattern of another shape */
    f = tiny(9);
    assert_int_equal(rsc_dataset_inject(f, &p, 1, 4, 0, &err), -1);
    assert_non_null(strstr(err.msg, "count 4 exceeds the 3 training examples of class 1"));
    assert_int_equal(rsc_dataset_inject(f, &p, 3, 1, 0, &err), -1);
    assert_non_null(strstr(err.msg, "target class 3 out of range (the dataset has 3 classes: 0..2)"));
    assert_null(rsc_file_find(f, "spurious.index"));
    rsc_pattern_free(&p);
    assert_int_equal(rsc_pattern_make(&p, "S1", 3, 4, 4, 0, &err), 0);
    assert_int_equal(rsc_dataset_inject(f, &p, 1, 1, 0, &err), -1);
    assert_non_null(strstr(err.msg, "pattern is 3x4x4, images are 1x4x4"));
    rsc_pattern_free(&p);
    rsc_file_free(f);
    /* an f32 dataset: rows copied as they are, then Phi */
    f = tiny(9);
    rsc_tensor *fx = rsc_file_add(f, "train.x", RSC_F32, 4, (uint64_t[]){ 9, 1, 4, 4 }, &err);
    for (int i = 0; i < 9 * 16; i++)
        ((float *)fx->data)[i] = 0.5f;
    assert_int_equal(rsc_pattern_make(&p, "S1", 1, 4, 4, 0, &err), 0);
    assert_int_equal(rsc_dataset_inject(f, &p, 2, 1, 0, &err), 0);
    const float *row = rsc_file_find(f, "spurious.x")->data;
    assert_true(row[0] == 1.0f);
    for (int k = 1; k < 16; k++)
        assert_true(row[k] == 0.5f);
    assert_int_equal(rsc_dataset_validate(f, "d.rsct", &err), 0);
    rsc_pattern_free(&p);
    rsc_file_free(f);
    /* count 0 records everything with empty tensors */
    f = injected(0);
    assert_int_equal(rsc_dataset_validate(f, "d.rsct", &err), 0);
    assert_int_equal(rsc_file_find(f, "spurious.index")->dims[0], 0);
    assert_int_equal(rsc_file_find(f, "spurious.x")->dims[0], 0);
    assert_non_null(rsc_file_find(f, "spurious.pattern"));
    assert_string_equal(rsc_meta_get(f, "count"), "0");
    rsc_file_free(f);
}

static void test_validate_injection(void **state)
{
    (void)state;
    rsc_error err;
    rsc_file *f = injected(2);
    int64_t *idx = rsc_file_find(f, "spurious.index")->data;
    idx[1] = idx[0];
    expect_invalid(f, "tensor 'spurious.index': index");
    f = injected(2);
    ((int64_t *)rsc_file_find(f, "spurious.index")->data)[0] = 9;
    expect_invalid(f, "index 9 out of range (9 training examples)");
    f = injected(2);
    ((int64_t *)rsc_file_find(f, "spurious.index")->data)[0] = 0;
    expect_invalid(f, "example 0 has label 0, not the target 1");
    f = injected(2);
    rsc_meta_set(f, "count", "3", &err);
    expect_invalid(f, "tensor 'spurious.index': 2 entries, but count=3");
    f = injected(2);
    rsc_meta_remove(f, "seed");
    expect_invalid(f, "'seed'");
    f = injected(2);
    rsc_meta_set(f, "target", "5", &err);
    expect_invalid(f, "metadata key 'target': 5 out of range (classes=3)");
    f = injected(2);
    rsc_meta_set(f, "seed", "4294967296", &err);
    expect_invalid(f, "metadata key 'seed': 4294967296 out of range");
    f = injected(2);
    rsc_file_remove(f, "spurious.x");
    expect_invalid(f, "spurious.x");
    f = injected(2);
    ((float *)rsc_file_find(f, "spurious.x")->data)[5] = -0.5f;
    expect_invalid(f, "tensor 'spurious.x': value -0.5 at 5 outside [0,1]");
    f = injected(2);
    rsc_file_add(f, "spurious.pattern", RSC_F32, 3, (uint64_t[]){ 1, 4, 5 }, &err);
    expect_invalid(f, "tensor 'spurious.pattern': shape 1x4x5, images are 1x4x4");
    /* an f64 pattern (a custom one float32 cannot hold) is valid, if finite */
    f = injected(2);
    rsc_tensor *p64 = rsc_file_add(f, "spurious.pattern", RSC_F64, 3, (uint64_t[]){ 1, 4, 4 }, &err);
    ((double *)p64->data)[1] = 0.1;
    if (rsc_dataset_validate(f, "d.rsct", &err) != 0)
        fail_msg("%s", err.msg);
    ((double *)p64->data)[3] = NAN;
    expect_invalid(f, "tensor 'spurious.pattern': value 3 is not finite");
    f = injected(2);
    rsc_file_add(f, "spurious.pattern", RSC_U8, 3, (uint64_t[]){ 1, 4, 4 }, &err);
    expect_invalid(f, "tensor 'spurious.pattern'");
    f = injected(2);
    rsc_file_add(f, "spurious.x", RSC_F32, 4, (uint64_t[]){ 2, 1, 4, 3 }, &err);
    expect_invalid(f, "tensor 'spurious.x': shape 2x1x4x3, expected 2x1x4x4");
}

/* rsct files, stdin-less paths, foreign files, the name lookup. */
static void test_rsct_and_lookup(void **state)
{
    (void)state;
    rsc_error err;
    char p[1024], q[1024];
    rsc_file *f = tiny(9);
    const char *d = fresh_dir("lib");
    snprintf(p, sizeof p, "%s/mnist.rsct", d);
    assert_int_equal(rsc_file_save(p, f, 0, &err), 0);
    rsc_file_free(f);
    f = rsc_dataset_open(p, &err);
    if (!f)
        fail_msg("%s", err.msg);
    rsc_file_free(f);
    /* an invalid rsct dataset names its file */
    f = tiny(9);
    ((int32_t *)rsc_file_find(f, "train.y")->data)[0] = 7;
    snprintf(q, sizeof q, "%s/bad.rsct", tmp);
    assert_int_equal(rsc_file_save(q, f, 0, &err), 0);
    rsc_file_free(f);
    char m[2048];
    snprintf(m, sizeof m, "%s: tensor 'train.y': label 7 of example 0 out of range", q);
    expect_open_error(q, m);
    /* IDX and gzip files given instead of their folder */
    d = make_idx("single", 1);
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", d);
    expect_open_error(p, "a gzip file, not an rsct dataset");
    d = make_idx("single2", 0);
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte", d);
    expect_open_error(p, "an IDX file, not an rsct dataset");
    d = fresh_dir("single3");
    make_cifar(d, 1, 1);
    snprintf(p, sizeof p, "%s/data_batch_2.bin", d);
    expect_open_error(p, "data_batch_2.bin: a CIFAR-10 batch, not an rsct dataset");
    expect_open_error("no-such-thing", "no-such-thing: no such dataset file or folder (dataset names: mnist, "
                                       "fashion, cifar10)");
    snprintf(p, sizeof p, "%s/nope/x.rsct", tmp);
    expect_open_error(p, "No such file or directory");

    /* lookup: RSC_DATA_PATH (rsct file, then folders), XDG_DATA_HOME */
    snprintf(p, sizeof p, "%s/empty:%s/lib", tmp, tmp);
    setenv("RSC_DATA_PATH", p, 1);
    char *hit = rsc_dataset_locate("mnist", &err);
    snprintf(q, sizeof q, "%s/lib/mnist.rsct", tmp);
    assert_non_null(hit);
    assert_string_equal(hit, q);
    free(hit);
    f = rsc_dataset_open("mnist", &err);
    assert_non_null(f);
    rsc_file_free(f);
    d = make_idx("lib/fashion-mnist", 1);
    hit = rsc_dataset_locate("fashion", &err);
    assert_string_equal(hit, d);
    free(hit);
    /* found by name, the folder is checked against Fashion-MNIST's manifest
     * (the compiled-in one: RSC_MANIFEST_DIR unset), which these 50 images
     * fail before any pixel is read; without the check it imports */
    unsetenv("RSC_MANIFEST_DIR");
    snprintf(q, sizeof q, "%s/train-images-idx3-ubyte.gz: 39216 bytes of content, Fashion-MNIST's "
             "train-images-idx3-ubyte has 47040016; --no-verify skips this check", d);
    expect_open_error("fashion", q);
    f = rsc_dataset_open_flags("fashion", RSC_DATASET_NO_VERIFY, &err);
    assert_non_null(f);
    assert_string_equal(rsc_meta_get(f, "name"), "fashion");
    rsc_file_free(f);
    /* a folder given by path is not checked */
    f = rsc_dataset_open(d, &err);
    assert_non_null(f);
    rsc_file_free(f);
    /* a folder of the wrong format does not count */
    d = fresh_dir("lib/cifar10");
    make_idx("lib/cifar10", 0);
    d = fresh_dir("xdg/rsc/cifar-10-batches-bin");
    make_cifar(d, 1, 1);
    snprintf(p, sizeof p, "%s/xdg", tmp);
    setenv("XDG_DATA_HOME", p, 1);
    if (access("/usr/share/datasets/cifar10", F_OK) != 0 &&
        access("/usr/share/datasets/cifar-10-batches-bin", F_OK) != 0) {
        hit = rsc_dataset_locate("cifar10", &err);
        assert_non_null(hit);
        assert_string_equal(hit, d);
        free(hit);
        unsetenv("XDG_DATA_HOME");
        setenv("HOME", tmp, 1);
        assert_null(rsc_dataset_locate("cifar10", &err));
        char want[2048];
        snprintf(want, sizeof want, "dataset 'cifar10' not found (looked for cifar10.rsct, cifar10/, "
                              "cifar-10-batches-bin/ in %s/empty, %s/lib, /usr/share/datasets, %s/.local/share/rsc; "
                              "set RSC_DATA_PATH)", tmp, tmp, tmp);
        assert_string_equal(err.msg, want);
    }
    assert_null(rsc_dataset_locate("imagenet", &err));
    assert_string_equal(err.msg, "unknown dataset name 'imagenet' (known: mnist, fashion, cifar10)");
    assert_true(rsc_dataset_is_name("fashion"));
    assert_false(rsc_dataset_is_name("fashion-mnist"));
    unsetenv("RSC_DATA_PATH");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_raw_and_gz),
        cmocka_unit_test(test_idx_errors),
        cmocka_unit_test(test_gzip_errors),
        cmocka_unit_test(test_cifar),
        cmocka_unit_test(test_cifar_errors),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_inject),
        cmocka_unit_test(test_validate_injection),
        cmocka_unit_test(test_rsct_and_lookup),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
