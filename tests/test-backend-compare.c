/* test-backend-compare.c - every operation of kernels/backend.h run on the
 * CPU backend and on the CUDA backend with the same random inputs, the
 * results compared (ggml's test-backend-ops in spirit).
 *
 * Error measure: for an output tensor, max_i |gpu_i - cpu_i| divided by
 * max_i |cpu_i| (relative to the tensor's scale, so that an element near
 * zero after cancellation does not dominate); NaN must meet NaN.
 * Tolerances:
 *   - 0 (bit-identical) where each element is one correctly rounded
 *     operation or none: fill, ReLU, mul, scale, clamp, bias_act, gathers,
 *     dropout masks;
 *   - 1e-6 for axpy, Adam and SGD: the GPU evaluates the CPU backend's
 *     expressions in its order without fused multiply-adds, but the CPU
 *     backend's AVX2/AVX-512 clones may contract a*b+c into an FMA, which
 *     changes the last bit of some elements;
 *   - 1e-6 for the Gaussian noise and the softmax/cross-entropy gradient
 *     (double-precision exp, log, sin and cos of CUDA's math library are
 *     within 2 ulp of glibc's, then rounded to float);
 *   - 1e-5 for GEMM and column sums (float sums in a different order;
 *     1e-2 when RSC_CUDA_TF32=1 lets cuBLAS use TF32);
 *   - 1e-10 for sums of squares and cross-entropy statistics (double).
 * GPU results must also repeat bit for bit (determinism), and the error
 * paths must report: bad labels and row indices at the next download, out
 * of GPU memory as such, copies outside a buffer.
 *
 * Without a CUDA device it checks what --device does there (cuda: a clear
 * error; auto: the CPU) and exits 77 (skipped). */
#include "config.h"

#include "backend.h"
#include "devices.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* See the header: where the CPU may fuse a*b+c. */
#define FMA_TOL 1e-6

static rsc_backend *B[2]; /* 0: cpu, 1: cuda */
static int failures, checks;

#define FOR_BOTH for (int s_ = 0; s_ < 2; s_++)
#define BE B[s_]
#define X(p) ((p).b[s_])

typedef struct pair {
    rsc_buf *b[2];
    size_t bytes;
} pair;

static void die(const char *what, const rsc_error *err)
{
    fprintf(stderr, "test-backend-compare: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "test-backend-compare: out of memory\n");
        exit(1);
    }
    return p;
}

/* The same bytes on both backends (zeros when host is NULL). */
static pair mk(size_t bytes, const void *host)
{
    pair p;
    rsc_error err;
    p.bytes = bytes;
    FOR_BOTH {
        X(p) = BE->alloc(BE, bytes, &err);
        if (!X(p))
            die("alloc", &err);
        if (host && BE->upload(BE, X(p), 0, host, bytes, &err) != 0)
            die("upload", &err);
    }
    return p;
}

static void rm(pair p)
{
    FOR_BOTH BE->free(BE, X(p));
}

/* Uniform floats in [lo, hi) from a counter-based hash (reproducible). */
static float *randf(size_t n, float lo, float hi, uint64_t seed)
{
    float *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rsc_backend_uniform(seed, i);
    return x;
}

static pair mkrand(size_t n, float lo, float hi, uint64_t seed)
{
    float *h = randf(n, lo, hi, seed);
    pair p = mk(n * sizeof(float), h);
    free(h);
    return p;
}

/* Download both sides of p; *c and *g are malloc'ed. */
static void get(pair p, void **c, void **g)
{
    rsc_error err;
    void *out[2] = { xmalloc(p.bytes), xmalloc(p.bytes) };
    FOR_BOTH if (BE->download(BE, out[s_], X(p), 0, p.bytes, &err) != 0) die("download", &err);
    *c = out[0];
    *g = out[1];
}

