/* test-convnet.c - the convolutional layers inside networks: finite-
 * difference gradient checks of every layer kind (convolution, max and
 * average pooling, batch norm in training and eval mode, input
 * normalisation, the basic block with identity and option-A shortcuts) and
 * of a whole small ResNet; a small ResNet with PyTorch's weights against
 * PyTorch's logits and running statistics (state_dict names mapped one to
 * one); Table 2's parameter counts and PyTorch's names;
 * batch norm running statistics; the initialisation; determinism across
 * runs; a ResNet-20 whose loss decreases over a few SGD steps.
 *
 * Gradient checks: the forward pass is float32, so the reference is a
 * central difference of the float loss (accumulated in double by the
 * backend's cross-entropy) with step h = 1e-3 * max(1, max |v|).  For the
 * piecewise-linear layers the difference is exact up to rounding (about
 * 1e-7 / h = 1e-4 in absolute terms) unless a ReLU kink or a pooling
 * switch falls inside [v - h, v + h]; batch norm adds a truncation error
 * O(h^2).  Per coordinate we require |analytic - fd| <= 2e-3 * max|fd| +
 * 2e-2 * |fd|; batch norm biases are shifted to keep most ReLUs away from
 * their kink.  Input gradients of residual blocks are tiny per coordinate
 * (below the rounding floor), so they are checked along a random sign
 * direction per example instead (check_directional).  A wrong gradient (a
 * missing term, a wrong index, a shortcut that overwrites instead of
 * adding, a batch-norm term off by 10%) fails these checks: tried by
 * hand. */
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
#include "nn/conv_layers.h"
#include "nn/model.h"
#include "nn/model_file.h"
#include "nn/net.h"
#include "nn/optim.h"
#include "core/rng.h"
#include "nn/layers.h"

static rsc_backend *open_cpu(int threads)
{
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", threads, &err);
    if (!be)
        fail_msg("%s", err.msg);
    return be;
}

