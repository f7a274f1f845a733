/* test-rsct.c - the rsct container (libcommon/format/rsct.c): round trips of every
 * dtype and rank, the committed golden file byte for byte, the metadata and
 * tensor API, every rejection rule of rsct(5) with its own message, and the
 * allocation rule (a hostile header cannot make the reader allocate what the
 * input does not hold). */
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "core/rng.h"
#include "format/rsct.h"

/* ------------------------------------------------------------ helpers */

static const char *srcdir(void)
{
    const char *s = getenv("top_srcdir");
    return s && *s ? s : ".";
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    *n = len;
    return buf;
}

static unsigned char *fixture(const char *name, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", srcdir(), name);
    return slurp(path, n);
}

/* Read an rsct image from memory through a FILE* (no seeking). */
static rsc_file *read_mem(const void *buf, size_t n, const char *fname, rsc_error *err)
{
    FILE *f = n ? fmemopen((void *)buf, n, "rb") : fopen("/dev/null", "rb");
    assert_non_null(f);
    rsc_file *r = rsc_file_read(f, fname, err);
    fclose(f);
    return r;
}

static rsc_file *scan_mem(const void *buf, size_t n, const char *fname, unsigned char **ok, rsc_error *err)
{
    FILE *f = n ? fmemopen((void *)buf, n, "rb") : fopen("/dev/null", "rb");
    assert_non_null(f);
    rsc_file *r = rsc_file_read_scan(f, fname, ok, err);
    fclose(f);
    return r;
}

static unsigned char *write_mem(const rsc_file *rf, unsigned flags, size_t *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    rsc_error err;
    rsc_error_clear(&err);
    int rc = rsc_file_write(f, "mem.rsct", rf, flags, &err);
    if (rc != 0)
        fail_msg("rsc_file_write: %s", err.msg);
    assert_int_equal(fclose(f), 0);
    *n = len;
    return (unsigned char *)buf;
}

#define assert_contains(hay, needle) do {                                   \
        if (!strstr((hay), (needle)))                                       \
            fail_msg("message '%s' lacks '%s'", (hay), (needle));          \
    } while (0)

static void assert_one_line(const char *msg)
{
    assert_true(msg[0] != '\0');
    assert_null(strchr(msg, '\n'));
}

/* ------------------------------------------------------------ round trips */

static void fill_random(void *data, size_t bytes, rsc_rng *r)
{
    unsigned char *p = data;
    for (size_t i = 0; i < bytes; i++)
        p[i] = (unsigned char)(rsc_rng_u32(r) >> 24);
}

static void assert_same_tensor(const rsc_tensor *a, const rsc_tensor *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->dtype, b->dtype);
    assert_int_equal(a->ndim, b->ndim);
    for (int i = 0; i < a->ndim; i++)
        assert_int_equal(a->dims[i], b->dims[i]);
    assert_int_equal(rsc_tensor_bytes(a), rsc_tensor_bytes(b));
    if (rsc_tensor_bytes(a))
        assert_memory_equal(a->data, b->data, rsc_tensor_bytes(a));
}

/* Every dtype x every rank 0..8, raw and deflated; each read back and
 * written again gives the same bytes. */
