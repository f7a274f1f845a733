/* test-conv.c - the CPU kernels of the convolutional layers (kernels/cpu/
 * kernels.h), with the table of every instruction set this CPU runs,
 * against PyTorch: convolution (forward, input and weight
 * gradients), max and adaptive average pooling, batch normalisation
 * (training statistics, running mean/variance update, eval mode,
 * gradients), the option-A shortcut and the CIFAR input normalisation.
 *
 * Fixtures: tests/fixtures/conv-layers.txt from
 * tests/gen/make-conv-fixtures.py (same inputs, weights and upstream
 * gradients given to both).  Tolerance: float32 results of sums of K terms
 * differ from PyTorch's order of summation by about sqrt(K) * 2^-24
 * relative to the terms' magnitude; we require
 * |ours - torch| <= 1e-5 * (1 + max |torch|) per case (K <= 100 here, so a
 * 10x margin), while a wrong index or a missing term is off by O(1). */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/cpu/kernels.h"

/* ------------------------------------------------------------ fixtures */

typedef struct entry {
    char key[64];
    double *v;
    size_t n;
} entry;

typedef struct fcase {
    char name[64];
    entry e[24];
    int ne;
} fcase;

static fcase cases[32];
static int ncases;

static void load_fixtures(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/conv-layers.txt", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    fcase *cur = NULL;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == '#')
            continue;
        char key[64];
        int off = 0;
        if (sscanf(line, "%63s%n", key, &off) != 1)
            continue;
        if (strcmp(key, "case") == 0) {
            assert_true(ncases < 32);
            cur = &cases[ncases++];
            sscanf(line + off, "%63s", cur->name);
            continue;
        }
        if (strcmp(key, "end") == 0) {
            cur = NULL;
            continue;
        }
        assert_non_null(cur);
        assert_true(cur->ne < 24);
        entry *e = &cur->e[cur->ne++];
        snprintf(e->key, sizeof e->key, "%s", key);
        size_t ecap = 64;
        e->v = malloc(ecap * sizeof *e->v);
        char *p = line + off, *end;
        for (;;) {
            double d = strtod(p, &end);
            if (end == p)
                break;
            if (e->n == ecap) {
                ecap *= 2;
                e->v = realloc(e->v, ecap * sizeof *e->v);
            }
            e->v[e->n++] = d;
            p = end;
        }
    }
    free(line);
    fclose(f);
}

static const fcase *get_case(const char *name)
{
    if (!ncases)
        load_fixtures();
    for (int i = 0; i < ncases; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    fail_msg("fixture case %s missing", name);
    return NULL;
}

static const entry *get(const fcase *c, const char *key)
{
    for (int i = 0; i < c->ne; i++)
        if (strcmp(c->e[i].key, key) == 0)
            return &c->e[i];
    fail_msg("case %s: key %s missing", c->name, key);
    return NULL;
}

static float *floats(const fcase *c, const char *key, size_t *n)
{
    const entry *e = get(c, key);
    float *f = malloc((e->n ? e->n : 1) * sizeof *f);
    for (size_t i = 0; i < e->n; i++)
        f[i] = (float)e->v[i];
    if (n)
        *n = e->n;
    return f;
}

static int ival(const fcase *c, const char *key, size_t i)
{
    const entry *e = get(c, key);
    assert_true(i < e->n);
    return (int)e->v[i];
}

/* Compare n floats with the fixture key. */
static void check(const fcase *c, const char *key, const float *got, size_t n)
{
    const entry *e = get(c, key);
    if (e->n != n)
        fail_msg("case %s: %s has %zu values, expected %zu", c->name, key, n, e->n);
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(e->v[i]));
    double tol = 1e-5 * (1 + scale);
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - e->v[i]) <= tol))
            fail_msg("case %s: %s[%zu] = %.9g, torch %.9g (tolerance %.3g)", c->name, key, i,
                     got[i], e->v[i], tol);
}

static void free_cases(void)
{
    for (int i = 0; i < ncases; i++)
        for (int j = 0; j < cases[i].ne; j++)
            free(cases[i].e[j].v);
    ncases = 0;
}

/* ------------------------------------------------------------ convolution */

/* Run fn with the kernels of every instruction set this CPU runs. */
static void for_each_table(void (*fn)(const rsc_cpu_kernels *K))
{
    for (int level = RSC_CPU_BASELINE; level <= RSC_CPU_AVX512; level++) {
        const rsc_cpu_kernels *K = rsc_cpu_kernels_for(level);
        if (K)
            fn(K);
    }
}