static void verdict(const char *what, double e, double tol, size_t at)
{
    checks++;
    if (e <= tol && !isnan(e)) {
        printf("ok   %-44s err %.3g (tol %.3g)\n", what, e, tol);
    } else {
        printf("FAIL %-44s err %.3g > tol %.3g (first worst element %zu)\n", what, e, tol, at);
        failures++;
    }
}

/* Scale-relative maximum error of n floats of p (see the header). */
static void cmp_f32(const char *what, pair p, size_t n, double tol)
{
    float *c, *g;
    get(p, (void **)&c, (void **)&g);
    double scale = 0, worst = 0;
    size_t at = 0;
    int nan_mismatch = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i]) || isnan(g[i])) {
            if (!(isnan(c[i]) && isnan(g[i])) && !nan_mismatch) {
                nan_mismatch = 1;
                at = i;
            }
            continue;
        }
        if (fabs(c[i]) > scale)
            scale = fabs(c[i]);
    }
    for (size_t i = 0; i < n && !nan_mismatch; i++) {
        if (isnan(c[i]))
            continue;
        double d = fabs((double)g[i] - (double)c[i]);
        if (d > worst) {
            worst = d;
            at = i;
        }
    }
    double e = nan_mismatch ? NAN : scale > 0 ? worst / scale : worst;
    verdict(what, e, tol, at);
    free(c);
    free(g);
}

static void cmp_f64(const char *what, pair p, size_t n, double tol)
{
    double *c, *g;
    get(p, (void **)&c, (void **)&g);
    double scale = 0, worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(c[i]) > scale)
            scale = fabs(c[i]);
    for (size_t i = 0; i < n; i++) {
        double d = fabs(g[i] - c[i]);
        if (d > worst || isnan(d)) {
            worst = d;
            at = i;
        }
    }
    verdict(what, scale > 0 ? worst / scale : worst, tol, at);
    free(c);
    free(g);
}

static void cmp_bytes(const char *what, pair p)
{
    unsigned char *c, *g;
    get(p, (void **)&c, (void **)&g);
    size_t at = 0;
    int same = memcmp(c, g, p.bytes) == 0;
    if (!same)
        while (c[at] == g[at])
            at++;
    verdict(what, same ? 0 : 1, 0, at);
    free(c);
    free(g);
}

/* GPU determinism: `run` applied twice from the same inputs gives the
 * same bytes in out. */
static void gpu_repeat(const char *what, pair out, void (*run)(void *), void *arg)
{
    rsc_error err;
    unsigned char *r1 = xmalloc(out.bytes), *r2 = xmalloc(out.bytes);
    run(arg);
    if (B[1]->download(B[1], r1, out.b[1], 0, out.bytes, &err) != 0)
        die("download", &err);
    run(arg);
    if (B[1]->download(B[1], r2, out.b[1], 0, out.bytes, &err) != 0)
        die("download", &err);
    char name[128];
    snprintf(name, sizeof name, "%s repeats bit for bit", what);
    verdict(name, memcmp(r1, r2, out.bytes) == 0 ? 0 : 1, 0, 0);
    free(r1);
    free(r2);
}

/* ------------------------------------------------------------ GEMM */

static double gemm_tol(void)
{
    const char *t = getenv("RSC_CUDA_TF32");
    return t && strcmp(t, "1") == 0 ? 1e-2 : 1e-5;
}