static void test_roundtrip_all(void **state)
{
    rsc_rng rng;
    rsc_rng_seed(&rng, 20221);
    for (int compress = 0; compress <= 1; compress++) {
        for (int dtype = RSC_U8; dtype <= RSC_F64; dtype++) {
            for (int ndim = 0; ndim <= RSC_MAX_NDIM; ndim++) {
                rsc_error err;
                rsc_file *f = rsc_file_new(&err);
                assert_non_null(f);
                assert_int_equal(rsc_meta_set(f, "kind", "test", &err), 0);
                assert_int_equal(rsc_meta_setf(f, "case", &err, "%d/%d/%d", compress, dtype, ndim), 0);
                uint64_t dims[RSC_MAX_NDIM];
                for (int i = 0; i < ndim; i++)
                    dims[i] = 1 + (uint64_t)((i + dtype) % 3);
                char name[64];
                snprintf(name, sizeof name, "t/%s.%d", rsc_dtype_name(dtype), ndim);
                rsc_tensor *t = rsc_file_add(f, name, dtype, ndim, dims, &err);
                assert_non_null(t);
                uint64_t numel = 1;
                for (int i = 0; i < ndim; i++)
                    numel *= dims[i];
                assert_int_equal(rsc_tensor_numel(t), numel);
                assert_int_equal(rsc_tensor_bytes(t), numel * rsc_dtype_size(dtype));
                fill_random(t->data, rsc_tensor_bytes(t), &rng);
                /* a second, compressible tensor of the same dtype */
                uint64_t d2[2] = { 16, 8 };
                rsc_tensor *z = rsc_file_add(f, "zeros", dtype, 2, d2, &err);
                assert_non_null(z);

                size_t n1;
                unsigned char *img = write_mem(f, compress ? RSC_WRITE_COMPRESS : 0, &n1);
                rsc_file *g = read_mem(img, n1, "mem.rsct", &err);
                if (!g)
                    fail_msg("case %d/%d/%d: %s", compress, dtype, ndim, err.msg);
                assert_int_equal(g->nmeta, 2);
                assert_string_equal(g->keys[0], "kind");
                assert_string_equal(g->values[0], "test");
                assert_string_equal(rsc_meta_get(g, "case"), rsc_meta_get(f, "case"));
                assert_int_equal(g->ntensors, 2);
                assert_same_tensor(f->tensors[0], g->tensors[0]);
                assert_same_tensor(f->tensors[1], g->tensors[1]);
                for (int k = 0; k < 2; k++) {
                    rsc_tensor *rt = g->tensors[k];
                    assert_int_equal(rt->compressed, compress);
                    if (!compress)
                        assert_int_equal(rt->stored_size, rsc_tensor_bytes(rt));
                }
                /* 128 zeros deflate to far fewer bytes */
                if (compress)
                    assert_true(g->tensors[1]->stored_size < rsc_tensor_bytes(g->tensors[1]));

                size_t n2;
                unsigned char *img2 = write_mem(g, compress ? RSC_WRITE_COMPRESS : 0, &n2);
                assert_int_equal(n1, n2);
                assert_memory_equal(img, img2, n1);
                free(img);
                free(img2);
                rsc_file_free(g);
                rsc_file_free(f);
            }
        }
    }
}

/* The smallest file: no metadata, no tensor.  28 bytes, known exactly. */
static void test_empty_file_bytes(void **state)
{
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    assert_non_null(f);
    size_t n;
    unsigned char *img = write_mem(f, 0, &n);
    static const unsigned char want[28] = {
        0x89, 'R', 'S', 'C', 'T', 0x0d, 0x0a, 0x1a,
        1, 0, 0, 0,  0, 0, 0, 0,
        0x33, 0x9a, 0x80, 0x06,          /* crc32 of the 16 bytes above */
        'E', 'N', 'D', '.', 0, 0, 0, 0,
    };
    assert_int_equal(n, sizeof want);
    assert_memory_equal(img, want, sizeof want);
    rsc_file *g = read_mem(img, n, "empty.rsct", &err);
    assert_non_null(g);
    assert_int_equal(g->nmeta, 0);
    assert_int_equal(g->ntensors, 0);
    rsc_file_free(g);
    rsc_file_free(f);
    free(img);
}

/* Zero-element tensors are legal: size 0, no payload. */
static void test_zero_elements(void **state)
{
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    uint64_t dims[3] = { 3, 0, 2 };
    assert_non_null(rsc_file_add(f, "none", RSC_F32, 3, dims, &err));
    for (int compress = 0; compress <= 1; compress++) {
        size_t n;
        unsigned char *img = write_mem(f, compress ? RSC_WRITE_COMPRESS : 0, &n);
        rsc_file *g = read_mem(img, n, "mem", &err);
        if (!g)
            fail_msg("%s", err.msg);
        assert_int_equal(g->ntensors, 1);
        assert_int_equal(rsc_tensor_numel(g->tensors[0]), 0);
        assert_int_equal(g->tensors[0]->dims[1], 0);
        rsc_file_free(g);
        free(img);
    }
    rsc_file_free(f);
}

/* ------------------------------------------------------------ golden file */

/* The content of tests/fixtures/golden.rsct; keep in step with
 * golden_tensors() in tests/gen/make-bad-rsct.py. */
