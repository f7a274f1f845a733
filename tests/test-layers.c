/* test-layers.c - gradient checks for every layer kind and each whole MLP,
 * parameter counts, and the CPU backend's kernels against plain loops.
 *
 * The analytic gradients come from the backend (float32).  The reference
 * is an independent double-precision forward pass of the same network
 * (written here from the layer definitions), differentiated by central
 * finite differences with h = 1e-5: its truncation error is O(h^2) ~ 1e-10
 * and its rounding error ~ 1e-16 / h ~ 1e-11, so the reference is good to
 * ~1e-9.  The float32 analytic gradient carries relative errors of about
 * sqrt(K) * 2^-24 for K-term dot products (K <= 784, so ~1e-6), so we
 * require |g - fd| <= 2e-4 * (|fd| + 1e-3 * scale), scale the largest
 * |fd| of the check: 100x margin over float error, and a wrong gradient
 * (a missing term, a wrong index, a transposed product) is off by O(1). */
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

#include "nn/arch.h"
#include "kernels/backend.h"
#include "nn/net.h"
#include "core/rng.h"
#include "nn/layers.h"

#define TOL 2e-4

static rsc_backend *open_cpu(int threads)
{
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", threads, &err);
    if (!be)
        fail_msg("%s", err.msg);
    return be;
}

/* ------------------------------------------------------------ reference */

/* Forward the network in double on host parameters theta and inputs x;
 * returns the mean cross-entropy.  Dropout uses the same counter-based
 * mask as the backend with seed 0 (net->dropout_rng NULL). */
static double ref_loss(const rsc_net *net, const double *theta, const double *x,
                       const int32_t *y, int batch, int train)
{
    size_t maxw = rsc_shape_size(net->input);
    for (int i = 0; i < net->nlayers; i++)
        if (rsc_shape_size(net->layers[i].out) > maxw)
            maxw = rsc_shape_size(net->layers[i].out);
    double *a = calloc((size_t)batch * maxw, sizeof *a), *b = calloc((size_t)batch * maxw, sizeof *b);
    size_t width = rsc_shape_size(net->input);
    memcpy(a, x, (size_t)batch * width * sizeof *a);
    for (int li = 0; li < net->nlayers; li++) {
        const rsc_layer *l = &net->layers[li];
        size_t ow = rsc_shape_size(l->out);
        const char *kind = l->ops->kind;
        if (strcmp(kind, "linear") == 0) {
            const rsc_param *pw = &net->params[l->param_first], *pb = pw + 1;
            const double *W = theta + pw->offset, *B = theta + pb->offset;
            for (int r = 0; r < batch; r++)
                for (size_t o = 0; o < ow; o++) {
                    double s = B[o];
                    for (size_t k = 0; k < width; k++)
                        s += W[o * width + k] * a[(size_t)r * width + k];
                    b[(size_t)r * ow + o] = s;
                }
        } else if (strcmp(kind, "relu") == 0) {
            for (size_t i = 0; i < (size_t)batch * ow; i++)
                b[i] = a[i] > 0 ? a[i] : 0;
        } else if (strcmp(kind, "flatten") == 0) {
            memcpy(b, a, (size_t)batch * ow * sizeof *b);
        } else if (strcmp(kind, "dropout") == 0) {
            double p = 0;
            char desc[64];
            l->ops->describe(l, desc, sizeof desc);
            sscanf(desc, "p=%lf", &p);
            for (size_t i = 0; i < (size_t)batch * ow; i++) {
                double m = !train ? 1.0 : rsc_backend_uniform(0, i) < (float)p ? 0.0
                                          : (double)(1.0f / (1.0f - (float)p));
                b[i] = a[i] * m;
            }
        } else {
            fail_msg("reference lacks layer kind %s", kind);
        }
        double *t = a;
        a = b;
        b = t;
        width = ow;
    }
    double loss = 0;
    for (int r = 0; r < batch; r++) {
        const double *z = a + (size_t)r * width;
        double mx = z[0];
        for (size_t c = 1; c < width; c++)
            mx = z[c] > mx ? z[c] : mx;
        double s = 0;
        for (size_t c = 0; c < width; c++)
            s += exp(z[c] - mx);
        loss += mx + log(s) - z[y[r]];
    }
    free(a);
    free(b);
    return loss / batch;
}