static void conv_case(const rsc_cpu_kernels *K, const char *name)
{
    const fcase *c = get_case(name);
    int n = ival(c, "shape", 0), bias = ival(c, "shape", 8);
    rsc_conv_geom g = { .c = ival(c, "shape", 1), .h = ival(c, "shape", 2),
                        .w = ival(c, "shape", 3), .o = ival(c, "shape", 4),
                        .kh = ival(c, "shape", 5), .kw = ival(c, "shape", 5),
                        .stride = ival(c, "shape", 6), .pad = ival(c, "shape", 7),
                        .oh = ival(c, "out", 0), .ow = ival(c, "out", 1) };
    float *x = floats(c, "x", NULL), *w = floats(c, "weight", NULL);
    float *b = bias ? floats(c, "bias", NULL) : NULL, *dy = floats(c, "dy", NULL);
    size_t ny = (size_t)n * g.o * g.oh * g.ow, nx = (size_t)n * g.c * g.h * g.w;
    size_t nw = (size_t)g.o * g.c * g.kh * g.kw;
    size_t cs = K->conv_scratch(&g);
    float *col = malloc((cs ? cs : 1) * sizeof *col);
    float *y = malloc(ny * sizeof *y), *dx = malloc(nx * sizeof *dx);
    float *dw = malloc(nw * sizeof *dw), *db = malloc((size_t)g.o * sizeof *db);
    K->conv_fwd(&g, 0, n, x, w, b, y, col);
    check(c, "y", y, ny);
    K->conv_bwd_data(&g, 0, n, dy, w, dx, col);
    check(c, "dx", dx, nx);
    /* Stride 1: the same through the transposed convolution. */
    rsc_conv_geom tg;
    if (K->conv_bwd_geom(&g, &tg)) {
        float *wt = malloc(nw * sizeof *wt);
        float *tcol = malloc(K->conv_scratch(&tg) * sizeof *tcol);
        K->conv_flip_weights(&g, w, wt);
        for (size_t i = 0; i < nx; i++)
            dx[i] = NAN;
        K->conv_fwd(&tg, 0, n, dy, wt, NULL, dx, tcol);
        check(c, "dx", dx, nx);
        free(wt);
        free(tcol);
    } else {
        assert_true(g.stride != 1 || K->conv_col_size(&g) == 0);
    }
    /* Weight gradient in two halves of the batch, the second accumulated. */
    K->conv_bwd_filter(&g, 0, n / 2, x, dy, dw, bias ? db : NULL, 0, col);
    K->conv_bwd_filter(&g, n / 2, n, x, dy, dw, bias ? db : NULL, 1, col);
    check(c, "dweight", dw, nw);
    if (bias)
        check(c, "dbias", db, (size_t)g.o);
    /* The direct convolution. */
    if (K->direct_ok(&g)) {
        size_t ss = K->direct_scratch(&g);
        if (K->conv_bwd_geom(&g, &tg) && K->direct_scratch(&tg) > ss)
            ss = K->direct_scratch(&tg);
        float *scratch = malloc(ss * sizeof *scratch), *wt = malloc(nw * sizeof *wt);
        for (size_t i = 0; i < ss; i++)
            scratch[i] = NAN;
        for (size_t i = 0; i < ny; i++)
            y[i] = NAN;
        K->direct_fwd(&g, 0, n, x, w, b, y, scratch);
        check(c, "y", y, ny);
        if (K->conv_bwd_geom(&g, &tg)) {
            assert_true(K->direct_ok(&tg));
            K->conv_flip_weights(&g, w, wt);
            for (size_t i = 0; i < nx; i++)
                dx[i] = NAN;
            K->direct_fwd(&tg, 0, n, dy, wt, NULL, dx, scratch);
            check(c, "dx", dx, nx);
        }
        K->direct_bwd_filter(&g, 0, 1, x, dy, dw, bias ? db : NULL, 0, scratch);
        K->direct_bwd_filter(&g, 1, n, x, dy, dw, bias ? db : NULL, 1, scratch);
        check(c, "dweight", dw, nw);
        if (bias)
            check(c, "dbias", db, (size_t)g.o);
        free(scratch), free(wt);
    }
    free(x), free(w), free(b), free(dy), free(col), free(y), free(dx), free(dw), free(db);
}

static void conv_with(const rsc_cpu_kernels *K)
{
    conv_case(K, "conv-s2p1-bias");
    conv_case(K, "conv-s1p0");
    conv_case(K, "conv-s1p1");
    conv_case(K, "conv-1x1");
}

static void test_conv(void **state)
{
    (void)state;
    for_each_table(conv_with);
}

/* The direct convolution equals im2col + GEMM exactly on small integers
 * (every partial sum is exact in float), over geometries that exercise
 * channel counts off the register tile (o % 8, c odd), odd and non-square
 * images, padding 0-2, strides 1 and 2, and batches spanning several
 * groups of examples (of both paths: im2col + GEMM takes one example at a
 * time from 1024 output pixels, the last geometry here).  The input
 * gradient through the transposed direct convolution (stride 1) equals
 * col2im's. */
