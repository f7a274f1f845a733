/* test-delete.c - the numerical core of rsc-delete:
 *   - the Hessian-vector product (R-operator) of a small MLP against the
 *     Hessian computed in double on the host (central differences of an
 *     independent double-precision gradient: exact to float rounding),
 *     its symmetry, and against central differences of its own gradient;
 *     on the CPU backend and, when a GPU is present, on CUDA;
 *   - LiSSA against the exact solve (Cholesky on the full Hessian) on a
 *     convex model (multinomial logistic regression with L2): with the
 *     full batch to 1e-4, with one-example batches to a few per cent;
 *   - group influence against exact leave-group-out retraining of that
 *     convex model (Newton to convergence): the predicted change points
 *     the same way and has the right size (first order in p = m/N);
 *   - the index lists' range and duplicate checks;
 *   - the central-difference product (any network; the convolutional
 *     ones): on the MLP against the double-precision Hessian and the
 *     exact mode, on the paper's MLP (335,114 parameters) against the
 *     exact mode over a range of steps, on a convolutional network that
 *     computes the MLP's function (1x1 convolutions on 1x1 images)
 *     against the MLP's exact product, and on a small CNN with batch
 *     norm and pooling by symmetry and step-independence; the
 *     parameters and running statistics are left bit for bit as they
 *     were; on both backends;
 *   - the exact mode refuses an unsupported layer with the supported
 *     archs named. */
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

#include "core/rng.h"
#include "format/indexlist.h"
#include "delete/hvp.h"
#include "delete/influence.h"
#include "kernels/backend.h"
#include "nn/arch.h"
#include "nn/conv_layers.h"
#include "nn/layers.h"
#include "nn/net.h"

/* ------------------------------------------------------------ data */

enum { N = 40, D = 4, H = 5, K = 3 };

static float X[N * D];
static int32_t Y[N];

static void make_data(void)
{
    rsc_rng r;
    rsc_rng_seed(&r, 7);
    for (int i = 0; i < N; i++) {
        int c = (int)rsc_rng_randint(&r, 0, K);
        Y[i] = c;
        for (int k = 0; k < D; k++)
            X[i * D + k] = (float)rsc_rng_double(&r) + (k == c ? 0.7f : 0.0f);
    }
}

static rsc_split split_of(const float *x, const int32_t *y, size_t n)
{
    return (rsc_split){ .n = n, .c = D, .h = 1, .w = 1, .dtype = RSC_F32, .x = x, .y = y };
}

/* A network D -> [H relu] -> K on backend be, parameters uniform in
 * [-a, a] from seed. */
static rsc_net *make_net(rsc_backend *be, int hidden, double a, uint32_t seed)
{
    rsc_error err;
    rsc_net *net = rsc_net_new(be, (rsc_shape){ D, 1, 1 }, 64, &err);
    assert_non_null(net);
    if (hidden) {
        assert_int_equal(rsc_net_add_linear(net, "fc1", H, &err), 0);
        assert_int_equal(rsc_net_add_relu(net, "relu1", &err), 0);
        assert_int_equal(rsc_net_add_dropout(net, "drop1", 0.5, &err), 0);
        assert_int_equal(rsc_net_add_linear(net, "fc2", K, &err), 0);
    } else {
        assert_int_equal(rsc_net_add_linear(net, "fc1", K, &err), 0);
    }
    assert_int_equal(rsc_net_finalize(net, &err), 0);
    size_t np = net->nparam_total;
    float *p = malloc(np * sizeof *p);
    rsc_rng r;
    rsc_rng_seed(&r, seed);
    for (size_t i = 0; i < np; i++)
        p[i] = (float)(a * (2 * rsc_rng_double(&r) - 1));
    assert_int_equal(rsc_net_set_params(net, p, &err), 0);
    free(p);
    return net;
}

/* ------------------------------------------------------------ reference */

/* The mean softmax cross-entropy of the MLP (fc1 [H x D], b1, fc2 [K x H],
 * b2, in the flat order) on n examples, and its gradient, in double. */