typedef struct problem {
    rsc_backend *be;
    rsc_net *net;
    int batch, train;
    float *x;         /* batch x input */
    int32_t *y;
    float *theta;     /* parameters as uploaded */
} problem;

static void problem_init(problem *pb, rsc_net *net, int batch, int train, uint32_t seed)
{
    rsc_error err;
    rsc_rng rng;
    rsc_rng_seed(&rng, seed);
    pb->be = net->be;
    pb->net = net;
    pb->batch = batch;
    pb->train = train;
    size_t in = rsc_shape_size(net->input);
    pb->x = malloc((size_t)batch * in * sizeof *pb->x);
    pb->y = malloc((size_t)batch * sizeof *pb->y);
    pb->theta = malloc(net->nparam_total * sizeof *pb->theta);
    for (size_t i = 0; i < (size_t)batch * in; i++)
        pb->x[i] = (float)rsc_rng_double(&rng);
    for (int i = 0; i < batch; i++)
        pb->y[i] = (int32_t)rsc_rng_randint(&rng, 0, net->classes);
    /* Parameters: the reference init, scaled up a little so that the ReLUs
     * are not all on one side. */
    assert_int_equal(rsc_net_get_params(net, pb->theta, &err), 0);
    for (size_t i = 0; i < net->nparam_total; i++)
        pb->theta[i] = 2.0f * pb->theta[i] + 0.01f * (float)(rsc_rng_double(&rng) - 0.5);
    assert_int_equal(rsc_net_set_params(net, pb->theta, &err), 0);
    assert_int_equal(net->be->upload(net->be, rsc_net_input(net), 0, pb->x,
                                     (size_t)batch * in * sizeof(float), &err), 0);
    assert_int_equal(net->be->upload(net->be, net->labels, 0, pb->y,
                                     (size_t)batch * sizeof(int32_t), &err), 0);
}

static void problem_free(problem *pb)
{
    free(pb->x);
    free(pb->y);
    free(pb->theta);
}

/* Analytic gradients (parameters, and input when want_dx). */
static void analytic(problem *pb, float *g, float *dx, double *loss)
{
    rsc_error err;
    rsc_net *net = pb->net;
    rsc_backend *be = net->be;
    net->input_grad = dx != NULL;
    be->fill(be, net->stats, 4, 0);
    rsc_net_forward(net, pb->batch, pb->train);
    rsc_net_loss(net, pb->batch, 1);
    rsc_net_backward(net, pb->batch);
    assert_int_equal(rsc_net_get_grads(net, g, &err), 0);
    if (dx)
        assert_int_equal(be->download(be, dx, net->grad[0], 0,
                                      (size_t)pb->batch * rsc_shape_size(net->input) * sizeof(float),
                                      &err), 0);
    double st[2];
    assert_int_equal(be->download(be, st, net->stats, 0, sizeof st, &err), 0);
    *loss = st[0] / pb->batch;
}

/* Check analytic gradient entries (params: which = 0, inputs: which = 1)
 * at the listed coordinates against finite differences of the double
 * reference.  Returns the number of entries past the tolerance. */
static int check_coords(problem *pb, int which, const float *grad, const size_t *idx, size_t n)
{
    const rsc_net *net = pb->net;
    size_t np = net->nparam_total, nx = (size_t)pb->batch * rsc_shape_size(net->input);
    double *theta = malloc(np * sizeof *theta), *x = malloc(nx * sizeof *x);
    for (size_t i = 0; i < np; i++)
        theta[i] = pb->theta[i];
    for (size_t i = 0; i < nx; i++)
        x[i] = pb->x[i];
    double *fd = malloc(n * sizeof *fd), scale = 0;
    const double h = 1e-5;
    for (size_t j = 0; j < n; j++) {
        double *v = which ? &x[idx[j]] : &theta[idx[j]];
        double save = *v;
        *v = save + h;
        double lp = ref_loss(net, theta, x, pb->y, pb->batch, pb->train);
        *v = save - h;
        double lm = ref_loss(net, theta, x, pb->y, pb->batch, pb->train);
        *v = save;
        fd[j] = (lp - lm) / (2 * h);
        if (fabs(fd[j]) > scale)
            scale = fabs(fd[j]);
    }
    int bad = 0;
    for (size_t j = 0; j < n; j++) {
        double g = grad[idx[j]];
        if (fabs(g - fd[j]) > TOL * (fabs(fd[j]) + 1e-3 * scale)) {
            if (bad < 5)
                print_message("  %s[%zu]: analytic %.9g, finite difference %.9g\n",
                              which ? "dx" : "theta", idx[j], g, fd[j]);
            bad++;
        }
    }
    free(theta);
    free(x);
    free(fd);
    return bad;
}