/* op(A) m x k, op(B) k x n, with padded leading dimensions. */
static void test_gemm_case(int ta, int tb, int m, int n, int k, float alpha, float beta,
                           int nan_c, uint64_t seed)
{
    int arows = ta ? k : m, acols = ta ? m : k;
    int brows = tb ? n : k, bcols = tb ? k : n;
    int lda = acols + 3, ldb = bcols + 1, ldc = n + 2;
    pair a = mkrand((size_t)arows * lda, -1, 1, seed);
    pair b = mkrand((size_t)brows * ldb, -1, 1, seed + 1);
    float *ch = randf((size_t)m * ldc, -1, 1, seed + 2);
    if (nan_c)
        for (size_t i = 0; i < (size_t)m * ldc; i++)
            ch[i] = NAN;
    pair c = mk((size_t)m * ldc * sizeof(float), ch);
    FOR_BOTH BE->gemm(BE, ta, tb, m, n, k, alpha, X(a), lda, X(b), ldb, beta, X(c), ldc);
    char what[96];
    snprintf(what, sizeof what, "gemm ta=%d tb=%d %dx%dx%d beta=%g%s", ta, tb, m, n, k, beta,
             nan_c ? " (C NaN)" : "");
    /* The padding columns of C must be untouched (compare all of C). */
    cmp_f32(what, c, (size_t)m * ldc, k == 0 ? 0 : gemm_tol());
    free(ch);
    rm(a);
    rm(b);
    rm(c);
}

typedef struct gemm_args {
    pair a, b, c;
    int m, n, k;
} gemm_args;

static void gemm_gpu(void *arg)
{
    gemm_args *g = arg;
    B[1]->gemm(B[1], 0, 1, g->m, g->n, g->k, 1.0f, g->a.b[1], g->k, g->b.b[1], g->k, 0.0f,
               g->c.b[1], g->n);
}

static void test_gemm(void)
{
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            test_gemm_case(ta, tb, 37, 53, 129, 0.7f, 0.0f, 0, 100 + ta * 2 + tb);
            test_gemm_case(ta, tb, 37, 53, 129, 0.7f, 1.3f, 0, 200 + ta * 2 + tb);
        }
    test_gemm_case(0, 0, 19, 23, 31, 1.0f, 0.0f, 1, 300);
    test_gemm_case(0, 0, 5, 7, 0, 1.0f, 0.5f, 0, 301);
    test_gemm_case(0, 0, 5, 7, 0, 1.0f, 0.0f, 1, 302);
    /* The MLP's layers: forward (x W^T), weight gradient (dY^T X), input
     * gradient (dY W). */
    test_gemm_case(0, 1, 128, 256, 784, 1.0f, 0.0f, 0, 310);
    test_gemm_case(1, 0, 256, 784, 128, 1.0f, 0.0f, 0, 311);
    test_gemm_case(0, 0, 128, 784, 256, 1.0f, 0.0f, 0, 312);
    gemm_args g = { mkrand(128 * 784, -1, 1, 320), mkrand(256 * 784, -1, 1, 321),
                    mk(128 * 256 * sizeof(float), NULL), 128, 256, 784 };
    gpu_repeat("gemm 128x256x784", g.c, gemm_gpu, &g);
    rm(g.a);
    rm(g.b);
    rm(g.c);
}

/* ------------------------------------------------------------ rows */

typedef struct rows_args {
    pair x, y;
    int rows, cols;
} rows_args;

static void sum_rows_gpu(void *arg)
{
    rows_args *r = arg;
    B[1]->sum_rows(B[1], r->x.b[1], r->y.b[1], r->rows, r->cols, 0.0f);
}

static void test_rows(void)
{
    for (int relu = 0; relu < 2; relu++) {
        pair y = mkrand(67 * 300, -1, 1, 400 + relu), bias = mkrand(300, -1, 1, 402);
        FOR_BOTH BE->bias_act(BE, X(y), X(bias), 67, 300, relu);
        cmp_f32(relu ? "bias_act relu" : "bias_act", y, 67 * 300, 0);
        rm(y);
        rm(bias);
    }
    int shapes[][2] = { { 129, 300 }, { 1, 10 }, { 3000, 33 }, { 0, 17 } };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int rows = shapes[s][0], cols = shapes[s][1];
        for (int beta = 0; beta < 2; beta++) {
            pair x = mkrand((size_t)(rows ? rows : 1) * cols, -1, 1, 410 + s);
            pair y = mkrand(cols, -1, 1, 420 + s);
            if (beta == 0)
                FOR_BOTH BE->fill(BE, X(y), cols, NAN);
            FOR_BOTH BE->sum_rows(BE, X(x), X(y), rows, cols, (float)beta);
            char what[64];
            snprintf(what, sizeof what, "sum_rows %dx%d beta=%d", rows, cols, beta);
            cmp_f32(what, y, cols, 1e-5);
            if (s == 0 && beta == 0) {
                rows_args r = { x, y, rows, cols };
                gpu_repeat("sum_rows", y, sum_rows_gpu, &r);
            }
            rm(x);
            rm(y);
        }
    }
}

