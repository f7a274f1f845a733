/* test-patterns.c - libcommon/patterns: exact norms on constructed images,
 * clipping, colour images, the injected images bit for bit against NumPy
 * (tests/fixtures/patterns-numpy.txt), custom patterns from rsct files and
 * from datasets/models, and every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#include "data/dataset.h"
#include "data/patterns.h"
#ifdef HAVE_PNG
#include "plot/image.h"
#endif
#include "core/rng.h"
#include "format/rsct.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rsc-test-patterns.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
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

/* The images of tests/gen/make-pattern-fixtures.py, CHW floats. */
static void make_image(int n, int c, int h, int w, float *out)
{
    for (int k = 0; k < c; k++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                int v;
                if (n == 0) {
                    v = 0;
                } else if (n == 1) {
                    v = 255;
                } else {
                    v = (i * 37 + j * 11 + k * 101 + n * 53 + (i * j) % 7) % 256;
                    if (n == 3 && (i + j) % 5 == 0)
                        v = 0;
                    if (n == 3 && (i * 3 + j) % 11 == 0)
                        v = 255;
                }
                out[((size_t)k * h + i) * w + j] = (float)v / 255.0f;
            }
}

static double norm_of(const char *name, int c, int h, int w, const float *x)
{
    rsc_pattern p;
    rsc_error err;
    if (rsc_pattern_make(&p, name, c, h, w, 0, &err) < 0)
        fail_msg("%s", err.msg);
    double d = rsc_pattern_distance(&p, x);
    rsc_pattern_free(&p);
    return d;
}

static void test_norms_on_black(void **state)
{
    (void)state;
    float *z = calloc(3 * 32 * 32, sizeof *z);
    /* ||Phi(0) - 0|| counts the pattern's pixels: exact */
    assert_true(norm_of("S1", 1, 28, 28, z) == 1.0);
    assert_true(norm_of("S2", 1, 28, 28, z) == 3.0);
    assert_true(norm_of("S3", 1, 28, 28, z) == 5.0);
    assert_true(norm_of("Inv", 1, 28, 28, z) == sqrt(66.0));
    /* white squares on colour images: every channel */
    assert_true(norm_of("S1", 3, 32, 32, z) == sqrt(3.0));
    assert_true(norm_of("S2", 3, 32, 32, z) == sqrt(27.0));
    assert_true(norm_of("S3", 3, 32, 32, z) == sqrt(75.0));
    assert_true(norm_of("Inv", 3, 32, 32, z) == sqrt(198.0));
    /* names: case-insensitive, the reference code's aliases */
    assert_true(norm_of("s2", 1, 28, 28, z) == 3.0);
    assert_true(norm_of("v8", 1, 28, 28, z) == 5.0);
    assert_true(norm_of("INV", 1, 28, 28, z) == sqrt(66.0));
    free(z);
}

static void test_white_is_fixed(void **state)
{
    (void)state;
    size_t n = 3 * 32 * 32;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0f;
    for (int i = 0; rsc_pattern_names[i]; i++) {
        for (int c = 1; c <= 3; c += 2) {
            rsc_pattern p;
            rsc_error err;
            assert_int_equal(rsc_pattern_make(&p, rsc_pattern_names[i], c, 32, 32, 7, &err), 0);
            rsc_pattern_apply(&p, x, y);
            for (size_t k = 0; k < (size_t)c * 32 * 32; k++)
                assert_true(y[k] == 1.0f);   /* clipped at 1 */
            assert_true(rsc_pattern_distance(&p, x) == 0.0);
            rsc_pattern_free(&p);
        }
    }
    free(x);
    free(y);
}

