/* conv-layers.c - benchmark: each distinct convolution of the paper's
 * architectures (batch 128 by default) through both CPU kernels, im2col +
 * GEMM (OpenBLAS) and the direct 3x3 convolution (kernels/cpu/direct.c),
 * for the three passes of a training step: forward, input gradient
 * ("data": for the direct path the transposed convolution, stride 1 only)
 * and weight gradient ("filter").  One thread; the time is the minimum
 * over --reps repetitions (the machine's other work only ever adds).
 *
 *   conv-layers [--arch cnn|resnet20|vgg16|all] [--batch N] [--reps N]
 *               [--isa auto|avx512|avx2|base]
 *
 * Prints TSV: arch, count (layers of that shape), c, h, w, o, stride, pad,
 * pass, gemm_ms, direct_ms, gemm_gflops, direct_gflops, direct/gemm speed,
 * and which one the CPU backend uses (direct_pays, kernels/cpu/kernels.h).  Then, per
 * architecture, the summed time of each path over its layers (count
 * times; the first layer's input gradient is never computed in training,
 * and is left out). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/backend.h"
#include "kernels/cpu/kernels.h"

typedef struct layer {
    int count, c, h, w, o, stride, pad;
} layer;

/* The convolutions of each architecture: shape and how many times it
 * occurs (ResNet-20: 3 stages of 3 basic blocks; VGG16 on 32x32 inputs). */
static const layer cnn[] = { { 1, 1, 28, 28, 32, 1, 0 }, { 1, 32, 26, 26, 32, 1, 0 },
                             { 1, 32, 12, 12, 64, 1, 0 }, { 1, 64, 10, 10, 64, 1, 0 }, { 0 } };
static const layer resnet20[] = { { 1, 3, 32, 32, 16, 1, 1 },  { 6, 16, 32, 32, 16, 1, 1 },
                                  { 1, 16, 32, 32, 32, 2, 1 }, { 5, 32, 16, 16, 32, 1, 1 },
                                  { 1, 32, 16, 16, 64, 2, 1 }, { 5, 64, 8, 8, 64, 1, 1 },
                                  { 0 } };
static const layer vgg16[] = { { 1, 3, 32, 32, 64, 1, 1 },    { 1, 64, 32, 32, 64, 1, 1 },
                               { 1, 64, 16, 16, 128, 1, 1 },  { 1, 128, 16, 16, 128, 1, 1 },
                               { 1, 128, 8, 8, 256, 1, 1 },   { 2, 256, 8, 8, 256, 1, 1 },
                               { 1, 256, 4, 4, 512, 1, 1 },   { 2, 512, 4, 4, 512, 1, 1 },
                               { 3, 512, 2, 2, 512, 1, 1 },   { 0 } };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "conv-layers: out of memory\n");
        exit(1);
    }
    return p;
}

static void usage(void)
{
    fprintf(stderr, "usage: conv-layers [--arch cnn|resnet20|vgg16|all] [--batch N] [--reps N] "
                    "[--isa auto|avx512|avx2|base]\n");
    exit(2);
}

enum { FWD, DATA, FILTER };

typedef struct bufs {
    const rsc_cpu_kernels *k;
    rsc_conv_geom g, tg;
    int n, has_tg;
    float *x, *w, *wt, *dy, *y, *dx, *dw, *col, *scratch;
} bufs;

/* One pass through one path (0 GEMM, 1 direct); returns 0 when the path
 * does not do that pass. */
static int run(bufs *b, int pass, int direct)
{
    const rsc_cpu_kernels *k = b->k;
    const rsc_conv_geom *g = &b->g;
    if (!direct) {
        if (pass == FWD)
            k->conv_fwd(g, 0, b->n, b->x, b->w, NULL, b->y, b->col);
        else if (pass == DATA)
            k->conv_bwd_data(g, 0, b->n, b->dy, b->w, b->dx, b->col);
        else
            k->conv_bwd_filter(g, 0, b->n, b->x, b->dy, b->dw, NULL, 0, b->col);
        return 1;
    }
    if (pass == FWD)
        k->direct_fwd(g, 0, b->n, b->x, b->w, NULL, b->y, b->scratch);
    else if (pass == DATA) {
        if (!b->has_tg)
            return 0;
        k->conv_flip_weights(g, b->w, b->wt);
        k->direct_fwd(&b->tg, 0, b->n, b->dy, b->wt, NULL, b->dx, b->scratch);
    } else
        k->direct_bwd_filter(g, 0, b->n, b->x, b->dy, b->dw, NULL, 0, b->scratch);
    return 1;
}

static double best_time(bufs *b, int pass, int direct, int reps)
{
    if (!run(b, pass, direct))   /* warm-up */
        return NAN;
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        run(b, pass, direct);
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    return best;
}