static void direct_exact_with(const rsc_cpu_kernels *K)
{
    /* c, h, w, o, stride, pad, n */
    const int geo[][7] = { { 9, 7, 10, 17, 1, 1, 5 },  { 8, 12, 12, 16, 1, 0, 3 },
                           { 5, 6, 5, 3, 1, 2, 2 },    { 16, 11, 9, 8, 2, 1, 4 },
                           { 10, 8, 8, 19, 2, 0, 3 },  { 8, 9, 13, 9, 2, 2, 2 },
                           { 8, 4, 4, 8, 1, 1, 150 },  { 12, 5, 7, 24, 2, 1, 140 },
                           { 8, 33, 32, 8, 1, 1, 2 } };
    for (size_t t = 0; t < sizeof geo / sizeof geo[0]; t++) {
        rsc_conv_geom g = { .c = geo[t][0], .h = geo[t][1], .w = geo[t][2], .o = geo[t][3],
                            .kh = 3, .kw = 3, .stride = geo[t][4], .pad = geo[t][5] };
        const int n = geo[t][6];
        g.oh = (g.h + 2 * g.pad - 3) / g.stride + 1;
        g.ow = (g.w + 2 * g.pad - 3) / g.stride + 1;
        assert_true(K->direct_ok(&g));
        size_t nx = (size_t)n * g.c * g.h * g.w, ny = (size_t)n * g.o * g.oh * g.ow;
        size_t nw = (size_t)g.o * g.c * 9;
        float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *b = malloc(g.o * 4);
        float *dy = malloc(ny * sizeof *dy), *y0 = malloc(ny * 4), *y1 = malloc(ny * 4);
        float *dw0 = malloc(nw * 4), *dw1 = malloc(nw * 4), *db0 = malloc(g.o * 4);
        float *db1 = malloc(g.o * 4);
        float *col = malloc(K->conv_scratch(&g) * sizeof *col);
        /* NaN scratch: any padding the packing fails to zero shows. */
        size_t ns = K->direct_scratch(&g);
        float *scratch = malloc(ns * sizeof *scratch);
        for (size_t i = 0; i < ns; i++)
            scratch[i] = NAN;
        for (size_t i = 0; i < nx; i++)
            x[i] = (float)((i * 7919 + t) % 5) - 2;
        for (size_t i = 0; i < nw; i++)
            w[i] = (float)((i * 104729 + t) % 5) - 2;
        for (size_t i = 0; i < ny; i++)
            dy[i] = (float)((i * 15485863 + t) % 5) - 2;
        for (int i = 0; i < g.o; i++)
            b[i] = (float)(i % 3) - 1;
        K->conv_fwd(&g, 0, n, x, w, b, y0, col);
        K->conv_bwd_filter(&g, 0, n, x, dy, dw0, db0, 0, col);
        rsc_conv_geom tg;
        int has_tg = K->conv_bwd_geom(&g, &tg);
        float *dx0 = malloc(nx * 4), *dx1 = malloc(nx * 4), *wt = malloc(nw * 4), *tscratch = NULL;
        if (has_tg) {
            K->conv_bwd_data(&g, 0, n, dy, w, dx0, col);
            K->conv_flip_weights(&g, w, wt);
            assert_true(K->direct_ok(&tg));
            tscratch = malloc(K->direct_scratch(&tg) * sizeof *tscratch);
        }
        for (size_t i = 0; i < ny; i++)
            y1[i] = NAN;
        K->direct_fwd(&g, 0, n, x, w, b, y1, scratch);
        for (size_t i = 0; i < ny; i++)
            if (!(y1[i] == y0[i]))
                fail_msg("geometry %zu, %s: y[%zu] = %g, im2col %g", t, K->name, i,
                         y1[i], y0[i]);
        K->direct_bwd_filter(&g, 0, n, x, dy, dw1, db1, 0, scratch);
        for (size_t i = 0; i < nw; i++)
            if (!(dw1[i] == dw0[i]))
                fail_msg("geometry %zu, %s: dw[%zu] = %g, im2col %g", t, K->name, i,
                         dw1[i], dw0[i]);
        for (int i = 0; i < g.o; i++)
            assert_true(db1[i] == db0[i]);
        if (has_tg) {
            K->direct_fwd(&tg, 0, n, dy, wt, NULL, dx1, tscratch);
            for (size_t i = 0; i < nx; i++)
                if (!(dx1[i] == dx0[i]))
                    fail_msg("geometry %zu, %s: dx[%zu] = %g, col2im %g", t, K->name, i,
                             dx1[i], dx0[i]);
        }
        /* Both gradients at once: the same bits as the two passes. */
        if (K->direct_both(&g)) {
            for (size_t i = 0; i < ns; i++)
                scratch[i] = NAN;
            float *dw2 = malloc(nw * 4), *db2 = malloc(g.o * 4), *dx2 = malloc(nx * 4);
            K->direct_bwd(&g, 0, n, x, dy, wt, dw2, db2, dx2, scratch);
            assert_memory_equal(dw2, dw1, nw * 4);
            assert_memory_equal(db2, db1, g.o * 4);
            assert_memory_equal(dx2, dx1, nx * 4);
            free(dw2), free(db2), free(dx2);
        }
        free(dx0), free(dx1), free(wt), free(tscratch);
        free(x), free(w), free(b), free(dy), free(y0), free(y1), free(dw0), free(dw1);
        free(db0), free(db1), free(col), free(scratch);
    }
    /* Stride 2 has no combined backward pass. */
    rsc_conv_geom s2 = { .c = 8, .h = 8, .w = 8, .o = 8, .kh = 3, .kw = 3, .stride = 2,
                         .pad = 1, .oh = 4, .ow = 4 };
    assert_true(K->direct_ok(&s2));
    assert_false(K->direct_both(&s2));
    /* Not a direct convolution: other kernel sizes, strides, paddings. */
    rsc_conv_geom g5 = { .c = 8, .h = 8, .w = 8, .o = 8, .kh = 5, .kw = 5, .stride = 1,
                         .pad = 2, .oh = 8, .ow = 8 };
    assert_false(K->direct_ok(&g5));
    assert_true(K->direct_scratch(&g5) == 0);
    rsc_conv_geom g3 = { .c = 8, .h = 8, .w = 8, .o = 8, .kh = 3, .kw = 3, .stride = 3,
                         .pad = 1, .oh = 3, .ow = 3 };
    assert_false(K->direct_ok(&g3));
    g3.stride = 1, g3.pad = 3, g3.oh = g3.ow = 12;
    assert_false(K->direct_ok(&g3));
    g3.pad = 1, g3.oh = 7;   /* inconsistent output size */
    assert_false(K->direct_ok(&g3));
}