static void test_shapes_and_layout(void **state)
{
    (void)state;
    rsc_pattern p;
    rsc_error err;
    /* S2 on 1x28x28: exactly the 9 pixels of rows 0-2, cols 0-2 */
    assert_int_equal(rsc_pattern_make(&p, "S2", 1, 28, 28, 0, &err), 0);
    assert_string_equal(p.name, "S2");
    int ones = 0;
    for (int i = 0; i < 28; i++)
        for (int j = 0; j < 28; j++) {
            double a = p.add[i * 28 + j];
            assert_true(a == (i < 3 && j < 3 ? 1.0 : 0.0));
            ones += a == 1.0;
        }
    assert_int_equal(ones, 9);
    rsc_pattern_free(&p);
    /* Inv: rows 3-24, cols 13-15 */
    assert_int_equal(rsc_pattern_make(&p, "Inv", 1, 28, 28, 0, &err), 0);
    for (int i = 0; i < 28; i++)
        for (int j = 0; j < 28; j++)
            assert_true(p.add[i * 28 + j] == (i >= 3 && i <= 24 && j >= 13 && j <= 15 ? 1.0 : 0.0));
    rsc_pattern_free(&p);
    /* R3 on 3x32x32: RandomState(seed).rand(32, 32, 3), HWC drawn, CHW kept */
    assert_int_equal(rsc_pattern_make(&p, "R3", 3, 32, 32, 4, &err), 0);
    rsc_rng r;
    rsc_rng_seed(&r, 4);
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++)
            for (int k = 0; k < 3; k++) {
                double u = rsc_rng_double(&r);
                assert_true(p.add[(k * 32 + i) * 32 + j] == u);
            }
    rsc_pattern_free(&p);
    /* R1 is a quarter of R3, exactly */
    rsc_pattern q;
    assert_int_equal(rsc_pattern_make(&p, "R3", 1, 28, 28, 9, &err), 0);
    assert_int_equal(rsc_pattern_make(&q, "R1", 1, 28, 28, 9, &err), 0);
    for (int i = 0; i < 28 * 28; i++)
        assert_true(q.add[i] == 0.25 * p.add[i]);
    rsc_pattern_free(&p);
    rsc_pattern_free(&q);
}

/* Every line of the NumPy fixture: injected images and distances. */
static void test_numpy_fixture(void **state)
{
    (void)state;
    const char *top = getenv("top_srcdir");
    char path[4096], line[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/patterns-numpy.txt", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    int lines = 0, luts = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        if (!strncmp(line, "lut ", 4)) {
            float lut[256];
            for (int v = 0; v < 256; v++)
                lut[v] = (float)v / 255.0f;
            assert_int_equal(fnv(lut, sizeof lut), strtoull(line + 4, NULL, 16));
            /* and what rsc_dataset_images_f32 gives for u8 data */
            rsc_error err;
            rsc_file *ds = rsc_file_new(&err);
            uint64_t xd[4] = { 1, 1, 16, 16 }, yd[1] = { 1 };
            rsc_tensor *t = rsc_file_add(ds, "train.x", RSC_U8, 4, xd, &err);
            for (int v = 0; v < 256; v++)
                ((uint8_t *)t->data)[v] = (uint8_t)v;
            assert_non_null(rsc_file_add(ds, "train.y", RSC_I32, 1, yd, &err));
            float *x;
            size_t n;
            int c, h, w;
            assert_int_equal(rsc_dataset_images_f32(ds, "train", &x, NULL, &n, &c, &h, &w, &err), 0);
            assert_int_equal(fnv(x, 256 * sizeof *x), strtoull(line + 4, NULL, 16));
            free(x);
            rsc_file_free(ds);
            luts++;
            continue;
        }
        int c, h, w;
        char name[16], hash[32], nh[4][64];
        unsigned long long seed;
        if (sscanf(line, "img %d %d %d %15s %llu %31s %63s %63s %63s %63s", &c, &h, &w, name, &seed, hash,
                   nh[0], nh[1], nh[2], nh[3]) != 10)
            fail_msg("bad fixture line: %s", line);
        size_t img = (size_t)c * h * w;
        float *x = malloc(4 * img * sizeof *x), *y = malloc(4 * img * sizeof *y);
        rsc_pattern p;
        rsc_error err;
        if (rsc_pattern_make(&p, name, c, h, w, (uint32_t)seed, &err) < 0)
            fail_msg("%s", err.msg);
        for (int n = 0; n < 4; n++) {
            make_image(n, c, h, w, x + n * img);
            rsc_pattern_apply(&p, x + n * img, y + n * img);
            double want = strtod(nh[n], NULL), got = rsc_pattern_distance(&p, x + n * img);
            if (fabs(got - want) > 1e-12 * (1 + want))
                fail_msg("%s seed %llu %dx%dx%d image %d: distance %.17g, numpy %.17g", name, seed, c, h, w,
                         n, got, want);
        }
        uint64_t want_hash = strtoull(hash, NULL, 16), got_hash = fnv(y, 4 * img * sizeof *y);
        if (want_hash != got_hash)
            fail_msg("%s seed %llu %dx%dx%d: injected images differ from numpy", name, seed, c, h, w);
        /* in place gives the same */
        rsc_pattern_apply(&p, x + 2 * img, x + 2 * img);
        assert_memory_equal(x + 2 * img, y + 2 * img, img * sizeof *x);
        /* the mean over images is the mean of the distances */
        make_image(2, c, h, w, x + 2 * img);
        double mean = 0;
        for (int n = 0; n < 4; n++)
            mean += strtod(nh[n], NULL) / 4;
        assert_true(fabs(rsc_pattern_mean_norm(&p, x, 4) - mean) < 1e-12 * (1 + mean));
        rsc_pattern_free(&p);
        free(x);
        free(y);
        lines++;
    }
    fclose(f);
    assert_int_equal(luts, 1);
    assert_int_equal(lines, 2 * (4 + 3 * 3));
}