static void ref_grad(const double *th, const float *x, const int32_t *y, int n, double *g)
{
    const double *W1 = th, *b1 = W1 + H * D, *W2 = b1 + H, *b2 = W2 + K * H;
    size_t np = H * D + H + K * H + K;
    memset(g, 0, np * sizeof *g);
    double *gW1 = g, *gb1 = gW1 + H * D, *gW2 = gb1 + H, *gb2 = gW2 + K * H;
    for (int i = 0; i < n; i++) {
        double a[H], z[K], p[K], dz[K], da[H];
        for (int j = 0; j < H; j++) {
            double s = b1[j];
            for (int k = 0; k < D; k++)
                s += W1[j * D + k] * x[i * D + k];
            a[j] = s > 0 ? s : 0;
        }
        double mx = -1e300, se = 0;
        for (int c = 0; c < K; c++) {
            z[c] = b2[c];
            for (int j = 0; j < H; j++)
                z[c] += W2[c * H + j] * a[j];
            mx = z[c] > mx ? z[c] : mx;
        }
        for (int c = 0; c < K; c++)
            se += exp(z[c] - mx);
        for (int c = 0; c < K; c++) {
            p[c] = exp(z[c] - mx) / se;
            dz[c] = (p[c] - (c == y[i])) / n;
            gb2[c] += dz[c];
            for (int j = 0; j < H; j++)
                gW2[c * H + j] += dz[c] * a[j];
        }
        for (int j = 0; j < H; j++) {
            da[j] = 0;
            for (int c = 0; c < K; c++)
                da[j] += dz[c] * W2[c * H + j];
            if (a[j] <= 0)
                da[j] = 0;
            gb1[j] += da[j];
            for (int k = 0; k < D; k++)
                gW1[j * D + k] += da[j] * x[i * D + k];
        }
    }
}

static double norm(const float *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

static double rel_err(const float *a, const double *b, size_t n)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        s += b[i] * b[i];
    }
    return sqrt(d / s);
}

/* H v and grad on the backend for the whole data set (mean loss). */
static void backend_hvp(rsc_hvp *h, const float *v, float *out)
{
    rsc_error err;
    rsc_backend *be = rsc_hvp_be(h);
    size_t np = rsc_hvp_size(h);
    assert_int_equal(rsc_hvp_set_batch(h, X, Y, N, &err), 0);
    assert_int_equal(be->upload(be, rsc_hvp_vec(h), 0, v, np * sizeof *v, &err), 0);
    assert_int_equal(rsc_hvp_apply(h, 1.0f / N, &err), 0);
    assert_int_equal(be->download(be, out, rsc_hvp_out(h), 0, np * sizeof *out, &err), 0);
}

static void backend_grad(rsc_hvp *h, float *out)
{
    rsc_error err;
    rsc_backend *be = rsc_hvp_be(h);
    assert_int_equal(rsc_hvp_set_batch(h, X, Y, N, &err), 0);
    rsc_hvp_grad(h, 1.0f / N);
    assert_int_equal(be->download(be, out, rsc_hvp_out(h), 0, rsc_hvp_size(h) * sizeof *out, &err),
                     0);
}

static void check_hvp_on(rsc_backend *be)
{
    rsc_error err;
    rsc_net *net = make_net(be, 1, 0.8, 11);
    rsc_hvp *h = rsc_hvp_new(net, 64, &err);
    assert_non_null(h);
    size_t np = rsc_hvp_size(h);
    assert_int_equal(np, H * D + H + K * H + K);
    float *theta = malloc(np * sizeof *theta), *v = malloc(np * sizeof *v),
          *u = malloc(np * sizeof *u), *hv = malloc(np * sizeof *hv), *hu = malloc(np * sizeof *hu),
          *g = malloc(np * sizeof *g), *gp = malloc(np * sizeof *gp), *gm = malloc(np * sizeof *gm);
    double *th = calloc(np, sizeof *th), *rp = malloc(np * sizeof *rp),
           *rm = malloc(np * sizeof *rm), *ref = calloc(np, sizeof *ref), *fd = malloc(np * sizeof *fd);
    assert_int_equal(rsc_net_get_params(net, theta, &err), 0);
    rsc_rng r;
    rsc_rng_seed(&r, 5);
    for (size_t i = 0; i < np; i++) {
        v[i] = (float)(2 * rsc_rng_double(&r) - 1);
        u[i] = (float)(2 * rsc_rng_double(&r) - 1);
        th[i] = theta[i];
    }
    /* The gradient against the double reference. */
    backend_grad(h, g);
    ref_grad(th, X, Y, N, ref);
    assert_true(rel_err(g, ref, np) < 1e-5);
    /* The Hessian, column by column, by central differences in double
     * (step 1e-5: truncation ~1e-10, far below float rounding; no ReLU
     * changes sign within it for these data), times v. */
    memset(ref, 0, np * sizeof *ref);
    for (size_t j = 0; j < np; j++) {
        double e = 1e-5, keep = th[j];
        th[j] = keep + e;
        ref_grad(th, X, Y, N, rp);
        th[j] = keep - e;
        ref_grad(th, X, Y, N, rm);
        th[j] = keep;
        for (size_t i = 0; i < np; i++)
            ref[i] += (rp[i] - rm[i]) / (2 * e) * v[j];
    }
    backend_hvp(h, v, hv);
    double e1 = rel_err(hv, ref, np);
    assert_true(e1 < 1e-5);
    /* Symmetry: u . Hv = v . Hu. */
    backend_hvp(h, u, hu);
    double a = 0, b = 0;
    for (size_t i = 0; i < np; i++) {
        a += (double)u[i] * hv[i];
        b += (double)v[i] * hu[i];
    }
    assert_true(fabs(a - b) <= 1e-5 * (fabs(a) + fabs(b)));
    /* Central differences of the backend's own float gradient, step
     * 1e-2 along v / |v|: agreement to 1e-2 (float rounding / step). */
    double nv = norm(v, np), eps = 1e-2;
    float *tp = malloc(np * sizeof *tp);
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < np; i++)
            tp[i] = (float)(theta[i] + (s ? -eps : eps) * v[i] / nv);
        assert_int_equal(rsc_net_set_params(net, tp, &err), 0);
        backend_grad(h, s ? gm : gp);
    }
    assert_int_equal(rsc_net_set_params(net, theta, &err), 0);
    for (size_t i = 0; i < np; i++)
        fd[i] = ((double)gp[i] - gm[i]) / (2 * eps) * nv;
    assert_true(rel_err(hv, fd, np) < 1e-2);
    free(tp);
    free(theta), free(v), free(u), free(hv), free(hu), free(g), free(gp), free(gm);
    free(th), free(rp), free(rm), free(ref), free(fd);
    rsc_hvp_free(h);
    rsc_net_free(net);
}