static void test_direct_exact(void **state)
{
    (void)state;
    for_each_table(direct_exact_with);
}

/* The tables: one per level up to the best this CPU runs; where the
 * backend uses the direct convolution: never with baseline kernels or
 * fewer than 8 input channels; with AVX-512, ResNet-20's 16-channel layers
 * but not VGG16's 256-channel ones. */
static void test_tables(void **state)
{
    (void)state;
    const rsc_cpu_kernels *best = rsc_cpu_kernels_for(RSC_CPU_BEST);
    assert_non_null(best);
    assert_null(rsc_cpu_kernels_for(3));
    assert_null(rsc_cpu_kernels_for(-2));
    for (int level = RSC_CPU_BASELINE; level <= RSC_CPU_AVX512; level++) {
        const rsc_cpu_kernels *k = rsc_cpu_kernels_for(level);
        assert_true((k != NULL) == (level <= best->level));
        if (k)
            assert_int_equal(k->level, level);
    }
    assert_ptr_equal(rsc_cpu_kernels_for(best->level), best);
    rsc_conv_geom r16 = { .c = 16, .h = 32, .w = 32, .o = 16, .kh = 3, .kw = 3, .stride = 1,
                          .pad = 1, .oh = 32, .ow = 32 };
    rsc_conv_geom v256 = { .c = 256, .h = 8, .w = 8, .o = 256, .kh = 3, .kw = 3, .stride = 1,
                           .pad = 1, .oh = 8, .ow = 8 };
    rsc_conv_geom c3 = r16;
    c3.c = 3;
    const rsc_cpu_kernels *k = rsc_cpu_kernels_for(RSC_CPU_BASELINE);
    assert_false(k->direct_pays(&r16, 0) || k->direct_pays(&r16, 1));
    if ((k = rsc_cpu_kernels_for(RSC_CPU_AVX512))) {
        assert_true(k->direct_pays(&r16, 0) && k->direct_pays(&r16, 1));
        assert_false(k->direct_pays(&v256, 0) || k->direct_pays(&v256, 1));
        assert_false(k->direct_pays(&c3, 0) || k->direct_pays(&c3, 1));
    }
}

