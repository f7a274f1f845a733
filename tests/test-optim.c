/* test-optim.c - Adam and SGD against PyTorch 1.13, and the learning-rate
 * schedule.
 *
 * Fixtures: tests/fixtures/optim-steps.txt from tests/gen/make-optim-fixtures.py.
 * "Raw" cases feed fixed gradients to the optimiser: our update must equal
 * PyTorch's to 2e-6 * max(1, |p|) (PyTorch's vectorised kernels fuse some
 * multiply-adds, we do not: a few float32 ulps after five steps).  "mlp"
 * cases train a 5-4-3 ReLU network on a batch through our backprop and
 * optimiser: 2e-5 * max(1, |p|) (gradients differ in the last bits from
 * the summation order; four steps of Adam, which divides by sqrt(v), can
 * grow that a little).  A wrong rule (bias correction missing, eps inside
 * the square root, decoupled weight decay, momentum dampening) changes
 * parameters by 1e-4 or more after one step. */
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

#include "kernels/backend.h"
#include "nn/net.h"
#include "nn/optim.h"
#include "nn/layers.h"

#define MAXV 64
#define MAXK 64

typedef struct kv {
    char key[32];
    int n;
    double v[MAXV];
} kv;

typedef struct fcase {
    char name[64];
    char optimizer[16];
    int nkv;
    kv kvs[MAXK];
} fcase;

static fcase cases[16];
static int ncases;

static void load_fixtures(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/optim-steps.txt", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char line[8192];
    fcase *c = NULL;
    while (fgets(line, sizeof line, f)) {
        char *save, *tok = strtok_r(line, " \n", &save);
        if (!tok || tok[0] == '#')
            continue;
        if (strcmp(tok, "case") == 0) {
            c = &cases[ncases++];
            memset(c, 0, sizeof *c);
            snprintf(c->name, sizeof c->name, "%s", strtok_r(NULL, " \n", &save));
        } else if (strcmp(tok, "end") == 0) {
            c = NULL;
        } else if (strcmp(tok, "optimizer") == 0) {
            snprintf(c->optimizer, sizeof c->optimizer, "%s", strtok_r(NULL, " \n", &save));
        } else {
            kv *k = &c->kvs[c->nkv++];
            snprintf(k->key, sizeof k->key, "%s", tok);
            while ((tok = strtok_r(NULL, " \n", &save)) && k->n < MAXV)
                k->v[k->n++] = strtod(tok, NULL);
        }
    }
    fclose(f);
}

static const fcase *find_case(const char *name)
{
    if (!ncases)
        load_fixtures();
    for (int i = 0; i < ncases; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    fail_msg("fixture case %s missing", name);
    return NULL;
}

static const kv *get(const fcase *c, const char *key)
{
    for (int i = 0; i < c->nkv; i++)
        if (strcmp(c->kvs[i].key, key) == 0)
            return &c->kvs[i];
    return NULL;
}

static double getd(const fcase *c, const char *key, double dflt)
{
    const kv *k = get(c, key);
    return k ? k->v[0] : dflt;
}

static void cfg_from(const fcase *c, rsc_optim_cfg *cfg)
{
    rsc_optim_cfg_defaults(cfg);
    cfg->type = rsc_optim_type_parse(c->optimizer);
    cfg->lr = getd(c, "lr", 0.01);
    cfg->weight_decay = getd(c, "weight_decay", 0);
    cfg->momentum = getd(c, "momentum", 0);
    cfg->beta1 = getd(c, "beta1", 0.9);
    cfg->beta2 = getd(c, "beta2", 0.999);
    cfg->eps = getd(c, "eps", 1e-8);
}

static int compare(const char *what, const float *got, const double *want, int n, double tol)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double lim = tol * (fabs(want[i]) > 1 ? fabs(want[i]) : 1);
        if (fabs(got[i] - want[i]) > lim) {
            print_message("  %s[%d]: ours %.9g, PyTorch %.9g\n", what, i, got[i], want[i]);
            bad++;
        }
    }
    return bad;
}