static rsc_file *build_golden(void)
{
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    assert_non_null(f);
    assert_int_equal(rsc_meta_set(f, "kind", "golden", &err), 0);
    assert_int_equal(rsc_meta_set(f, "name", "golden", &err), 0);
    assert_int_equal(rsc_meta_set(f, "note", "utf-8 \xc3\xbcn\xc3\xaf" "c\xc3\xb8" "de, a=b is fine", &err), 0);
    assert_int_equal(rsc_meta_set(f, "empty", "", &err), 0);

    uint64_t d23[2] = { 2, 3 };
    rsc_tensor *t = rsc_file_add(f, "u8", RSC_U8, 2, d23, &err);
    for (int i = 0; i < 6; i++)
        ((uint8_t *)t->data)[i] = (uint8_t)((i * 37 + 1) & 255);

    uint64_t d4[1] = { 4 };
    t = rsc_file_add(f, "i32", RSC_I32, 1, d4, &err);
    int32_t i32[4] = { 0, -1, INT32_MAX, INT32_MIN };
    memcpy(t->data, i32, sizeof i32);

    uint64_t d3[1] = { 3 };
    t = rsc_file_add(f, "i64", RSC_I64, 1, d3, &err);
    int64_t i64[3] = { 1, -1, ((int64_t)1 << 62) + 5 };
    memcpy(t->data, i64, sizeof i64);

    uint64_t d22[2] = { 2, 2 };
    t = rsc_file_add(f, "f32", RSC_F32, 2, d22, &err);
    float f32[4] = { 0.5f, -0.0f, 3.25f, INFINITY };
    memcpy(t->data, f32, sizeof f32);

    uint64_t d2[1] = { 2 };
    t = rsc_file_add(f, "f64", RSC_F64, 1, d2, &err);
    double f64[2] = { 0.1, -2.5 };
    memcpy(t->data, f64, sizeof f64);

    t = rsc_file_add(f, "scalar", RSC_F64, 0, NULL, &err);
    assert_non_null(t);
    *(double *)t->data = 3.141592653589793;

    uint64_t d8[8] = { 1, 2, 1, 2, 1, 2, 1, 2 };
    t = rsc_file_add(f, "deep/eight.d", RSC_U8, 8, d8, &err);
    for (int i = 0; i < 16; i++)
        ((uint8_t *)t->data)[i] = (uint8_t)i;

    uint64_t d64[1] = { 64 };
    t = rsc_file_add(f, "Mixed_Case-1:packed", RSC_F32, 1, d64, &err);
    for (int i = 0; i < 64; i++)
        ((float *)t->data)[i] = (float)i / 8.0f;
    t->compressed = 1;   /* this record alone is deflated */
    assert_int_equal(f->ntensors, 8);
    return f;
}

static void test_golden_bytes(void **state)
{
    size_t ngold, nmine;
    unsigned char *gold = fixture("golden.rsct", &ngold);
    rsc_file *f = build_golden();
    unsigned char *mine = write_mem(f, RSC_WRITE_AS_MARKED, &nmine);
    assert_int_equal(nmine, ngold);
    for (size_t i = 0; i < ngold; i++)
        if (mine[i] != gold[i])
            fail_msg("golden.rsct differs at byte %zu: wrote 0x%02x, committed 0x%02x", i, mine[i], gold[i]);
    free(mine);
    rsc_file_free(f);
    free(gold);
}

static void test_golden_read(void **state)
{
    size_t n;
    unsigned char *gold = fixture("golden.rsct", &n);
    rsc_error err;
    rsc_file *g = read_mem(gold, n, "golden.rsct", &err);
    if (!g)
        fail_msg("%s", err.msg);
    rsc_file *want = build_golden();
    assert_int_equal(g->nmeta, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(g->keys[i], want->keys[i]);
        assert_string_equal(g->values[i], want->values[i]);
    }
    assert_int_equal(g->ntensors, want->ntensors);
    for (size_t i = 0; i < g->ntensors; i++) {
        assert_same_tensor(g->tensors[i], want->tensors[i]);
        assert_int_equal(g->tensors[i]->compressed, i == 7);
    }
    /* values as the reader sees them */
    assert_int_equal(((int32_t *)rsc_file_find(g, "i32")->data)[3], INT32_MIN);
    assert_int_equal(((int64_t *)rsc_file_find(g, "i64")->data)[2], ((int64_t)1 << 62) + 5);
    assert_true(isinf(((float *)rsc_file_find(g, "f32")->data)[3]));
    assert_true(signbit(((float *)rsc_file_find(g, "f32")->data)[1]));
    rsc_tensor *s = rsc_file_find(g, "scalar");
    assert_int_equal(s->ndim, 0);
    assert_int_equal(rsc_tensor_numel(s), 1);
    assert_true(*(double *)s->data == 3.141592653589793);
    rsc_tensor *p = rsc_file_find(g, "Mixed_Case-1:packed");
    assert_true(p->stored_size < 256);
    assert_true(((float *)p->data)[63] == 7.875f);
    /* reading then writing as marked keeps the per-record compression */
    size_t n2;
    unsigned char *again = write_mem(g, RSC_WRITE_AS_MARKED, &n2);
    assert_int_equal(n2, n);
    assert_memory_equal(again, gold, n);
    /* without RSC_WRITE_AS_MARKED every record is written raw */
    size_t n3;
    unsigned char *raw = write_mem(g, 0, &n3);
    assert_int_equal(n3, n + 256 - 133);
    rsc_file *r3 = read_mem(raw, n3, "raw.rsct", &err);
    assert_non_null(r3);
    for (size_t i = 0; i < r3->ntensors; i++)
        assert_int_equal(r3->tensors[i]->compressed, 0);
    assert_same_tensor(r3->tensors[7], want->tensors[7]);
    rsc_file_free(r3);
    free(raw);
    /* the lenient scan agrees, every crc good */
    unsigned char *ok = NULL;
    rsc_file *h = scan_mem(gold, n, "golden.rsct", &ok, &err);
    assert_non_null(h);
    for (size_t i = 0; i < h->ntensors; i++)
        assert_int_equal(ok[i], 1);
    free(ok);
    rsc_file_free(h);
    free(again);
    rsc_file_free(want);
    rsc_file_free(g);
    free(gold);
}