/* im2col and col2im are adjoint: <col(x), c> == <x, col2im(c)>. */
static void im2col_adjoint_with(const rsc_cpu_kernels *K)
{
    rsc_conv_geom g = { .c = 2, .h = 5, .w = 6, .o = 1, .kh = 3, .kw = 2, .stride = 2, .pad = 1 };
    g.oh = (g.h + 2 * g.pad - g.kh) / g.stride + 1;
    g.ow = (g.w + 2 * g.pad - g.kw) / g.stride + 1;
    size_t nx = (size_t)g.c * g.h * g.w, nc = K->conv_col_size(&g);
    float *x = malloc(nx * sizeof *x), *c = malloc(nc * sizeof *c);
    float *cx = malloc(nc * sizeof *cx), *xc = calloc(nx, sizeof *xc);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)((i * 7919) % 23) - 11;
    for (size_t i = 0; i < nc; i++)
        c[i] = (float)((i * 104729) % 17) - 8;
    K->im2col(&g, x, cx);
    K->col2im(&g, c, xc);
    double a = 0, b = 0;
    for (size_t i = 0; i < nc; i++)
        a += (double)cx[i] * c[i];
    for (size_t i = 0; i < nx; i++)
        b += (double)x[i] * xc[i];
    assert_true(a == b);   /* small integers: exact */
    /* A known entry: row (ci=1, ki=0, kj=1), output (0, 1) reads x[1][-1][2]
     * = 0 (padding); output (1, 1) reads x[1][2*1-1+0][2*1-1+1] = x[1][1][2]. */
    size_t row = (size_t)((1 * g.kh + 0) * g.kw + 1) * g.oh * g.ow;
    assert_true(cx[row + 1] == 0);
    assert_true(cx[row + (size_t)g.ow + 1] == x[(size_t)g.h * g.w + 1 * g.w + 2]);
    free(x), free(c), free(cx), free(xc);
}

static void test_im2col_adjoint(void **state)
{
    (void)state;
    for_each_table(im2col_adjoint_with);
}

/* im2col against its definition, for "same" stride-1 convolutions (the
 * shifted-plane path) and others, k = 1..5. */
static void im2col_naive_with(const rsc_cpu_kernels *K)
{
    const int geo[][5] = { { 3, 1, 1, 7, 5 }, { 5, 1, 2, 6, 6 }, { 3, 1, 0, 5, 6 },
                           { 3, 2, 1, 7, 6 }, { 1, 1, 0, 4, 3 }, { 2, 1, 1, 3, 4 } };
    for (size_t t = 0; t < sizeof geo / sizeof geo[0]; t++) {
        rsc_conv_geom g = { .c = 2, .h = geo[t][3], .w = geo[t][4], .o = 1, .kh = geo[t][0],
                            .kw = geo[t][0], .stride = geo[t][1], .pad = geo[t][2] };
        g.oh = (g.h + 2 * g.pad - g.kh) / g.stride + 1;
        g.ow = (g.w + 2 * g.pad - g.kw) / g.stride + 1;
        size_t nx = (size_t)g.c * g.h * g.w, nc = (size_t)g.c * g.kh * g.kw * g.oh * g.ow;
        float *x = malloc(nx * sizeof *x), *col = malloc(nc * sizeof *col);
        for (size_t i = 0; i < nx; i++)
            x[i] = (float)(i + 1);
        for (size_t i = 0; i < nc; i++)
            col[i] = NAN;
        K->im2col(&g, x, col);
        for (int ci = 0; ci < g.c; ci++)
            for (int ki = 0; ki < g.kh; ki++)
                for (int kj = 0; kj < g.kw; kj++)
                    for (int oy = 0; oy < g.oh; oy++)
                        for (int ox = 0; ox < g.ow; ox++) {
                            int iy = oy * g.stride - g.pad + ki, ix = ox * g.stride - g.pad + kj;
                            float e = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w
                                          ? x[((size_t)ci * g.h + iy) * g.w + ix]
                                          : 0.0f;
                            size_t at = (((size_t)ci * g.kh + ki) * g.kw + kj) * g.oh * g.ow +
                                        (size_t)oy * g.ow + ox;
                            if (!(col[at] == e))
                                fail_msg("geometry %zu: col[%zu] = %g, expected %g", t, at,
                                         col[at], e);
                        }
        free(x);
        free(col);
    }
}

static void test_im2col_naive(void **state)
{
    (void)state;
    for_each_table(im2col_naive_with);
}

/* ------------------------------------------------------------ pooling */

static void maxpool_case(const rsc_cpu_kernels *K, const char *name)
{
    const fcase *c = get_case(name);
    int n = ival(c, "shape", 0), ch = ival(c, "shape", 1);
    rsc_pool_geom g = { .h = ival(c, "shape", 2), .w = ival(c, "shape", 3),
                        .k = ival(c, "shape", 4), .stride = ival(c, "shape", 5),
                        .oh = ival(c, "out", 0), .ow = ival(c, "out", 1) };
    size_t planes = (size_t)n * ch, ny = planes * g.oh * g.ow, nx = planes * g.h * g.w;
    float *x = floats(c, "x", NULL), *dy = floats(c, "dy", NULL);
    float *y = malloc(ny * sizeof *y), *dx = malloc(nx * sizeof *dx);
    int32_t *arg = malloc(ny * sizeof *arg);
    K->maxpool_fwd(&g, 0, planes, x, y, arg);
    check(c, "y", y, ny);
    K->maxpool_bwd(&g, 0, planes, dy, arg, dx);
    check(c, "dx", dx, nx);
    free(x), free(dy), free(y), free(dx), free(arg);
}