static rsc_net *new_net(rsc_backend *be, int c, int h, int w, int batch)
{
    rsc_error err;
    rsc_net *net = rsc_net_new(be, (rsc_shape){ c, h, w }, batch, &err);
    if (!net)
        fail_msg("%s", err.msg);
    return net;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        rsc_error err_;                                                                            \
        rsc_error *err = &err_;                                                                    \
        if ((call) != 0)                                                                           \
            fail_msg("%s: %s", #call, err_.msg);                                                   \
    } while (0)

/* ------------------------------------------------------------ gradient check */

typedef struct problem {
    rsc_net *net;
    int batch, train;
    float *x, *theta;
    int32_t *y;
    size_t nx, np;
} problem;

static void upload_all(problem *pb)
{
    rsc_backend *be = pb->net->be;
    OK(rsc_net_set_params(pb->net, pb->theta, err));
    OK(be->upload(be, rsc_net_input(pb->net), 0, pb->x, pb->nx * sizeof(float), err));
}

static double loss_of(problem *pb)
{
    rsc_net *net = pb->net;
    rsc_backend *be = net->be;
    upload_all(pb);
    be->fill(be, net->stats, 4, 0);
    rsc_net_forward(net, pb->batch, pb->train);
    rsc_net_loss(net, pb->batch, 0);
    double st[2];
    OK(be->download(be, st, net->stats, 0, sizeof st, err));
    return st[0] / pb->batch;
}

static void problem_init(problem *pb, rsc_net *net, int batch, int train, uint32_t seed)
{
    rsc_rng rng;
    rsc_rng_seed(&rng, seed);
    pb->net = net;
    pb->batch = batch;
    pb->train = train;
    pb->nx = (size_t)batch * rsc_shape_size(net->input);
    pb->np = net->nparam_total;
    pb->x = malloc(pb->nx * sizeof *pb->x);
    pb->y = malloc((size_t)batch * sizeof *pb->y);
    pb->theta = malloc((pb->np ? pb->np : 1) * sizeof *pb->theta);
    for (size_t i = 0; i < pb->nx; i++)
        pb->x[i] = (float)rsc_rng_normal(&rng);
    for (int i = 0; i < batch; i++)
        pb->y[i] = (int32_t)rsc_rng_randint(&rng, 0, net->classes);
    for (size_t i = 0; i < pb->np; i++)
        pb->theta[i] = (float)(0.5 * rsc_rng_normal(&rng));
    /* Batch norm weights near 1 (as after initialisation) and biases near
     * 1.5, so that most ReLUs after a batch norm are active and few sit
     * within a step of their kink (a kink inside the difference interval
     * is the main error of the finite difference). */
    for (int p = 0; p < net->nparams; p++)
        if (strstr(net->params[p].name, "bn"))
            for (size_t j = 0; j < net->params[p].count; j++)
                pb->theta[net->params[p].offset + j] +=
                    strstr(net->params[p].name, ".weight") ? 1.0f : 1.5f;
    OK(net->be->upload(net->be, net->labels, 0, pb->y, (size_t)batch * sizeof(int32_t), err));
}

static void problem_free(problem *pb)
{
    free(pb->x);
    free(pb->y);
    free(pb->theta);
}

/* Compare analytic and finite-difference gradients at n coordinates of v
 * (the parameters or the input).  Returns the number of failures. */
static int check(problem *pb, float *v, size_t total, const float *grad, size_t want,
                 const char *what)
{
    size_t n = total < want ? total : want;
    size_t *idx = malloc(n * sizeof *idx);
    rsc_rng rng;
    rsc_rng_seed(&rng, 5);
    for (size_t j = 0; j < n; j++)
        idx[j] = total <= want ? j : (size_t)rsc_rng_interval(&rng, total - 1);
    double vmax = 0;
    for (size_t i = 0; i < total; i++)
        vmax = fmax(vmax, fabs(v[i]));
    double h = 1e-3 * fmax(vmax, 1.0);
    double *fd = malloc(n * sizeof *fd), scale = 0;
    for (size_t j = 0; j < n; j++) {
        float save = v[idx[j]];
        v[idx[j]] = (float)(save + h);
        double hp = (double)v[idx[j]] - save;
        double lp = loss_of(pb);
        v[idx[j]] = (float)(save - h);
        double hm = save - (double)v[idx[j]];
        double lm = loss_of(pb);
        v[idx[j]] = save;
        fd[j] = (lp - lm) / (hp + hm);
        scale = fmax(scale, fabs(fd[j]));
    }
    int bad = 0;
    for (size_t j = 0; j < n; j++) {
        double g = grad[idx[j]];
        if (!(fabs(g - fd[j]) <= 2e-3 * scale + 2e-2 * fabs(fd[j]))) {
            if (bad < 5)
                print_message("  %s[%zu]: analytic %.9g, finite difference %.9g (scale %.3g)\n",
                              what, idx[j], g, fd[j], scale);
            bad++;
        }
    }
    if (scale == 0) {
        print_message("  %s: every finite difference is 0\n", what);
        bad++;
    }
    free(idx);
    free(fd);
    return bad;
}

/* Directional checks of the input gradient, one per example: d = random
 * signs on that example's inputs, analytic sum_i g_i d_i against the
 * central difference along d.  Summing over many coordinates lifts the
 * signal above the float rounding of the loss (about 1e-7 / h) where the
 * per-coordinate input gradients are tiny (deep blocks, averaged
 * outputs); a wrong gradient in many coordinates, or in another example,
 * shows.  Tolerance: 1e-2 of sum_i |g_i| plus that rounding floor. */
static int check_directional(problem *pb, const float *grad)
{
    size_t per = pb->nx / (size_t)pb->batch;
    float *d = malloc(per * sizeof *d), *save = malloc(per * sizeof *save);
    rsc_rng rng;
    rsc_rng_seed(&rng, 17);
    const double h = 1e-3;
    int bad = 0;
    for (int n = 0; n < pb->batch; n++) {
        float *v = pb->x + (size_t)n * per;
        const float *g = grad + (size_t)n * per;
        double ana = 0, l1 = 0;
        for (size_t i = 0; i < per; i++) {
            d[i] = rsc_rng_u32(&rng) & 1 ? 1.0f : -1.0f;
            ana += (double)g[i] * d[i];
            l1 += fabs(g[i]);
            save[i] = v[i];
        }
        for (size_t i = 0; i < per; i++)
            v[i] = (float)(save[i] + h * d[i]);
        double lp = loss_of(pb);
        for (size_t i = 0; i < per; i++)
            v[i] = (float)(save[i] - h * d[i]);
        double lm = loss_of(pb);
        memcpy(v, save, per * sizeof *v);
        double fd = (lp - lm) / (2 * h);
        if (!(fabs(ana - fd) <= 1e-2 * l1 + 2e-4) || l1 == 0) {
            print_message("  dx of example %d along d: analytic %.9g, finite difference %.9g "
                          "(sum |g| %.3g)\n", n, ana, fd, l1);
            bad++;
        }
    }
    free(d);
    free(save);
    return bad;
}

static int directional_dx;   /* check input gradients along directions */

static int gradcheck(rsc_net *net, int batch, int train, size_t want)
{
    problem pb;
    problem_init(&pb, net, batch, train, 3);
    rsc_backend *be = net->be;
    upload_all(&pb);
    net->input_grad = 1;
    be->fill(be, net->stats, 4, 0);
    rsc_net_forward(net, batch, train);
    rsc_net_loss(net, batch, 1);
    rsc_net_backward(net, batch);
    float *g = malloc((pb.np ? pb.np : 1) * sizeof *g), *dx = malloc(pb.nx * sizeof *dx);
    OK(rsc_net_get_grads(net, g, err));
    OK(be->download(be, dx, net->grad[0], 0, pb.nx * sizeof(float), err));
    int bad = 0;
    if (pb.np)
        bad += check(&pb, pb.theta, pb.np, g, want, "theta");
    if (directional_dx)
        bad += check_directional(&pb, dx);
    else
        bad += check(&pb, pb.x, pb.nx, dx, want, "dx");
    free(g);
    free(dx);
    problem_free(&pb);
    return bad;
}

static void finish(rsc_net *net)
{
    OK(rsc_net_finalize(net, err));
}

static void test_grad_conv(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 3, 7, 6, 3);
    OK(rsc_net_add_conv2d(net, "conv1", 4, 3, 2, 1, 1, err));
    OK(rsc_net_add_conv2d(net, "conv2", 3, 3, 1, 0, 0, err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "fc", 3, err));
    finish(net);
    assert_int_equal(net->nparam_total, 4 * 3 * 9 + 4 + 3 * 4 * 9 + 3 * 2 * 1 * 3 + 3);
    assert_string_equal(net->params[0].name, "conv1.weight");
    assert_int_equal(net->params[0].dims[1], 3);
    assert_int_equal(gradcheck(net, 3, 1, 400), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_grad_pool(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 2, 7, 8, 3);
    OK(rsc_net_add_conv2d(net, "conv", 3, 3, 1, 1, 1, err));
    OK(rsc_net_add_maxpool(net, "pool", 2, 2, err));         /* 7x8 -> 3x4 */
    OK(rsc_net_add_avgpool(net, "avg", 2, 3, err));          /* 3x4 -> 2x3, overlapping bins */
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "fc", 4, err));
    finish(net);
    assert_int_equal(net->layers[1].out.h, 3);
    assert_int_equal(net->layers[1].out.w, 4);
    assert_int_equal(gradcheck(net, 3, 1, 300), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_grad_avgpool_up(void **state)
{
    (void)state;
    /* VGG16's case: 1x1 -> 7x7 (replication), then a linear layer. */
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 3, 2, 2, 2);
    OK(rsc_net_add_maxpool(net, "pool", 2, 2, err));
    OK(rsc_net_add_avgpool(net, "avgpool", 7, 7, err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "fc", 3, err));
    finish(net);
    assert_int_equal(rsc_shape_size(net->layers[1].out), 3 * 49);
    assert_int_equal(gradcheck(net, 2, 1, 300), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void bn_net_check(int train)
{
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 2, 5, 4, 4);
    OK(rsc_net_add_conv2d(net, "conv", 3, 3, 1, 1, 0, err));
    OK(rsc_net_add_batchnorm(net, "bn", err));
    OK(rsc_net_add_relu(net, "relu", err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "fc", 3, err));
    finish(net);
    assert_int_equal(net->nstates, 2);
    assert_string_equal(net->states[0].name, "bn.running_mean");
    assert_string_equal(net->states[1].name, "bn.running_var");
    if (!train) {
        /* Eval mode with non-trivial running statistics. */
        float st[6] = { 0.3f, -0.2f, 0.1f, 1.5f, 0.7f, 2.0f };
        OK(rsc_net_set_state(net, st, err));
    }
    assert_int_equal(gradcheck(net, 4, train, 300), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_grad_batchnorm_train(void **state)
{
    (void)state;
    bn_net_check(1);
}

static void test_grad_batchnorm_eval(void **state)
{
    (void)state;
    bn_net_check(0);
}

static void test_grad_normalize(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 3, 3, 3, 2);
    const float mean[3] = { 0.4914f, 0.4822f, 0.4465f }, std[3] = { 0.2023f, 0.1994f, 0.2010f };
    OK(rsc_net_add_normalize(net, "normalize", mean, std, err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "fc", 3, err));
    finish(net);
    assert_int_equal(gradcheck(net, 2, 1, 300), 0);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void block_check(int planes, int stride, int train)
{
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 4, 6, 6, 3);
    OK(rsc_net_add_basicblock(net, "layer1.0", planes, stride, err));
    OK(rsc_net_add_avgpool(net, "avgpool", 1, 1, err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "linear", 3, err));
    finish(net);
    static const char *names[] = { "layer1.0.conv1.weight", "layer1.0.bn1.weight",
                                   "layer1.0.bn1.bias", "layer1.0.conv2.weight",
                                   "layer1.0.bn2.weight", "layer1.0.bn2.bias" };
    for (int i = 0; i < 6; i++)
        assert_string_equal(net->params[i].name, names[i]);
    assert_int_equal(net->nstates, 4);
    assert_string_equal(net->states[3].name, "layer1.0.bn2.running_var");
    assert_int_equal(net->layers[0].out.c, planes);
    assert_int_equal(net->layers[0].out.h, stride == 2 ? 3 : 6);
    if (!train) {
        float *st = malloc(net->nstate_total * sizeof *st);
        for (size_t i = 0; i < net->nstate_total; i++)
            st[i] = 0.5f + 0.1f * (float)(i % 7);
        OK(rsc_net_set_state(net, st, err));
        free(st);
    }
    directional_dx = 1;
    assert_int_equal(gradcheck(net, 3, train, 400), 0);
    directional_dx = 0;
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_grad_block_identity(void **state)
{
    (void)state;
    block_check(4, 1, 1);
}

static void test_grad_block_optionA(void **state)
{
    (void)state;
    block_check(8, 2, 1);
}

static void test_grad_block_eval(void **state)
{
    (void)state;
    block_check(8, 2, 0);
}

/* A whole small ResNet (one block per stage) on a tiny input. */
static rsc_net *small_resnet(rsc_backend *be, int batch)
{
    rsc_net *net = new_net(be, 3, 8, 8, batch);
    const float mean[3] = { 0.4914f, 0.4822f, 0.4465f }, std[3] = { 0.2023f, 0.1994f, 0.2010f };
    OK(rsc_net_add_normalize(net, "normalize", mean, std, err));
    OK(rsc_net_add_conv2d(net, "conv1", 4, 3, 1, 1, 0, err));
    OK(rsc_net_add_batchnorm(net, "bn1", err));
    OK(rsc_net_add_relu(net, "relu", err));
    OK(rsc_net_add_basicblock(net, "layer1.0", 4, 1, err));
    OK(rsc_net_add_basicblock(net, "layer2.0", 8, 2, err));
    OK(rsc_net_add_basicblock(net, "layer3.0", 16, 2, err));
    OK(rsc_net_add_avgpool(net, "avgpool", 1, 1, err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "linear", 3, err));
    finish(net);
    return net;
}

static void test_grad_small_resnet(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = small_resnet(be, 4);
    assert_int_equal(net->layers[6].out.h, 2);
    directional_dx = 1;
    assert_int_equal(gradcheck(net, 4, 1, 500), 0);
    directional_dx = 0;
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* ------------------------------------------------------------ against PyTorch */

/* A small CIFAR ResNet (the reference's BasicBlock/ResNet code, widths
 * 4/8/16, one block per stage) with PyTorch's weights, by state_dict name:
 * every entry maps onto one of our parameters or state tensors with the
 * same size, and the training-mode logits, the running statistics after
 * that forward and the eval-mode logits agree with PyTorch's
 * (tests/fixtures/conv-resnet.txt, tests/gen/make-resnet-fixture.py) to
 * float tolerance: 1e-4 relative to the largest value, for sums of a few
 * hundred terms through five convolutions. */
static void close_to(const char *what, const float *got, const double *want, size_t n)
{
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= 1e-4 * (scale + 1e-3)))
            fail_msg("%s[%zu] = %.9g, torch %.9g", what, i, got[i], want[i]);
}

static size_t parse_values(char *p, double *v, size_t cap)
{
    size_t n = 0;
    char *end;
    for (;;) {
        double d = strtod(p, &end);
        if (end == p)
            break;
        if (n == cap)
            fail_msg("too many values");
        v[n++] = d;
        p = end;
    }
    return n;
}

static void test_torch_resnet(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(2);
    rsc_net *net = new_net(be, 3, 8, 8, 2);
    const float mean[3] = { 0.4914f, 0.4822f, 0.4465f }, std[3] = { 0.2023f, 0.1994f, 0.2010f };
    OK(rsc_net_add_normalize(net, "normalize", mean, std, err));
    OK(rsc_net_add_conv2d(net, "conv1", 4, 3, 1, 1, 0, err));
    OK(rsc_net_add_batchnorm(net, "bn1", err));
    OK(rsc_net_add_relu(net, "relu", err));
    OK(rsc_net_add_basicblock(net, "layer1.0", 4, 1, err));
    OK(rsc_net_add_basicblock(net, "layer2.0", 8, 2, err));
    OK(rsc_net_add_basicblock(net, "layer3.0", 16, 2, err));
    OK(rsc_net_add_avgpool(net, "avgpool", 1, 1, err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "linear", 3, err));
    finish(net);

    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/conv-resnet.txt", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    float *theta = calloc(net->nparam_total, sizeof *theta);
    float *st = calloc(net->nstate_total, sizeof *st);
    int *seen_p = calloc((size_t)net->nparams, sizeof *seen_p);
    int *seen_s = calloc((size_t)net->nstates, sizeof *seen_s);
    enum { CAP = 4096 };
    double *v = malloc(CAP * sizeof *v), x[2 * 3 * 64], lt[6], le[6];
    size_t nx = 0, nlt = 0, nle = 0;
    char *line = NULL, key[32], name[64];
    size_t lcap = 0;
    int running = 0;
    while (getline(&line, &lcap, f) > 0) {
        int off = 0;
        if (line[0] == '#' || sscanf(line, "%31s%n", key, &off) != 1)
            continue;
        if (strcmp(key, "param") == 0 || strcmp(key, "running") == 0) {
            int off2 = 0;
            sscanf(line + off, "%63s%n", name, &off2);
            size_t n = parse_values(line + off + off2, v, CAP);
            const rsc_param *pp = rsc_net_find_param(net, name);
            const rsc_param *ps = rsc_net_find_state(net, name);
            if (strcmp(key, "running") == 0) {
                assert_non_null(ps);
                float got[64];
                assert_true(ps->count == n && n <= 64);
                OK(be->download(be, got, ps->p, 0, n * sizeof(float), err));
                close_to(name, got, v, n);
                running++;
                continue;
            }
            if (!pp && !ps)
                fail_msg("state_dict entry %s has no counterpart", name);
            const rsc_param *q = pp ? pp : ps;
            if (q->count != n)
                fail_msg("%s: %zu values, ours has %zu", name, n, q->count);
            float *dst = pp ? theta : st;
            for (size_t i = 0; i < n; i++)
                dst[q->offset + i] = (float)v[i];
            (pp ? seen_p : seen_s)[pp ? pp - net->params : ps - net->states] = 1;
        } else if (strcmp(key, "x") == 0) {
            nx = parse_values(line + off, x, sizeof x / sizeof x[0]);
            OK(rsc_net_set_params(net, theta, err));
            OK(rsc_net_set_state(net, st, err));
            float xf[2 * 3 * 64];
            for (size_t i = 0; i < nx; i++)
                xf[i] = (float)x[i];
            assert_int_equal(nx, 2 * 3 * 64);
            OK(be->upload(be, rsc_net_input(net), 0, xf, sizeof xf, err));
            float logits[6];
            OK(be->download(be, logits, rsc_net_forward(net, 2, 1), 0, sizeof logits, err));
            for (int i = 0; i < 6; i++)
                lt[i] = logits[i];
        } else if (strcmp(key, "logits_train") == 0) {
            nlt = parse_values(line + off, v, CAP);
            assert_int_equal(nlt, 6);
            float got[6];
            for (int i = 0; i < 6; i++)
                got[i] = (float)lt[i];
            close_to("logits_train", got, v, 6);
        } else if (strcmp(key, "logits_eval") == 0) {
            nle = parse_values(line + off, le, 6);
            assert_int_equal(nle, 6);
            float got[6];
            OK(be->download(be, got, rsc_net_forward(net, 2, 0), 0, sizeof got, err));
            close_to("logits_eval", got, le, 6);
        }
    }
    free(line);
    fclose(f);
    for (int i = 0; i < net->nparams; i++)
        if (!seen_p[i])
            fail_msg("parameter %s missing from the state_dict", net->params[i].name);
    for (int i = 0; i < net->nstates; i++)
        if (!seen_s[i])
            fail_msg("state %s missing from the state_dict", net->states[i].name);
    assert_int_equal(running, net->nstates);
    assert_int_equal(nle, 6);
    free(theta), free(st), free(seen_p), free(seen_s), free(v);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* ------------------------------------------------------------ architectures */

static size_t count_params(const char *arch, int c, int h, int w, rsc_net **keep)
{
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, c, h, w, 1);
    OK(rsc_arch_add(net, arch, 10, err));
    size_t n = net->nparam_total;
    if (keep) {
        *keep = net;
        return n;
    }
    rsc_net_free(net);
    rsc_backend_close(be);
    return n;
}

static void free_kept(rsc_net *net)
{
    rsc_backend *be = net->be;
    rsc_net_free(net);
    rsc_backend_close(be);
}

static const rsc_param *param(const rsc_net *net, const char *name)
{
    for (int i = 0; i < net->nparams; i++)
        if (strcmp(net->params[i].name, name) == 0)
            return &net->params[i];
    fail_msg("parameter %s missing", name);
    return NULL;
}

static const rsc_param *state_of(const rsc_net *net, const char *name)
{
    for (int i = 0; i < net->nstates; i++)
        if (strcmp(net->states[i].name, name) == 0)
            return &net->states[i];
    fail_msg("state %s missing", name);
    return NULL;
}

static void test_table2_counts(void **state)
{
    (void)state;
    rsc_net *net;
    assert_int_equal(count_params("cnn", 1, 28, 28, &net), 312202);
    assert_int_equal(param(net, "feature_extractor.conv1.weight")->dims[1], 1);
    assert_int_equal(param(net, "classifier.fc1.weight")->dims[1], 1024);
    assert_int_equal(param(net, "classifier.fc3.bias")->dims[0], 10);
    assert_int_equal(net->nstates, 0);
    free_kept(net);

    assert_int_equal(count_params("resnet20", 3, 32, 32, &net), 269722);
    assert_string_equal(net->params[0].name, "conv1.weight");
    assert_int_equal(param(net, "conv1.weight")->ndim, 4);
    assert_int_equal(param(net, "layer3.2.conv2.weight")->dims[0], 64);
    assert_int_equal(param(net, "layer2.0.conv1.weight")->dims[1], 16);
    assert_int_equal(param(net, "linear.weight")->dims[1], 64);
    assert_string_equal(net->params[net->nparams - 1].name, "linear.bias");
    /* 19 batch norms, two state tensors each: 2 * (16 + 6*16 + 6*32 + 6*64). */
    assert_int_equal(net->nstates, 38);
    assert_int_equal(net->nstate_total, 1376);
    assert_int_equal(state_of(net, "layer1.0.bn1.running_mean")->dims[0], 16);
    assert_int_equal(state_of(net, "bn1.running_var")->dims[0], 16);
    free_kept(net);

    assert_int_equal(count_params("resnet32", 3, 32, 32, NULL), 464154);
    assert_int_equal(count_params("resnet110", 3, 32, 32, NULL), 1727962);

    assert_int_equal(count_params("vgg16", 3, 32, 32, &net), 134301514);
    assert_int_equal(param(net, "features.0.weight")->dims[1], 3);
    assert_int_equal(param(net, "features.28.weight")->dims[0], 512);
    assert_int_equal(param(net, "classifier.0.weight")->dims[1], 25088);
    assert_int_equal(param(net, "classifier.6.weight")->dims[0], 10);
    free_kept(net);
}

/* The architecture table: every entry builds on its own input with the
 * parameter count its summary states, names are listed in the table's
 * order in the unknown-name message, and --describe's text. */
static void test_arch_table(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    size_t n = 0;
    for (const rsc_arch *a = rsc_archs; a->name; a++, n++) {
        assert_ptr_equal(rsc_arch_find(a->name), a);
        rsc_net *net = new_net(be, a->input.c, a->input.h, a->input.w, 1);
        assert_int_equal(rsc_arch_add(net, a->name, 10, &err), 0);
        /* "(203,530 parameters" in the summary, when it gives a count */
        const char *p = strchr(a->summary, '(');
        if (p && strstr(p, "parameters")) {
            size_t want = 0;
            for (p++; *p && *p != ' '; p++)
                if (*p >= '0' && *p <= '9')
                    want = want * 10 + (size_t)(*p - '0');
            if (net->nparam_total != want)
                fail_msg("%s: %zu parameters, the summary says %zu", a->name, net->nparam_total, want);
        } else {
            assert_string_equal(a->name, "linear");
            assert_int_equal(net->nparam_total, 7850);
        }
        rsc_net_free(net);
    }
    assert_int_equal(n, 9);
    char list[256];
    rsc_arch_list(list, sizeof list);
    assert_string_equal(list, "linear, mlp-small, mlp, mlp-large, cnn, resnet20, resnet32, "
                              "resnet110, vgg16");
    rsc_arch_list(list, 12);
    assert_string_equal(list, "linear, ...");
    assert_null(rsc_arch_need("resnet", &err));
    assert_string_equal(err.msg, "unknown architecture 'resnet' (linear, mlp-small, mlp, "
                                 "mlp-large, cnn, resnet20, resnet32, resnet110, vgg16)");
    assert_null(rsc_arch_summary("resnet"));
    char *d = rsc_arch_describe("resnet20", NULL, 10, &err);
    assert_non_null(d);
    assert_true(strncmp(d, "arch resnet20: CIFAR ResNet-20, option-A shortcuts (269,722 "
                           "parameters)\ninput 3x32x32, 10 classes\n", 93) == 0);
    assert_non_null(strstr(d, "total parameters: 269722\n"));
    free(d);
    const rsc_shape grey = { 1, 28, 28 };
    assert_null(rsc_arch_describe("vgg16", &grey, 10, &err));
    assert_non_null(strstr(err.msg, "architecture 'vgg16' on 1x28x28 input"));
    rsc_backend_close(be);
}

static void test_arch_errors(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = open_cpu(1);
    /* VGG16 needs at least 32x32: five 2x2 poolings. */
    rsc_net *net = new_net(be, 1, 28, 28, 1);
    assert_int_equal(rsc_arch_add(net, "vgg16", 10, &err), -1);
    assert_non_null(strstr(err.msg, "architecture 'vgg16' on 1x28x28 input"));
    assert_non_null(strstr(err.msg, "pooling window larger than the 1x1 input"));
    rsc_net_free(net);
    net = new_net(be, 1, 4, 4, 1);
    assert_int_equal(rsc_arch_build(net, "cnn", 10, &err), -1);
    assert_non_null(strstr(err.msg, "kernel"));
    rsc_net_free(net);
    net = new_net(be, 3, 32, 32, 1);
    assert_int_equal(rsc_arch_build(net, "resnet20", 1, &err), -1);
    assert_non_null(strstr(err.msg, "1 classes"));
    rsc_net_free(net);
    net = new_net(be, 4, 6, 6, 1);
    assert_int_equal(rsc_net_add_basicblock(net, "b", 12, 2, &err), -1);
    assert_non_null(strstr(err.msg, "option-A shortcut needs stride 2 and twice the channels"));
    const float m[1] = { 0 }, s[1] = { 0 };
    rsc_net_free(net);
    net = new_net(be, 1, 6, 6, 1);
    assert_int_equal(rsc_net_add_normalize(net, "n", m, s, &err), -1);
    assert_non_null(strstr(err.msg, "std 0"));
    rsc_net_free(net);
    assert_true(rsc_arch_known("resnet110"));
    assert_true(rsc_arch_known("vgg16"));
    assert_false(rsc_arch_known("resnet18"));
    assert_non_null(rsc_arch_summary("cnn"));
    rsc_backend_close(be);
}

/* Initialisation: the reference distributions (moments on the large
 * tensors), zeros and ones where fixed, and determinism by seed. */
static void test_init(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 3, 32, 32, 2);
    OK(rsc_arch_build(net, "resnet20", 10, err));
    OK(rsc_arch_init(net, "resnet20", 0, err));
    float *p = malloc(net->nparam_total * sizeof *p), *q = malloc(net->nparam_total * sizeof *q);
    OK(rsc_net_get_params(net, p, err));
    const rsc_param *w = param(net, "layer3.1.conv1.weight");   /* fan_in 576 */
    double s = 0, ss = 0;
    for (size_t i = 0; i < w->count; i++) {
        s += p[w->offset + i];
        ss += (double)p[w->offset + i] * p[w->offset + i];
    }
    double sd = sqrt(ss / w->count), want = sqrt(2.0 / 576);
    assert_true(fabs(s / w->count) < 4 * want / sqrt((double)w->count));
    assert_true(fabs(sd / want - 1) < 0.02);   /* 36864 draws: sd error ~0.4% */
    const rsc_param *g = param(net, "layer1.0.bn1.weight"), *b = param(net, "layer1.0.bn1.bias");
    for (size_t i = 0; i < g->count; i++) {
        assert_true(p[g->offset + i] == 1.0f);
        assert_true(p[b->offset + i] == 0.0f);
    }
    const rsc_param *lb = param(net, "linear.bias");
    for (size_t i = 0; i < lb->count; i++)
        assert_true(fabsf(p[lb->offset + i]) <= 0.125f && p[lb->offset + i] != 0);
    float *st = malloc(net->nstate_total * sizeof *st);
    OK(rsc_net_get_state(net, st, err));
    const rsc_param *rv = state_of(net, "layer2.1.bn2.running_var");
    const rsc_param *rm = state_of(net, "layer2.1.bn2.running_mean");
    assert_true(st[rv->offset] == 1.0f && st[rm->offset] == 0.0f);
    /* Same seed, same parameters; another seed, others. */
    OK(rsc_arch_init(net, "resnet20", 0, err));
    OK(rsc_net_get_params(net, q, err));
    assert_memory_equal(p, q, net->nparam_total * sizeof *p);
    OK(rsc_arch_init(net, "resnet20", 1, err));
    OK(rsc_net_get_params(net, q, err));
    assert_true(memcmp(p, q, net->nparam_total * sizeof *p) != 0);
    free(st);
    free(p);
    free(q);
    rsc_net_free(net);

    /* CNN: zero conv biases and fc3, uniform fc1 within 1/sqrt(1024). */
    net = new_net(be, 1, 28, 28, 2);
    OK(rsc_arch_build(net, "cnn", 10, err));
    OK(rsc_arch_init(net, "cnn", 0, err));
    p = malloc(net->nparam_total * sizeof *p);
    OK(rsc_net_get_params(net, p, err));
    const rsc_param *cb = param(net, "feature_extractor.conv2.bias");
    const rsc_param *f3 = param(net, "classifier.fc3.weight");
    const rsc_param *f1 = param(net, "classifier.fc1.weight");
    for (size_t i = 0; i < cb->count; i++)
        assert_true(p[cb->offset + i] == 0);
    for (size_t i = 0; i < f3->count; i++)
        assert_true(p[f3->offset + i] == 0);
    float mx = 0;
    for (size_t i = 0; i < f1->count; i++)
        mx = fmaxf(mx, fabsf(p[f1->offset + i]));
    assert_true(mx <= 1.0f / 32 && mx > 0.99f / 32);
    free(p);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* ------------------------------------------------------------ batch norm state */

static void test_running_stats(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(1);
    enum { B = 5, C = 2, HW = 6 };
    rsc_net *net = new_net(be, C, 2, 3, B);
    OK(rsc_net_add_batchnorm(net, "bn", err));
    OK(rsc_net_add_flatten(net, "flatten", err));
    OK(rsc_net_add_linear(net, "fc", 2, err));
    finish(net);
    float st[2 * C];
    OK(rsc_net_get_state(net, st, err));
    assert_true(st[0] == 0 && st[1] == 0 && st[2] == 1 && st[3] == 1);
    float x[B * C * HW];
    for (int i = 0; i < B * C * HW; i++)
        x[i] = (float)((i * 37) % 11) * 0.25f - 1.0f;
    float theta[C * 2 + 2 * C * HW + 2];
    for (size_t i = 0; i < sizeof theta / sizeof theta[0]; i++)
        theta[i] = 1.0f;
    OK(rsc_net_set_params(net, theta, err));
    OK(be->upload(be, rsc_net_input(net), 0, x, sizeof x, err));
    /* Two training forwards: running = 0.9 * (0.9 * init + 0.1 * s) + 0.1 * s. */
    rsc_net_forward(net, B, 1);
    rsc_net_forward(net, B, 1);
    OK(rsc_net_get_state(net, st, err));
    for (int c = 0; c < C; c++) {
        double s = 0, ss = 0;
        for (int n = 0; n < B; n++)
            for (int j = 0; j < HW; j++)
                s += x[(n * C + c) * HW + j];
        double mu = s / (B * HW);
        for (int n = 0; n < B; n++)
            for (int j = 0; j < HW; j++) {
                double d = x[(n * C + c) * HW + j] - mu;
                ss += d * d;
            }
        double var = ss / (B * HW - 1);
        double em = 0.9 * (0.1 * mu) + 0.1 * mu, ev = 0.9 * (0.9 + 0.1 * var) + 0.1 * var;
        assert_true(fabs(st[c] - em) < 1e-6);
        assert_true(fabs(st[C + c] - ev) < 1e-6);
    }
    /* An eval forward leaves them alone. */
    rsc_net_forward(net, B, 0);
    float st2[2 * C];
    OK(rsc_net_get_state(net, st2, err));
    assert_memory_equal(st, st2, sizeof st);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* A model file carries the running statistics, and model.h predicts in
 * eval mode: rsc_model_logits equals the eval-mode forward of the network
 * that wrote it (and differs from the training-mode forward). */
static void test_model_eval(void **state)
{
    (void)state;
    enum { B = 4 };
    rsc_backend *be = open_cpu(1);
    rsc_net *net = new_net(be, 3, 32, 32, B);
    OK(rsc_arch_build(net, "resnet20", 10, err));
    OK(rsc_arch_init(net, "resnet20", 2, err));
    size_t in = 3 * 32 * 32;
    float *x = malloc(B * in * sizeof *x);
    rsc_rng rng;
    rsc_rng_seed(&rng, 4);
    for (size_t i = 0; i < B * in; i++)
        x[i] = (float)rsc_rng_double(&rng);
    OK(be->upload(be, rsc_net_input(net), 0, x, B * in * sizeof *x, err));
    for (int i = 0; i < 3; i++)
        rsc_net_forward(net, B, 1);   /* move the running statistics */
    float train_logits[B * 10], eval_logits[B * 10], model_logits[B * 10];
    OK(be->download(be, train_logits, rsc_net_forward(net, B, 1), 0, sizeof train_logits, err));
    OK(be->download(be, eval_logits, rsc_net_forward(net, B, 0), 0, sizeof eval_logits, err));
    rsc_error e;
    rsc_file *f = rsc_file_new(&e);
    assert_non_null(f);
    OK(rsc_meta_set(f, "kind", "model", err) < 0);
    OK(rsc_meta_set(f, "arch", "resnet20", err) < 0);
    OK(rsc_meta_set(f, "input", "3x32x32", err) < 0);
    OK(rsc_meta_set(f, "classes", "10", err) < 0);
    OK(rsc_model_write_params(net, f, err));
    assert_non_null(rsc_file_find(f, "param/layer2.0.bn1.running_var"));
    rsc_model *m = rsc_model_open(f, "mem.rsct", "cpu", 1, &e);
    if (!m)
        fail_msg("%s", e.msg);
    OK(rsc_model_logits(m, x, B, model_logits, err));
    double diff = 0, dtrain = 0;
    for (int i = 0; i < B * 10; i++) {
        diff = fmax(diff, fabs(model_logits[i] - eval_logits[i]));
        dtrain = fmax(dtrain, fabs(model_logits[i] - train_logits[i]));
    }
    assert_true(diff == 0);
    assert_true(dtrain > 1e-3);
    rsc_model_free(m);
    /* A negative running variance is refused. */
    rsc_tensor *t = rsc_file_find(f, "param/layer2.0.bn1.running_var");
    ((float *)t->data)[3] = -1;
    assert_null(rsc_model_open(f, "mem.rsct", "cpu", 1, &e));
    assert_non_null(strstr(e.msg, "mem.rsct: tensor 'param/layer2.0.bn1.running_var': element 3 is "
                                  "negative"));
    rsc_file_free(f);
    free(x);
    rsc_net_free(net);
    rsc_backend_close(be);
}

/* ------------------------------------------------------------ determinism, threads */

/* One SGD step of a small ResNet: the same bytes on each run with the
 * same thread count, and (to float tolerance) the same with 1 and 2
 * threads. */
static void step_params(int threads, float *out)
{
    rsc_backend *be = open_cpu(threads);
    rsc_net *net = small_resnet(be, 8);
    problem pb;
    problem_init(&pb, net, 8, 1, 9);
    upload_all(&pb);
    be->fill(be, net->stats, 4, 0);
    rsc_net_forward(net, 8, 1);
    rsc_net_loss(net, 8, 1);
    rsc_net_backward(net, 8);
    OK(rsc_net_get_grads(net, out, err));
    OK(rsc_net_get_state(net, out + net->nparam_total, err));
    problem_free(&pb);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_determinism(void **state)
{
    (void)state;
    rsc_backend *be = open_cpu(1);
    rsc_net *net = small_resnet(be, 8);
    size_t n = net->nparam_total + net->nstate_total;
    rsc_net_free(net);
    rsc_backend_close(be);
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    step_params(2, a);
    step_params(2, b);
    assert_memory_equal(a, b, n * sizeof *a);
    step_params(1, c);
    double scale = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(a[i]));
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(a[i] - c[i]) <= 1e-5 * scale);
    free(a);
    free(b);
    free(c);
}

/* The backend's convolution passes split over threads in several chunks
 * per thread (both the direct and the im2col + GEMM paths, with bias):
 * bit-identical on repeated runs with the same thread count, equal to
 * float tolerance to one thread. */
static void conv_passes(int threads, const rsc_conv_geom *g, int batch, float *out)
{
    rsc_backend *be = open_cpu(threads);
    size_t nx = (size_t)batch * g->c * g->h * g->w, ny = (size_t)batch * g->o * g->oh * g->ow;
    size_t nw = (size_t)g->o * g->c * g->kh * g->kw;
    float *h = malloc((nx + ny + nw + g->o) * sizeof *h);
    rsc_rng rng;
    rsc_rng_seed(&rng, 5);
    for (size_t i = 0; i < nx + ny + nw + g->o; i++)
        h[i] = (float)(rsc_rng_double(&rng) - 0.5);
    rsc_error e;
    rsc_buf *x = be->alloc(be, nx * 4, &e), *dx = be->alloc(be, nx * 4, &e);
    rsc_buf *y = be->alloc(be, ny * 4, &e), *dy = be->alloc(be, ny * 4, &e);
    rsc_buf *w = be->alloc(be, nw * 4, &e), *dw = be->alloc(be, nw * 4, &e);
    rsc_buf *b = be->alloc(be, (size_t)g->o * 4, &e), *db = be->alloc(be, (size_t)g->o * 4, &e);
    rsc_buf *ws = be->alloc(be, be->conv_workspace(be, g, batch), &e);
    assert_true(x && dx && y && dy && w && dw && b && db && ws);
    OK(be->upload(be, x, 0, h, nx * 4, err));
    OK(be->upload(be, dy, 0, h + nx, ny * 4, err));
    OK(be->upload(be, w, 0, h + nx + ny, nw * 4, err));
    OK(be->upload(be, b, 0, h + nx + ny + nw, (size_t)g->o * 4, err));
    be->conv_fwd(be, g, batch, x, w, b, y, ws);
    be->conv_bwd_filter(be, g, batch, x, dy, dw, db, ws);
    be->conv_bwd_data(be, g, batch, dy, w, dx, ws);
    OK(be->download(be, out, y, 0, ny * 4, err));
    OK(be->download(be, out + ny, dx, 0, nx * 4, err));
    OK(be->download(be, out + ny + nx, dw, 0, nw * 4, err));
    OK(be->download(be, out + ny + nx + nw, db, 0, (size_t)g->o * 4, err));
    /* Both gradients in one call: the same bits. */
    assert_non_null(be->conv_bwd);
    be->fill(be, dx, nx, NAN);
    be->fill(be, dw, nw, NAN);
    be->conv_bwd(be, g, batch, x, dy, w, dw, db, dx, ws);
    float *both = malloc((nx + nw + g->o) * sizeof *both);
    OK(be->download(be, both, dx, 0, nx * 4, err));
    OK(be->download(be, both + nx, dw, 0, nw * 4, err));
    OK(be->download(be, both + nx + nw, db, 0, (size_t)g->o * 4, err));
    assert_memory_equal(both, out + ny, (nx + nw + g->o) * sizeof *both);
    free(both);
    rsc_buf *bufs[] = { x, dx, y, dy, w, dw, b, db, ws };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        be->free(be, bufs[i]);
    free(h);
    rsc_backend_close(be);
}

static void test_conv_threads(void **state)
{
    (void)state;
    /* 16 -> 16 channels, stride 1 (direct with AVX-512 or AVX2); 32 -> 48,
     * stride 2 (GEMM for the weight gradient, col2im for the input
     * gradient); batch 37 in 6 chunks over 3 threads. */
    const rsc_conv_geom gs[] = {
        { .c = 16, .h = 12, .w = 12, .o = 16, .kh = 3, .kw = 3, .stride = 1, .pad = 1,
          .oh = 12, .ow = 12 },
        { .c = 32, .h = 9, .w = 9, .o = 48, .kh = 3, .kw = 3, .stride = 2, .pad = 1, .oh = 5,
          .ow = 5 },
    };
    const int batch = 37;
    for (size_t k = 0; k < sizeof gs / sizeof gs[0]; k++) {
        const rsc_conv_geom *g = &gs[k];
        size_t n = (size_t)batch * (g->o * g->oh * g->ow + g->c * g->h * g->w) +
                   (size_t)g->o * g->c * 9 + g->o;
        float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
        conv_passes(3, g, batch, a);
        conv_passes(3, g, batch, b);
        assert_memory_equal(a, b, n * sizeof *a);
        conv_passes(1, g, batch, c);
        double scale = 0;
        for (size_t i = 0; i < n; i++)
            scale = fmax(scale, fabs(c[i]));
        for (size_t i = 0; i < n; i++)
            if (!(fabs(a[i] - c[i]) <= 1e-5 * scale))
                fail_msg("geometry %zu: value %zu: %g with 3 threads, %g with 1", k, i, a[i],
                         c[i]);
        free(a), free(b), free(c);
    }
}

/* ------------------------------------------------------------ training */

/* A ResNet-20 on a generated CIFAR-like problem (class k: a bright square
 * at a class-dependent place on noise) trains: the mean loss of the last
 * three SGD steps is below that of the first three. */
static void test_resnet20_learns(void **state)
{
    (void)state;
    enum { B = 16, STEPS = 8, CLS = 4 };
    rsc_backend *be = open_cpu(2);
    rsc_net *net = new_net(be, 3, 32, 32, B);
    OK(rsc_arch_build(net, "resnet20", CLS, err));
    OK(rsc_arch_init(net, "resnet20", 0, err));
    rsc_optim_cfg cfg;
    rsc_optim_cfg_defaults(&cfg);
    cfg.type = RSC_OPTIM_SGD;
    cfg.lr = 0.05;
    cfg.momentum = 0.9;
    cfg.weight_decay = 1e-4;
    rsc_error e;
    rsc_optim *opt = rsc_optim_new(be, net->nparam_total, &cfg, &e);
    assert_non_null(opt);
    rsc_rng rng;
    rsc_rng_seed(&rng, 1);
    size_t in = 3 * 32 * 32;
    float *x = malloc(B * in * sizeof *x);
    int32_t y[B];
    double losses[STEPS];
    for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < B; i++) {
            y[i] = (int32_t)((s * B + i) % CLS);
            float *xi = x + i * in;
            for (size_t j = 0; j < in; j++)
                xi[j] = (float)(0.4 * rsc_rng_double(&rng));
            int r0 = 4 + 14 * (y[i] / 2), c0 = 4 + 14 * (y[i] % 2);
            for (int c = 0; c < 3; c++)
                for (int r = r0; r < r0 + 10; r++)
                    for (int k = c0; k < c0 + 10; k++)
                        xi[(c * 32 + r) * 32 + k] = 1.0f;
        }
        OK(be->upload(be, rsc_net_input(net), 0, x, B * in * sizeof(float), err));
        OK(be->upload(be, net->labels, 0, y, sizeof y, err));
        be->fill(be, net->stats, 4, 0);
        rsc_net_forward(net, B, 1);
        rsc_net_loss(net, B, 1);
        rsc_net_backward(net, B);
        rsc_optim_step(opt, net->P, net->G, cfg.lr);
        double st[2];
        OK(be->download(be, st, net->stats, 0, sizeof st, err));
        losses[s] = st[0] / B;
        assert_true(isfinite(losses[s]));
    }
    double first = (losses[0] + losses[1] + losses[2]) / 3;
    double last = (losses[STEPS - 1] + losses[STEPS - 2] + losses[STEPS - 3]) / 3;
    print_message("resnet20 loss: first steps %.4f, last steps %.4f\n", first, last);
    assert_true(last < 0.8 * first);
    free(x);
    rsc_optim_free(opt);
    rsc_net_free(net);
    rsc_backend_close(be);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grad_conv),
        cmocka_unit_test(test_grad_pool),
        cmocka_unit_test(test_grad_avgpool_up),
        cmocka_unit_test(test_grad_batchnorm_train),
        cmocka_unit_test(test_grad_batchnorm_eval),
        cmocka_unit_test(test_grad_normalize),
        cmocka_unit_test(test_grad_block_identity),
        cmocka_unit_test(test_grad_block_optionA),
        cmocka_unit_test(test_grad_block_eval),
        cmocka_unit_test(test_grad_small_resnet),
        cmocka_unit_test(test_torch_resnet),
        cmocka_unit_test(test_table2_counts),
        cmocka_unit_test(test_arch_errors),
        cmocka_unit_test(test_arch_table),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_running_stats),
        cmocka_unit_test(test_model_eval),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_conv_threads),
        cmocka_unit_test(test_resnet20_learns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