/* ------------------------------------------------------------ metadata API */

static void test_meta_api(void **state)
{
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    assert_null(rsc_meta_get(f, "kind"));
    assert_int_equal(rsc_meta_set(f, "kind", "dataset", &err), 0);
    assert_int_equal(rsc_meta_set(f, "seed", "7", &err), 0);
    assert_int_equal(rsc_meta_set(f, "lr", "0.001", &err), 0);
    /* replace keeps the position */
    assert_int_equal(rsc_meta_set(f, "kind", "model", &err), 0);
    assert_int_equal(f->nmeta, 3);
    assert_string_equal(f->keys[0], "kind");
    assert_string_equal(f->values[0], "model");
    assert_int_equal(rsc_meta_setf(f, "count", &err, "%d-%s", 10, "x"), 0);
    assert_string_equal(rsc_meta_get(f, "count"), "10-x");
    /* remove */
    assert_int_equal(rsc_meta_remove(f, "seed"), 1);
    assert_int_equal(rsc_meta_remove(f, "seed"), 0);
    assert_null(rsc_meta_get(f, "seed"));
    assert_int_equal(f->nmeta, 3);
    assert_string_equal(f->keys[1], "lr");
    /* typed getters */
    long l;
    double d;
    assert_int_equal(rsc_meta_set(f, "n", "-42", &err), 0);
    assert_int_equal(rsc_meta_get_long(f, "n", &l, &err), 0);
    assert_int_equal(l, -42);
    assert_int_equal(rsc_meta_get_double(f, "lr", &d, &err), 0);
    assert_true(d == 0.001);
    assert_int_equal(rsc_meta_get_long(f, "absent", &l, &err), -1);
    assert_contains(err.msg, "metadata key 'absent'");
    assert_contains(err.msg, "missing");
    assert_int_equal(rsc_meta_get_long(f, "lr", &l, &err), -1);
    assert_contains(err.msg, "metadata key 'lr'");
    assert_contains(err.msg, "'0.001'");
    assert_int_equal(rsc_meta_set(f, "big", "99999999999999999999999", &err), 0);
    assert_int_equal(rsc_meta_get_long(f, "big", &l, &err), -1);
    assert_contains(err.msg, "metadata key 'big'");
    assert_int_equal(rsc_meta_set(f, "e", "", &err), 0);
    assert_int_equal(rsc_meta_get_long(f, "e", &l, &err), -1);
    assert_int_equal(rsc_meta_get_double(f, "e", &d, &err), -1);
    assert_int_equal(rsc_meta_set(f, "word", "1.5x", &err), 0);
    assert_int_equal(rsc_meta_get_double(f, "word", &d, &err), -1);
    assert_contains(err.msg, "metadata key 'word'");
    assert_int_equal(rsc_meta_get_double(f, "absent", &d, &err), -1);
    assert_contains(err.msg, "missing");

    /* invalid keys and values are refused and change nothing */
    size_t before = f->nmeta;
    static const char *const bad_keys[] = { "", "Kind", "a b", "a=b", "k\n", "\xc3\xa4", "a/b", "a:b" };
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        rsc_error_clear(&err);
        assert_int_equal(rsc_meta_set(f, bad_keys[i], "v", &err), -1);
        assert_one_line(err.msg);
        assert_int_equal(rsc_valid_key(bad_keys[i]), 0);
    }
    assert_int_equal(rsc_meta_set(f, "kind", "two\nlines", &err), -1);
    assert_one_line(err.msg);
    assert_string_equal(rsc_meta_get(f, "kind"), "model");
    assert_int_equal(f->nmeta, before);
    static const char *const good_keys[] = { "a", "z9", "train_seed", "spurious.count", "a-b", "0" };
    for (size_t i = 0; i < sizeof good_keys / sizeof good_keys[0]; i++)
        assert_int_equal(rsc_valid_key(good_keys[i]), 1);
    /* a value may hold '=' and UTF-8 */
    assert_int_equal(rsc_meta_set(f, "eq", "a=b=\xc3\xa9", &err), 0);

    /* copy */
    rsc_file *g = rsc_file_new(&err);
    static const char *const keys[] = { "kind", "lr", "absent", NULL };
    assert_int_equal(rsc_meta_copy(g, f, keys, &err), 0);
    assert_int_equal(g->nmeta, 2);
    assert_string_equal(rsc_meta_get(g, "lr"), "0.001");
    assert_null(rsc_meta_get(g, "absent"));

    /* stamp */
    assert_int_equal(rsc_file_stamp(g, "dataset", "rsc-test", &err), 0);
    assert_string_equal(rsc_meta_get(g, "kind"), "dataset");
    char creator[128];
    snprintf(creator, sizeof creator, "rsc-test %s", PACKAGE_VERSION);
    assert_string_equal(rsc_meta_get(g, "creator"), creator);
    rsc_file_free(g);
    rsc_file_free(f);
}