static void maxpool_with(const rsc_cpu_kernels *K)
{
    maxpool_case(K, "maxpool-2");
    maxpool_case(K, "maxpool-odd");
}

static void test_maxpool(void **state)
{
    (void)state;
    for_each_table(maxpool_with);
}

/* The 2x2 stride-2 path against PyTorch's rules written out: every
 * pattern of {1, 2, NaN} over a window (81 windows, in a 2 x 5 x 18 plane
 * of 1 x 9 window pairs, plus an odd last column that no window reads):
 * the first maximum wins, the first NaN propagates. */
static void maxpool2_ties_nan_with(const rsc_cpu_kernels *K)
{
    enum { H = 2, W = 2 * 81 + 1 };
    static float x[H * W];
    const float vals[3] = { 1.0f, 2.0f, NAN };
    for (int win = 0; win < 81; win++)
        for (int k = 0, code = win; k < 4; k++, code /= 3)
            x[(k / 2) * W + 2 * win + k % 2] = vals[code % 3];
    x[W - 1] = x[2 * W - 1] = 5.0f;
    rsc_pool_geom g = { .h = H, .w = W, .k = 2, .stride = 2, .oh = 1, .ow = 81 };
    float y[81];
    int32_t arg[81];
    K->maxpool_fwd(&g, 0, 1, x, y, arg);
    for (int win = 0; win < 81; win++) {
        const int at[4] = { 2 * win, 2 * win + 1, W + 2 * win, W + 2 * win + 1 };
        int best = at[0];
        for (int k = 1; k < 4 && !isnan(x[best]); k++)
            if (x[at[k]] > x[best] || isnan(x[at[k]]))
                best = at[k];
        if (arg[win] != best)
            fail_msg("window %d: argmax %d, expected %d", win, arg[win], best);
        if (isnan(x[best]) ? !isnan(y[win]) : y[win] != x[best])
            fail_msg("window %d: max %g, expected %g", win, y[win], x[best]);
    }
}

static void test_maxpool2_ties_nan(void **state)
{
    (void)state;
    for_each_table(maxpool2_ties_nan_with);
}

static void avgpool_case(const rsc_cpu_kernels *K, const char *name)
{
    const fcase *c = get_case(name);
    int n = ival(c, "shape", 0), ch = ival(c, "shape", 1), h = ival(c, "shape", 2),
        w = ival(c, "shape", 3), oh = ival(c, "shape", 4), ow = ival(c, "shape", 5);
    size_t planes = (size_t)n * ch, ny = planes * oh * ow, nx = planes * h * w;
    float *x = floats(c, "x", NULL), *dy = floats(c, "dy", NULL);
    float *y = malloc(ny * sizeof *y), *dx = malloc(nx * sizeof *dx);
    K->avgpool_fwd(h, w, oh, ow, 0, planes, x, y);
    check(c, "y", y, ny);
    K->avgpool_bwd(h, w, oh, ow, 0, planes, dy, dx);
    check(c, "dx", dx, nx);
    free(x), free(dy), free(y), free(dx);
}

static void avgpool_with(const rsc_cpu_kernels *K)
{
    avgpool_case(K, "avgpool-global");
    avgpool_case(K, "avgpool-1to7");
    avgpool_case(K, "avgpool-5to3");
    avgpool_case(K, "avgpool-2to7");
}

static void test_avgpool(void **state)
{
    (void)state;
    for_each_table(avgpool_with);
}

/* ------------------------------------------------------------ batch norm */

