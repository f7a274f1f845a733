/* test-backend-compare.c - every operation of kernels/backend.h run on the
 * CPU backend and on the CUDA backend with the same random inputs, the
 * results compared (ggml's test-backend-ops in spirit).
 *
 * Error measure: for an output tensor, max_i |gpu_i - cpu_i| divided by
 * max_i |cpu_i| (relative to the tensor's scale, so that an element near
 * zero after cancellation does not dominate); NaN must meet NaN.
 * Tolerances:
 *   - 0 (bit-identical) where each element is one correctly rounded
 *     operation or none, or the same sums in the same order: fill, ReLU,
 *     mul, bias_act, gathers, dropout masks, max pooling (the GPU gathers
 *     in the CPU's order what the CPU scatters), the ResNet shortcut,
 *     input normalisation and crop-flip;
 *   - 1e-6 for axpy (and the scale and clamp tested after it), Adam, SGD,
 *     average pooling and batch-norm evaluation: the GPU evaluates the CPU
 *     backend's expressions in its order without fused multiply-adds, but
 *     the CPU backend's AVX2/AVX-512 clones may contract a*b+c into an
 *     FMA, which changes the last bit of some elements;
 *   - 1e-6 for the Gaussian noise, the softmax/cross-entropy gradient and
 *     its Hessian-vector product (xent_hvp)
 *     (double-precision exp, log, sin and cos of CUDA's math library are
 *     within 2 ulp of glibc's, then rounded to float);
 *   - 1e-5 for GEMM, convolutions (cuDNN) and column sums (float sums in
 *     a different order; 1e-2 when RSC_CUDA_TF32=1 lets cuBLAS and cuDNN
 *     use TF32);
 *   - 1e-10 for sums of squares and cross-entropy statistics (double);
 *   - batch norm in training mode 1e-5 forward and 1e-4 backward (the CPU
 *     backend sums each row in 8 float lanes, the GPU wholly in double;
 *     the backward's sums cancel).
 * The batched operations of many models in lockstep (*_batched) are
 * compared between the backends at the tolerances of their single
 * operations, and on each backend with the single operation run on each
 * problem's slices: bit for bit, except a GPU's batched GEMM (gemm's
 * tolerance: cuBLAS may choose another algorithm for a batched call).
 * GPU results must also repeat bit for bit (determinism), and the error
 * paths must report: bad labels and row indices at the next download, out
 * of GPU memory as such, copies outside a buffer.
 *
 * Without a CUDA device it checks what --device does there (cuda: a clear
 * error; auto: the CPU), runs the same comparisons between the CPU backend
 * on 2 threads and on 1 (so that this test's plumbing is exercised on
 * every machine), and exits 77 (skipped). */
#include "config.h"

#include "kernels/backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* See the header: where the CPU may fuse a*b+c; batch norm (the CPU sums
 * rows in float lanes, the GPU in double). */
#define FMA_TOL 1e-6
#define BN_TOL 1e-5
#define BN_BWD_TOL 1e-4

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

/* Scale-relative maximum error of n floats g against c (see the header);
 * *at: the first worst element. */
static double f32_err(const float *c, const float *g, size_t n, size_t *at_out)
{
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
    *at_out = at;
    return nan_mismatch ? NAN : scale > 0 ? worst / scale : worst;
}