/* Coordinates to check: all when few, else a sample that includes each
 * parameter tensor's first and last element. */
static size_t pick(const rsc_net *net, int which, size_t total, size_t want, uint32_t seed,
                   size_t **out)
{
    size_t *idx = malloc((want + 64) * sizeof *idx), n = 0;
    if (total <= want) {
        for (size_t i = 0; i < total; i++)
            idx[n++] = i;
    } else {
        rsc_rng rng;
        rsc_rng_seed(&rng, seed);
        if (!which)
            for (int p = 0; p < net->nparams && n + 2 < want + 64; p++) {
                idx[n++] = net->params[p].offset;
                idx[n++] = net->params[p].offset + net->params[p].count - 1;
            }
        while (n < want)
            idx[n++] = (size_t)rsc_rng_interval(&rng, total - 1);
    }
    *out = idx;
    return n;
}

/* Full check of one network: loss value, parameter gradients, input
 * gradients.  Returns the number of failures. */
static int gradcheck(rsc_net *net, int batch, int train, size_t sample)
{
    problem pb;
    problem_init(&pb, net, batch, train, 7);
    size_t np = net->nparam_total, nx = (size_t)batch * rsc_shape_size(net->input);
    float *g = malloc(np * sizeof *g), *dx = malloc(nx * sizeof *dx);
    double loss;
    analytic(&pb, g, dx, &loss);
    double *theta = malloc(np * sizeof *theta), *x = malloc(nx * sizeof *x);
    for (size_t i = 0; i < np; i++)
        theta[i] = pb.theta[i];
    for (size_t i = 0; i < nx; i++)
        x[i] = pb.x[i];
    double ref = ref_loss(net, theta, x, pb.y, batch, train);
    int bad = fabs(loss - ref) > 1e-5 * (1 + fabs(ref));
    if (bad)
        print_message("  loss %.9g, reference %.9g\n", loss, ref);
    size_t *idx;
    size_t n = pick(net, 0, np, sample, 11, &idx);
    bad += check_coords(&pb, 0, g, idx, n);
    free(idx);
    n = pick(net, 1, nx, sample / 4 + 8, 13, &idx);
    bad += check_coords(&pb, 1, dx, idx, n);
    free(idx);
    free(theta);
    free(x);
    free(g);
    free(dx);
    problem_free(&pb);
    return bad;
}

static rsc_net *new_net(rsc_backend *be, int c, int h, int w, int batch)
{
    rsc_error err;
    rsc_net *net = rsc_net_new(be, (rsc_shape){ c, h, w }, batch, &err);
    if (!net)
        fail_msg("%s", err.msg);
    return net;
}

static void finish(rsc_net *net)
{
    rsc_error err;
    if (rsc_net_finalize(net, &err) != 0)
        fail_msg("%s", err.msg);
    if (rsc_arch_init(net, "linear", 3, &err) != 0)
        fail_msg("%s", err.msg);
}

/* ------------------------------------------------------------ per layer */

/* Shapes the model format allows but int arithmetic would wrap: flatten
 * of 65536x65536x2 (2^33 features; (int) gave 0) and a linear layer of
 * more than 2^31 weights are refused with a message. */
