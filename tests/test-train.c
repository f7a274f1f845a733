/* test-train.c - the training loop and the model API on in-memory data:
 * inference through model.h agrees with training-time evaluation, model
 * files are validated on load, clipping bounds the update, and the
 * learning-rate schedule reaches the optimiser. */
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
#include "nn/model.h"
#include "nn/model_file.h"
#include "nn/net.h"
#include "core/rng.h"
#include "data/augment.h"
#include "nn/arch.h"
#include "nn/optim.h"
#include "train/group.h"
#include "train/parallel.h"
#include "train/train.h"

enum { N = 400, TN = 100, D = 16, K = 3 };

static float X[N * D], TX[TN * D];
static int32_t Y[N], TY[TN];
static const rsc_split TRAIN = { .n = N, .c = 1, .h = 4, .w = 4, .dtype = RSC_F32, .x = X, .y = Y };
static const rsc_split TEST = { .n = TN, .c = 1, .h = 4, .w = 4, .dtype = RSC_F32, .x = TX, .y = TY };

/* Three classes, each lighting its own block of features, plus noise. */
static void make_data(void)
{
    rsc_rng r;
    rsc_rng_seed(&r, 3);
    for (int i = 0; i < N + TN; i++) {
        int c = (int)rsc_rng_randint(&r, 0, K);
        float *x = i < N ? X + i * D : TX + (i - N) * D;
        for (int k = 0; k < D; k++)
            x[k] = (float)(0.3 * rsc_rng_double(&r)) + (k / 5 == c ? 0.6f : 0.0f);
        if (i < N)
            Y[i] = c;
        else
            TY[i - N] = c;
    }
}

static rsc_trainer *new_trainer(rsc_backend *be, rsc_train_cfg *cfg)
{
    rsc_error err;
    rsc_trainer *t = rsc_trainer_new(be, cfg, (rsc_shape){ 1, 4, 4 }, K, &err);
    if (!t)
        fail_msg("%s", err.msg);
    if (rsc_trainer_set_data(t, &TRAIN, &TEST, 0, &err) != 0)
        fail_msg("%s", err.msg);
    return t;
}

static void cfg_small(rsc_train_cfg *cfg)
{
    rsc_train_cfg_defaults(cfg);
    snprintf(cfg->arch, sizeof cfg->arch, "mlp-small");
    cfg->batch_size = 32;
    cfg->epochs = 3;
    cfg->threads = 1;
}