/* ------------------------------------------------------------ tensor API */

static void test_tensor_api(void **state)
{
    rsc_error err;
    assert_int_equal(rsc_dtype_size(RSC_U8), 1);
    assert_int_equal(rsc_dtype_size(RSC_I32), 4);
    assert_int_equal(rsc_dtype_size(RSC_I64), 8);
    assert_int_equal(rsc_dtype_size(RSC_F32), 4);
    assert_int_equal(rsc_dtype_size(RSC_F64), 8);
    assert_int_equal(rsc_dtype_size(0), 0);
    assert_int_equal(rsc_dtype_size(6), 0);
    assert_string_equal(rsc_dtype_name(RSC_U8), "u8");
    assert_string_equal(rsc_dtype_name(RSC_I32), "i32");
    assert_string_equal(rsc_dtype_name(RSC_I64), "i64");
    assert_string_equal(rsc_dtype_name(RSC_F32), "f32");
    assert_string_equal(rsc_dtype_name(RSC_F64), "f64");
    assert_string_equal(rsc_dtype_name(9), "?");

    rsc_file *f = rsc_file_new(&err);
    uint64_t dims[2] = { 3, 4 };
    rsc_tensor *t = rsc_file_add(f, "param/fc1.weight", RSC_F32, 2, dims, &err);
    assert_non_null(t);
    for (int i = 0; i < 12; i++)
        assert_true(((float *)t->data)[i] == 0.0f);
    assert_ptr_equal(rsc_file_find(f, "param/fc1.weight"), t);
    assert_null(rsc_file_find(f, "param/fc2.weight"));
    /* expect: dtype and rank checks, with messages naming the tensor */
    assert_ptr_equal(rsc_file_expect(f, "param/fc1.weight", RSC_F32, 2, &err), t);
    assert_ptr_equal(rsc_file_expect(f, "param/fc1.weight", 0, -1, &err), t);
    assert_null(rsc_file_expect(f, "param/fc1.weight", RSC_U8, 2, &err));
    assert_contains(err.msg, "tensor 'param/fc1.weight'");
    assert_contains(err.msg, "has dtype f32, expected u8");
    assert_null(rsc_file_expect(f, "param/fc1.weight", RSC_F32, 3, &err));
    assert_contains(err.msg, "tensor 'param/fc1.weight'");
    assert_null(rsc_file_expect(f, "nope", 0, -1, &err));
    assert_contains(err.msg, "tensor 'nope': missing");

    /* add replaces a tensor of the same name, in place */
    uint64_t d1[1] = { 5 };
    assert_non_null(rsc_file_add(f, "b", RSC_I64, 1, d1, &err));
    rsc_tensor *t2 = rsc_file_add(f, "param/fc1.weight", RSC_U8, 1, d1, &err);
    assert_non_null(t2);
    assert_int_equal(f->ntensors, 2);
    assert_ptr_equal(f->tensors[0], t2);
    assert_int_equal(t2->dtype, RSC_U8);

    /* add_take owns the data */
    double *data = malloc(5 * sizeof *data);
    for (int i = 0; i < 5; i++)
        data[i] = i * 1.5;
    rsc_tensor *tk = rsc_file_add_take(f, "taken", RSC_F64, 1, d1, data, &err);
    assert_non_null(tk);
    assert_ptr_equal(tk->data, data);
    /* add_copy */
    rsc_tensor *cp = rsc_file_add_copy(f, tk, "copied", &err);
    assert_non_null(cp);
    assert_ptr_not_equal(cp->data, tk->data);
    assert_memory_equal(cp->data, data, 5 * sizeof *data);
    rsc_file *g = rsc_file_new(&err);
    rsc_tensor *same = rsc_file_add_copy(g, tk, NULL, &err);
    assert_non_null(same);
    assert_string_equal(same->name, "taken");
    rsc_file_free(g);

    /* remove */
    assert_int_equal(rsc_file_remove(f, "b"), 1);
    assert_int_equal(rsc_file_remove(f, "b"), 0);
    assert_int_equal(f->ntensors, 3);
    assert_string_equal(f->tensors[1]->name, "taken");

    /* refused: bad names, bad dtype, too many dims, overflowing dims */
    static const char *const bad_names[] = { "", "a b", "tab\t", "x=y", "\xc3\xa4", "comma,", "q'" };
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        assert_int_equal(rsc_valid_name(bad_names[i]), 0);
        rsc_error_clear(&err);
        assert_null(rsc_file_add(f, bad_names[i], RSC_U8, 1, d1, &err));
        assert_one_line(err.msg);
    }
    char longname[RSC_MAX_NAME + 2];
    memset(longname, 'a', sizeof longname);
    longname[RSC_MAX_NAME + 1] = '\0';
    assert_int_equal(rsc_valid_name(longname), 0);
    longname[RSC_MAX_NAME] = '\0';
    assert_int_equal(rsc_valid_name(longname), 1);
    assert_int_equal(rsc_valid_name("A-z_0.9:/x"), 1);
    assert_null(rsc_file_add(f, "x", 6, 1, d1, &err));
    assert_one_line(err.msg);
    uint64_t d9[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    assert_null(rsc_file_add(f, "x", RSC_U8, 9, d9, &err));
    assert_one_line(err.msg);
    uint64_t huge[2] = { (uint64_t)1 << 40, (uint64_t)1 << 40 };
    assert_null(rsc_file_add(f, "x", RSC_U8, 2, huge, &err));
    assert_one_line(err.msg);
    void *owned = malloc(16);
    assert_null(rsc_file_add_take(f, "bad name", RSC_U8, 1, d1, owned, &err));  /* frees owned */
    assert_int_equal(f->ntensors, 3);
    rsc_file_free(f);
    rsc_file_free(NULL);
}