/* ------------------------------------------------------------ elementwise */

static void test_elementwise(size_t n)
{
    char what[96];
#define NAME(s) (snprintf(what, sizeof what, "%s n=%zu", (s), n), what)
    pair x = mkrand(n, -2, 2, 500), y = mkrand(n, -2, 2, 501), z = mk(n * sizeof(float), NULL);
    FOR_BOTH BE->fill(BE, X(z), n, 3.25f);
    cmp_f32(NAME("fill"), z, n, 0);
    FOR_BOTH BE->relu_fwd(BE, X(x), X(z), n);
    cmp_f32(NAME("relu_fwd"), z, n, 0);
    FOR_BOTH BE->relu_bwd(BE, X(z), X(y), X(y), n);
    cmp_f32(NAME("relu_bwd (dx = dy)"), y, n, 0);
    FOR_BOTH BE->mul(BE, X(x), X(y), X(z), n);
    cmp_f32(NAME("mul"), z, n, 0);
    FOR_BOTH BE->axpy(BE, n, -0.37f, X(x), X(z));
    cmp_f32(NAME("axpy"), z, n, FMA_TOL);
    FOR_BOTH BE->scale(BE, n, 1.7f, X(z));
    cmp_f32(NAME("scale"), z, n, FMA_TOL); /* its input went through axpy */
    FOR_BOTH BE->clamp(BE, X(z), n, -0.5f, 0.25f);
    cmp_f32(NAME("clamp"), z, n, FMA_TOL); /* its input went through axpy */
    FOR_BOTH BE->relu_fwd(BE, X(x), X(x), n);
    cmp_f32(NAME("relu_fwd in place"), x, n, 0);
    rm(x);
    rm(y);
    rm(z);
#undef NAME
}

typedef struct sumsq_args {
    pair x, out;
    size_t n;
} sumsq_args;

static void sumsq_gpu(void *arg)
{
    sumsq_args *a = arg;
    B[1]->sumsq(B[1], a->x.b[1], a->n, a->out.b[1]);
}

static void test_sumsq(void)
{
    size_t sizes[] = { 0, 1, 1000, 300007, 5000000 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        pair x = mkrand(n ? n : 1, -3, 3, 600 + s), out = mk(3 * sizeof(double), NULL);
        FOR_BOTH BE->fill(BE, X(out), 6, 1.0f);
        FOR_BOTH BE->sumsq(BE, X(x), n, X(out));
        char what[64];
        snprintf(what, sizeof what, "sumsq n=%zu", n);
        cmp_f64(what, out, 3, 1e-10);
        if (s == 4) {
            sumsq_args a = { x, out, n };
            gpu_repeat("sumsq", out, sumsq_gpu, &a);
        }
        rm(x);
        rm(out);
    }
}

/* ------------------------------------------------------------ loss */

typedef struct xent_args {
    pair z, y, d, st;
    int rows, cols;
} xent_args;

static void xent_gpu(void *arg)
{
    xent_args *a = arg;
    B[1]->fill(B[1], a->st.b[1], 4, 0.0f);
    B[1]->xent(B[1], a->z.b[1], a->y.b[1], a->rows, a->cols, a->d.b[1], 0.01f, a->st.b[1]);
}