static void test_model_api(void **state)
{
    (void)state;
    rsc_error err;
    make_data();
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_train_cfg cfg;
    cfg_small(&cfg);
    rsc_trainer *t = new_trainer(be, &cfg);
    rsc_epoch_stats st;
    for (int e = 0; e < 3; e++)
        assert_int_equal(rsc_trainer_epoch(t, NULL, NULL, &st, &err), 0);
    assert_true(st.test_acc > 0.9);   /* an easy problem */
    assert_true(st.loss < 0.5);
    rsc_file *f = rsc_file_new(&err);
    assert_int_equal(rsc_file_stamp(f, "model", "test-train", &err), 0);
    assert_int_equal(rsc_trainer_save(t, f, &err), 0);

    rsc_model *m = rsc_model_open(f, "m.rsct", "cpu", 1, &err);
    if (!m)
        fail_msg("%s", err.msg);
    int c, h, w;
    rsc_model_input(m, &c, &h, &w);
    assert_int_equal(c * h * w, D);
    assert_int_equal(rsc_model_classes(m), K);
    assert_string_equal(rsc_model_arch(m), "mlp-small");
    assert_non_null(strstr(rsc_model_backend(m), "cpu/"));
    /* More than one internal batch (256) to cover batching. */
    enum { M = 300 };
    float *x = malloc(M * D * sizeof *x), *p = malloc(M * K * sizeof *p), *z = malloc(M * K * sizeof *z);
    for (int i = 0; i < M; i++)
        memcpy(x + i * D, i < TN ? TX + i * D : X + (i - TN) * D, D * sizeof *x);
    assert_int_equal(rsc_model_predict(m, x, M, p, &err), 0);
    assert_int_equal(rsc_model_logits(m, x, M, z, &err), 0);
    int correct = 0;
    for (int i = 0; i < M; i++) {
        double s = 0, mx = z[i * K];
        int arg = 0;
        for (int k = 0; k < K; k++) {
            s += p[i * K + k];
            if (z[i * K + k] > mx) {
                mx = z[i * K + k];
                arg = k;
            }
        }
        assert_true(fabs(s - 1) < 1e-5);
        double lse = 0;
        for (int k = 0; k < K; k++)
            lse += exp(z[i * K + k] - mx);
        for (int k = 0; k < K; k++)
            assert_true(fabs(p[i * K + k] - exp(z[i * K + k] - mx) / lse) < 1e-6);
        if (i < TN)
            correct += arg == TY[i];
    }
    /* The same accuracy as the trainer's evaluation of the test split. */
    assert_true(fabs((double)correct / TN - st.test_acc) < 1e-12);
    rsc_model_free(m);

    /* Validation on load. */
    rsc_tensor *wt = rsc_file_find(f, "param/fc1.weight");
    wt->dims[1] = 15;
    assert_null(rsc_model_open(f, "m.rsct", "cpu", 1, &err));
    assert_string_equal(err.msg, "m.rsct: tensor 'param/fc1.weight': shape [256, 15], expected [256, 16]");
    wt->dims[1] = 16;
    ((float *)wt->data)[5] = NAN;
    assert_null(rsc_model_open(f, "m.rsct", "cpu", 1, &err));
    assert_non_null(strstr(err.msg, "element 5 is not finite"));
    ((float *)wt->data)[5] = 0;
    rsc_file_remove(f, "param/fc2.bias");
    assert_null(rsc_model_open(f, "m.rsct", "cpu", 1, &err));
    assert_string_equal(err.msg, "m.rsct: tensor 'param/fc2.bias' is missing");
    rsc_meta_set(f, "arch", "resnet1000", &err);
    assert_null(rsc_model_open(f, "m.rsct", "cpu", 1, &err));
    assert_string_equal(err.msg, "m.rsct: unknown architecture 'resnet1000'");
    rsc_meta_set(f, "kind", "dataset", &err);
    assert_null(rsc_model_open(f, "d.rsct", "cpu", 1, &err));
    assert_string_equal(err.msg, "d.rsct: not a model file (kind=dataset)");
    rsc_file_free(f);
    free(x);
    free(p);
    free(z);
    rsc_trainer_free(t);
    rsc_backend_close(be);
}

/* One SGD step at lr 1 without momentum moves each parameter by the
 * clipped gradient: at most C per element, at most C in L2 norm. */
static double one_step_change(int by_norm, double c, double *maxabs)
{
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_train_cfg cfg;
    cfg_small(&cfg);
    cfg.optim.type = RSC_OPTIM_SGD;
    cfg.optim.momentum = 0;
    cfg.optim.lr = 1;
    cfg.batch_size = N;   /* one step per epoch */
    if (by_norm)
        cfg.clip_norm = c;
    else
        cfg.clip_value = c;
    rsc_trainer *t = new_trainer(be, &cfg);
    rsc_net *net = rsc_trainer_net(t);
    size_t n = net->nparam_total;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    assert_int_equal(rsc_net_get_params(net, a, &err), 0);
    assert_int_equal(rsc_trainer_epoch(t, NULL, NULL, NULL, &err), 0);
    assert_int_equal(rsc_net_get_params(net, b, &err), 0);
    double ss = 0;
    *maxabs = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)b[i] - a[i];
        ss += d * d;
        if (fabs(d) > *maxabs)
            *maxabs = fabs(d);
    }
    free(a);
    free(b);
    rsc_trainer_free(t);
    rsc_backend_close(be);
    return sqrt(ss);
}