/* ------------------------------------------------------------ rejections */

struct bad_case {
    const char *file;
    const char *message;      /* the specific problem */
};

/* One case per file of tests/fixtures/bad-*.rsct (see tests/fixtures/README). */
static const struct bad_case bad_cases[] = {
    { "bad-empty.rsct", "truncated header (empty input)" },
    { "bad-magic.rsct", "not an rsct file (bad magic)" },
    { "bad-version.rsct", "unsupported rsct version 2" },
    { "bad-meta-len.rsct", "metadata block of 1048577 bytes exceeds the 1 MiB limit" },
    { "bad-meta-line.rsct", "metadata line 2: no '='" },
    { "bad-meta-newline.rsct", "metadata line 2: missing newline" },
    { "bad-meta-dupkey.rsct", "metadata line 3: duplicate key 'seed'" },
    { "bad-meta-key.rsct", "metadata line 1: bad key 'Kind'" },
    { "bad-meta-emptykey.rsct", "metadata line 1: bad key ''" },
    { "bad-meta-nul.rsct", "metadata line 1: value of 'kind' contains a NUL byte" },
    { "bad-meta-utf8.rsct", "metadata line 1: value of 'kind' is not valid UTF-8" },
    { "bad-header-crc.rsct", "header crc mismatch" },
    { "bad-tag.rsct", "bad record tag 'TNSX' after tensor 0" },
    { "bad-name.rsct", "tensor 'bad name': bad name" },
    { "bad-name-len.rsct", "tensor 1: bad name length 0" },
    { "bad-dup-name.rsct", "tensor 'x': duplicate name" },
    { "bad-dtype.rsct", "tensor 'x': unknown dtype 6" },
    { "bad-dtype-zero.rsct", "tensor 'x': unknown dtype 0" },
    { "bad-flags.rsct", "tensor 'x': unknown flags 0x02" },
    { "bad-ndim.rsct", "tensor 'x': ndim 9 exceeds 8" },
    { "bad-dims-overflow.rsct", "tensor 'x': dims product overflows" },
    { "bad-bytes-overflow.rsct", "tensor 'x': dims product overflows" },
    { "bad-size.rsct", "tensor 'x': size 20 disagrees with dims (24 bytes" },
    { "bad-record-crc.rsct", "tensor 'x': crc mismatch" },
    { "bad-payload-flip.rsct", "tensor 'x': crc mismatch" },
    { "bad-deflate.rsct", "tensor 'x': corrupt compressed payload" },
    { "bad-deflate-size.rsct", "tensor 'x': compressed payload inflates to more than 24 bytes" },
    { "bad-deflate-ratio.rsct", "tensor 'x': 26 compressed bytes cannot inflate to the 1099511627776 declared" },
    { "bad-deflate-empty.rsct", "tensor 'x': empty compressed payload" },
    { "bad-deflate-extra.rsct", "tensor 'x': 3 bytes after the end of the compressed stream" },
    { "bad-name-long.rsct", "tensor 1: bad name length 256" },
    { "bad-trailer-missing.rsct", "truncated after 1 tensor (no END. trailer)" },
    { "bad-trailer-tag.rsct", "bad record tag 'END!' after tensor 1" },
    { "bad-trailer-count.rsct", "trailer count 2 disagrees with the 1 tensor record read" },
    { "bad-trailer-short.rsct", "truncated trailer" },
    { "bad-trailing-data.rsct", "data after the trailer" },
    { "bad-huge-tensor.rsct", "tensor 'x': truncated" },
    { "bad-huge-deflate.rsct", "tensor 'x': truncated compressed payload" },
    { "bad-truncated-header.rsct", "truncated header checksum" },
    { "bad-truncated-payload.rsct", "tensor 'x': truncated (expected 24 bytes" },
};