/* check(be, first) on the CPU with 1 and 2 threads and, when a GPU is
 * present, on CUDA; first is 1 on the first backend only. */
static void on_every_backend(void (*check)(rsc_backend *be, int first))
{
    rsc_error err;
    for (int k = 0; k < 3; k++) {
        if (k == 2 && rsc_cuda_device_count() <= 0)
            break;
        rsc_backend *be = rsc_backend_open(k < 2 ? "cpu" : "cuda", k < 2 ? k + 1 : 1, &err);
        assert_non_null(be);
        check(be, k == 0);
        rsc_backend_close(be);
    }
}

static void check_hvp_all(rsc_backend *be, int first)
{
    (void)first;
    check_hvp_on(be);
}

static void test_hvp(void **state)
{
    (void)state;
    on_every_backend(check_hvp_all);
}

/* ------------------------------------------------------------ central difference */

static double rel_errf(const float *a, const float *b, size_t n)
{
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) {
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        s += (double)b[i] * b[i];
    }
    return sqrt(d / s);
}

static void fill_uniform(float *v, size_t n, uint32_t seed)
{
    rsc_rng r;
    rsc_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(2 * rsc_rng_double(&r) - 1);
}

/* H v on the current batch (mean over n) into out (host). */
static void hvp_batch(rsc_hvp *h, const float *x, const int32_t *y, int n, const float *v,
                      float *out)
{
    rsc_error err;
    rsc_backend *be = rsc_hvp_be(h);
    size_t np = rsc_hvp_size(h);
    assert_int_equal(rsc_hvp_set_batch(h, x, y, n, &err), 0);
    assert_int_equal(be->upload(be, rsc_hvp_vec(h), 0, v, np * sizeof *v, &err), 0);
    assert_int_equal(rsc_hvp_apply(h, 1.0f / (float)n, &err), 0);
    assert_int_equal(be->download(be, out, rsc_hvp_out(h), 0, np * sizeof *out, &err), 0);
}

/* The small MLP: the central difference against the exact mode and the
 * double-precision Hessian; parameters restored bit for bit. */
static void check_fd_mlp_on(rsc_backend *be)
{
    rsc_error err;
    rsc_net *net = make_net(be, 1, 0.8, 11);
    rsc_hvp *ex = rsc_hvp_new_mode(net, 64, RSC_HVP_EXACT, &err);
    rsc_hvp *fd = rsc_hvp_new_mode(net, 64, RSC_HVP_FD, &err);
    assert_non_null(ex);
    assert_non_null(fd);
    assert_true(rsc_hvp_exact(ex) && !rsc_hvp_exact(fd));
    size_t np = rsc_hvp_size(fd);
    float *theta = malloc(np * sizeof *theta), *after = malloc(np * sizeof *after),
          *v = malloc(np * sizeof *v), *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
    assert_int_equal(rsc_net_get_params(net, theta, &err), 0);
    fill_uniform(v, np, 5);
    hvp_batch(ex, X, Y, N, v, a);
    hvp_batch(fd, X, Y, N, v, b);
    assert_int_equal(rsc_net_get_params(net, after, &err), 0);
    assert_memory_equal(theta, after, np * sizeof *theta);
    double e = rel_errf(b, a, np);
    assert_true(e < 2e-3);
    assert_true(rsc_hvp_last_step(fd) > 0 && rsc_hvp_last_step(ex) == 0);
    /* The gradients agree to float rounding. */
    assert_int_equal(rsc_hvp_set_batch(ex, X, Y, N, &err), 0);
    rsc_hvp_grad(ex, 1.0f / N);
    assert_int_equal(be->download(be, a, rsc_hvp_out(ex), 0, np * sizeof *a, &err), 0);
    assert_int_equal(rsc_hvp_set_batch(fd, X, Y, N, &err), 0);
    rsc_hvp_grad(fd, 1.0f / N);
    assert_int_equal(be->download(be, b, rsc_hvp_out(fd), 0, np * sizeof *b, &err), 0);
    assert_true(rel_errf(b, a, np) < 1e-6);
    /* A zero direction gives zero. */
    memset(v, 0, np * sizeof *v);
    hvp_batch(fd, X, Y, N, v, b);
    assert_true(norm(b, np) == 0);
    free(theta), free(after), free(v), free(a), free(b);
    rsc_hvp_free(ex);
    rsc_hvp_free(fd);
    rsc_net_free(net);
}