static void test_xent_case(int rows, int cols, int mode /* 0 separate, 1 in place, 2 none */,
                           uint64_t seed)
{
    int32_t *lab = xmalloc((size_t)rows * sizeof *lab);
    for (int r = 0; r < rows; r++)
        lab[r] = (int32_t)(rsc_backend_hash64(seed, (uint64_t)r) % (uint64_t)cols);
    pair z = mkrand((size_t)rows * cols, -6, 6, seed), y = mk((size_t)rows * 4, lab);
    pair d = mk((size_t)rows * cols * sizeof(float), NULL);
    double st0[2] = { 1.5, 2.0 };
    pair st = mk(sizeof st0, st0);
    float scale = 1.0f / (float)rows;
    FOR_BOTH BE->xent(BE, X(z), X(y), rows, cols, mode == 0 ? X(d) : mode == 1 ? X(z) : NULL,
                      scale, X(st));
    char what[96];
    snprintf(what, sizeof what, "xent %dx%d %s stats", rows, cols,
             mode == 0 ? "grad" : mode == 1 ? "in-place grad" : "no-grad");
    cmp_f64(what, st, 2, 1e-10);
    if (mode != 2) {
        snprintf(what, sizeof what, "xent %dx%d %s", rows, cols,
                 mode == 0 ? "grad" : "in-place grad");
        cmp_f32(what, mode == 0 ? d : z, (size_t)rows * cols, 1e-6);
    }
    if (mode == 0 && rows > 100) {
        xent_args a = { z, y, d, st, rows, cols };
        gpu_repeat("xent", st, xent_gpu, &a);
    }
    free(lab);
    rm(z);
    rm(y);
    rm(d);
    rm(st);
}

static void test_loss(void)
{
    for (int mode = 0; mode < 3; mode++)
        test_xent_case(130, 10, mode, 700 + mode);
    test_xent_case(1000, 10, 0, 710);
    test_xent_case(7, 1000, 0, 711);
    test_xent_case(1, 1, 0, 712);
    pair x = mkrand(130 * 10, -20, 20, 720), y = mk(130 * 10 * sizeof(float), NULL);
    FOR_BOTH BE->softmax(BE, X(x), X(y), 130, 10);
    cmp_f32("softmax 130x10", y, 130 * 10, 1e-6);
    FOR_BOTH BE->softmax(BE, X(x), X(x), 130, 10);
    cmp_f32("softmax 130x10 in place", x, 130 * 10, 1e-6);
    rm(x);
    rm(y);
}

/* ------------------------------------------------------------ optimisers */

static void test_optim(size_t n)
{
    char what[96];
    for (int wd = 0; wd < 2; wd++) {
        pair p = mkrand(n, -1, 1, 800), m = mk(n * 4, NULL), v = mk(n * 4, NULL);
        for (long step = 1; step <= 3; step++) {
            pair g = mkrand(n, -0.1f, 0.1f, 810 + (uint64_t)step);
            rsc_adam_hp hp = { 0.01, 0.9, 0.999, 1e-8, wd ? 1e-4 : 0.0, step };
            FOR_BOTH BE->adam(BE, X(p), X(g), X(m), X(v), n, &hp);
            rm(g);
        }
        snprintf(what, sizeof what, "adam 3 steps wd=%d p", wd);
        cmp_f32(what, p, n, FMA_TOL);
        snprintf(what, sizeof what, "adam 3 steps wd=%d m", wd);
        cmp_f32(what, m, n, FMA_TOL);
        snprintf(what, sizeof what, "adam 3 steps wd=%d v", wd);
        cmp_f32(what, v, n, FMA_TOL);
        rm(p);
        rm(m);
        rm(v);
    }
    for (int mom = 0; mom < 2; mom++) {
        pair p = mkrand(n, -1, 1, 820), buf = mk(n * 4, NULL);
        for (int step = 0; step < 3; step++) {
            pair g = mkrand(n, -0.1f, 0.1f, 830 + (uint64_t)step);
            rsc_sgd_hp hp = { 0.1, mom ? 0.9 : 0.0, 1e-4, step == 0 };
            FOR_BOTH BE->sgd(BE, X(p), X(g), mom ? X(buf) : NULL, n, &hp);
            rm(g);
        }
        snprintf(what, sizeof what, "sgd 3 steps momentum=%s p", mom ? "0.9" : "0");
        cmp_f32(what, p, n, FMA_TOL);
        if (mom)
            cmp_f32("sgd 3 steps momentum buffer", buf, n, FMA_TOL);
        rm(p);
        rm(buf);
    }
}

