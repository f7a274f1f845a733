/* bench-import.c - what the manifest check costs when a dataset is
 * imported: rsc_dataset_open_flags() with and without
 * RSC_DATASET_NO_VERIFY, alternated, on the same data.
 *   bench-import [--data NAME] [--reps N]
 * Prints TSV: what, verify, value, unit; the fastest and the median of the
 * repetitions in CPU milliseconds (user + system: less disturbed by other
 * load than wall time) and wall milliseconds, and the ratio of the medians.
 * Default data: fashion (Debian's dataset-fashion-mnist).  Never part of
 * `make check`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/cli.h"
#include "data/dataset.h"

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return 1e3 * ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) +
           1e-3 * ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    const char *data = "fashion";
    long reps = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = rsc_opt_long("--reps", argv[++i], 1, 1000);
        else
            rsc_usage_error("usage: bench-import [--data NAME] [--reps N]");
    }
    double *t[2][2];   /* [verify][cpu, wall] */
    for (int v = 0; v < 2; v++)
        for (int k = 0; k < 2; k++)
            if (!(t[v][k] = calloc((size_t)reps, sizeof(double))))
                rsc_die("out of memory");
    rsc_error err;
    for (long r = 0; r < reps; r++)
        for (int v = 0; v < 2; v++) {
            /* alternate which goes first, so that neither always finds the
             * page cache warmed by the other */
            int verify = (int)((r + v) % 2);
            double c0 = cpu_ms(), w0 = 1e3 * rsc_now();
            rsc_file *ds = rsc_dataset_open_flags(data, verify ? 0 : RSC_DATASET_NO_VERIFY, &err);
            double c1 = cpu_ms(), w1 = 1e3 * rsc_now();
            if (!ds)
                rsc_die_err(&err);
            rsc_file_free(ds);
            t[verify][0][r] = c1 - c0;
            t[verify][1][r] = w1 - w0;
        }
    printf("what\tverify\tvalue\tunit\n");
    double med[2][2];
    for (int v = 0; v < 2; v++)
        for (int k = 0; k < 2; k++) {
            qsort(t[v][k], (size_t)reps, sizeof(double), cmp_double);
            med[v][k] = t[v][k][reps / 2];
            printf("import_%s_fastest\t%s\t%.1f\tms\n", k ? "wall" : "cpu", v ? "yes" : "no", t[v][k][0]);
            printf("import_%s_median\t%s\t%.1f\tms\n", k ? "wall" : "cpu", v ? "yes" : "no", med[v][k]);
        }
    printf("verify_cost_cpu\t-\t%.3f\t(x no-verify, medians)\n", med[1][0] / med[0][0]);
    printf("verify_cost_wall\t-\t%.3f\t(x no-verify, medians)\n", med[1][1] / med[0][1]);
    for (int v = 0; v < 2; v++)
        for (int k = 0; k < 2; k++)
            free(t[v][k]);
    return rsc_close_stdout();
}