/* The paper's MLP (arch mlp, 335,114 parameters), initialised as
 * rsc-train does, on random images: the central difference against the
 * exact product for steps 1e-2 .. 1e-6 (printed with `full`), the
 * default step within 1 % for batches of 1 (LiSSA's) and 8; with `full`,
 * 100 products on fresh images and directions: worst within 1 %, mean
 * within 0.5 % (measured: 0.34 % and 0.16 % over 200), and ReLU kinks
 * met in some of them (the one-sided fallback is exercised). */
static void check_fd_paper_mlp_on(rsc_backend *be, int full)
{
    rsc_error err;
    enum { B = 8, IMG = 784 };
    rsc_net *net = rsc_net_new(be, (rsc_shape){ 1, 28, 28 }, B, &err);
    assert_non_null(net);
    assert_int_equal(rsc_arch_build(net, "mlp", 10, &err), 0);
    assert_int_equal(rsc_arch_init(net, "mlp", 3, &err), 0);
    rsc_hvp *ex = rsc_hvp_new_mode(net, B, RSC_HVP_EXACT, &err);
    rsc_hvp *fd = rsc_hvp_new_mode(net, B, RSC_HVP_FD, &err);
    assert_non_null(ex);
    assert_non_null(fd);
    size_t np = rsc_hvp_size(fd);
    assert_int_equal(np, 335114);
    float *x = malloc(B * IMG * sizeof *x), *v = malloc(np * sizeof *v),
          *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
    int32_t y[B];
    fill_uniform(x, B * IMG, 9);
    for (int i = 0; i < B * IMG; i++)
        x[i] = 0.5f + 0.5f * x[i];
    for (int i = 0; i < B; i++)
        y[i] = i % 10;
    fill_uniform(v, np, 13);
    static const double steps[] = { 1e-2, 1e-3, 1e-4, 1e-5, 1e-6 };
    for (int n = 1; n <= B; n += B - 1) {
        hvp_batch(ex, x, y, n, v, a);
        for (size_t k = 0; full && k < sizeof steps / sizeof *steps; k++) {
            rsc_hvp_set_step(fd, steps[k]);
            hvp_batch(fd, x, y, n, v, b);
            print_message("# paper MLP, batch %d: step %g (eps %.3g): relative error %.3g\n",
                          n, steps[k], rsc_hvp_last_step(fd), rel_errf(b, a, np));
        }
        rsc_hvp_set_step(fd, RSC_HVP_STEP);
        hvp_batch(fd, x, y, n, v, b);
        assert_true(rel_errf(b, a, np) < 1e-2);
    }
    if (full) {
        long p0, o0, u0, p1, o1, u1;
        rsc_hvp_fd_counts(fd, &p0, &o0, &u0);
        double worst = 0, sum = 0;
        enum { T = 100 };
        for (int t = 0; t < T; t++) {
            fill_uniform(x, IMG, 1000 + (uint32_t)t);
            for (int i = 0; i < IMG; i++)
                x[i] = 0.5f + 0.5f * x[i];
            fill_uniform(v, np, 2000 + (uint32_t)t);
            hvp_batch(ex, x, y, 1, v, a);
            hvp_batch(fd, x, y, 1, v, b);
            double e = rel_errf(b, a, np);
            worst = e > worst ? e : worst;
            sum += e;
        }
        rsc_hvp_fd_counts(fd, &p1, &o1, &u1);
        print_message("# paper MLP, %d products at step %g: worst %.3g, mean %.3g; %ld one-sided "
                      "(%ld of them unchecked)\n", T, RSC_HVP_STEP, worst, sum / T, o1 - o0, u1 - u0);
        assert_int_equal(p1 - p0, T);
        assert_true(worst < 1e-2 && sum / T < 5e-3);
        assert_true(o1 - o0 > 0);
    }
    free(x), free(v), free(a), free(b);
    rsc_hvp_free(ex);
    rsc_hvp_free(fd);
    rsc_net_free(net);
}

