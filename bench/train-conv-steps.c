/* train-conv-steps.c - benchmark helper: training throughput (examples per
 * second of forward + backward + SGD step) of a convolutional
 * architecture at batch 128 on random inputs.
 *   train-conv-steps ARCH C H W THREADS STEPS
 * Prints one line: "ARCH THREADS EXAMPLES_PER_SECOND". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "arch.h"
#include "backend.h"
#include "net.h"
#include "optim.h"
#include "rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: train-conv-steps ARCH C H W THREADS STEPS\n");
        return 2;
    }
    const char *arch = argv[1];
    rsc_shape in = { atoi(argv[2]), atoi(argv[3]), atoi(argv[4]) };
    int threads = atoi(argv[5]), steps = atoi(argv[6]);
    enum { B = 128 };
    rsc_error err;
    rsc_backend *be = rsc_backend_open("cpu", threads, &err);
    rsc_net *net = be ? rsc_net_new(be, in, B, &err) : NULL;
    if (!net || rsc_arch_build(net, arch, 10, &err) || rsc_arch_init(net, arch, 0, &err)) {
        fprintf(stderr, "train-conv-steps: %s\n", err.msg);
        return 1;
    }
    rsc_optim_cfg cfg;
    rsc_optim_cfg_defaults(&cfg);
    cfg.type = RSC_OPTIM_SGD;
    cfg.lr = 0.01;
    rsc_optim *opt = rsc_optim_new(be, net->nparam_total, &cfg, &err);
    size_t n = (size_t)B * rsc_shape_size(in);
    float *x = malloc(n * sizeof *x);
    int32_t y[B];
    rsc_rng rng;
    rsc_rng_seed(&rng, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)rsc_rng_double(&rng);
    for (int i = 0; i < B; i++)
        y[i] = i % 10;
    if (!opt || be->upload(be, rsc_net_input(net), 0, x, n * sizeof *x, &err) ||
        be->upload(be, net->labels, 0, y, sizeof y, &err)) {
        fprintf(stderr, "train-conv-steps: %s\n", err.msg);
        return 1;
    }
    double t0 = 0;
    for (int s = -1; s < steps; s++) {   /* one warm-up step */
        if (s == 0)
            t0 = now();
        rsc_net_forward(net, B, 1);
        rsc_net_loss(net, B, 1);
        rsc_net_backward(net, B);
        rsc_optim_step(opt, net->P, net->G, cfg.lr);
    }
    if (be->sync(be, &err) != 0) {
        fprintf(stderr, "train-conv-steps: %s\n", err.msg);
        return 1;
    }
    double dt = now() - t0;
    printf("%s %d %.1f\n", arch, threads, steps * (double)B / dt);
    free(x);
    rsc_optim_free(opt);
    rsc_net_free(net);
    rsc_backend_close(be);
    return 0;
}