/* ------------------------------------------------------------ data */

static void test_random(void)
{
    size_t n = 100003;
    pair m = mk(n * 4, NULL);
    float ps[] = { 0.0f, 0.3f, 0.5f };
    for (size_t i = 0; i < 3; i++) {
        FOR_BOTH BE->dropout_mask(BE, X(m), n, ps[i], 0x1234 + i);
        char what[64];
        snprintf(what, sizeof what, "dropout_mask p=%g", ps[i]);
        cmp_f32(what, m, n, 0);
    }
    rm(m);
    size_t sizes[] = { 1, 100001 };
    for (size_t s = 0; s < 2; s++) {
        pair x = mkrand(sizes[s], 0, 1, 900 + s);
        FOR_BOTH BE->noise_add(BE, X(x), sizes[s], 0.5f, 0xfeedULL + s);
        char what[64];
        snprintf(what, sizeof what, "noise_add n=%zu", sizes[s]);
        cmp_f32(what, x, sizes[s], 1e-6);
        rm(x);
    }
}

static void test_gather(void)
{
    const size_t rows = 500, len = 784, count = 128, off = 5;
    unsigned char *u8 = xmalloc(rows * len);
    for (size_t i = 0; i < rows * len; i++)
        u8[i] = (unsigned char)(rsc_backend_hash64(1000, i) & 0xff);
    int32_t lab[500], idx[count + off];
    for (size_t i = 0; i < rows; i++)
        lab[i] = (int32_t)(i * 7 % 10);
    for (size_t j = 0; j < count + off; j++)
        idx[j] = (int32_t)(rsc_backend_hash64(1001, j) % rows);
    idx[off] = 0;
    idx[off + 1] = (int32_t)rows - 1;
    pair src8 = mk(rows * len, u8), srcf = mkrand(rows * len, 0, 1, 1002);
    pair ix = mk(sizeof idx, idx), labels = mk(sizeof lab, lab);
    pair dst = mk(count * len * 4, NULL), dlab = mk(count * 4, NULL);
    FOR_BOTH BE->gather(BE, X(dst), X(src8), RSC_GATHER_U8, len, X(ix), off, count);
    cmp_f32("gather u8", dst, count * len, 0);
    FOR_BOTH BE->gather(BE, X(dst), X(srcf), RSC_GATHER_F32, len, X(ix), off, count);
    cmp_f32("gather f32", dst, count * len, 0);
    FOR_BOTH BE->gather_i32(BE, X(dlab), X(labels), X(ix), off, count);
    cmp_bytes("gather_i32", dlab);
    free(u8);
    rm(src8);
    rm(srcf);
    rm(ix);
    rm(labels);
    rm(dst);
    rm(dlab);
}

/* ------------------------------------------------------------ memory */