static void test_clipping(void **state)
{
    (void)state;
    make_data();
    double mx, norm;
    norm = one_step_change(0, 1e-3, &mx);
    assert_true(mx <= 1e-3 * (1 + 1e-3));   /* float rounding of p - g */
    assert_true(mx >= 0.999e-3);            /* some gradients were clipped */
    norm = one_step_change(1, 0.05, &mx);
    assert_true(norm <= 0.05 * (1 + 1e-3));
    assert_true(norm >= 0.05 * (1 - 1e-3)); /* the gradient was larger */
    double free_norm = one_step_change(1, 1e9, &mx);
    assert_true(free_norm > 0.05);
}

/* The schedule's rate is the one used: history/lr of a 4-epoch run with
 * milestones 1,3 and gamma 0.5. */
static void test_schedule_used(void **state)
{
    (void)state;
    rsc_error err;
    make_data();
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_train_cfg cfg;
    cfg_small(&cfg);
    cfg.optim.lr = 0.004;
    cfg.optim.gamma = 0.5;
    assert_int_equal(rsc_optim_milestones_parse(&cfg.optim, "1,3", &err), 0);
    rsc_trainer *t = new_trainer(be, &cfg);
    const double want[4] = { 0.004, 0.002, 0.002, 0.001 };
    for (int e = 0; e < 4; e++) {
        rsc_epoch_stats st;
        assert_int_equal(rsc_trainer_epoch(t, NULL, NULL, &st, &err), 0);
        assert_true(fabs(st.lr - want[e]) < 1e-18);
        assert_int_equal(st.examples, N);
    }
    rsc_file *f = rsc_file_new(&err);
    assert_int_equal(rsc_file_stamp(f, "model", "test-train", &err), 0);
    assert_int_equal(rsc_trainer_save(t, f, &err), 0);
    const rsc_tensor *h = rsc_file_find(f, "history/lr");
    assert_non_null(h);
    assert_int_equal(rsc_tensor_numel(h), 4);
    assert_memory_equal(h->data, want, sizeof want);
    assert_string_equal(rsc_meta_get(f, "lr_current"), "0.001");
    /* Round trip of the configuration. */
    rsc_train_cfg back;
    assert_int_equal(rsc_train_cfg_from_model(&back, f, "m.rsct", &err), 0);
    assert_true(back.optim.lr == 0.004 && back.optim.gamma == 0.5);
    assert_int_equal(back.optim.nmilestones, 2);
    assert_int_equal(back.batch_size, 32);
    assert_string_equal(back.arch, "mlp-small");
    rsc_file_free(f);
    rsc_trainer_free(t);
    rsc_backend_close(be);
}

/* Two threads train data-parallel (each replica half of every batch, the
 * gradients summed): the same parameters as one thread up to rounding.  A
 * lost or doubled replica gradient would be off by O(lr).  With
 * augmentation, the batch's crops and flips are drawn once and each
 * replica applies its slice: a replica using another slice's choices
 * would train on other images. */
static void compare_threads(int optimizer, double clip_norm, double clip_value, int augment)
{
    rsc_error err;
    float *p[2];
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        rsc_backend *be = rsc_backend_open("cpu", k + 1, &err);
        rsc_train_cfg cfg;
        cfg_small(&cfg);
        cfg.optim.type = optimizer;
        cfg.optim.lr = optimizer == RSC_OPTIM_SGD ? 0.05 : 0.001;
        cfg.optim.weight_decay = 1e-3;
        cfg.clip_norm = clip_norm;
        cfg.clip_value = clip_value;
        cfg.input_noise = 0;
        cfg.augment = augment;
        rsc_trainer *t = new_trainer(be, &cfg);
        for (int e = 0; e < 2; e++)
            assert_int_equal(rsc_trainer_epoch(t, NULL, NULL, NULL, &err), 0);
        rsc_net *net = rsc_trainer_net(t);
        n = net->nparam_total;
        p[k] = malloc(n * sizeof(float));
        assert_int_equal(rsc_net_get_params(net, p[k], &err), 0);
        rsc_trainer_free(t);
        rsc_backend_close(be);
    }
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)p[0][i] - p[1][i]);
        worst = d > worst ? d : worst;
    }
    if (worst > 2e-5)
        fail_msg("1 and 2 threads differ by %g", worst);
    free(p[0]);
    free(p[1]);
}

