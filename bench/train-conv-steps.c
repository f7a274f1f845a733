/* train-conv-steps.c - benchmark helper: training throughput (examples per
 * second) of a convolutional architecture through the training loop of
 * rsc-train (libcommon/train/train.h: gather, forward, backward, SGD step; the
 * data-parallel replicas where the trainer uses them) at batch 128 on
 * random inputs, one warm-up epoch of one batch, then one timed epoch of
 * STEPS batches (no test set).
 *   train-conv-steps ARCH C H W THREADS STEPS
 * Prints one line: "ARCH THREADS EXAMPLES_PER_SECOND". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/backend.h"
#include "core/rng.h"
#include "train/train.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const rsc_error *err)
{
    fprintf(stderr, "train-conv-steps: %s\n", err->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    rsc_backend_early_init(argv);   /* the right OpenBLAS kernels, as rsc-train does */
    if (argc != 7) {
        fprintf(stderr, "usage: train-conv-steps ARCH C H W THREADS STEPS\n");
        return 2;
    }
    rsc_shape in = { atoi(argv[2]), atoi(argv[3]), atoi(argv[4]) };
    int threads = atoi(argv[5]), steps = atoi(argv[6]);
    enum { B = 128 };
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", threads, &err);
    if (!be)
        die(&err);
    rsc_train_cfg cfg;
    rsc_train_cfg_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "%s", argv[1]);
    cfg.optim.type = RSC_OPTIM_SGD;
    cfg.optim.lr = 0.01;
    cfg.optim.momentum = 0.9;
    cfg.batch_size = B;
    cfg.threads = threads;
    size_t n = (size_t)B * (steps > 1 ? (size_t)steps : 1), row = rsc_shape_size(in);
    float *x = malloc(n * row * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    rsc_rng rng;
    rsc_rng_seed(&rng, 0);
    for (size_t i = 0; i < n * row; i++)
        x[i] = (float)rsc_rng_double(&rng);
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)(i % 10);
    rsc_split train = { .n = n, .c = in.c, .h = in.h, .w = in.w, .dtype = RSC_F32, .x = x, .y = y };
    rsc_epoch_stats st;
    /* Warm-up: one epoch on the first batch. */
    rsc_trainer *t = rsc_trainer_new(be, &cfg, in, 10, &err);
    if (!t || rsc_trainer_set_data(t, &train, NULL, B, &err) != 0 ||
        rsc_trainer_epoch(t, NULL, NULL, &st, &err) < 0)
        die(&err);
    rsc_trainer_free(t);
    t = rsc_trainer_new(be, &cfg, in, 10, &err);
    if (!t || rsc_trainer_set_data(t, &train, NULL, 0, &err) != 0)
        die(&err);
    double t0 = now();
    if (rsc_trainer_epoch(t, NULL, NULL, &st, &err) < 0 || be->sync(be, &err) != 0)
        die(&err);
    double dt = now() - t0;
    printf("%s %d %.1f\n", argv[1], threads, (double)n / dt);
    rsc_trainer_free(t);
    rsc_backend_close(be);
    free(x);
    free(y);
    return 0;
}