static void test_errors(void **state)
{
    (void)state;
    rsc_pattern p;
    rsc_error err;
    assert_int_equal(rsc_pattern_make(&p, "S4", 1, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "unknown pattern 'S4'"));
    assert_int_equal(rsc_pattern_make(&p, "Inv", 1, 16, 16, 0, &err), -1);
    assert_non_null(strstr(err.msg, "pattern Inv needs images of at least 25x16"));
    assert_int_equal(rsc_pattern_make(&p, "S3", 1, 4, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "at least 5x5"));
    assert_int_equal(rsc_pattern_make(&p, "R1", 0, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "bad image shape"));
    /* random patterns fit any image */
    assert_int_equal(rsc_pattern_make(&p, "R2", 2, 3, 5, 0, &err), 0);
    rsc_pattern_free(&p);
    rsc_pattern_free(NULL);
}

static void save(rsc_file *f, const char *path)
{
    rsc_error err;
    if (rsc_file_save(path, f, 0, &err) < 0)
        fail_msg("%s", err.msg);
    rsc_file_free(f);
}

static void test_custom_file(void **state)
{
    (void)state;
    rsc_error err;
    char path[512];
    /* tensor `pattern`, f64 [1,28,28]: its values exactly, and recorded
     * as f64 (float32 cannot hold 0.1) */
    rsc_file *f = rsc_file_new(&err);
    uint64_t d3[3] = { 1, 28, 28 };
    rsc_tensor *t = rsc_file_add(f, "pattern", RSC_F64, 3, d3, &err);
    double *v = t->data;
    for (int i = 0; i < 28 * 28; i++)
        v[i] = (i % 3) * 0.1 - 0.1;   /* negatives darken */
    snprintf(path, sizeof path, "%s/pat.rsct", tmpdir);
    save(f, path);
    rsc_pattern p;
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), 0);
    assert_string_equal(p.name, "custom");
    assert_int_equal(p.f64, 1);
    for (int i = 0; i < 28 * 28; i++)
        assert_true(p.add[i] == (i % 3) * 0.1 - 0.1);
    float x[28 * 28], y[28 * 28];
    for (int i = 0; i < 28 * 28; i++)
        x[i] = 0.05f;
    rsc_pattern_apply(&p, x, y);
    assert_true(y[0] == 0.0f);   /* 0.05 - 0.1 clipped at 0 */
    assert_true(y[1] == 0.05f);
    assert_true(y[2] == (float)((double)0.05f + 0.1));
    /* as a tensor: f64, the same values */
    rsc_file *g = rsc_file_new(&err);
    assert_int_equal(rsc_pattern_to_tensor(&p, g, "spurious.pattern", &err), 0);
    rsc_tensor *st = rsc_file_find(g, "spurious.pattern");
    assert_int_equal(st->dtype, RSC_F64);
    assert_int_equal(st->ndim, 3);
    assert_memory_equal(st->data, p.add, 28 * 28 * sizeof(double));
    rsc_file_free(g);
    rsc_pattern_free(&p);
    /* f64 values that float32 holds: recorded as f32 */
    f = rsc_file_new(&err);
    t = rsc_file_add(f, "pattern", RSC_F64, 3, d3, &err);
    v = t->data;
    for (int i = 0; i < 28 * 28; i++)
        v[i] = (i % 4) * 0.25;
    save(f, path);
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), 0);
    assert_int_equal(p.f64, 0);
    g = rsc_file_new(&err);
    assert_int_equal(rsc_pattern_to_tensor(&p, g, "spurious.pattern", &err), 0);
    st = rsc_file_find(g, "spurious.pattern");
    assert_int_equal(st->dtype, RSC_F32);
    for (int i = 0; i < 28 * 28; i++)
        assert_true(((float *)st->data)[i] == (float)((i % 4) * 0.25));
    rsc_file_free(g);
    rsc_pattern_free(&p);
    /* wrong shape */
    assert_int_equal(rsc_pattern_make(&p, path, 3, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "pattern is 1x28x28, images are 3x28x28"));
    assert_non_null(strstr(err.msg, path));
    assert_null(p.add);

    /* [h,w] accepted for one channel; not finite rejected */
    f = rsc_file_new(&err);
    uint64_t d2[2] = { 28, 28 };
    t = rsc_file_add(f, "pattern", RSC_F32, 2, d2, &err);
    ((float *)t->data)[5] = NAN;
    save(f, path);
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "value 5 is not finite"));
    /* wrong dtype */
    f = rsc_file_new(&err);
    rsc_file_add(f, "pattern", RSC_U8, 3, d3, &err);
    save(f, path);
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "dtype u8, expected f32 or f64"));
    /* no pattern tensor */
    f = rsc_file_new(&err);
    rsc_file_add(f, "other", RSC_F32, 3, d3, &err);
    save(f, path);
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "no tensor 'pattern' or 'spurious.pattern'"));
    /* not an rsct file at all */
    snprintf(path, sizeof path, "%s/garbage", tmpdir);
    FILE *gf = fopen(path, "w");
    fputs("hello\n", gf);
    fclose(gf);
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "unknown pattern"));
    assert_non_null(strstr(err.msg, "garbage"));
}

