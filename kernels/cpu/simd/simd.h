/* simd.h - how the files of kernels/cpu/simd/ are compiled: once per
 * instruction set, with -DRSC_CPU_ISA=level (mk/kernels.am), into one
 * table of kernels per level (kernels/cpu/kernels.h).
 *
 * SIMD marks the vectorised loops: compiled for the level's instruction
 * set (AVX-512F; AVX2; the baseline) and vectorised with GCC's dynamic
 * cost model (at -O2 GCC 12 uses its "very cheap" model, which never adds
 * the run-time overlap test that loops over possibly aliasing, in-place
 * arrays need, so they stayed scalar).  TILES marks the direct
 * convolution's register-tiled kernels, compiled for the level with FMA
 * (AVX-512F; AVX2 + FMA; the baseline), with the tile sizes below.  Other
 * functions are plain C, the same for every level.  Vectorisation does
 * not reorder floating-point sums (no -ffast-math); FMA contraction
 * where the level has FMA makes levels differ in the last bits.  The
 * files are compiled with -fno-math-errno (mk/kernels.am), so that sqrtf
 * and sqrt are the (correctly rounded) square root instructions, which
 * vectorise.
 *
 * Each file exports one function, ISA_NAME(rsc_cpu_simd_<file>), that
 * fills its entries of a table; table.c calls them all, and
 * kernels/cpu/kernels.c keeps one table per level.  Without x86-64 GCC every level is the plain C baseline (and
 * kernels.c offers only that one). */
#ifndef RSC_CPU_SIMD_H
#define RSC_CPU_SIMD_H

#include <stddef.h>

#include "kernels/cpu/kernels.h"

#ifndef RSC_CPU_ISA
#error "kernels/cpu/simd/ is compiled with -DRSC_CPU_ISA=level (mk/kernels.am)"
#endif

#if defined(__GNUC__) && !defined(__clang__)
#define VECTORISE optimize("tree-vectorize", "vect-cost-model=dynamic")
#if defined(__x86_64__)
#define RSC_CPU_X86 1
#endif
#endif

/* The level compiled here: RSC_CPU_ISA on x86-64 GCC, else the baseline
 * (under the name of the level asked for). */
#if defined(RSC_CPU_X86)
#define ISA_LEVEL RSC_CPU_ISA
#else
#define ISA_LEVEL 0
#endif

#if RSC_CPU_ISA == 2
#define ISA_NAME(f) f##_avx512
#elif RSC_CPU_ISA == 1
#define ISA_NAME(f) f##_avx2
#else
#define ISA_NAME(f) f##_baseline
#endif

/* Register tiles of the direct convolution: vectors of VW floats; the
 * forward tile is FWD_R output channels by FWD_V vectors, the weight
 * gradient's FILT_R output channels by the 9 taps. */
#if ISA_LEVEL == 2
#define SIMD __attribute__((target("avx512f"), VECTORISE))
#define TILES __attribute__((target("avx512f,fma")))
enum { VW = 16, FWD_R = 8, FWD_V = 3, FILT_R = 3 };
#elif ISA_LEVEL == 1
#define SIMD __attribute__((target("avx2"), VECTORISE))
#define TILES __attribute__((target("avx2,fma")))
enum { VW = 8, FWD_R = 4, FWD_V = 3, FILT_R = 1 };
#else
#ifdef VECTORISE
#define SIMD __attribute__((VECTORISE))
#else
#define SIMD
#endif
#define TILES
enum { VW = 4, FWD_R = 4, FWD_V = 2, FILT_R = 1 };
#endif

/* The entries of each file, and the whole table (table.c). */
void ISA_NAME(rsc_cpu_simd_table)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_gemm)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_elementwise)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_optim)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_data)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_conv)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_direct)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_pool)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_bn)(rsc_cpu_kernels *k);
void ISA_NAME(rsc_cpu_simd_image)(rsc_cpu_kernels *k);

/* ------------------------------------------------------------ shared
 * Helpers of several files (static: each file that uses them has its own
 * copy, compiled for its level). */

/* Elements of one example's column matrix (kernels.h, conv_col_size). */
static inline size_t conv_col_size(const rsc_conv_geom *g)
{
    if (g->kh == 1 && g->kw == 1 && g->stride == 1 && g->pad == 0)
        return 0;
    return (size_t)g->c * g->kh * g->kw * g->oh * g->ow;
}

/* The transposed convolution of the input gradient (kernels.h,
 * conv_bwd_geom). */
static inline int conv_bwd_geom(const rsc_conv_geom *g, rsc_conv_geom *t)
{
    if (g->stride != 1 || g->kh != g->kw || g->pad > g->kh - 1 || conv_col_size(g) == 0)
        return 0;
    *t = (rsc_conv_geom){ .c = g->o, .h = g->oh, .w = g->ow, .o = g->c, .kh = g->kh,
                          .kw = g->kw, .stride = 1, .pad = g->kh - 1 - g->pad, .oh = g->h,
                          .ow = g->w };
    return 1;
}

/* Sums over one row of n values in 8 interleaved float partial sums
 * (vectorisable, fixed order), added up in double.  The statistics of
 * batch norm and the bias gradients add these row sums in double, so each
 * channel's sum has float error over at most n/8 terms. */
#define LANES 8

SIMD static inline double row_sum(const float *x, int n)
{
    float acc[LANES] = { 0 };
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++)
            acc[l] += x[j + l];
    double s = 0;
    for (; j < n; j++)
        s += x[j];
    for (int l = 0; l < LANES; l++)
        s += acc[l];
    return s;
}

/* db[oc] += sum of dy (o planes of N values per example) over examples
 * [n0, n1). */
static inline void conv_bias_grad(int o, int N, int n0, int n1, const float *dy, float *db)
{
    for (int oc = 0; oc < o; oc++) {
        double s = 0;
        for (int n = n0; n < n1; n++)
            s += row_sum(dy + ((size_t)n * o + oc) * N, N);
        db[oc] += (float)s;
    }
}

#endif