/* Copy the MLP's parameters (fc1 [H x D], b1, fc2 [K x H], b2) into a
 * network of 1x1 convolutions of the same layout: conv weights [H, D, 1,
 * 1] hold the same numbers, so the two compute the same function. */
static void check_fd_conv_as_linear_on(rsc_backend *be)
{
    rsc_error err;
    rsc_net *mlp = make_net(be, 1, 0.8, 11);
    rsc_net *cnn = rsc_net_new(be, (rsc_shape){ D, 1, 1 }, 64, &err);
    assert_non_null(cnn);
    assert_int_equal(rsc_net_add_conv2d(cnn, "c1", H, 1, 1, 0, 1, &err), 0);
    assert_int_equal(rsc_net_add_relu(cnn, "r1", &err), 0);
    assert_int_equal(rsc_net_add_conv2d(cnn, "c2", K, 1, 1, 0, 1, &err), 0);
    assert_int_equal(rsc_net_add_flatten(cnn, "flat", &err), 0);
    assert_int_equal(rsc_net_finalize(cnn, &err), 0);
    size_t np = mlp->nparam_total;
    assert_int_equal(cnn->nparam_total, np);
    float *theta = malloc(np * sizeof *theta), *v = malloc(np * sizeof *v),
          *a = malloc(np * sizeof *a), *b = malloc(np * sizeof *b);
    assert_int_equal(rsc_net_get_params(mlp, theta, &err), 0);
    assert_int_equal(rsc_net_set_params(cnn, theta, &err), 0);
    rsc_hvp *ex = rsc_hvp_new(mlp, 64, &err), *cx = rsc_hvp_new(cnn, 64, &err),
            *fd = rsc_hvp_new_mode(cnn, 64, RSC_HVP_FD, &err);
    assert_non_null(ex);
    assert_non_null(cx);
    assert_non_null(fd);
    assert_true(rsc_hvp_exact(ex) && rsc_hvp_exact(cx) && !rsc_hvp_exact(fd));
    fill_uniform(v, np, 21);
    hvp_batch(ex, X, Y, N, v, a);
    /* The convolutions' R-operator is the linear layers' to float
     * rounding; the central difference within its truncation. */
    hvp_batch(cx, X, Y, N, v, b);
    assert_true(rel_errf(b, a, np) < 1e-5);
    hvp_batch(fd, X, Y, N, v, b);
    assert_true(rel_errf(b, a, np) < 2e-3);
    free(theta), free(v), free(a), free(b);
    rsc_hvp_free(ex);
    rsc_hvp_free(cx);
    rsc_hvp_free(fd);
    rsc_net_free(mlp);
    rsc_net_free(cnn);
}

/* A small network with every layer kind of the convolutional archs:
 * input normalisation, conv 3x3 with bias + batch norm (running
 * statistics set away from 0/1) + ReLU + max pool, a residual block with
 * the option-A shortcut and one with the identity, average pooling,
 * dropout, linear + ReLU + linear, on 8x8 images.  Exact (the
 * R-operator) and central-difference products: symmetric (u.Hv = v.Hu;
 * to float rounding for the exact one), the central difference within
 * its truncation of the exact product (away from kinks: a small random
 * network), and of itself at a 4x smaller step, and nothing changed:
 * parameters and running statistics (eval mode) bit for bit. */
static rsc_net *small_convnet(rsc_backend *be, int B)
{
    rsc_error err;
    rsc_net *net = rsc_net_new(be, (rsc_shape){ 1, 8, 8 }, B, &err);
    const float mean[1] = { 0.3f }, std[1] = { 0.7f };
    assert_non_null(net);
    assert_int_equal(rsc_net_add_normalize(net, "norm", mean, std, &err), 0);
    assert_int_equal(rsc_net_add_conv2d(net, "conv1", 3, 3, 1, 1, 1, &err), 0);
    assert_int_equal(rsc_net_add_batchnorm(net, "bn1", &err), 0);
    assert_int_equal(rsc_net_add_relu(net, "relu1", &err), 0);
    assert_int_equal(rsc_net_add_maxpool(net, "pool1", 2, 2, &err), 0);
    assert_int_equal(rsc_net_add_basicblock(net, "block1", 6, 2, &err), 0);
    assert_int_equal(rsc_net_add_basicblock(net, "block2", 6, 1, &err), 0);
    assert_int_equal(rsc_net_add_avgpool(net, "avg", 1, 1, &err), 0);
    assert_int_equal(rsc_net_add_flatten(net, "flat", &err), 0);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 5, &err), 0);
    assert_int_equal(rsc_net_add_relu(net, "relu2", &err), 0);
    assert_int_equal(rsc_net_add_dropout(net, "drop", 0.5, &err), 0);
    assert_int_equal(rsc_net_add_linear(net, "fc", K, &err), 0);
    assert_int_equal(rsc_net_finalize(net, &err), 0);
    return net;
}