static int is_crc_case(const char *file)
{
    return strcmp(file, "bad-record-crc.rsct") == 0 || strcmp(file, "bad-payload-flip.rsct") == 0;
}

static void test_reject_fixtures(void **state)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        size_t n;
        unsigned char *buf = fixture(c->file, &n);
        rsc_error err;
        rsc_error_clear(&err);
        rsc_file *f = read_mem(buf, n, c->file, &err);
        if (f)
            fail_msg("%s was accepted", c->file);
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%s: ", c->file);
        if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
            fail_msg("%s: message '%s' does not start with the file name", c->file, err.msg);
        assert_contains(err.msg, c->message);
        assert_one_line(err.msg);
        if (strcmp(c->message, "truncated") != 0 && !strstr(c->message, "truncated"))
            assert_null(strstr(err.msg, "truncated"));
        /* the lenient scan rejects the same files, except a bad crc */
        unsigned char *ok = NULL;
        rsc_error err2;
        rsc_file *g = scan_mem(buf, n, c->file, &ok, &err2);
        if (is_crc_case(c->file)) {
            if (!g)
                fail_msg("scan of %s failed: %s", c->file, err2.msg);
            assert_int_equal(g->ntensors, 1);
            assert_int_equal(ok[0], 0);
            free(ok);
            rsc_file_free(g);
        } else {
            if (g)
                fail_msg("scan of %s was accepted", c->file);
            assert_string_equal(err2.msg, err.msg);
        }
        free(buf);
    }
}

/* Cut the golden file at every byte: each prefix is "truncated". */
static void test_truncation_every_offset(void **state)
{
    size_t n;
    unsigned char *gold = fixture("golden.rsct", &n);
    for (size_t cut = 0; cut < n; cut++) {
        rsc_error err;
        rsc_error_clear(&err);
        rsc_file *f = read_mem(gold, cut, "cut.rsct", &err);
        if (f)
            fail_msg("prefix of %zu bytes accepted", cut);
        if (!strstr(err.msg, "truncated"))
            fail_msg("prefix of %zu bytes: '%s' does not say truncated", cut, err.msg);
        assert_one_line(err.msg);
        assert_int_equal(strncmp(err.msg, "cut.rsct: ", 10), 0);
    }
    free(gold);
}

/* A byte after the trailer is an error: a stream holds exactly one file. */
static void test_trailing_bytes(void **state)
{
    size_t n;
    unsigned char *gold = fixture("golden.rsct", &n);
    unsigned char *more = malloc(n + 4096);
    memcpy(more, gold, n);
    memset(more + n, 0, 4096);
    rsc_error err;
    for (size_t extra = 1; extra <= 4096; extra *= 8) {
        assert_null(read_mem(more, n + extra, "more.rsct", &err));
        assert_contains(err.msg, "more.rsct: unexpected data after the trailer");
    }
    /* a second whole file appended is also refused */
    memcpy(more + n, gold, n < 4096 ? n : 4096);
    assert_null(read_mem(more, 2 * n, "two.rsct", &err));
    assert_contains(err.msg, "data after the trailer");
    free(more);
    free(gold);
}

/* The allocation rule: payload memory grows with the bytes actually read,
 * so a 2^40-byte declaration over a tiny input fails as truncated, not as
 * out of memory. */
static void test_huge_declaration(void **state)
{
    static const char *const files[] = { "bad-huge-tensor.rsct", "bad-huge-deflate.rsct" };
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        unsigned char *buf = fixture(files[i], &n);
        rsc_error err;
        assert_null(read_mem(buf, n, files[i], &err));
        assert_contains(err.msg, "truncated");
        assert_null(strstr(err.msg, "memory"));
        free(buf);
    }
}

/* The same rule under a hard address-space limit: a 1 GiB declaration
 * (which malloc would grant through overcommit) over a 16-byte payload must
 * fail as truncated with the process limited to 64 MiB more than it uses.
 * Not under the sanitizers, whose shadow memory needs the address space. */