/* The builtin patterns as files (data/gen-patterns.c, made by the build):
 * read back as custom patterns they are the builtin ones exactly (every
 * double; so every injected image is bit-identical), in the dtype that
 * holds them, with their keys. */
static void test_builtin_files(void **state)
{
    (void)state;
    const char *top = getenv("top_builddir");
    if (!top)
        top = ".";
    static const int shapes[][3] = { { 1, 28, 28 }, { 3, 32, 32 } };
    for (int s = 0; s < 2; s++)
        for (int i = 0; rsc_pattern_names[i]; i++) {
            const char *name = rsc_pattern_names[i];
            int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
            int random = name[0] == 'R';
            char path[1024];
            snprintf(path, sizeof path, "%s/data/patterns/%s-%dx%dx%d%s.rsct", top, name, c, h, w,
                     random ? "-seed0" : "");
            rsc_error err;
            rsc_pattern fp, bp;
            if (rsc_pattern_make(&fp, path, c, h, w, 12345, &err) < 0)
                fail_msg("%s", err.msg);
            assert_string_equal(fp.name, "custom");
            assert_int_equal(fp.f64, random);
            assert_int_equal(rsc_pattern_make(&bp, name, c, h, w, 0, &err), 0);
            size_t n = (size_t)c * h * w;
            assert_memory_equal(fp.add, bp.add, n * sizeof(double));
            /* the injected images: every pixel value at every position */
            float *x = malloc(n * sizeof *x), *y1 = malloc(n * sizeof *y1), *y2 = malloc(n * sizeof *y2);
            for (int v = 0; v < 256; v++) {
                for (size_t k = 0; k < n; k++)
                    x[k] = (float)((v + (int)k) % 256) / 255.0f;
                rsc_pattern_apply(&fp, x, y1);
                rsc_pattern_apply(&bp, x, y2);
                assert_memory_equal(y1, y2, n * sizeof *y1);
            }
            free(x);
            free(y1);
            free(y2);
            /* the file itself */
            rsc_file *f = rsc_file_load(path, &err);
            assert_non_null(f);
            char shape[32];
            snprintf(shape, sizeof shape, "%dx%dx%d", c, h, w);
            assert_string_equal(rsc_meta_get(f, "kind"), "pattern");
            assert_string_equal(rsc_meta_get(f, "pattern"), name);
            assert_string_equal(rsc_meta_get(f, "shape"), shape);
            if (random)
                assert_string_equal(rsc_meta_get(f, "seed"), "0");
            else
                assert_null(rsc_meta_get(f, "seed"));
            const rsc_tensor *t = rsc_file_find(f, "pattern");
            assert_non_null(t);
            assert_int_equal(t->dtype, random ? RSC_F64 : RSC_F32);
            rsc_file_free(f);
            rsc_pattern_free(&fp);
            rsc_pattern_free(&bp);
        }
    /* a float32 copy of a random pattern is not the builtin one: ten per
     * cent of Fashion-like pixels would differ (why the files are f64) */
    rsc_error err;
    rsc_pattern bp;
    assert_int_equal(rsc_pattern_make(&bp, "R1", 1, 28, 28, 0, &err), 0);
    long differ = 0;
    for (size_t k = 0; k < 784; k++)
        for (int v = 0; v < 256; v++) {
            double xv = (double)((float)v / 255.0f);
            double a = xv + bp.add[k], b = xv + (double)(float)bp.add[k];
            differ += (float)(a > 1 ? 1 : a) != (float)(b > 1 ? 1 : b);
        }
    assert_true(differ > 784 * 256 / 20);
    rsc_pattern_free(&bp);
}