static void bn_case(const rsc_cpu_kernels *K, const char *name)
{
    const fcase *c = get_case(name);
    int n = ival(c, "shape", 0), ch = ival(c, "shape", 1),
        hw = ival(c, "shape", 2) * ival(c, "shape", 3);
    size_t nx = (size_t)n * ch * hw;
    float *x = floats(c, "x", NULL), *gm = floats(c, "weight", NULL), *bt = floats(c, "bias", NULL);
    float *rm = floats(c, "running_mean0", NULL), *rv = floats(c, "running_var0", NULL);
    float *dy = floats(c, "dy", NULL);
    float *y = malloc(nx * sizeof *y), *dx = malloc(nx * sizeof *dx);
    float mean[8], invstd[8], dg[8], dbt[8];
    /* Channels in two ranges, as the backend splits them. */
    K->bn_fwd_train(n, ch, hw, 0, 1, x, gm, bt, y, mean, invstd, rm, rv, 0.1f, 1e-5f, 0);
    K->bn_fwd_train(n, ch, hw, 1, ch, x, gm, bt, y, mean, invstd, rm, rv, 0.1f, 1e-5f, 0);
    check(c, "y", y, nx);
    check(c, "running_mean", rm, (size_t)ch);
    check(c, "running_var", rv, (size_t)ch);
    K->bn_bwd(n, ch, hw, 0, ch, x, dy, NULL, gm, mean, invstd, dx, dg, dbt);
    check(c, "dx", dx, nx);
    check(c, "dweight", dg, (size_t)ch);
    check(c, "dbias", dbt, (size_t)ch);
    /* Fused ReLU: the output is max(y, 0); the backward of relu(bn(x))
     * with the upstream gradient dy * [y > 0] equals the backward of bn
     * with that masked gradient. */
    float *yr = malloc(nx * sizeof *yr), *dym = malloc(nx * sizeof *dym);
    float *dxr = malloc(nx * sizeof *dxr), dg2[8], db2[8];
    K->bn_fwd_train(n, ch, hw, 0, ch, x, gm, bt, yr, mean, invstd, NULL, NULL, 0.1f, 1e-5f,
                         1);
    for (size_t i = 0; i < nx; i++) {
        assert_true(yr[i] == (y[i] > 0 ? y[i] : 0));
        dym[i] = yr[i] > 0 ? dy[i] : 0;
    }
    K->bn_bwd(n, ch, hw, 0, ch, x, dy, yr, gm, mean, invstd, dxr, dg2, db2);
    K->bn_bwd(n, ch, hw, 0, ch, x, dym, NULL, gm, mean, invstd, dx, dg, dbt);
    assert_memory_equal(dxr, dx, nx * sizeof *dx);
    assert_memory_equal(dg2, dg, (size_t)ch * sizeof *dg);
    assert_memory_equal(db2, dbt, (size_t)ch * sizeof *dbt);
    free(yr), free(dym), free(dxr);
    /* In place (dx = dy) gives the same. */
    K->bn_bwd(n, ch, hw, 0, ch, x, dy, NULL, gm, mean, invstd, dy, dg, dbt);
    check(c, "dx", dy, nx);
    K->bn_fwd_eval(n, ch, hw, 0, ch, x, gm, bt, rm, rv, 1e-5f, y, 0);
    check(c, "y_eval", y, nx);
    free(x), free(gm), free(bt), free(rm), free(rv), free(dy), free(y), free(dx);
}

/* Batch statistics are exact to float rounding when rows (examples) of a
 * channel differ by far more than their spread: the rows' sums and
 * deviations combine as the two-pass definition in double; a constant
 * channel has variance 0. */
static void batchnorm_stats_with(const rsc_cpu_kernels *K)
{
    enum { N = 5, C = 2, HW = 37 };
    float x[N * C * HW], y[N * C * HW], gamma[C] = { 1, 1 }, beta[C] = { 0, 0 };
    float mean[C], invstd[C], rm[C] = { 0, 0 }, rv[C] = { 1, 1 };
    for (int k = 0; k < N; k++)
        for (int j = 0; j < HW; j++) {
            x[(k * C + 0) * HW + j] = 1000.0f * (float)k + (float)((j * 7) % 5) * 0.25f;
            x[(k * C + 1) * HW + j] = 3.5f;
        }
    K->bn_fwd_train(N, C, HW, 0, C, x, gamma, beta, y, mean, invstd, rm, rv, 0.1f, 0.0f, 0);
    double s = 0, ss = 0;
    for (int k = 0; k < N; k++)
        for (int j = 0; j < HW; j++)
            s += x[(k * C + 0) * HW + j];
    double mu = s / (N * HW);
    for (int k = 0; k < N; k++)
        for (int j = 0; j < HW; j++) {
            double d = x[(k * C + 0) * HW + j] - mu;
            ss += d * d;
        }
    double var = ss / (N * HW);
    assert_true(fabs(mean[0] - mu) <= 1e-6 * fabs(mu));
    assert_true(fabs(invstd[0] - 1 / sqrt(var)) <= 1e-6 / sqrt(var));
    assert_true(fabs(rv[1] - 0.9f) <= 1e-7);   /* (1 - 0.1) * 1 + 0.1 * 0 */
    assert_true(fabs(rv[0] - (0.9 + 0.1 * ss / (N * HW - 1))) <= 1e-6 * rv[0]);
    assert_true(mean[1] == 3.5f);
}

static void test_batchnorm_stats(void **state)
{
    (void)state;
    for_each_table(batchnorm_stats_with);
}

static void batchnorm_with(const rsc_cpu_kernels *K)
{
    bn_case(K, "bn");
    bn_case(K, "bn-flat");
}

static void test_batchnorm(void **state)
{
    (void)state;
    for_each_table(batchnorm_with);
}

/* ------------------------------------------------------------ shortcut, input */