static void test_allocation_limit(void **state)
{
#ifdef RSC_SANITIZERS
    skip();
#else
    /* header + record declaring u8 [2^30], size 2^30, 16 bytes present */
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    size_t n0;
    unsigned char *head = write_mem(f, 0, &n0);   /* 20-byte header + trailer */
    rsc_file_free(f);
    unsigned char img[20 + 4 + 2 + 1 + 3 + 8 + 8 + 16];
    memcpy(img, head, 20);
    free(head);
    size_t p = 20;
    memcpy(img + p, "TNSR", 4); p += 4;
    img[p++] = 1; img[p++] = 0; img[p++] = 'x';
    img[p++] = RSC_U8; img[p++] = 0; img[p++] = 1;
    uint64_t big = (uint64_t)1 << 30;
    memcpy(img + p, &big, 8); p += 8;
    memcpy(img + p, &big, 8); p += 8;
    memset(img + p, 0, 16); p += 16;
    assert_int_equal(p, sizeof img);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* current size from /proc, plus 64 MiB */
        FILE *st = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        if (!st || fscanf(st, "%lu", &pages) != 1)
            _exit(3);
        fclose(st);
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = pages * (unsigned long)sysconf(_SC_PAGESIZE) + (64ul << 20);
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(4);
        rsc_error e;
        FILE *in = fmemopen(img, sizeof img, "rb");
        if (!in)
            _exit(5);
        rsc_file *r = rsc_file_read(in, "big.rsct", &e);
        if (r)
            _exit(6);
        if (!strstr(e.msg, "tensor 'x': truncated"))
            _exit(7);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#endif
}

/* A real pipe: the reader never seeks. */
static void test_pipe(void **state)
{
    size_t n;
    unsigned char *gold = fixture("golden.rsct", &n);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        /* dribble the bytes in small writes */
        for (size_t off = 0; off < n; off += 7) {
            size_t k = n - off < 7 ? n - off : 7;
            if (write(fds[1], gold + off, k) != (ssize_t)k)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "rb");
    rsc_error err;
    rsc_file *f = rsc_file_read(in, "stdin", &err);
    if (!f)
        fail_msg("%s", err.msg);
    assert_int_equal(f->ntensors, 8);
    fclose(in);
    int status;
    waitpid(pid, &status, 0);
    rsc_file_free(f);
    free(gold);
}

/* ------------------------------------------------------------ files */

static void test_save_load(void **state)
{
    char dir[256], path[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test-rsct.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/g.rsct", dir);
    rsc_file *f = build_golden();
    rsc_error err;
    assert_int_equal(rsc_file_save(path, f, RSC_WRITE_AS_MARKED, &err), 0);
    size_t n, ngold;
    unsigned char *saved = slurp(path, &n);
    unsigned char *gold = fixture("golden.rsct", &ngold);
    assert_int_equal(n, ngold);
    assert_memory_equal(saved, gold, n);
    rsc_file *g = rsc_file_load(path, &err);
    assert_non_null(g);
    assert_int_equal(g->ntensors, 8);
    rsc_file_free(g);
    unlink(path);

    /* load: a missing file names the path and the reason */
    assert_null(rsc_file_load(path, &err));
    assert_contains(err.msg, path);
    assert_contains(err.msg, "No such file or directory");
    /* save into a missing folder fails and leaves nothing */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/none/g.rsct", dir);
    assert_int_equal(rsc_file_save(bad, f, 0, &err), -1);
    assert_contains(err.msg, bad);
    assert_int_equal(rmdir(dir), 0);   /* empty: no temporary file left */
    free(saved);
    free(gold);
    rsc_file_free(f);
}

/* A write error (disk full) is reported with the output's name. */
static void test_write_error(void **state)
{
    FILE *full = fopen("/dev/full", "wb");
    if (!full)
        skip();
    rsc_file *f = build_golden();
    rsc_error err;
    rsc_error_clear(&err);
    int rc = rsc_file_write(full, "full.rsct", f, 0, &err);
    /* buffered data may only fail at the flush: either way it must fail */
    int flushed = fflush(full);
    assert_true(rc == -1 || flushed != 0);
    if (rc == -1)
        assert_contains(err.msg, "full.rsct");
    fclose(full);
    rsc_file_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all),
        cmocka_unit_test(test_empty_file_bytes),
        cmocka_unit_test(test_zero_elements),
        cmocka_unit_test(test_golden_bytes),
        cmocka_unit_test(test_golden_read),
        cmocka_unit_test(test_meta_api),
        cmocka_unit_test(test_tensor_api),
        cmocka_unit_test(test_reject_fixtures),
        cmocka_unit_test(test_truncation_every_offset),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_huge_declaration),
        cmocka_unit_test(test_allocation_limit),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