static void run_raw(const char *name)
{
    rsc_error err;
    const fcase *c = find_case(name);
    rsc_optim_cfg cfg;
    cfg_from(c, &cfg);
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    assert_non_null(be);
    const kv *p0 = get(c, "p0");
    int n = p0->n, steps = (int)getd(c, "steps", 0);
    assert_true(steps > 0);
    float p[MAXV], g[MAXV];
    for (int i = 0; i < n; i++)
        p[i] = (float)p0->v[i];
    rsc_buf *P = be->alloc(be, n * sizeof(float), &err), *G = be->alloc(be, n * sizeof(float), &err);
    assert_int_equal(be->upload(be, P, 0, p, n * sizeof(float), &err), 0);
    rsc_optim *o = rsc_optim_new(be, (size_t)n, &cfg, &err);
    assert_non_null(o);
    for (int s = 0; s < steps; s++) {
        char key[16];
        snprintf(key, sizeof key, "g%d", s);
        const kv *gk = get(c, key);
        for (int i = 0; i < n; i++)
            g[i] = (float)gk->v[i];
        assert_int_equal(be->upload(be, G, 0, g, n * sizeof(float), &err), 0);
        rsc_optim_step(o, P, G, cfg.lr);
        assert_int_equal(be->download(be, p, P, 0, n * sizeof(float), &err), 0);
        snprintf(key, sizeof key, "p%d", s + 1);
        assert_int_equal(compare(key, p, get(c, key)->v, n, 2e-6), 0);
    }
    rsc_optim_free(o);
    be->free(be, P);
    be->free(be, G);
    rsc_backend_close(be);
}

static void test_adam(void **state)
{
    (void)state;
    run_raw("adam");
}

static void test_adam_weight_decay(void **state)
{
    (void)state;
    run_raw("adam-wd");
}

static void test_sgd_momentum_weight_decay(void **state)
{
    (void)state;
    run_raw("sgd-momentum-wd");
}

static void test_sgd_plain(void **state)
{
    (void)state;
    run_raw("sgd-plain");
}

static void run_mlp(const char *name)
{
    rsc_error err;
    const fcase *c = find_case(name);
    rsc_optim_cfg cfg;
    cfg_from(c, &cfg);
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_net *net = rsc_net_new(be, (rsc_shape){ 5, 1, 1 }, 6, &err);
    assert_non_null(net);
    assert_int_equal(rsc_net_add_linear(net, "fc1", 4, &err), 0);
    assert_int_equal(rsc_net_add_relu(net, "relu1", &err), 0);
    assert_int_equal(rsc_net_add_linear(net, "fc2", 3, &err), 0);
    assert_int_equal(rsc_net_finalize(net, &err), 0);
    const kv *p0 = get(c, "p0"), *x = get(c, "x"), *y = get(c, "y");
    assert_int_equal(p0->n, (int)net->nparam_total);
    float p[MAXV], xf[MAXV];
    int32_t yi[6];
    for (int i = 0; i < p0->n; i++)
        p[i] = (float)p0->v[i];
    for (int i = 0; i < 30; i++)
        xf[i] = (float)x->v[i];
    for (int i = 0; i < 6; i++)
        yi[i] = (int32_t)y->v[i];
    assert_int_equal(rsc_net_set_params(net, p, &err), 0);
    assert_int_equal(be->upload(be, rsc_net_input(net), 0, xf, sizeof(float) * 30, &err), 0);
    assert_int_equal(be->upload(be, net->labels, 0, yi, sizeof yi, &err), 0);
    rsc_optim *o = rsc_optim_new(be, net->nparam_total, &cfg, &err);
    int steps = (int)getd(c, "steps", 0);
    for (int s = 0; s < steps; s++) {
        be->fill(be, net->stats, 4, 0);
        rsc_net_forward(net, 6, 1);
        rsc_net_loss(net, 6, 1);
        rsc_net_backward(net, 6);
        rsc_optim_step(o, net->P, net->G, cfg.lr);
        double st[2];
        assert_int_equal(be->download(be, st, net->stats, 0, sizeof st, &err), 0);
        char key[16];
        snprintf(key, sizeof key, "loss%d", s);
        assert_true(fabs(st[0] / 6 - getd(c, key, -1)) < 1e-6);
        assert_int_equal(rsc_net_get_params(net, p, &err), 0);
        snprintf(key, sizeof key, "p%d", s + 1);
        assert_int_equal(compare(key, p, get(c, key)->v, p0->n, 2e-5), 0);
    }
    rsc_optim_free(o);
    rsc_net_free(net);
    rsc_backend_close(be);
}