static void test_huge_shapes(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 2, 65536, 65536, 1);
    assert_int_equal(rsc_net_add_flatten(net, "flatten", &err), -1);
    assert_non_null(strstr(err.msg, "8589934592 features"));
    rsc_net_free(net);
    net = new_net(be, 65536, 1, 1, 1);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 65536, &err), -1);
    assert_non_null(strstr(err.msg, "4294967296 weights"));
    rsc_net_free(net);
    net = new_net(be, 4, 256, 256, 1);   /* 2^18 features: fine */
    assert_int_equal(rsc_net_add_flatten(net, "flatten", &err), 0);
    assert_int_equal(net->layers[0].out.c, 262144);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_linear(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 7, 1, 1, 5);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 4, &err), 0);
    finish(net);
    assert_int_equal(net->nparam_total, 7 * 4 + 4);
    assert_int_equal(gradcheck(net, 5, 1, 1000), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_linear_relu_fused(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 2, 3, 2, 6);
    assert_int_equal(rsc_net_add_flatten(net, "flatten", &err), 0);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 9, &err), 0);
    assert_int_equal(rsc_net_add_relu(net, "relu1", &err), 0);
    assert_int_equal(rsc_net_add_linear(net, "fc2", 3, &err), 0);
    finish(net);
    assert_true(net->layers[1].fuse_relu);
    assert_true(net->layers[2].fused);
    assert_int_equal(gradcheck(net, 6, 1, 1000), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* A ReLU not after a linear layer runs its own forward (relu0 works in
 * place on the network input, which has no producer); a ReLU after a ReLU
 * may not overwrite its input (the first ReLU's backward reads it). */
static void test_relu_unfused(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 1, 2, 4, 4);
    assert_int_equal(rsc_net_add_flatten(net, "flatten", &err), 0);
    assert_int_equal(rsc_net_add_relu(net, "relu0", &err), 0);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 5, &err), 0);
    assert_int_equal(rsc_net_add_relu(net, "relu1", &err), 0);
    assert_int_equal(rsc_net_add_relu(net, "relu2", &err), 0);   /* after a ReLU: not in place */
    assert_int_equal(rsc_net_add_linear(net, "fc2", 3, &err), 0);
    finish(net);
    assert_false(net->layers[1].fused);
    assert_false(net->layers[4].inplace);
    /* Shift inputs to straddle zero so relu0 matters. */
    problem pb;
    problem_init(&pb, net, 4, 1, 3);
    for (size_t i = 0; i < 4 * 8; i++)
        pb.x[i] -= 0.5f;
    assert_int_equal(be->upload(be, rsc_net_input(net), 0, pb.x, 4 * 8 * sizeof(float), &err), 0);
    float g[64], dx[32];
    double loss;
    analytic(&pb, g, dx, &loss);
    size_t idx[64];
    for (size_t i = 0; i < net->nparam_total; i++)
        idx[i] = i;
    assert_int_equal(check_coords(&pb, 0, g, idx, net->nparam_total), 0);
    for (size_t i = 0; i < 32; i++)
        idx[i] = i;
    /* dx of the input ReLU: zero where the input is negative. */
    assert_int_equal(check_coords(&pb, 1, dx, idx, 32), 0);
    for (size_t i = 0; i < 32; i++)
        if (pb.x[i] < 0)
            assert_true(dx[i] == 0.0f);
    problem_free(&pb);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_dropout(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 6, 1, 1, 8);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 10, &err), 0);
    assert_int_equal(rsc_net_add_dropout(net, "drop1", 0.5, &err), 0);   /* in place */
    assert_int_equal(rsc_net_add_relu(net, "relu1", &err), 0);
    assert_int_equal(rsc_net_add_dropout(net, "drop2", 0.3, &err), 0);  /* after ReLU: copy */
    assert_int_equal(rsc_net_add_linear(net, "fc2", 4, &err), 0);
    finish(net);
    assert_true(net->layers[1].inplace);
    assert_false(net->layers[3].inplace);
    assert_int_equal(gradcheck(net, 8, 1, 1000), 0);   /* training: masks on */
    assert_int_equal(gradcheck(net, 8, 0, 1000), 0);   /* evaluation: identity */
    rsc_net_free(net);
    /* The mask drops about p of the units and scales the rest: a network
     * of one dropout layer on an input of ones outputs the mask. */
    net = new_net(be, 80, 1, 1, 1);
    assert_int_equal(rsc_net_add_dropout(net, "drop", 0.5, &err), 0);
    assert_int_equal(rsc_net_finalize(net, &err), 0);
    float mask[80];
    for (int i = 0; i < 80; i++)
        mask[i] = 1.0f;
    assert_int_equal(be->upload(be, rsc_net_input(net), 0, mask, sizeof mask, &err), 0);
    rsc_buf *out = rsc_net_forward(net, 1, 1);
    assert_int_equal(be->download(be, mask, out, 0, sizeof mask, &err), 0);
    int zeros = 0;
    for (int i = 0; i < 80; i++) {
        assert_true(mask[i] == 0.0f || mask[i] == 2.0f);
        assert_true((mask[i] == 0.0f) == (rsc_backend_uniform(0, (uint64_t)i) < 0.5f));
        zeros += mask[i] == 0.0f;
    }
    assert_in_range(zeros, 25, 55);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* The checker itself must fail on a wrong gradient. */
