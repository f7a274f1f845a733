/* bench-train.c - training throughput of an MLP on the CPU backend, and
 * the machine's large-SGEMM rate through the same CBLAS.
 *   bench-train [--arch A] [--batch N] [--threads LIST] [--seconds S]
 *               [--data NAME|PATH] [--sgemm]
 * Prints TSV: what, threads, value, unit.  Data: Fashion-MNIST when it
 * is found (--data fashion), else random images of the same shape (the
 * speed does not depend on the values).  Never part of `make check`. */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "kernels/backend.h"
#include "core/cli.h"
#include "kernels/cpu/cpu.h"
#include "data/dataset.h"
#include "core/rng.h"
#include "train/train.h"

/* CPU seconds of this process (user + system): a rate per CPU second
 * is less sensitive to other load on a shared machine than wall time. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double sgemm_rate(int threads, int size, double seconds)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    openblas_set_num_threads(threads);
#endif
    size_t n = (size_t)size;
    float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    for (size_t i = 0; i < n * n; i++) {
        a[i] = (float)(i % 7) * 0.1f;
        b[i] = (float)(i % 5) * 0.1f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1, a, size, b, size, 0, c, size);
    double t0 = rsc_now(), t;
    long reps = 0;
    do {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1, a, size, b, size, 0, c,
                    size);
        reps++;
        t = rsc_now() - t0;
    } while (t < seconds);
    free(a);
    free(b);
    free(c);
    return 2.0 * n * n * n * (double)reps / t / 1e9;
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    const char *arch = "mlp", *data = "fashion", *tlist = "1,2";
    int batch = 128, do_sgemm = 1;
    double seconds = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--arch") && i + 1 < argc)
            arch = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = (int)rsc_opt_long("--batch", argv[++i], 1, 65536);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            tlist = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = rsc_opt_double("--seconds", argv[++i], 0.1, 3600);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else if (!strcmp(argv[i], "--print-better-core")) {
            const char *core = rsc_cpu_blas_better_core();
            if (core)
                printf("%s\n", core);
            return rsc_close_stdout();
        } else if (!strcmp(argv[i], "--no-sgemm"))
            do_sgemm = 0;
        else
            rsc_usage_error("unknown argument '%s'", argv[i]);
    }
    rsc_error err;
    double *threads;
    long nt = rsc_parse_list("--threads", tlist, 16, &threads, &err);
    if (nt < 0)
        rsc_usage_error("%s", err.msg);

    /* Data: Fashion-MNIST's training set (u8, as rsc-train holds it), or
     * random images. */
    float *x = NULL;
    int32_t *y = NULL;
    rsc_split train;
    const char *source = "random";
    rsc_file *ds = rsc_dataset_open(data, &err);
    if (ds && rsc_dataset_split(ds, "train", &train, &err) == 0) {
        source = data;
    } else {
        size_t n = 60000;
        x = malloc(n * 784 * sizeof *x);
        y = malloc(n * sizeof *y);
        rsc_rng r;
        rsc_rng_seed(&r, 1);
        for (size_t i = 0; i < n * 784; i++)
            x[i] = rsc_rng_float(&r);
        for (size_t i = 0; i < n; i++)
            y[i] = (int32_t)(i % 10);
        train = (rsc_split){ .n = n, .c = 1, .h = 28, .w = 28, .dtype = RSC_F32, .x = x, .y = y };
    }
    printf("what\tthreads\tvalue\tunit\n");
    printf("# data %s (%zu examples), arch %s, batch %d, %s (%s kernels)\n", source, train.n, arch,
           batch, RSC_BLAS_NAME, rsc_cpu_blas_core());

    /* Flops per example of a training step (MLPs): forward 2*MACs,
     * backward 4*MACs except the first layer's input gradient. */
    for (long ti = 0; ti < nt; ti++) {
        int T = (int)threads[ti];
        rsc_backend *be = rsc_backend_open("cpu", T, &err);
        rsc_train_cfg cfg;
        rsc_train_cfg_defaults(&cfg);
        snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
        cfg.batch_size = batch;
        cfg.threads = T;
        cfg.epochs = 1000000;
        rsc_trainer *tr = be ? rsc_trainer_new(be, &cfg, (rsc_shape){ train.c, train.h, train.w }, 10, &err)
                              : NULL;
        if (!tr || rsc_trainer_set_data(tr, &train, NULL, 0, &err) != 0)
            rsc_die_err(&err);
        rsc_net *net = rsc_trainer_net(tr);
        double macs = 0;
        for (int i = 0; i < net->nparams; i++)
            if (net->params[i].ndim == 2)
                macs += (double)net->params[i].count;
        double first_in = (double)net->params[0].count;
        double flops_per_ex = 6 * macs - 2 * first_in;
        /* Warm up with one epoch limited to a few batches is not possible
         * through the API; time whole epochs instead, the first excluded. */
        rsc_epoch_stats st;
        if (rsc_trainer_epoch(tr, NULL, NULL, &st, &err) < 0)
            rsc_die_err(&err);
        double t0 = rsc_now(), c0 = cpu_seconds(), ex = 0;
        do {
            if (rsc_trainer_epoch(tr, NULL, NULL, &st, &err) < 0)
                rsc_die_err(&err);
            ex += (double)st.examples;
        } while (rsc_now() - t0 < seconds);
        double rate = ex / (rsc_now() - t0), cpu = cpu_seconds() - c0;
        printf("train_examples_per_s\t%d\t%.0f\tex/s\n", T, rate);
        printf("train_examples_per_cpu_s\t%d\t%.0f\tex/(CPU s)\n", T, ex / cpu);
        printf("train_gflops\t%d\t%.1f\tGFLOP/s\n", T, rate * flops_per_ex / 1e9);
        rsc_trainer_free(tr);
        rsc_backend_close(be);
        if (do_sgemm) {
            double g = sgemm_rate(T, 2048, seconds / 2);
            printf("sgemm_2048_gflops\t%d\t%.1f\tGFLOP/s\n", T, g);
            printf("fraction_of_sgemm\t%d\t%.3f\t\n", T, rate * flops_per_ex / 1e9 / g);
        }
        fflush(stdout);
    }
    rsc_file_free(ds);
    free(x);
    free(y);
    free(threads);
    return rsc_close_stdout();
}