static void test_memory(void)
{
    rsc_error err;
    float h[1000];
    for (int i = 0; i < 1000; i++)
        h[i] = (float)i;
    pair a = mk(sizeof h, h), b = mk(sizeof h, NULL);
    /* Partial upload at an offset, device copy, views. */
    FOR_BOTH {
        if (BE->upload(BE, X(a), 400, h, 40, &err) != 0)
            die("upload at offset", &err);
        BE->copy(BE, X(b), 8, X(a), 396, 2000);
        rsc_buf *v = BE->view(BE, X(b), 2400, 800, &err);
        if (!v)
            die("view", &err);
        if (BE->size(v) != 800) {
            printf("FAIL view size %zu\n", BE->size(v));
            failures++;
        }
        BE->fill(BE, v, 200, -1.0f);
        BE->scale(BE, 100, 2.0f, v);
        BE->free(BE, v);
    }
    cmp_bytes("upload at offset, copy, view", b);
    float part[2][10];
    FOR_BOTH if (BE->download(BE, part[s_], X(b), 12, 40, &err) != 0) die("download", &err);
    verdict("download at offset", memcmp(part[0], part[1], sizeof part[0]) == 0 ? 0 : 1, 0, 0);
    /* Range errors are reported, not performed. */
    FOR_BOTH {
        char what[64];
        snprintf(what, sizeof what, "%s: upload outside a buffer fails", BE->name);
        int rc = BE->upload(BE, X(a), 3990, h, 40, &err);
        verdict(what, rc == -1 && strstr(err.msg, "outside") ? 0 : 1, 0, 0);
        snprintf(what, sizeof what, "%s: view outside a buffer fails", BE->name);
        rsc_buf *v = BE->view(BE, X(a), 3000, 2000, &err);
        verdict(what, !v && strstr(err.msg, "outside") ? 0 : 1, 0, 0);
        BE->free(BE, v);
    }
    rm(a);
    rm(b);
}

/* Error paths of the GPU backend, each on a fresh backend (errors inside
 * operations are sticky). */
static void test_gpu_errors(void)
{
    rsc_error err;
    /* Out of GPU memory: a clear error, and the backend stays usable. */
    rsc_backend *be = rsc_backend_open("cuda", 0, &err);
    if (!be)
        die("open cuda", &err);
    rsc_buf *huge = be->alloc(be, (size_t)1 << 50, &err);
    verdict("alloc 2^50 bytes: out of GPU memory", !huge &&
            strstr(err.msg, "out of GPU memory allocating 1125899906842624 bytes") ? 0 : 1, 0, 0);
    if (!huge)
        printf("     message: %s\n", err.msg);
    rsc_buf *ok = be->alloc(be, 1024, &err);
    verdict("alloc after out of memory works", ok && be->sync(be, &err) == 0 ? 0 : 1, 0, 0);
    be->free(be, ok);
    be->free(be, huge);
    rsc_backend_close(be);

    /* A label out of range: reported at the next sync/download. */
    be = rsc_backend_open("cuda", 0, &err);
    if (!be)
        die("open cuda", &err);
    int32_t lab[2] = { 1, 10 };
    rsc_buf *z = be->alloc(be, 20 * sizeof(float), &err), *y = be->alloc(be, sizeof lab, &err);
    rsc_buf *st = be->alloc(be, 2 * sizeof(double), &err);
    if (!z || !y || !st || be->upload(be, y, 0, lab, sizeof lab, &err) != 0)
        die("xent set-up", &err);
    be->xent(be, z, y, 2, 10, NULL, 1.0f, st);
    double s[2];
    int rc = be->download(be, s, st, 0, sizeof s, &err);
    verdict("xent label 10 of 10 classes: error", rc == -1 && strstr(err.msg, "label") ? 0 : 1,
            0, 0);
    printf("     message: %s\n", err.msg);
    rc = be->sync(be, &err);
    verdict("the error is sticky", rc == -1 && strstr(err.msg, "label") ? 0 : 1, 0, 0);
    be->free(be, z);
    be->free(be, y);
    be->free(be, st);
    rsc_backend_close(be);

    /* A row index out of range in gather. */
    be = rsc_backend_open("cuda", 0, &err);
    if (!be)
        die("open cuda", &err);
    int32_t idx[3] = { 0, 4, 5 };
    rsc_buf *src = be->alloc(be, 5 * 8, &err), *ix = be->alloc(be, sizeof idx, &err);
    rsc_buf *dst = be->alloc(be, 3 * 8 * sizeof(float), &err);
    if (!src || !ix || !dst || be->upload(be, ix, 0, idx, sizeof idx, &err) != 0)
        die("gather set-up", &err);
    be->gather(be, dst, src, RSC_GATHER_U8, 8, ix, 0, 3);
    rc = be->sync(be, &err);
    verdict("gather row 5 of 5: error", rc == -1 && strstr(err.msg, "row index") ? 0 : 1, 0, 0);
    printf("     message: %s\n", err.msg);
    be->free(be, src);
    be->free(be, ix);
    be->free(be, dst);
    rsc_backend_close(be);

    /* A copy outside a buffer: sticky error naming the file and line. */
    be = rsc_backend_open("cuda", 0, &err);
    if (!be)
        die("open cuda", &err);
    rsc_buf *c1 = be->alloc(be, 64, &err), *c2 = be->alloc(be, 64, &err);
    if (!c1 || !c2)
        die("copy set-up", &err);
    be->copy(be, c1, 32, c2, 0, 64);
    rc = be->sync(be, &err);
    verdict("copy outside a buffer: error with file and line",
            rc == -1 && strstr(err.msg, "kernels/cuda/memory.cu:") ? 0 : 1, 0, 0);
    printf("     message: %s\n", err.msg);
    be->free(be, c1);
    be->free(be, c2);
    rsc_backend_close(be);
}

