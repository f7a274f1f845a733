/* mia-fit-time.c - the membership-inference attack model's fit at the paper's
 * size: the attack features (10 sorted logits + correct = 11) of 35,000
 * examples (a Fashion-MNIST shadow-train + shadow-test split), then
 * standardisation, 3-fold cross-validation over C in {0.01, 0.1, 1, 10}
 * and the refit (libcommon/mia/attack.h).  One thread.
 *   mia-fit-time [--n N] [--classes K] [--reps R] [--seed S] [--dump FILE]
 * The logits are simulated: a 10-class model whose logit of the true class
 * is raised by N(4, 1.5) for members and N(2.5, 2) for non-members (about
 * the spread of a Fashion-MNIST MLP; the fit's speed does not depend on the
 * values).  Prints TSV: what, value, unit; the time is the fastest of R
 * repetitions (other load only ever slows a run).  --dump writes the
 * features as a table (f1..fK, member, set) for bench/mia-fit-sklearn.py.
 * Never part of `make check`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cli.h"
#include "core/rng.h"
#include "mia/attack.h"
#include "mia/features.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    long n = 35000, k = 10, reps = 5, seed = 1;
    const char *dump = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = rsc_opt_long("--n", argv[++i], 6, 100000000);
        else if (!strcmp(argv[i], "--classes") && i + 1 < argc)
            k = rsc_opt_long("--classes", argv[++i], 2, 1000);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = rsc_opt_long("--reps", argv[++i], 1, 1000);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = rsc_opt_long("--seed", argv[++i], 0, 4294967295L);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump = argv[++i];
        else
            rsc_usage_error("unknown argument '%s'", argv[i]);
    }
    rsc_error err;
    size_t N = (size_t)n;
    int K = (int)k;
    float *logits = malloc(N * (size_t)K * sizeof *logits);
    int32_t *label = malloc(N * sizeof *label);
    uint8_t *member = malloc(N);
    int d = rsc_mia_feature_count(RSC_MIA_FEAT_DEFAULT, K, &err);
    double *x = malloc(N * (size_t)d * sizeof *x);
    if (!logits || !label || !member || !x)
        rsc_die("out of memory");
    rsc_rng r;
    rsc_rng_seed(&r, (uint32_t)seed);
    for (size_t i = 0; i < N; i++) {
        member[i] = (uint8_t)(i % 2);   /* equal halves, as shadow-train vs shadow-test */
        label[i] = (int32_t)rsc_rng_interval(&r, (uint64_t)K - 1);
        for (int c = 0; c < K; c++)
            logits[i * K + c] = (float)rsc_rng_normal(&r);
        logits[i * K + label[i]] += (float)(member[i] ? 4 + 1.5 * rsc_rng_normal(&r)
                                                      : 2.5 + 2 * rsc_rng_normal(&r));
    }

    double best = 1e300, best_cpu = 0, feat_best = 1e300, total_best = 1e300;
    rsc_mia_attack a = {0};
    for (long rep = 0; rep < reps; rep++) {
        rsc_mia_attack_free(&a);
        double t0 = rsc_now();
        if (rsc_mia_features(logits, label, N, K, RSC_MIA_FEAT_DEFAULT, x, &err) != 0)
            rsc_die_err(&err);
        double t1 = rsc_now(), c1 = cpu_now();
        if (rsc_mia_attack_fit(&a, x, member, N, d, rsc_mia_C_grid, RSC_MIA_N_C, RSC_MIA_FOLDS,
                               NULL, &err) != 0)
            rsc_die_err(&err);
        double t2 = rsc_now(), c2 = cpu_now();
        if (t2 - t1 < best) {
            best = t2 - t1;
            best_cpu = c2 - c1;
        }
        if (t1 - t0 < feat_best)
            feat_best = t1 - t0;
        if (t2 - t0 < total_best)
            total_best = t2 - t0;
    }
    printf("what\tvalue\tunit\n");
    printf("# %zu examples, %d classes, %d features, fastest of %ld\n", N, K, d, reps);
    printf("rsc_features_seconds\t%.4f\ts\n", feat_best);
    printf("rsc_fit_seconds\t%.4f\ts (standardise + CV + refit)\n", best);
    printf("rsc_fit_cpu_seconds\t%.4f\ts\n", best_cpu);
    printf("rsc_total_seconds\t%.4f\ts (features + fit)\n", total_best);
    printf("rsc_newton_steps\t%d\t(all 13 fits)\n", a.cv.iterations);
    printf("rsc_C_chosen\t%g\t\n", a.cv.C[a.cv.best]);
    for (int c = 0; c < a.cv.n_C; c++)
        printf("rsc_cv_C%g\t%.6f\tmean of %d folds\n", a.cv.C[c], a.cv.mean_acc[c], a.cv.folds);

    if (dump) {
        FILE *f = fopen(dump, "w");
        if (!f)
            rsc_die("%s: cannot open for writing", dump);
        for (int j = 0; j < d; j++)
            fprintf(f, "f%d\t", j + 1);
        fprintf(f, "member\tset\n");
        for (size_t i = 0; i < N; i++) {
            for (int j = 0; j < d; j++)
                fprintf(f, "%.17g\t", x[i * d + j]);
            fprintf(f, "%d\ttrain\n", member[i]);
        }
        if (fclose(f) != 0)
            rsc_die("%s: write failed", dump);
    }
    rsc_mia_attack_free(&a);
    free(logits);
    free(label);
    free(member);
    free(x);
    return rsc_close_stdout();
}