static void check_fd_cnn_on(rsc_backend *be)
{
    rsc_error err;
    enum { S = 8, B = 6 };
    rsc_net *net = small_convnet(be, B);
    size_t np = net->nparam_total, ns = net->nstate_total;
    float *theta = malloc(np * sizeof *theta), *st = malloc(ns * sizeof *st),
          *after = malloc((np > ns ? np : ns) * sizeof *after), *u = malloc(np * sizeof *u),
          *v = malloc(np * sizeof *v), *hu = malloc(np * sizeof *hu),
          *hv = malloc(np * sizeof *hv), *hv2 = malloc(np * sizeof *hv2);
    fill_uniform(theta, np, 31);
    for (size_t i = 0; i < np; i++)
        theta[i] *= 0.5f;
    assert_int_equal(rsc_net_set_params(net, theta, &err), 0);
    for (size_t i = 0; i < ns; i++)   /* running_mean 0.1 c, running_var 0.5 + 0.2 c */
        st[i] = i < ns / 2 ? 0.1f * (float)i : 0.5f + 0.2f * (float)(i - ns / 2);
    assert_int_equal(rsc_net_set_state(net, st, &err), 0);
    float x[B * S * S];
    int32_t y[B];
    fill_uniform(x, B * S * S, 41);
    for (int i = 0; i < B; i++)
        y[i] = i % K;
    rsc_hvp *ex = rsc_hvp_new(net, 64, &err), *h = rsc_hvp_new_mode(net, 64, RSC_HVP_FD, &err);
    assert_non_null(ex);
    assert_non_null(h);
    assert_true(rsc_hvp_exact(ex));
    assert_false(rsc_hvp_exact(h));
    assert_int_equal(rsc_hvp_max_batch(h), B);
    assert_int_equal(rsc_hvp_max_batch(ex), B);
    fill_uniform(u, np, 51);
    fill_uniform(v, np, 52);
    for (int mode = 0; mode < 2; mode++) {
        rsc_hvp *m = mode ? h : ex;
        hvp_batch(m, x, y, B, v, hv);
        hvp_batch(m, x, y, B, u, hu);
        double uhv = 0, vhu = 0;
        for (size_t i = 0; i < np; i++) {
            uhv += (double)u[i] * hv[i];
            vhu += (double)v[i] * hu[i];
        }
        assert_true(fabs(uhv - vhu) <= (mode ? 1e-2 : 1e-5) * (fabs(uhv) + fabs(vhu)));
    }
    hvp_batch(ex, x, y, B, v, hv2);
    hvp_batch(h, x, y, B, v, hv);
    assert_true(rel_errf(hv, hv2, np) < 1e-2);
    assert_true(norm(hv2, np) > 1e-3);
    rsc_hvp_set_step(h, RSC_HVP_STEP / 4);
    hvp_batch(h, x, y, B, v, hv2);
    assert_true(rel_errf(hv2, hv, np) < 1e-2);
    assert_int_equal(rsc_net_get_params(net, after, &err), 0);
    assert_memory_equal(theta, after, np * sizeof *theta);
    assert_int_equal(rsc_net_get_state(net, after, &err), 0);
    assert_memory_equal(st, after, ns * sizeof *st);
    free(theta), free(st), free(after), free(u), free(v), free(hu), free(hv), free(hv2);
    rsc_hvp_free(ex);
    rsc_hvp_free(h);
    rsc_net_free(net);
}

static void check_fd_all(rsc_backend *be, int first)
{
    check_fd_mlp_on(be);
    check_fd_paper_mlp_on(be, first);
    check_fd_conv_as_linear_on(be);
    check_fd_cnn_on(be);
}

static void test_hvp_fd(void **state)
{
    (void)state;
    on_every_backend(check_fd_all);
}

/* ------------------------------------------------------------ convex model */

/* Newton's method on the mean loss over rows [0, n) of (x, y) plus
 * (wd/2)|theta|^2, from the net's parameters, until the step is tiny. */
static void newton(rsc_net *net, rsc_hvp *h, const float *x, const int32_t *y, size_t n,
                   double wd)
{
    rsc_error err;
    size_t np = rsc_hvp_size(h);
    rsc_split sp = split_of(x, y, n);
    float *theta = malloc(np * sizeof *theta), *g = malloc(np * sizeof *g),
          *step = malloc(np * sizeof *step);
    int64_t *all = malloc(n * sizeof *all);
    for (size_t i = 0; i < n; i++)
        all[i] = (int64_t)i;
    for (int it = 0; it < 30; it++) {
        assert_int_equal(rsc_net_get_params(net, theta, &err), 0);
        assert_int_equal(rsc_influence_gradient(h, &sp, all, n, wd, theta, g, &err), 0);
        for (size_t i = 0; i < np; i++)
            g[i] /= (float)n;
        assert_int_equal(rsc_influence_exact(h, &sp, g, wd, 0, step, &err), 0);
        for (size_t i = 0; i < np; i++)
            theta[i] -= step[i];
        assert_int_equal(rsc_net_set_params(net, theta, &err), 0);
        if (norm(step, np) < 1e-6)
            break;
    }
    free(theta), free(g), free(step), free(all);
}