static void bench_arch(const rsc_cpu_kernels *k, const char *name, const layer *ls, int n,
                       int reps)
{
    static const char *pass_name[] = { "fwd", "data", "filter" };
    double sum[2] = { 0, 0 }, used = 0;
    for (const layer *l = ls; l->count; l++) {
        bufs b = { .k = k, .n = n };
        rsc_conv_geom *g = &b.g;
        *g = (rsc_conv_geom){ .c = l->c, .h = l->h, .w = l->w, .o = l->o, .kh = 3, .kw = 3,
                              .stride = l->stride, .pad = l->pad };
        g->oh = (g->h + 2 * g->pad - 3) / g->stride + 1;
        g->ow = (g->w + 2 * g->pad - 3) / g->stride + 1;
        b.has_tg = k->conv_bwd_geom(g, &b.tg) && k->direct_ok(&b.tg);
        size_t nx = (size_t)n * g->c * g->h * g->w, ny = (size_t)n * g->o * g->oh * g->ow;
        size_t nw = (size_t)g->o * g->c * 9, ns = k->direct_scratch(g);
        if (b.has_tg && k->direct_scratch(&b.tg) > ns)
            ns = k->direct_scratch(&b.tg);
        b.x = xmalloc(nx * sizeof(float));
        b.dx = xmalloc(nx * sizeof(float));
        b.y = xmalloc(ny * sizeof(float));
        b.dy = xmalloc(ny * sizeof(float));
        b.w = xmalloc(nw * sizeof(float));
        b.wt = xmalloc(nw * sizeof(float));
        b.dw = xmalloc(nw * sizeof(float));
        b.col = xmalloc(k->conv_scratch(g) * sizeof(float));
        b.scratch = xmalloc(ns * sizeof(float));
        for (size_t i = 0; i < nx; i++)
            b.x[i] = (float)((i * 7919) % 13) / 13.0f - 0.5f;
        for (size_t i = 0; i < ny; i++)
            b.dy[i] = (float)((i * 104729) % 11) / 11.0f - 0.5f;
        for (size_t i = 0; i < nw; i++)
            b.w[i] = (float)((i * 15485863) % 7) / 7.0f - 0.5f;
        double flops = 2.0 * n * g->o * g->c * 9.0 * g->oh * g->ow;

        for (int pass = FWD; pass <= FILTER; pass++) {
            double tg = best_time(&b, pass, 0, reps), td = best_time(&b, pass, 1, reps);
            /* The backend: direct where it pays, and for the input
             * gradient only where the transposed convolution pays. */
            int uses = pass == DATA ? b.has_tg && k->direct_pays(&b.tg, 0)
                                    : k->direct_pays(g, pass == FILTER);
            printf("%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%.3f\t%.3f\t%.1f\t%.1f\t%.2f\t%s\n", name,
                   l->count, g->c, g->h, g->w, g->o, g->stride, g->pad, pass_name[pass],
                   tg * 1e3, td * 1e3, flops / tg * 1e-9, flops / td * 1e-9, tg / td,
                   uses ? "direct" : "gemm");
            if (pass == DATA && l == ls)
                continue;   /* the first layer's input gradient: not computed */
            sum[0] += l->count * tg;
            sum[1] += l->count * (isnan(td) ? tg : td);
            used += l->count * (uses ? td : tg);
        }
        free(b.x), free(b.dx), free(b.y), free(b.dy), free(b.w), free(b.wt), free(b.dw);
        free(b.col), free(b.scratch);
    }
    printf("# %s: all convolutions of a training step: gemm %.1f ms, direct (gemm where "
           "unavailable) %.1f ms, as the backend chooses %.1f ms\n",
           name, sum[0] * 1e3, sum[1] * 1e3, used * 1e3);
}

int main(int argc, char **argv)
{
    rsc_backend_early_init(argv);   /* the right OpenBLAS kernels, as rsc-train does */
    const char *arch = "all", *isa = "auto";
    int n = 128, reps = 10;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--arch"))
            arch = argv[++i];
        else if (!strcmp(argv[i], "--batch"))
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps"))
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--isa"))
            isa = argv[++i];
        else
            usage();
    }
    if (n < 1 || reps < 1)
        usage();
    int level = !strcmp(isa, "auto")     ? RSC_CPU_BEST
                : !strcmp(isa, "avx512") ? RSC_CPU_AVX512
                : !strcmp(isa, "avx2")   ? RSC_CPU_AVX2
                : !strcmp(isa, "base")   ? RSC_CPU_BASELINE
                                         : -2;
    if (level == -2)
        usage();
    const rsc_cpu_kernels *k = rsc_cpu_kernels_for(level);
    if (!k) {
        fprintf(stderr, "conv-layers: this CPU cannot run the %s kernels\n", isa);
        return 1;
    }
    printf("arch\tcount\tc\th\tw\to\tstride\tpad\tpass\tgemm_ms\tdirect_ms\tgemm_gflops\t"
           "direct_gflops\tspeedup\tused\n");
    int all = !strcmp(arch, "all"), any = 0;
    if (all || !strcmp(arch, "cnn"))
        bench_arch(k, "cnn", cnn, n, reps), any = 1;
    if (all || !strcmp(arch, "resnet20"))
        bench_arch(k, "resnet20", resnet20, n, reps), any = 1;
    if (all || !strcmp(arch, "vgg16"))
        bench_arch(k, "vgg16", vgg16, n, reps), any = 1;
    if (!any)
        usage();
    return 0;
}