static void test_mlp_adam(void **state)
{
    (void)state;
    run_mlp("mlp-adam");
}

static void test_mlp_sgd(void **state)
{
    (void)state;
    run_mlp("mlp-sgd");
}

static void test_schedule(void **state)
{
    (void)state;
    rsc_error err;
    rsc_optim_cfg c;
    rsc_optim_cfg_defaults(&c);
    char buf[128];
    struct {
        int total;
        const char *want;
    } table[] = {
        { 1, "15,25" },          { 30, "15,25" },         { 31, "20,30" },
        { 50, "25,40" },         { 60, "30,50" },         { 70, "40,50,60" },
        { 80, "40,60,70" },      { 100, "50,90,110" },    { 140, "60,100,120" },
        { 160, "40,80,120,140" }, { 200, "80,140,180" },   { 201, "60,120" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        rsc_optim_default_milestones(&c, table[i].total);
        rsc_optim_milestones_str(&c, buf, sizeof buf);
        assert_string_equal(buf, table[i].want);
    }
    /* 70 epochs at lr 0.01: 0.01 for epochs 0-39, then /10 at 40, 50, 60. */
    rsc_optim_default_milestones(&c, 70);
    assert_true(rsc_optim_lr_at(&c, 0) == 0.01);
    assert_true(rsc_optim_lr_at(&c, 39) == 0.01);
    assert_true(fabs(rsc_optim_lr_at(&c, 40) - 1e-3) < 1e-15);
    assert_true(fabs(rsc_optim_lr_at(&c, 55) - 1e-4) < 1e-16);
    assert_true(fabs(rsc_optim_lr_at(&c, 69) - 1e-5) < 1e-17);
    assert_true(fabs(rsc_optim_lr_at(&c, 139) - 1e-5) < 1e-17);
    /* Parsing */
    assert_int_equal(rsc_optim_milestones_parse(&c, "3,7", &err), 0);
    assert_int_equal(c.nmilestones, 2);
    assert_int_equal(c.milestones[1], 7);
    c.gamma = 0.5;
    assert_true(rsc_optim_lr_at(&c, 7) == 0.01 * 0.25);
    assert_int_equal(rsc_optim_milestones_parse(&c, "none", &err), 0);
    assert_int_equal(c.nmilestones, 0);
    assert_int_equal(rsc_optim_milestones_parse(&c, "7,3", &err), -1);
    assert_non_null(strstr(err.msg, "not ascending"));
    assert_int_equal(rsc_optim_milestones_parse(&c, "4,x", &err), -1);
    assert_int_equal(rsc_optim_milestones_parse(&c, "4,", &err), -1);
    assert_int_equal(rsc_optim_milestones_parse(&c, "-1", &err), -1);
    assert_int_equal(rsc_optim_type_parse("adam"), RSC_OPTIM_ADAM);
    assert_int_equal(rsc_optim_type_parse("sgd"), RSC_OPTIM_SGD);
    assert_int_equal(rsc_optim_type_parse("adamw"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adam_weight_decay),
        cmocka_unit_test(test_sgd_momentum_weight_decay),
        cmocka_unit_test(test_sgd_plain),
        cmocka_unit_test(test_mlp_adam),
        cmocka_unit_test(test_mlp_sgd),
        cmocka_unit_test(test_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