static void test_data_parallel(void **state)
{
    (void)state;
    make_data();
    compare_threads(RSC_OPTIM_ADAM, 0, 0, 0);      /* fused reduce + update */
    compare_threads(RSC_OPTIM_SGD, 0, 0.01, 0);    /* fused, clipped by value */
    compare_threads(RSC_OPTIM_ADAM, 0.5, 0, 0);    /* reduce, global norm, update */
    compare_threads(RSC_OPTIM_ADAM, 0, 0, RSC_AUGMENT_CROP_FLIP);
}

/* Who computes a step: replicas where the backend offers the capability
 * (sibling and parallel), more than one thread, at least 16 examples per
 * replica, and no batch norm; else the trainer's own network. */
static void test_workers(void **state)
{
    (void)state;
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", 2, &err);
    assert_non_null(be);
    rsc_rng dropout;
    rsc_rng_seed(&dropout, 0);
    struct {
        const char *arch;
        rsc_shape in;
        int batch, want;
    } cases[] = {
        { "mlp-small", { 1, 4, 4 }, 32, 2 },
        { "mlp-small", { 1, 4, 4 }, 31, 1 },     /* 15 examples each: too few */
        { "resnet20", { 3, 32, 32 }, 128, 1 },   /* batch norm */
        { "cnn", { 1, 28, 28 }, 64, 2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rsc_net *net = rsc_net_new(be, cases[i].in, cases[i].batch, &err);
        assert_non_null(net);
        assert_int_equal(rsc_arch_build(net, cases[i].arch, 10, &err), 0);
        rsc_optim_cfg oc;
        rsc_optim_cfg_defaults(&oc);
        rsc_optim *opt = rsc_optim_new(be, net->nparam_total, &oc, &err);
        assert_non_null(opt);
        rsc_workers *w = rsc_workers_new(be, net, cases[i].arch, 10, cases[i].batch, opt,
                                         &dropout, &err);
        if (!w)
            fail_msg("%s", err.msg);
        if (rsc_workers_count(w) != cases[i].want)
            fail_msg("%s, batch %d: %d workers, expected %d", cases[i].arch, cases[i].batch,
                     rsc_workers_count(w), cases[i].want);
        if (cases[i].want == 1) {
            assert_ptr_equal(rsc_workers_get(w, 0)->be, be);
            assert_ptr_equal(rsc_workers_get(w, 0)->net, net);
            assert_int_equal(rsc_workers_max_rows(w), cases[i].batch);
        } else {
            /* single-threaded siblings, sharing the parameters: what is
             * written to the network's is what the replicas read */
            be->fill(be, net->P, net->nparam_total, 0.25f);
            float *got = malloc(net->nparam_total * sizeof *got);
            for (int k = 0; k < 2; k++) {
                rsc_worker *wk = rsc_workers_get(w, k);
                assert_true(wk->be != be && wk->be->threads == 1 && wk->net != net);
                assert_int_equal(rsc_net_get_params(wk->net, got, &err), 0);
                for (size_t j = 0; j < net->nparam_total; j++)
                    assert_true(got[j] == 0.25f);
            }
            free(got);
            assert_int_equal(rsc_workers_max_rows(w), (cases[i].batch + 1) / 2);
        }
        rsc_workers_free(w);
        rsc_optim_free(opt);
        rsc_net_free(net);
    }
    /* Without the capability (as on a GPU): one worker, whatever the
     * threads. */
    rsc_backend *(*sibling)(rsc_backend *, rsc_error *) = be->sibling;
    be->sibling = NULL;
    rsc_net *net = rsc_net_new(be, (rsc_shape){ 1, 4, 4 }, 32, &err);
    assert_int_equal(rsc_arch_build(net, "mlp-small", 10, &err), 0);
    rsc_optim_cfg oc;
    rsc_optim_cfg_defaults(&oc);
    rsc_optim *opt = rsc_optim_new(be, net->nparam_total, &oc, &err);
    rsc_workers *w = rsc_workers_new(be, net, "mlp-small", 10, 32, opt, &dropout, &err);
    assert_non_null(w);
    assert_int_equal(rsc_workers_count(w), 1);
    rsc_workers_free(w);
    rsc_optim_free(opt);
    rsc_net_free(net);
    be->sibling = sibling;
    rsc_backend_close(be);
}

/* u8 images train exactly as their float conversion (v / 255.0f) does,
 * and substituted rows exactly as the floats written over their rows: the
 * gather converts and substitutes, on 1 and on 2 threads. */
static void test_u8_data(void **state)
{
    (void)state;
    rsc_error err;
    make_data();
    static uint8_t X8[N * D];
    static float XF[N * D];
    for (int i = 0; i < N * D; i++) {
        X8[i] = (uint8_t)(X[i] * 255.0f + 0.5f);
        XF[i] = (float)X8[i] / 255.0f;
    }
    /* examples 3, 50 and 399 replaced by float rows */
    const int64_t sub_index[3] = { 50, 3, 399 };
    float sub_x[3 * D];
    for (int k = 0; k < 3 * D; k++)
        sub_x[k] = (float)(k % 7) / 7.0f;
    for (int k = 0; k < 3; k++)
        memcpy(XF + sub_index[k] * D, sub_x + k * D, D * sizeof(float));
    const rsc_split u8 = { .n = N, .c = 1, .h = 4, .w = 4, .dtype = RSC_U8, .x = X8, .y = Y,
                           .nsub = 3, .sub_index = sub_index, .sub_x = sub_x };
    const rsc_split f32 = { .n = N, .c = 1, .h = 4, .w = 4, .dtype = RSC_F32, .x = XF, .y = Y };
    for (int threads = 1; threads <= 2; threads++) {
        float *p[2];
        size_t n = 0;
        for (int k = 0; k < 2; k++) {
            rsc_backend *be = rsc_backend_open("cpu", threads, &err);
            rsc_train_cfg cfg;
            cfg_small(&cfg);
            cfg.input_noise = 0.05;
            rsc_trainer *t = rsc_trainer_new(be, &cfg, (rsc_shape){ 1, 4, 4 }, K, &err);
            assert_non_null(t);
            if (rsc_trainer_set_data(t, k ? &u8 : &f32, &TEST, 0, &err) != 0)
                fail_msg("%s", err.msg);
            for (int e = 0; e < 2; e++)
                assert_int_equal(rsc_trainer_epoch(t, NULL, NULL, NULL, &err), 0);
            rsc_net *net = rsc_trainer_net(t);
            n = net->nparam_total;
            p[k] = malloc(n * sizeof(float));
            assert_int_equal(rsc_net_get_params(net, p[k], &err), 0);
            rsc_trainer_free(t);
            rsc_backend_close(be);
        }
        assert_memory_equal(p[0], p[1], n * sizeof(float));
        free(p[0]);
        free(p[1]);
    }
}

static void test_bad_data(void **state)
{
    (void)state;
    rsc_error err;
    make_data();
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_train_cfg cfg;
    cfg_small(&cfg);
    rsc_trainer *t = rsc_trainer_new(be, &cfg, (rsc_shape){ 1, 4, 4 }, K, &err);
    int32_t y = Y[7];
    Y[7] = K;
    assert_int_equal(rsc_trainer_set_data(t, &TRAIN, &TEST, 0, &err), -1);
    assert_string_equal(err.msg, "training label 3 of example 7 is not a class");
    Y[7] = y;
    assert_int_equal(rsc_trainer_set_data(t, &TRAIN, &TEST, 0, &err), 0);
    /* images of another shape or element type; a substituted row out of
     * range or repeated */
    rsc_split bad = TRAIN;
    bad.w = 5;
    assert_int_equal(rsc_trainer_set_data(t, &bad, &TEST, 0, &err), -1);
    assert_string_equal(err.msg, "training images are 1x4x5, the network's input 1x4x4");
    bad = TEST;
    bad.dtype = RSC_I32;
    assert_int_equal(rsc_trainer_set_data(t, &TRAIN, &bad, 0, &err), -1);
    assert_non_null(strstr(err.msg, "test images: element type"));
    float row[2 * D] = { 0 };
    int64_t sub[2] = { 7, N };
    bad = TRAIN;
    bad.nsub = 2;
    bad.sub_index = sub;
    bad.sub_x = row;
    assert_int_equal(rsc_trainer_set_data(t, &bad, &TEST, 0, &err), -1);
    assert_string_equal(err.msg, "substituted training row 400 out of range or repeated");
    sub[1] = 7;
    assert_int_equal(rsc_trainer_set_data(t, &bad, &TEST, 0, &err), -1);
    assert_string_equal(err.msg, "substituted training row 7 out of range or repeated");
    assert_int_equal(rsc_trainer_set_data(t, &TRAIN, &TEST, 0, &err), 0);
    int64_t all[N];
    for (int i = 0; i < N; i++)
        all[i] = i;
    assert_int_equal(rsc_trainer_exclude(t, all, N, &err), -1);
    assert_string_equal(err.msg, "no training examples left after the exclusions");
    rsc_trainer_free(t);
    rsc_backend_close(be);
}

/* Many models: --seeds lists and -o templates, every error. */
static void test_group_names(void **state)
{
    (void)state;
    rsc_error err;
    uint64_t *v;
    assert_int_equal(rsc_seed_list_parse("--seeds", "0-2,10,7-7", 100, &v, &err), 5);
    uint64_t want[] = { 0, 1, 2, 10, 7 };
    assert_memory_equal(v, want, sizeof want);
    free(v);
    assert_int_equal(rsc_seed_list_parse("--seeds", "9007199254740992", 100, &v, &err), 1);
    assert_true(v[0] == 9007199254740992ULL);
    free(v);
    const char *bad[][2] = {
        { "", "--seeds: '' is not a seed (an integer in [0, 2^53])" },
        { "1,,2", "--seeds: '' is not a seed (an integer in [0, 2^53])" },
        { "-1", "--seeds: '' is not a seed (an integer in [0, 2^53])" },
        { "+1", "--seeds: '+1' is not a seed (an integer in [0, 2^53])" },
        { "1-", "--seeds: '' is not a seed (an integer in [0, 2^53])" },
        { "5-3", "--seeds: range '5-3' is descending" },
        { "0-200", "--seeds: more than 100 seeds" },
        { "9007199254740993", "--seeds: '9007199254740993' is not a seed (an integer in [0, 2^53])" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(rsc_seed_list_parse("--seeds", bad[i][0], 100, &v, &err), -1);
        assert_string_equal(err.msg, bad[i][1]);
    }
    const char *names[][4] = {
        { "m-{data}-{seed}.rsct", "/a/b/fashion-R3.rsct", "m-fashion-R3-7.rsct" },
        { "out/", "d.rsct", "out/d-s7.rsct" },
        { "{data}{data}", "-", "stdinstdin" },
        { "x-{data}", "/data/fashion/", "x-fashion" },
        { "x-{data}", "fashion", "x-fashion" },
        { "x-{data}", "a.rsct.rsct", "x-a.rsct" },
        { "plain.rsct", "a.rsct", "plain.rsct" },
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *o = rsc_output_name_expand(names[i][0], names[i][1], 7, &err);
        assert_non_null(o);
        assert_string_equal(o, names[i][2]);
        free(o);
    }
    assert_null(rsc_output_name_expand("m-{name}.rsct", "a", 0, &err));
    assert_string_equal(err.msg, "-o 'm-{name}.rsct': unknown field '{name}' (use {data} and {seed})");
    assert_null(rsc_output_name_expand("m-{data", "a", 0, &err));
    assert_string_equal(err.msg, "-o 'm-{data': unknown field '{data' (use {data} and {seed})");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_api),
        cmocka_unit_test(test_clipping),
        cmocka_unit_test(test_schedule_used),
        cmocka_unit_test(test_data_parallel),
        cmocka_unit_test(test_workers),
        cmocka_unit_test(test_u8_data),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_group_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