/* A dataset-like file recording pattern/seed and spurious.pattern. */
static rsc_file *recorded(const char *pattern, long seed, int with_tensor, const float *vals)
{
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    rsc_meta_set(f, "pattern", pattern, &err);
    rsc_meta_setf(f, "seed", &err, "%ld", seed);
    rsc_meta_set(f, "input", "1x28x28", &err);
    if (with_tensor) {
        uint64_t d3[3] = { 1, 28, 28 };
        rsc_tensor *t = rsc_file_add(f, "spurious.pattern", RSC_F32, 3, d3, &err);
        if (vals)
            memcpy(t->data, vals, 28 * 28 * sizeof(float));
    }
    return f;
}

static void test_from_dataset(void **state)
{
    (void)state;
    rsc_error err;
    rsc_pattern p, q;
    /* builtin: regenerated in double from the seed, not read from f32 */
    rsc_file *f = recorded("R3", 4, 1, NULL);
    assert_int_equal(rsc_pattern_from_dataset(&p, f, &err), 0);
    assert_int_equal(rsc_pattern_make(&q, "R3", 1, 28, 28, 4, &err), 0);
    assert_string_equal(p.name, "R3");
    assert_memory_equal(p.add, q.add, 28 * 28 * sizeof(double));
    rsc_pattern_free(&p);
    rsc_file_free(f);
    /* a model: shape from `input`, no tensor needed */
    f = recorded("R3", 4, 0, NULL);
    assert_int_equal(rsc_pattern_from_dataset(&p, f, &err), 0);
    assert_memory_equal(p.add, q.add, 28 * 28 * sizeof(double));
    rsc_pattern_free(&p);
    rsc_pattern_free(&q);
    rsc_file_free(f);
    /* a file's builtin used as a pattern file is custom: its f32 values */
    char path[512];
    snprintf(path, sizeof path, "%s/ds.rsct", tmpdir);
    float vals[28 * 28];
    for (int i = 0; i < 28 * 28; i++)
        vals[i] = (float)(i % 5) / 4.0f;
    save(recorded("S3", 0, 1, vals), path);
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 99, &err), 0);
    assert_string_equal(p.name, "custom");
    for (int i = 0; i < 28 * 28; i++)
        assert_true(p.add[i] == vals[i]);
    rsc_pattern_free(&p);
    /* custom recorded: values from the tensor */
    f = recorded("custom", 0, 1, vals);
    assert_int_equal(rsc_pattern_from_dataset(&p, f, &err), 0);
    assert_string_equal(p.name, "custom");
    assert_true(p.add[3] == vals[3]);
    rsc_pattern_free(&p);
    rsc_file_free(f);
    /* errors */
    f = recorded("custom", 0, 0, NULL);
    assert_int_equal(rsc_pattern_from_dataset(&p, f, &err), -1);
    assert_non_null(strstr(err.msg, "spurious.pattern' is missing"));
    rsc_file_free(f);
    f = recorded("none", 0, 0, NULL);
    assert_int_equal(rsc_pattern_from_dataset(&p, f, &err), -1);
    assert_non_null(strstr(err.msg, "no spurious pattern recorded"));
    rsc_file_free(f);
    f = recorded("R1", -3, 0, NULL);
    assert_int_equal(rsc_pattern_from_dataset(&p, f, &err), -1);
    assert_non_null(strstr(err.msg, "'seed'"));
    rsc_file_free(f);
    f = rsc_file_new(&err);
    rsc_meta_set(f, "pattern", "S1", &err);
    assert_int_equal(rsc_pattern_from_dataset(&p, f, &err), -1);
    assert_non_null(strstr(err.msg, "cannot tell the image shape"));
    rsc_file_free(f);
}