static void test_checker_fails(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 5, 1, 1, 3);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 3, &err), 0);
    finish(net);
    problem pb;
    problem_init(&pb, net, 3, 1, 5);
    float g[18];
    double loss;
    analytic(&pb, g, NULL, &loss);
    size_t idx[18];
    for (size_t i = 0; i < 18; i++)
        idx[i] = i;
    assert_int_equal(check_coords(&pb, 0, g, idx, 18), 0);
    g[4] *= 1.01f;   /* 1% off: past the tolerance */
    assert_int_equal(check_coords(&pb, 0, g, idx, 18), 1);
    g[4] /= 1.01f;
    g[16] += 1e-2f;  /* a bias gradient off by 0.01 */
    assert_int_equal(check_coords(&pb, 0, g, idx, 18), 1);
    problem_free(&pb);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* ------------------------------------------------------------ whole MLPs */

static void check_arch(const char *arch, int threads, int batch, size_t expect_params,
                       size_t sample)
{
    rsc_error err;
    rsc_backend *be = open_cpu(threads);
    rsc_net *net = new_net(be, 1, 28, 28, batch);
    if (rsc_arch_build(net, arch, 10, &err) != 0 || rsc_arch_init(net, arch, 0, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(net->nparam_total, expect_params);
    assert_string_equal(net->params[0].name, "fc1.weight");
    assert_int_equal(net->params[0].dims[1], 784);
    assert_int_equal(gradcheck(net, batch, 1, sample), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_mlp_small(void **state)
{
    (void)state;
    check_arch("mlp-small", 1, 6, 203530, 300);
}

static void test_mlp(void **state)
{
    (void)state;
    check_arch("mlp", 2, 16, 335114, 150);   /* 2 threads: GEMMs split by columns */
}

static void test_mlp_large(void **state)
{
    (void)state;
    check_arch("mlp-large", 1, 3, 932362, 150);
}

static void test_linear_arch(void **state)
{
    (void)state;
    check_arch("linear", 1, 4, 7850, 400);
}

static void test_param_names(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 1, 28, 28, 2);
    assert_int_equal(rsc_arch_build(net, "mlp", 10, &err), 0);
    const char *names[] = { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
                            "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias" };
    const int64_t d0[] = { 256, 256, 256, 256, 256, 256, 10, 10 };
    assert_int_equal(net->nparams, 8);
    for (int i = 0; i < 8; i++) {
        assert_string_equal(net->params[i].name, names[i]);
        assert_int_equal(net->params[i].dims[0], d0[i]);
        assert_int_equal(net->params[i].ndim, i % 2 ? 1 : 2);
    }
    /* Initialisation bounds: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    assert_int_equal(rsc_arch_init(net, "mlp", 0, &err), 0);
    float *theta = malloc(net->nparam_total * sizeof *theta);
    assert_int_equal(rsc_net_get_params(net, theta, &err), 0);
    for (int i = 0; i < net->nparams; i++) {
        const rsc_param *p = &net->params[i];
        float bound = 1.0f / sqrtf((float)p->fan_in), mx = 0;
        for (size_t j = 0; j < p->count; j++)
            mx = fabsf(theta[p->offset + j]) > mx ? fabsf(theta[p->offset + j]) : mx;
        assert_true(mx <= bound);
        if (p->count >= 1000)   /* the whole range is used */
            assert_true(mx > 0.99f * bound);
    }
    char *d = rsc_net_describe(net, &err);
    assert_non_null(d);
    assert_non_null(strstr(d, "total parameters: 335114"));
    free(d);
    assert_int_equal(rsc_arch_build(net, "nope", 10, &err), -1);
    assert_non_null(strstr(err.msg, "unknown architecture 'nope'"));
    free(theta);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* ------------------------------------------------------------ kernels */

/* The gradient of the MLP on the CPU backend with 1 thread, 2 threads, and
 * 2 threads again.  The documented promise (rsc-train.1, DETERMINISM) is
 * bit-identity for the same thread count; across thread counts only the
 * last bits may change: the backend splits a GEMM by rows or columns of
 * its output, never along the summed dimension, but the BLAS may round an
 * element differently in calls of other shapes (OpenBLAS's Haswell
 * kernels do; its SkylakeX ones mostly do not).  So: the two 2-thread runs
 * are equal bit for bit, and 1 vs 2 threads agree to 1e-5 of each
 * tensor's largest gradient (a wrong split, a missed or doubled range, is
 * off by O(1)). */
static void test_threads(void **state)
{
    (void)state;
    rsc_error err;
    const int threads[3] = { 1, 2, 2 };
    float *out[3];
    rsc_net *net = NULL;
    for (int t = 0; t < 3; t++) {
        rsc_backend *be = open_cpu(threads[t]);
        net = new_net(be, 1, 28, 28, 128);
        assert_int_equal(rsc_arch_build(net, "mlp", 10, &err), 0);
        assert_int_equal(rsc_arch_init(net, "mlp", 1, &err), 0);
        problem pb;
        problem_init(&pb, net, 128, 1, 9);
        out[t] = malloc(net->nparam_total * sizeof(float));
        double loss;
        analytic(&pb, out[t], NULL, &loss);
        problem_free(&pb);
        if (t < 2) {
            rsc_net_free(net);
            rsc_backend_close(be);
        }
    }
    assert_int_equal(net->nparam_total, 335114);
    assert_memory_equal(out[1], out[2], 335114 * sizeof(float));
    for (int i = 0; i < net->nparams; i++) {
        const rsc_param *p = &net->params[i];
        float mx = 0, diff = 0;
        for (size_t j = p->offset; j < p->offset + p->count; j++) {
            mx = fmaxf(mx, fabsf(out[0][j]));
            diff = fmaxf(diff, fabsf(out[0][j] - out[1][j]));
        }
        assert_true(mx > 0);
        if (!(diff <= 1e-5f * mx))
            fail_msg("%s: 1 and 2 threads differ by %g (largest gradient %g)", p->name, diff, mx);
    }
    rsc_backend *be = net->be;
    rsc_net_free(net);
    rsc_backend_close(be);
    for (int t = 0; t < 3; t++)
        free(out[t]);
}

static void test_kernels(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(2);
    enum { N = 40000 };
    float *h = malloc(N * sizeof *h), *r = malloc(N * sizeof *r);
    for (int i = 0; i < N; i++)
        h[i] = (float)((i * 37) % 101 - 50) / 10.0f;
    rsc_buf *x = be->alloc(be, N * sizeof(float), &err), *y = be->alloc(be, N * sizeof(float), &err);
    rsc_buf *d = be->alloc(be, sizeof(double), &err);
    assert_int_equal(be->upload(be, x, 0, h, N * sizeof(float), &err), 0);
    /* clamp */
    be->copy(be, y, 0, x, 0, N * sizeof(float));
    be->clamp(be, y, N, -1.5f, 2.0f);
    assert_int_equal(be->download(be, r, y, 0, N * sizeof(float), &err), 0);
    for (int i = 0; i < N; i++)
        assert_true(r[i] == (h[i] < -1.5f ? -1.5f : h[i] > 2.0f ? 2.0f : h[i]));
    /* sumsq in double */
    be->sumsq(be, x, N, d);
    double s, want = 0;
    for (int i = 0; i < N; i++)
        want += (double)h[i] * h[i];
    assert_int_equal(be->download(be, &s, d, 0, sizeof s, &err), 0);
    assert_true(fabs(s - want) <= 1e-12 * want);
    /* axpy, scale */
    be->copy(be, y, 0, x, 0, N * sizeof(float));
    be->axpy(be, N, 0.5f, x, y);
    be->scale(be, N, 2.0f, y);
    assert_int_equal(be->download(be, r, y, 0, N * sizeof(float), &err), 0);
    for (int i = 0; i < N; i++)
        assert_true(r[i] == (h[i] + 0.5f * h[i]) * 2.0f);
    /* noise: mean ~0, variance ~sigma^2, and a function of (seed, i) */
    be->fill(be, y, N, 0);
    be->noise_add(be, y, N, 0.5f, 42);
    assert_int_equal(be->download(be, r, y, 0, N * sizeof(float), &err), 0);
    double m = 0, v = 0;
    for (int i = 0; i < N; i++) {
        m += r[i];
        v += (double)r[i] * r[i];
        assert_true(r[i] == 0.5f * rsc_backend_normal(42, (uint64_t)i));
    }
    m /= N;
    v = v / N - m * m;
    assert_true(fabs(m) < 0.01);
    assert_true(fabs(v - 0.25) < 0.01);
    /* gather of u8 rows: value / 255 */
    unsigned char u8[3 * 4] = { 0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40 };
    int32_t ix[2] = { 2, 0 };
    rsc_buf *src = be->alloc(be, sizeof u8, &err), *ib = be->alloc(be, sizeof ix, &err);
    assert_int_equal(be->upload(be, src, 0, u8, sizeof u8, &err), 0);
    assert_int_equal(be->upload(be, ib, 0, ix, sizeof ix, &err), 0);
    be->gather(be, y, src, RSC_GATHER_U8, 4, ib, 0, 2, NULL, NULL);
    assert_int_equal(be->download(be, r, y, 0, 8 * sizeof(float), &err), 0);
    assert_true(r[0] == 10 / 255.0f && r[3] == 40 / 255.0f && r[5] == 1.0f && r[6] == 51 / 255.0f);
    /* with row 2 substituted by the float row sub[0] (slot map -1, -1, 0) */
    int32_t slot[3] = { -1, -1, 0 };
    float subrow[4] = { 0.5f, -1, 7, 0.25f };
    rsc_buf *sb = be->alloc(be, sizeof slot, &err), *sr = be->alloc(be, sizeof subrow, &err);
    assert_int_equal(be->upload(be, sb, 0, slot, sizeof slot, &err), 0);
    assert_int_equal(be->upload(be, sr, 0, subrow, sizeof subrow, &err), 0);
    be->gather(be, y, src, RSC_GATHER_U8, 4, ib, 0, 2, sb, sr);
    assert_int_equal(be->download(be, r, y, 0, 8 * sizeof(float), &err), 0);
    assert_memory_equal(r, subrow, sizeof subrow);
    assert_true(r[4] == 0 && r[5] == 1.0f && r[6] == 51 / 255.0f && r[7] == 102 / 255.0f);
    be->free(be, sb);
    be->free(be, sr);
    /* xent: loss of uniform logits is log(classes); accuracy counts the
     * first maximum */
    float logits[6] = { 0, 0, 0, 1, 3, 2 };
    int32_t lab[2] = { 0, 2 };
    rsc_buf *lb = be->alloc(be, sizeof logits, &err), *yb = be->alloc(be, sizeof lab, &err);
    assert_int_equal(be->upload(be, lb, 0, logits, sizeof logits, &err), 0);
    assert_int_equal(be->upload(be, yb, 0, lab, sizeof lab, &err), 0);
    rsc_buf *st = be->alloc(be, 2 * sizeof(double), &err);
    be->xent(be, lb, yb, 2, 3, NULL, 0.5f, st);
    double sv[2];
    assert_int_equal(be->download(be, sv, st, 0, sizeof sv, &err), 0);
    double l2 = log(exp(1.0) + exp(3.0) + exp(2.0)) - 2.0;
    assert_true(fabs(sv[0] - (log(3.0) + l2)) < 1e-6);
    assert_true(sv[1] == 1.0);   /* row 0: argmax 0 (first), label 0: correct; row 1: 1 != 2 */
    be->free(be, st);
    be->free(be, lb);
    be->free(be, yb);
    be->free(be, src);
    be->free(be, ib);
    be->free(be, x);
    be->free(be, y);
    be->free(be, d);
    free(h);
    free(r);
    rsc_backend_close(be);
}

static void test_backend_names(void **state)
{
    (void)state;
    rsc_error err;
    assert_null(rsc_backend_open("tpu", 1, &err));
    assert_non_null(strstr(err.msg, "unknown device 'tpu'"));
    rsc_backend *be = rsc_backend_open("auto", 1, &err);
    assert_non_null(be);
    rsc_backend_close(be);
    be = rsc_backend_open("cuda", 1, &err);
    if (!be)
        assert_true(strstr(err.msg, "no CUDA backend") || strstr(err.msg, "no CUDA device"));
    else
        rsc_backend_close(be);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_linear_relu_fused),
        cmocka_unit_test(test_relu_unfused),
        cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_checker_fails),
        cmocka_unit_test(test_linear_arch),
        cmocka_unit_test(test_mlp_small),
        cmocka_unit_test(test_mlp),
        cmocka_unit_test(test_mlp_large),
        cmocka_unit_test(test_param_names),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_kernels),
        cmocka_unit_test(test_backend_names),
        cmocka_unit_test(test_huge_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