static void cmp_f32(const char *what, pair p, size_t n, double tol)
{
    float *c, *g;
    size_t at;
    get(p, (void **)&c, (void **)&g);
    double e = f32_err(c, g, n, &at);
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
    pair u = mkrand(130 * 10, -1, 1, 721), h = mk(130 * 10 * sizeof(float), NULL);
    pair z = mkrand(130 * 10, -20, 20, 722);
    FOR_BOTH BE->xent_hvp(BE, X(z), X(u), 130, 10, X(h), 0.25f);
    cmp_f32("xent_hvp 130x10", h, 130 * 10, 1e-6);
    FOR_BOTH BE->xent_hvp(BE, X(z), X(u), 130, 10, X(u), 1.0f);
    cmp_f32("xent_hvp 130x10 in place", u, 130 * 10, 1e-6);
    rm(u);
    rm(h);
    rm(z);
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
    FOR_BOTH BE->gather(BE, X(dst), X(src8), RSC_GATHER_U8, len, X(ix), off, count, NULL, NULL);
    cmp_f32("gather u8", dst, count * len, 0);
    FOR_BOTH BE->gather(BE, X(dst), X(srcf), RSC_GATHER_F32, len, X(ix), off, count, NULL, NULL);
    cmp_f32("gather f32", dst, count * len, 0);
    /* Substituted rows (the spurious rows of an injected dataset): every
     * third source row, the batch's first and last rows among them, read
     * from the float rows sub; the other rows converted as before. */
    int32_t slot[500];
    size_t nsub = 0;
    for (size_t i = 0; i < rows; i++)
        slot[i] = i % 3 == 0 || i == rows - 1 ? (int32_t)nsub++ : -1;
    pair sl = mk(sizeof slot, slot), sub = mkrand(nsub * len, 0, 1, 1003);
    FOR_BOTH BE->gather(BE, X(dst), X(src8), RSC_GATHER_U8, len, X(ix), off, count, X(sl), X(sub));
    cmp_f32("gather u8 with substituted rows", dst, count * len, 0);
    FOR_BOTH BE->gather(BE, X(dst), X(srcf), RSC_GATHER_F32, len, X(ix), off, count, X(sl),
                        X(sub));
    cmp_f32("gather f32 with substituted rows", dst, count * len, 0);
    rm(sl);
    rm(sub);
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

/* ------------------------------------------------------------ batched operations */

#define NPROB 5

/* A view of bytes [off, off + bytes) of p's buffer on backend s. */
static rsc_buf *at(int s, pair p, size_t off, size_t bytes)
{
    rsc_error err;
    rsc_buf *v = B[s]->view(B[s], p.b[s], off, bytes, &err);
    if (!v)
        die("view", &err);
    return v;
}

/* On each backend: n floats of `batched` against `single` (the single
 * operation on each problem's slices). */
static void cmp_single(const char *what, pair batched, pair single, size_t n, double tol_gpu)
{
    rsc_error err;
    float *a = xmalloc(n * sizeof *a), *b = xmalloc(n * sizeof *b);
    FOR_BOTH {
        if (BE->download(BE, a, X(batched), 0, n * sizeof *a, &err) != 0 ||
            BE->download(BE, b, X(single), 0, n * sizeof *b, &err) != 0)
            die("download", &err);
        size_t w;
        double e = f32_err(b, a, n, &w);
        char name[128];
        snprintf(name, sizeof name, "%s = single, %s", what, BE->name);
        verdict(name, e, s_ == 1 && strcmp(BE->name, "cpu") != 0 ? tol_gpu : 0, w);
    }
    free(a);
    free(b);
}

/* gemm_batched with padded problems (gaps between them), operand A
 * shared (stride 0) or not, against the backends and the single gemm. */
static void test_gemm_batched_case(int ta, int tb, int m, int n, int k, int share_a, uint64_t seed)
{
    int arows = ta ? k : m, acols = ta ? m : k, brows = tb ? n : k, bcols = tb ? k : n;
    size_t sa = share_a ? 0 : (size_t)arows * acols + 7, sb = (size_t)brows * bcols + 13,
           sc = (size_t)m * n + 3, na = share_a ? (size_t)arows * acols : sa * NPROB;
    pair a = mkrand(na, -1, 1, seed), b = mkrand(sb * NPROB, -1, 1, seed + 1);
    pair c = mkrand(sc * NPROB, -1, 1, seed + 2), c1 = mkrand(sc * NPROB, -1, 1, seed + 2);
    FOR_BOTH {
        BE->gemm_batched(BE, ta, tb, m, n, k, 0.5f, X(a), acols, sa, X(b), bcols, sb, 0.25f, X(c),
                         n, sc, NPROB);
        for (int i = 0; i < NPROB; i++) {
            rsc_buf *ai = at(s_, a, i * sa * 4, (size_t)arows * acols * 4),
                    *bi = at(s_, b, i * sb * 4, (size_t)brows * bcols * 4),
                    *ci = at(s_, c1, i * sc * 4, (size_t)m * n * 4);
            BE->gemm(BE, ta, tb, m, n, k, 0.5f, ai, acols, bi, bcols, 0.25f, ci, n);
            BE->free(BE, ai);
            BE->free(BE, bi);
            BE->free(BE, ci);
        }
    }
    char what[96];
    snprintf(what, sizeof what, "gemm_batched ta=%d tb=%d %dx%dx%d x%d%s", ta, tb, m, n, k,
             NPROB, share_a ? " A shared" : "");
    cmp_f32(what, c, sc * NPROB, gemm_tol());
    cmp_single(what, c, c1, sc * NPROB, gemm_tol());
    rm(a);
    rm(b);
    rm(c);
    rm(c1);
}

static void test_rows_batched(void)
{
    const int rows = 33, cols = 70;
    size_t sy = (size_t)rows * cols + 5, sbias = 100;
    for (int relu = 0; relu < 2; relu++) {
        pair y = mkrand(sy * NPROB, -1, 1, 1500 + relu), y1 = mkrand(sy * NPROB, -1, 1, 1500 + relu);
        pair bias = mkrand(sbias * NPROB, -1, 1, 1502);
        FOR_BOTH {
            BE->bias_act_batched(BE, X(y), sy, X(bias), sbias, rows, cols, relu, NPROB);
            for (int i = 0; i < NPROB; i++) {
                rsc_buf *yi = at(s_, y1, i * sy * 4, (size_t)rows * cols * 4),
                        *bi = at(s_, bias, i * sbias * 4, (size_t)cols * 4);
                BE->bias_act(BE, yi, bi, rows, cols, relu);
                BE->free(BE, yi);
                BE->free(BE, bi);
            }
        }
        const char *what = relu ? "bias_act_batched relu" : "bias_act_batched";
        cmp_f32(what, y, sy * NPROB, 0);
        cmp_single(what, y, y1, sy * NPROB, 0);
        rm(y);
        rm(y1);
        rm(bias);
    }
    const int srows = 129;
    size_t sx = (size_t)srows * cols + 3, sr = 80;
    pair x = mkrand(sx * NPROB, -1, 1, 1510);
    pair r = mkrand(sr * NPROB, -1, 1, 1511), r1 = mkrand(sr * NPROB, -1, 1, 1511);
    FOR_BOTH {
        BE->sum_rows_batched(BE, X(x), sx, X(r), sr, srows, cols, NPROB);
        for (int i = 0; i < NPROB; i++) {
            rsc_buf *xi = at(s_, x, i * sx * 4, (size_t)srows * cols * 4),
                    *ri = at(s_, r1, i * sr * 4, (size_t)cols * 4);
            BE->sum_rows(BE, xi, ri, srows, cols, 0.0f);
            BE->free(BE, xi);
            BE->free(BE, ri);
        }
    }
    cmp_f32("sum_rows_batched", r, sr * NPROB, 1e-5);
    cmp_single("sum_rows_batched", r, r1, sr * NPROB, 0);
    rm(x);
    rm(r);
    rm(r1);
}

/* Gathers of NPROB problems from one u8 source: each its own indices and
 * slot map and substituted rows (problem 0 none: slots -1); then the
 * test-set form (indices shared, stride 0, no slots). */
static void test_gather_batched(void)
{
    const size_t rows = 500, len = 784, count = 40, off = 3, sidx = 60, nsub = 20;
    unsigned char *u8 = xmalloc(rows * len);
    for (size_t i = 0; i < rows * len; i++)
        u8[i] = (unsigned char)(rsc_backend_hash64(1600, i) & 0xff);
    int32_t *idx = xmalloc(NPROB * sidx * 4), *slot = xmalloc(NPROB * rows * 4), lab[500];
    for (size_t j = 0; j < NPROB * sidx; j++)
        idx[j] = (int32_t)(rsc_backend_hash64(1601, j) % rows);
    for (size_t i = 0; i < NPROB * rows; i++)
        slot[i] = i >= rows && i % 7 == 0 && (i % rows) / 7 < nsub ? (int32_t)((i % rows) / 7) : -1;
    for (size_t i = 0; i < rows; i++)
        lab[i] = (int32_t)(i * 3 % 10);
    pair src = mk(rows * len, u8), ix = mk(NPROB * sidx * 4, idx), sl = mk(NPROB * rows * 4, slot);
    pair sub = mkrand(NPROB * nsub * len, 0, 1, 1602), labels = mk(sizeof lab, lab);
    size_t nd = NPROB * count * len;
    pair d = mk(nd * 4, NULL), d1 = mk(nd * 4, NULL), l = mk(NPROB * count * 4, NULL),
         l1 = mk(NPROB * count * 4, NULL);
    for (int shared = 0; shared < 2; shared++) {
        size_t si = shared ? 0 : sidx;
        FOR_BOTH {
            BE->gather_batched(BE, X(d), X(src), RSC_GATHER_U8, len, X(ix), si, off, count,
                               shared ? NULL : X(sl), rows, shared ? NULL : X(sub), nsub * len,
                               NPROB);
            BE->gather_i32_batched(BE, X(l), X(labels), X(ix), si, off, count, NPROB);
            for (int i = 0; i < NPROB; i++) {
                rsc_buf *di = at(s_, d1, i * count * len * 4, count * len * 4),
                        *si_ = shared ? NULL : at(s_, sl, i * rows * 4, rows * 4),
                        *bi = shared ? NULL : at(s_, sub, i * nsub * len * 4, nsub * len * 4),
                        *li = at(s_, l1, i * count * 4, count * 4);
                BE->gather(BE, di, X(src), RSC_GATHER_U8, len, X(ix), i * si + off, count, si_, bi);
                BE->gather_i32(BE, li, X(labels), X(ix), i * si + off, count);
                BE->free(BE, di);
                BE->free(BE, si_);
                BE->free(BE, bi);
                BE->free(BE, li);
            }
        }
        const char *what = shared ? "gather_batched, indices shared" : "gather_batched, slots";
        cmp_f32(what, d, nd, 0);
        cmp_single(what, d, d1, nd, 0);
        cmp_bytes(shared ? "gather_i32_batched, indices shared" : "gather_i32_batched", l);
        cmp_single(shared ? "gather_i32_batched, indices shared" : "gather_i32_batched", l, l1,
                   NPROB * count, 0);
    }
    free(u8);
    free(idx);
    free(slot);
    pair all[] = { src, ix, sl, sub, labels, d, d1, l, l1 };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        rm(all[i]);
}

static void test_xent_batched(void)
{
    const int rows = 37, cols = 10;
    size_t per = (size_t)rows * cols;
    int32_t lab[NPROB * 37];
    for (size_t i = 0; i < NPROB * (size_t)rows; i++)
        lab[i] = (int32_t)(rsc_backend_hash64(1700, i) % cols);
    pair z = mkrand(per * NPROB, -4, 4, 1701), y = mk(sizeof lab, lab);
    pair dz = mk(per * NPROB * 4, NULL), dz1 = mk(per * NPROB * 4, NULL);
    pair st = mk(NPROB * 16, NULL), st1 = mk(NPROB * 16, NULL);
    FOR_BOTH {
        BE->xent_batched(BE, X(z), X(y), rows, cols, X(dz), 0.125f, X(st), NPROB);
        for (int i = 0; i < NPROB; i++) {
            rsc_buf *zi = at(s_, z, i * per * 4, per * 4), *yi = at(s_, y, (size_t)i * rows * 4, (size_t)rows * 4),
                    *di = at(s_, dz1, i * per * 4, per * 4), *si = at(s_, st1, (size_t)i * 16, 16);
            BE->xent(BE, zi, yi, rows, cols, di, 0.125f, si);
            BE->free(BE, zi);
            BE->free(BE, yi);
            BE->free(BE, di);
            BE->free(BE, si);
        }
    }
    cmp_f32("xent_batched gradient", dz, per * NPROB, 1e-6);
    cmp_f64("xent_batched statistics", st, NPROB * 2, 1e-10);
    cmp_single("xent_batched gradient", dz, dz1, per * NPROB, 0);
    cmp_single("xent_batched statistics", st, st1, NPROB * 4, 0);
    pair all[] = { z, y, dz, dz1, st, st1 };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        rm(all[i]);
}

static void test_batched(void)
{
    /* The MLP's three products (forward, weight and input gradients). */
    test_gemm_batched_case(0, 1, 32, 40, 50, 0, 1800);
    test_gemm_batched_case(1, 0, 40, 50, 32, 0, 1810);
    test_gemm_batched_case(0, 0, 32, 50, 40, 0, 1820);
    test_gemm_batched_case(1, 1, 17, 9, 23, 1, 1830);
    test_rows_batched();
    test_gather_batched();
    test_xent_batched();
}

/* ------------------------------------------------------------ convolutional layers */

/* A workspace for geometry g on each backend (their sizes differ). */
static pair conv_ws(const rsc_conv_geom *g, int max_batch)
{
    pair ws = { { NULL, NULL }, 0 };
    rsc_error err;
    FOR_BOTH {
        size_t bytes = BE->conv_workspace(BE, g, max_batch);
        if (bytes) {
            X(ws) = BE->alloc(BE, bytes, &err);
            if (!X(ws))
                die("alloc conv workspace", &err);
        }
    }
    return ws;
}

typedef struct conv_args {
    const rsc_conv_geom *g;
    int batch;
    pair x, dy, dw, db, ws;
} conv_args;

static void conv_filter_gpu(void *arg)
{
    conv_args *a = arg;
    B[1]->conv_bwd_filter(B[1], a->g, a->batch, a->x.b[1], a->dy.b[1], a->dw.b[1], a->db.b[1],
                          a->ws.b[1]);
}

static void test_conv_case(rsc_conv_geom g, int batch, int with_bias, uint64_t seed)
{
    char what[128], name[80];
    snprintf(name, sizeof name, "conv %dx%dx%d->%dx%dx%d k%dx%d s%d p%d n%d", g.c, g.h, g.w, g.o,
             g.oh, g.ow, g.kh, g.kw, g.stride, g.pad, batch);
    size_t xs = (size_t)g.c * g.h * g.w, ys = (size_t)g.o * g.oh * g.ow;
    size_t ws_n = (size_t)g.o * g.c * g.kh * g.kw;
    pair x = mkrand(batch * xs, -1, 1, seed), w = mkrand(ws_n, -0.5f, 0.5f, seed + 1);
    pair bias = mkrand(g.o, -1, 1, seed + 2), y = mk(batch * ys * 4, NULL);
    pair dy = mkrand(batch * ys, -1, 1, seed + 3), dx = mk(batch * xs * 4, NULL);
    pair dw = mk(ws_n * 4, NULL), db = mk((size_t)g.o * 4, NULL);
    pair ws = conv_ws(&g, batch);
    double tol = gemm_tol();
    FOR_BOTH BE->conv_fwd(BE, &g, batch, X(x), X(w), with_bias ? X(bias) : NULL, X(y), X(ws));
    snprintf(what, sizeof what, "%s fwd%s", name, with_bias ? "+bias" : "");
    cmp_f32(what, y, batch * ys, tol);
    FOR_BOTH BE->conv_bwd_data(BE, &g, batch, X(dy), X(w), X(dx), X(ws));
    snprintf(what, sizeof what, "%s bwd data", name);
    cmp_f32(what, dx, batch * xs, tol);
    FOR_BOTH BE->conv_bwd_filter(BE, &g, batch, X(x), X(dy), X(dw), with_bias ? X(db) : NULL,
                                 X(ws));
    snprintf(what, sizeof what, "%s bwd filter", name);
    cmp_f32(what, dw, ws_n, tol);
    if (with_bias) {
        snprintf(what, sizeof what, "%s bias grad", name);
        cmp_f32(what, db, g.o, 1e-5);
    }
    conv_args a = { &g, batch, x, dy, dw, db, ws };
    if (!with_bias)
        a.db.b[1] = NULL;
    gpu_repeat(what, dw, conv_filter_gpu, &a);
    if (batch > 1) {
        /* A smaller batch with the workspace sized for the larger one. */
        FOR_BOTH BE->conv_fwd(BE, &g, batch - 1, X(x), X(w), with_bias ? X(bias) : NULL, X(y),
                              X(ws));
        snprintf(what, sizeof what, "%s fwd, batch %d", name, batch - 1);
        cmp_f32(what, y, (batch - 1) * ys, tol);
    }
    rm(x);
    rm(w);
    rm(bias);
    rm(y);
    rm(dy);
    rm(dx);
    rm(dw);
    rm(db);
    rm(ws);
}

static rsc_conv_geom geom(int c, int h, int w, int o, int kh, int kw, int stride, int pad)
{
    rsc_conv_geom g = { c, h, w, o, kh, kw, stride, pad, (h + 2 * pad - kh) / stride + 1,
                        (w + 2 * pad - kw) / stride + 1 };
    return g;
}

static void test_conv(void)
{
    test_conv_case(geom(3, 32, 32, 16, 3, 3, 1, 1), 4, 0, 1100);   /* ResNet stem */
    test_conv_case(geom(16, 32, 32, 32, 3, 3, 2, 1), 3, 0, 1110);  /* ResNet down-sampling */
    test_conv_case(geom(1, 28, 28, 32, 3, 3, 1, 0), 5, 1, 1120);   /* the CNN's first layer */
    test_conv_case(geom(5, 7, 9, 4, 3, 2, 2, 1), 2, 1, 1130);      /* odd shapes */
    test_conv_case(geom(8, 6, 6, 8, 1, 1, 1, 0), 1, 1, 1140);      /* 1x1 */
}

static void test_pool(void)
{
    char what[96];
    struct { int h, w, k, s; } mp[] = { { 8, 8, 2, 2 }, { 7, 7, 3, 2 }, { 26, 26, 2, 2 } };
    for (size_t t = 0; t < 3; t++) {
        rsc_pool_geom g = { mp[t].h, mp[t].w, mp[t].k, mp[t].s, (mp[t].h - mp[t].k) / mp[t].s + 1,
                            (mp[t].w - mp[t].k) / mp[t].s + 1 };
        size_t planes = 6, is = (size_t)g.h * g.w, os = (size_t)g.oh * g.ow;
        /* Values on a coarse grid: ties, where the first maximum must win. */
        float *h = randf(planes * is, -2, 2, 1200 + t);
        for (size_t i = 0; i < planes * is; i++)
            h[i] = roundf(h[i] * 2) / 2;
        h[5] = NAN;
        pair x = mk(planes * is * 4, h), y = mk(planes * os * 4, NULL), arg = mk(planes * os * 4, NULL);
        pair dy = mkrand(planes * os, -1, 1, 1210 + t), dx = mk(planes * is * 4, NULL);
        FOR_BOTH BE->maxpool_fwd(BE, &g, planes, X(x), X(y), X(arg));
        snprintf(what, sizeof what, "maxpool %dx%d k%d s%d fwd", g.h, g.w, g.k, g.stride);
        cmp_f32(what, y, planes * os, 0);
        snprintf(what, sizeof what, "maxpool %dx%d k%d s%d argmax", g.h, g.w, g.k, g.stride);
        cmp_bytes(what, arg);
        FOR_BOTH BE->maxpool_bwd(BE, &g, planes, X(dy), X(arg), X(dx));
        snprintf(what, sizeof what, "maxpool %dx%d k%d s%d bwd", g.h, g.w, g.k, g.stride);
        cmp_f32(what, dx, planes * is, 0);
        /* The gather of another plane set (dx as x) at the same maxima. */
        FOR_BOTH BE->maxpool_gather(BE, &g, planes, X(dx), X(arg), X(y));
        snprintf(what, sizeof what, "maxpool %dx%d k%d s%d gather", g.h, g.w, g.k, g.stride);
        cmp_f32(what, y, planes * os, 0);
        free(h);
        rm(x);
        rm(y);
        rm(arg);
        rm(dy);
        rm(dx);
    }
    int ap[][4] = { { 8, 8, 1, 1 }, { 5, 5, 3, 3 }, { 1, 1, 7, 7 }, { 10, 6, 4, 4 } };
    for (size_t t = 0; t < 4; t++) {
        int h = ap[t][0], w = ap[t][1], oh = ap[t][2], ow = ap[t][3];
        size_t planes = 10, is = (size_t)h * w, os = (size_t)oh * ow;
        pair x = mkrand(planes * is, -1, 1, 1220 + t), y = mk(planes * os * 4, NULL);
        pair dy = mkrand(planes * os, -1, 1, 1230 + t), dx = mk(planes * is * 4, NULL);
        FOR_BOTH BE->avgpool_fwd(BE, h, w, oh, ow, planes, X(x), X(y));
        snprintf(what, sizeof what, "avgpool %dx%d -> %dx%d fwd", h, w, oh, ow);
        cmp_f32(what, y, planes * os, FMA_TOL);
        FOR_BOTH BE->avgpool_bwd(BE, h, w, oh, ow, planes, X(dy), X(dx));
        snprintf(what, sizeof what, "avgpool %dx%d -> %dx%d bwd", h, w, oh, ow);
        cmp_f32(what, dx, planes * is, FMA_TOL);
        rm(x);
        rm(y);
        rm(dy);
        rm(dx);
    }
}

typedef struct bn_args {
    int n, c, hw;
    pair x, dy, gamma, mean, invstd, dg, dbt;
} bn_args;

static void bn_bwd_gpu(void *arg)
{
    bn_args *a = arg;
    B[1]->bn_bwd(B[1], a->n, a->c, a->hw, a->x.b[1], a->dy.b[1], NULL, a->gamma.b[1],
                 a->mean.b[1], a->invstd.b[1], NULL, a->dg.b[1], a->dbt.b[1]);
}

static void test_bn_case(int n, int c, int hw, int relu, uint64_t seed)
{
    char what[96], name[48];
    snprintf(name, sizeof name, "bn %dx%dx%d%s", n, c, hw, relu ? " +relu" : "");
    size_t total = (size_t)n * c * hw;
    pair x = mkrand(total, -3, 5, seed), y = mk(total * 4, NULL);
    pair gamma = mkrand(c, 0.5f, 1.5f, seed + 1), beta = mkrand(c, -1, 1, seed + 2);
    pair mean = mk(c * 4, NULL), invstd = mk(c * 4, NULL);
    pair rmean = mkrand(c, -1, 1, seed + 3), rvar = mkrand(c, 0.5f, 2, seed + 4);
    FOR_BOTH BE->bn_fwd_train(BE, n, c, hw, X(x), X(gamma), X(beta), X(y), X(mean), X(invstd),
                              X(rmean), X(rvar), 0.1f, 1e-5f, relu);
    snprintf(what, sizeof what, "%s train fwd", name);
    cmp_f32(what, y, total, BN_TOL);
    snprintf(what, sizeof what, "%s saved mean", name);
    cmp_f32(what, mean, c, BN_TOL);
    snprintf(what, sizeof what, "%s saved invstd", name);
    cmp_f32(what, invstd, c, BN_TOL);
    snprintf(what, sizeof what, "%s running mean", name);
    cmp_f32(what, rmean, c, BN_TOL);
    snprintf(what, sizeof what, "%s running var", name);
    cmp_f32(what, rvar, c, BN_TOL);
    /* Without running statistics. */
    FOR_BOTH BE->bn_fwd_train(BE, n, c, hw, X(x), X(gamma), X(beta), X(y), X(mean), X(invstd),
                              NULL, NULL, 0.1f, 1e-5f, relu);
    snprintf(what, sizeof what, "%s train fwd, no running stats", name);
    cmp_f32(what, y, total, BN_TOL);
    pair dy = mkrand(total, -1, 1, seed + 5), dx = mk(total * 4, NULL);
    pair dg = mk(c * 4, NULL), dbt = mk(c * 4, NULL);
    /* With the fused ReLU, backward masks dy by the forward output y. */
    FOR_BOTH BE->bn_bwd(BE, n, c, hw, X(x), X(dy), relu ? X(y) : NULL, X(gamma), X(mean),
                        X(invstd), X(dx), X(dg), X(dbt));
    snprintf(what, sizeof what, "%s bwd dx", name);
    cmp_f32(what, dx, total, BN_BWD_TOL);
    snprintf(what, sizeof what, "%s bwd dgamma", name);
    cmp_f32(what, dg, c, BN_BWD_TOL);
    snprintf(what, sizeof what, "%s bwd dbeta", name);
    cmp_f32(what, dbt, c, BN_BWD_TOL);
    FOR_BOTH BE->bn_bwd(BE, n, c, hw, X(x), X(dy), relu ? X(y) : NULL, X(gamma), X(mean),
                        X(invstd), NULL, X(dg), X(dbt));
    snprintf(what, sizeof what, "%s bwd, parameters only", name);
    cmp_f32(what, dg, c, BN_BWD_TOL);
    bn_args ba = { n, c, hw, x, dy, gamma, mean, invstd, dg, dbt };
    gpu_repeat(what, dg, bn_bwd_gpu, &ba);
    FOR_BOTH BE->bn_bwd(BE, n, c, hw, X(x), X(dy), relu ? X(y) : NULL, X(gamma), X(mean),
                        X(invstd), X(dy), X(dg), X(dbt));
    snprintf(what, sizeof what, "%s bwd in place (dx = dy)", name);
    cmp_f32(what, dy, total, BN_BWD_TOL);
    FOR_BOTH BE->bn_fwd_eval(BE, n, c, hw, X(x), X(gamma), X(beta), X(rmean), X(rvar), 1e-5f,
                             X(x), relu);
    snprintf(what, sizeof what, "%s eval fwd in place", name);
    cmp_f32(what, x, total, FMA_TOL);
    rm(x);
    rm(y);
    rm(gamma);
    rm(beta);
    rm(mean);
    rm(invstd);
    rm(rmean);
    rm(rvar);
    rm(dy);
    rm(dx);
    rm(dg);
    rm(dbt);
}

static void test_image(void)
{
    char what[96];
    rsc_shortcut_geom sg[] = { { 16, 32, 32, 32, 16, 16, 2, 8 }, { 32, 15, 15, 64, 8, 8, 2, 16 },
                               { 16, 8, 8, 16, 8, 8, 1, 0 } };
    for (size_t t = 0; t < 3; t++) {
        rsc_shortcut_geom g = sg[t];
        int batch = 3;
        size_t xs = (size_t)batch * g.c * g.h * g.w, ys = (size_t)batch * g.oc * g.oh * g.ow;
        pair x = mkrand(xs, -1, 1, 1300 + t), y = mkrand(ys, -1, 1, 1310 + t);
        pair dy = mkrand(ys, -1, 1, 1320 + t), dx = mkrand(xs, -1, 1, 1330 + t);
        for (int acc = 1; acc >= 0; acc--) {
            FOR_BOTH BE->shortcut_fwd(BE, &g, batch, X(x), X(y), acc);
            snprintf(what, sizeof what, "shortcut %d->%d s%d fwd%s", g.c, g.oc, g.stride,
                     acc ? " accumulate" : "");
            cmp_f32(what, y, ys, 0);
            FOR_BOTH BE->shortcut_bwd(BE, &g, batch, X(dy), X(dx), acc);
            snprintf(what, sizeof what, "shortcut %d->%d s%d bwd%s", g.c, g.oc, g.stride,
                     acc ? " accumulate" : "");
            cmp_f32(what, dx, xs, 0);
        }
        rm(x);
        rm(y);
        rm(dy);
        rm(dx);
    }
    float m[3] = { 0.4914f, 0.4822f, 0.4465f }, sd[3] = { 0.2023f, 0.1994f, 0.2010f };
    size_t total = (size_t)5 * 3 * 1024;
    pair mean = mk(sizeof m, m), std = mk(sizeof sd, sd);
    pair x = mkrand(total, 0, 1, 1340), y = mk(total * 4, NULL);
    FOR_BOTH BE->chan_norm_fwd(BE, 3, 1024, 5, X(x), X(mean), X(std), X(y));
    cmp_f32("chan_norm fwd", y, total, 0);
    FOR_BOTH BE->chan_norm_bwd(BE, 3, 1024, 5, X(x), X(std), X(x));
    cmp_f32("chan_norm bwd in place", x, total, 0);
    int32_t prm[6 * 3];
    for (int i = 0; i < 6; i++) {
        prm[3 * i] = (int32_t)(rsc_backend_hash64(1350, 3 * i) % 9);
        prm[3 * i + 1] = (int32_t)(rsc_backend_hash64(1350, 3 * i + 1) % 9);
        prm[3 * i + 2] = i % 2;
    }
    prm[0] = 0;
    prm[1] = 8;
    size_t is = (size_t)6 * 3 * 32 * 32;
    pair p = mk(sizeof prm, prm), cx = mkrand(is, 0, 1, 1360), cy = mk(is * 4, NULL);
    FOR_BOTH BE->crop_flip(BE, 3, 32, 32, 4, 6, X(p), X(cx), X(cy));
    cmp_f32("crop_flip", cy, is, 0);
    rm(mean);
    rm(std);
    rm(x);
    rm(y);
    rm(p);
    rm(cx);
    rm(cy);
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
    /* Many small uploads from one host variable, reused at once (the CUDA
     * backend stages them through a ring of pinned slots): each lands. */
    FOR_BOTH {
        float v;
        for (int i = 0; i < 40; i++) {
            v = (float)i * 1.5f;
            if (BE->upload(BE, X(b), (size_t)i * 4, &v, sizeof v, &err) != 0)
                die("small upload", &err);
            v = -7.0f;
        }
        BE->scale(BE, 40, 2.0f, X(b));
        float got[40];
        if (BE->download(BE, got, X(b), 0, sizeof got, &err) != 0)
            die("download", &err);
        int bad = 0;
        for (int i = 0; i < 40; i++)
            bad += got[i] != (float)i * 3.0f;
        char what[64];
        snprintf(what, sizeof what, "%s: 40 small uploads, host variable reused", BE->name);
        verdict(what, bad, 0, 0);
    }
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
    be->gather(be, dst, src, RSC_GATHER_U8, 8, ix, 0, 3, NULL, NULL);
    rc = be->sync(be, &err);
    verdict("gather row 5 of 5: error", rc == -1 && strstr(err.msg, "row index") ? 0 : 1, 0, 0);
    printf("     message: %s\n", err.msg);
    rsc_backend_close(be);

    /* A slot past the substituted rows in gather. */
    be = rsc_backend_open("cuda", 0, &err);
    if (!be)
        die("open cuda", &err);
    int32_t idx2[2] = { 0, 1 }, slot[5] = { -1, 1, -1, -1, -1 };
    rsc_buf *src2 = be->alloc(be, 5 * 8, &err), *ix2 = be->alloc(be, sizeof idx2, &err);
    rsc_buf *sl = be->alloc(be, sizeof slot, &err), *sub = be->alloc(be, 8 * sizeof(float), &err);
    rsc_buf *dst2 = be->alloc(be, 2 * 8 * sizeof(float), &err);
    if (!src2 || !ix2 || !sl || !sub || !dst2 ||
        be->upload(be, ix2, 0, idx2, sizeof idx2, &err) != 0 ||
        be->upload(be, sl, 0, slot, sizeof slot, &err) != 0)
        die("gather slot set-up", &err);
    be->gather(be, dst2, src2, RSC_GATHER_U8, 8, ix2, 0, 2, sl, sub);
    rc = be->sync(be, &err);
    verdict("gather slot 1 of 1 substituted row: error",
            rc == -1 && strstr(err.msg, "row index") ? 0 : 1, 0, 0);
    printf("     message: %s\n", err.msg);
    be->free(be, src2);
    be->free(be, ix2);
    be->free(be, sl);
    be->free(be, sub);
    be->free(be, dst2);
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
    return 0;
}

/* Every comparison of main(), between backends a and b. */
static void compare_all(void)
{
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
    test_batched();
    test_conv();
    test_pool();
    test_bn_case(4, 3, 50, 0, 1400);
    test_bn_case(4, 3, 50, 1, 1405);
    test_bn_case(7, 5, 1, 0, 1410);       /* BatchNorm1d */
    test_bn_case(128, 16, 1024, 1, 1420); /* ResNet20's first stage */
    test_image();
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    rsc_error err;
    if (rsc_cuda_device_count() == 0) {
        /* No GPU: check what --device does here, then run the whole
         * comparison between the CPU backend on 2 threads and on 1, which
         * checks this test's own plumbing and the CPU backend's
         * thread-count independence; then skip, as the GPU was not
         * tested. */
        if (no_device() != 0)
            return 1;
        B[0] = rsc_backend_open("cpu", 2, &err);
        B[1] = B[0] ? rsc_backend_open("cpu", 1, &err) : NULL;
        if (!B[0] || !B[1])
            die("open cpu", &err);
        printf("no CUDA device: comparing the CPU backend on 2 threads and on 1\n");
        compare_all();
        rsc_backend_close(B[0]);
        rsc_backend_close(B[1]);
        printf("%d of %d checks failed\n", failures, checks);
        if (failures)
            return 1;
        printf("SKIP: no CUDA device (CUDA backend %s)\n",
               rsc_cuda_built() ? "built" : "not built");
        return 77;
    }
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

    compare_all();
    FOR_BOTH if (BE->sync(BE, &err) != 0) die("sync", &err);
    rsc_backend_close(B[0]);
    rsc_backend_close(B[1]);
    test_gpu_errors();
    printf("%d of %d checks failed\n", failures, checks);
    return failures ? 1 : 0;
}