/* PNG patterns: v/255 additive; grey for any channel count; errors. */
static void test_png(void **state)
{
    (void)state;
    rsc_pattern p;
    rsc_error err;
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/patterns/grey-28.png", top ? top : ".");
#ifdef HAVE_PNG
    for (int c = 1; c <= 3; c += 2) {
        if (rsc_pattern_make(&p, path, c, 28, 28, 0, &err) < 0)
            fail_msg("%s", err.msg);
        assert_string_equal(p.name, "custom");
        for (int k = 0; k < c; k++)
            for (int i = 0; i < 28; i++)
                for (int j = 0; j < 28; j++) {
                    double want = i < 3 && j < 3 ? 1.0 : i == 10 && j == 20 ? (double)(128.0f / 255.0f) : 0.0;
                    assert_true(p.add[(k * 28 + i) * 28 + j] == want);
                }
        rsc_pattern_free(&p);
    }
    /* S2 on black images, the same distance */
    float z[28 * 28] = { 0 };
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), 0);
    double d = rsc_pattern_distance(&p, z), b = (double)(128.0f / 255.0f);
    assert_true(fabs(d - sqrt(9.0 + b * b)) < 1e-15);
    rsc_pattern_free(&p);
    assert_int_equal(rsc_pattern_make(&p, path, 1, 32, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "grey-28.png: pattern is 28x28 pixels, images are 28x32"));
    /* a colour PNG (the writer makes RGB) needs 3 channels */
    char cpath[512];
    snprintf(cpath, sizeof cpath, "%s/colour.png", tmpdir);
    rsc_image *img = rsc_image_new(28, 28, &err);
    memset(img->px, 0, 3 * 28 * 28);
    rsc_image_at(img, 5, 2)[1] = 255;   /* green at row 2, col 5 */
    assert_int_equal(rsc_png_save(cpath, img, NULL, &err), 0);
    rsc_image_free(img);
    assert_int_equal(rsc_pattern_make(&p, cpath, 1, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "a colour pattern for 1-channel images"));
    assert_int_equal(rsc_pattern_make(&p, cpath, 3, 28, 28, 0, &err), 0);
    for (int i = 0; i < 3 * 28 * 28; i++)
        assert_true(p.add[i] == (i == (1 * 28 + 2) * 28 + 5 ? 1.0 : 0.0));
    rsc_pattern_free(&p);
#else
    assert_int_equal(rsc_pattern_make(&p, path, 1, 28, 28, 0, &err), -1);
    assert_non_null(strstr(err.msg, "PNG patterns need rsc built with libpng"));
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norms_on_black),
        cmocka_unit_test(test_white_is_fixed),
        cmocka_unit_test(test_shapes_and_layout),
        cmocka_unit_test(test_numpy_fixture),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_custom_file),
        cmocka_unit_test(test_builtin_files),
        cmocka_unit_test(test_from_dataset),
        cmocka_unit_test(test_png),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