static void shortcut_case(const rsc_cpu_kernels *K, const char *name)
{
    const fcase *c = get_case(name);
    int n = ival(c, "shape", 0);
    rsc_shortcut_geom g = { .c = ival(c, "shape", 1), .h = ival(c, "shape", 2),
                            .w = ival(c, "shape", 3), .oc = ival(c, "shape", 4),
                            .front = ival(c, "shape", 5), .stride = 2,
                            .oh = ival(c, "out", 0), .ow = ival(c, "out", 1) };
    size_t ny = (size_t)n * g.oc * g.oh * g.ow, nx = (size_t)n * g.c * g.h * g.w;
    float *x = floats(c, "x", NULL), *dy = floats(c, "dy", NULL);
    float *y = malloc(ny * sizeof *y), *dx = malloc(nx * sizeof *dx);
    for (size_t i = 0; i < ny; i++)
        y[i] = NAN;   /* accumulate = 0 must overwrite */
    K->shortcut_fwd(&g, 0, n, x, y, 0);
    check(c, "y", y, ny);
    for (size_t i = 0; i < nx; i++)
        dx[i] = NAN;
    K->shortcut_bwd(&g, 0, n, dy, dx, 0);
    check(c, "dx", dx, nx);
    /* accumulate = 1 adds: twice the result. */
    K->shortcut_fwd(&g, 0, n, x, y, 1);
    K->shortcut_bwd(&g, 0, n, dy, dx, 1);
    for (size_t i = 0; i < ny; i++)
        y[i] *= 0.5f;
    for (size_t i = 0; i < nx; i++)
        dx[i] *= 0.5f;
    check(c, "y", y, ny);
    check(c, "dx", dx, nx);
    free(x), free(dy), free(y), free(dx);
}

static void shortcut_with(const rsc_cpu_kernels *K)
{
    shortcut_case(K, "shortcut-16to32");
    shortcut_case(K, "shortcut-even");
}

static void test_shortcut(void **state)
{
    (void)state;
    for_each_table(shortcut_with);
}

static void normalize_with(const rsc_cpu_kernels *K)
{
    const fcase *c = get_case("normalize-cifar");
    int n = ival(c, "shape", 0), hw = ival(c, "shape", 2) * ival(c, "shape", 3);
    const float mean[3] = { 0.4914f, 0.4822f, 0.4465f }, std[3] = { 0.2023f, 0.1994f, 0.2010f };
    size_t nx = (size_t)n * 3 * hw;
    float *x = floats(c, "x", NULL), *dy = floats(c, "dy", NULL);
    float *y = malloc(nx * sizeof *y);
    K->chan_norm_fwd(3, hw, 0, n, x, mean, std, y);
    check(c, "y", y, nx);
    K->chan_norm_bwd(3, hw, 0, n, dy, std, dy);   /* in place */
    check(c, "dx", dy, nx);
    free(x), free(dy), free(y);
}

static void test_normalize(void **state)
{
    (void)state;
    for_each_table(normalize_with);
}

/* Crop-flip: exact values on a numbered image. */
static void crop_flip_with(const rsc_cpu_kernels *K)
{
    enum { C = 2, H = 4, W = 5, PAD = 2 };
    float x[2 * C * H * W], y[2 * C * H * W];
    for (int i = 0; i < 2 * C * H * W; i++)
        x[i] = (float)(i + 1);
    /* Example 0: top 0, left 4 (shift up 2 rows... see below), no flip;
     * example 1: centred (top = left = PAD), flipped. */
    const int32_t prm[6] = { 0, 4, 0, PAD, PAD, 1 };
    K->crop_flip(C, H, W, PAD, 0, 2, prm, x, y);
    for (int ci = 0; ci < C; ci++)
        for (int i = 0; i < H; i++)
            for (int j = 0; j < W; j++) {
                /* y0[i][j] = x0[i - 2][j + 2] */
                int si = i - 2, sj = j + 2;
                float e = si >= 0 && sj < W ? x[(ci * H + si) * W + sj] : 0;
                assert_true(y[(ci * H + i) * W + j] == e);
                /* y1[i][j] = x1[i][W - 1 - j] */
                assert_true(y[((C + ci) * H + i) * W + j] == x[((C + ci) * H + i) * W + W - 1 - j]);
            }
}

static void test_crop_flip(void **state)
{
    (void)state;
    for_each_table(crop_flip_with);
}

static int teardown(void **state)
{
    (void)state;
    free_cases();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),
        cmocka_unit_test(test_direct_exact),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_im2col_adjoint),
        cmocka_unit_test(test_im2col_naive),
        cmocka_unit_test(test_maxpool),
        cmocka_unit_test(test_maxpool2_ties_nan),
        cmocka_unit_test(test_avgpool),
        cmocka_unit_test(test_batchnorm),
        cmocka_unit_test(test_batchnorm_stats),
        cmocka_unit_test(test_shortcut),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_crop_flip),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