static void test_lissa_exact(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_net *net = make_net(be, 0, 0.1, 3);
    rsc_hvp *h = rsc_hvp_new(net, 64, &err);
    assert_non_null(h);
    double wd = 0.05;
    newton(net, h, X, Y, N, wd);
    size_t np = rsc_hvp_size(h);
    rsc_split sp = split_of(X, Y, N);
    int64_t del[3] = { 2, 17, 31 };
    float *theta = malloc(np * sizeof *theta), *v = malloc(np * sizeof *v),
          *ex = malloc(np * sizeof *ex), *li = malloc(np * sizeof *li);
    assert_int_equal(rsc_net_get_params(net, theta, &err), 0);
    assert_int_equal(rsc_influence_gradient(h, &sp, del, 3, wd, theta, v, &err), 0);
    rsc_lissa_opts o;
    rsc_lissa_defaults(&o, "toy", 3);
    assert_int_equal(o.depth, 2000);
    assert_true(o.scale == 100 && o.damp == 0.01 && o.repeats == 10 && o.batch == 1);
    o.scale = 2;
    o.damp = 0.001;
    o.weight_decay = wd;
    /* Full batch: the recursion is deterministic and converges to
     * (H + wd + damp scale)^-1 v. */
    o.batch = N;
    o.repeats = 1;
    o.depth = 3000;
    assert_int_equal(rsc_influence_exact(h, &sp, v, wd, o.damp * o.scale, ex, &err), 0);
    assert_int_equal(rsc_influence_lissa(h, &sp, v, &o, li, &err), 0);
    double d = 0;
    for (size_t i = 0; i < np; i++)
        d += ((double)li[i] - ex[i]) * ((double)li[i] - ex[i]);
    assert_true(sqrt(d) < 1e-4 * norm(ex, np));
    /* One example per Hessian sample, 10 repeats: the stochastic estimate
     * within 10 % (the sampling noise of the 40 examples' curvatures). */
    o.batch = 1;
    o.repeats = 10;
    o.depth = 2000;
    assert_int_equal(rsc_influence_lissa(h, &sp, v, &o, li, &err), 0);
    d = 0;
    for (size_t i = 0; i < np; i++)
        d += ((double)li[i] - ex[i]) * ((double)li[i] - ex[i]);
    assert_true(sqrt(d) < 0.1 * norm(ex, np));
    /* Divergence: a scale far below the curvature. */
    o.scale = 1e-3;
    o.repeats = 1;
    assert_int_equal(rsc_influence_lissa(h, &sp, v, &o, li, &err), -1);
    assert_non_null(strstr(err.msg, "LiSSA diverged"));
    assert_non_null(strstr(err.msg, "--scale"));
    free(theta), free(v), free(ex), free(li);
    rsc_hvp_free(h);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_group_influence(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_net *net = make_net(be, 0, 0.1, 3);
    rsc_hvp *h = rsc_hvp_new(net, 64, &err);
    double wd = 0.05;
    newton(net, h, X, Y, N, wd);
    size_t np = rsc_hvp_size(h);
    rsc_split sp = split_of(X, Y, N);
    /* Delete the first m = 3 examples: the remaining ones are rows 3.. */
    enum { M = 3 };
    int64_t del[M] = { 0, 1, 2 };
    float *theta = malloc(np * sizeof *theta), *v = malloc(np * sizeof *v),
          *hinv = malloc(np * sizeof *hinv), *pred = malloc(np * sizeof *pred),
          *retr = malloc(np * sizeof *retr);
    assert_int_equal(rsc_net_get_params(net, theta, &err), 0);
    assert_int_equal(rsc_influence_gradient(h, &sp, del, M, wd, theta, v, &err), 0);
    assert_int_equal(rsc_influence_exact(h, &sp, v, wd, 0, hinv, &err), 0);
    memcpy(pred, theta, np * sizeof *pred);
    rsc_influence_update(pred, hinv, np, N, M);
    newton(net, h, X + M * D, Y + M, N - M, wd);
    assert_int_equal(rsc_net_get_params(net, retr, &err), 0);
    double dot = 0, n1 = 0, n2 = 0, diff = 0;
    for (size_t i = 0; i < np; i++) {
        double a = (double)pred[i] - theta[i], b = (double)retr[i] - theta[i];
        dot += a * b;
        n1 += a * a;
        n2 += b * b;
        diff += (a - b) * (a - b);
    }
    /* The retrained parameters moved; the first-order prediction points
     * the same way (a wrong sign gives cosine -1) and is within 10 % of
     * the move (the second-order term, of order p = 3/40). */
    assert_true(sqrt(n2) > 1e-3);
    assert_true(dot / sqrt(n1 * n2) > 0.99);
    assert_true(sqrt(diff) < 0.1 * sqrt(n2));
    free(theta), free(v), free(hinv), free(pred), free(retr);
    rsc_hvp_free(h);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* ------------------------------------------------------------ the rest */

/* A layer kind without an R-operator: y = 2x. */
static int twice_setup(rsc_net *net, rsc_layer *l, rsc_error *err)
{
    (void)net, (void)err;
    l->out = l->in;
    return 0;
}

static void twice_forward(rsc_net *net, rsc_layer *l, const rsc_buf *x, rsc_buf *y, int batch,
                          int train)
{
    (void)train;
    size_t n = (size_t)batch * rsc_shape_size(l->out);
    net->be->copy(net->be, y, 0, x, 0, n * sizeof(float));
    net->be->scale(net->be, n, 2.0f, y);
}

static void twice_backward(rsc_net *net, rsc_layer *l, const rsc_buf *x, const rsc_buf *y,
                           const rsc_buf *dy, rsc_buf *dx, int batch)
{
    (void)y;
    if (dx)
        twice_forward(net, l, dy, dx, batch, 0);
    (void)x;
}

static const rsc_layer_ops twice_ops = {
    .kind = "twice",
    .setup = twice_setup,
    .forward = twice_forward,
    .backward = twice_backward,
};

static void test_unsupported(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    /* Every architecture has the exact product. */
    static const char *const archs[] = { "linear", "mlp-small", "mlp", "mlp-large", "cnn",
                                         "resnet20", "resnet32", "resnet110", "vgg16" };
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++) {
        rsc_shape in = archs[a][0] == 'r' || archs[a][0] == 'v' ? (rsc_shape){ 3, 32, 32 }
                                                               : (rsc_shape){ 1, 28, 28 };
        rsc_net *net = rsc_net_new(be, in, 2, &err);
        assert_non_null(net);
        assert_int_equal(rsc_arch_build(net, archs[a], 10, &err), 0);
        assert_int_equal(rsc_hvp_supported(net, &err), 1);
        rsc_net_free(net);
    }
    /* A layer without one: the exact mode names it, and rsc_hvp_new
     * takes the central difference. */
    rsc_net *net = rsc_net_new(be, (rsc_shape){ 4, 1, 1 }, 8, &err);
    assert_non_null(net);
    assert_int_equal(rsc_net_add(net, &twice_ops, "double", NULL, &err), 0);
    assert_int_equal(rsc_net_add_linear(net, "fc", 3, &err), 0);
    assert_int_equal(rsc_net_finalize(net, &err), 0);
    assert_null(rsc_hvp_new_mode(net, 8, RSC_HVP_EXACT, &err));
    assert_string_equal(err.msg, "the exact Hessian-vector product needs every layer's "
                                 "R-operator; layer 'double' (twice) has none");
    rsc_hvp *h = rsc_hvp_new(net, 8, &err);   /* the central difference */
    assert_non_null(h);
    assert_false(rsc_hvp_exact(h));
    rsc_hvp_free(h);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_index_list(void **state)
{
    (void)state;
    rsc_error err;
    FILE *f = fopen("delete-index.txt", "w");
    fputs("# deleted\n3 5\n  7 # the last\n", f);
    fclose(f);
    size_t n;
    int64_t *v;
    assert_int_equal(rsc_indexlist_load("delete-index.txt", &v, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_true(v[0] == 3 && v[1] == 5 && v[2] == 7);
    assert_int_equal(rsc_indexlist_check(v, n, 8, "x", &err), 0);
    assert_int_equal(rsc_indexlist_check(v, n, 7, "x", &err), -1);
    assert_non_null(strstr(err.msg, "index 7 is not a training example (0..6)"));
    v[2] = 3;
    assert_int_equal(rsc_indexlist_check(v, n, 8, "x", &err), -1);
    assert_non_null(strstr(err.msg, "index 3 is listed twice"));
    free(v);
    f = fopen("delete-index.txt", "w");
    fputs("1\n2 x3\n", f);
    fclose(f);
    assert_int_equal(rsc_indexlist_load("delete-index.txt", &v, &n, &err), -1);
    assert_string_equal(err.msg, "delete-index.txt:2: 'x3' is not an example index");
    assert_int_equal(rsc_indexlist_load("no-such-file.txt", &v, &n, &err), -1);
    assert_non_null(strstr(err.msg, "no-such-file.txt: "));
    remove("delete-index.txt");
}

int main(void)
{
    make_data();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hvp),
        cmocka_unit_test(test_hvp_fd),
        cmocka_unit_test(test_lissa_exact),
        cmocka_unit_test(test_group_influence),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_index_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