/* Without a device: what --device does. */
static int no_device(void)
{
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cuda", 0, &err);
    const char *want = rsc_cuda_built() ? "no CUDA device" : "no CUDA backend";
    verdict("--device cuda without a device fails", !be && strstr(err.msg, want) ? 0 : 1, 0, 0);
    if (!be)
        printf("     message: %s\n", err.msg);
    rsc_backend_close(be);
    be = rsc_backend_open("auto", 1, &err);
    verdict("--device auto without a device is the CPU", be && strcmp(be->name, "cpu") == 0
            ? 0 : 1, 0, 0);
    rsc_backend_close(be);
    be = rsc_backend_open("gpu", 1, &err);
    verdict("--device gpu: unknown device", !be && strstr(err.msg, "unknown device") ? 0 : 1, 0, 0);
    rsc_backend_close(be);
    if (failures) {
        printf("%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("SKIP: no CUDA device (CUDA backend %s)\n", rsc_cuda_built() ? "built" : "not built");
    return 77;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (rsc_cuda_device_count() == 0)
        return no_device();
    rsc_error err;
    B[0] = rsc_backend_open("cpu", 2, &err);
    if (!B[0])
        die("open cpu", &err);
    B[1] = rsc_backend_open("cuda", 0, &err);
    if (!B[1])
        die("open cuda", &err);
    printf("comparing %s with %s (%s)\n", B[1]->desc, B[0]->desc, rsc_cuda_device_name(0));
    rsc_backend *au = rsc_backend_open("auto", 1, &err);
    verdict("--device auto with a device is CUDA", au && strcmp(au->name, "cuda") == 0 ? 0 : 1,
            0, 0);
    rsc_backend_close(au);

    test_memory();
    test_gemm();
    test_rows();
    test_elementwise(100003);
    test_elementwise((size_t)65536 * 256 + 1001); /* past the grid cap: grid-stride loops */
    test_sumsq();
    test_loss();
    test_optim(100003);
    test_random();
    test_gather();
    FOR_BOTH if (BE->sync(BE, &err) != 0) die("sync", &err);
    rsc_backend_close(B[0]);
    rsc_backend_close(B[1]);
    test_gpu_errors();
    printf("%d of %d checks failed\n", failures, checks);
    return failures ? 1 : 0;
}
