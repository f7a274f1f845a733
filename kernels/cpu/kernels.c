/* kernels.c - the tables of CPU kernels, one per instruction set
 * (kernels.h), and the choice by CPU features. */
#include "config.h"

#include "kernels/cpu/kernels.h"

#include <pthread.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define X86_LEVELS 1
#endif

/* kernels/cpu/simd/table.c, compiled once per level. */
void rsc_cpu_simd_table_baseline(rsc_cpu_kernels *k);
void rsc_cpu_simd_table_avx2(rsc_cpu_kernels *k);
void rsc_cpu_simd_table_avx512(rsc_cpu_kernels *k);

static rsc_cpu_kernels tables[3];
static int best;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    rsc_cpu_simd_table_baseline(&tables[RSC_CPU_BASELINE]);
    rsc_cpu_simd_table_avx2(&tables[RSC_CPU_AVX2]);
    rsc_cpu_simd_table_avx512(&tables[RSC_CPU_AVX512]);
    static const char *names[] = { "baseline", "avx2", "avx512" };
    for (int i = 0; i < 3; i++) {
        tables[i].name = names[i];
        tables[i].level = i;
    }
    best = RSC_CPU_BASELINE;
#ifdef X86_LEVELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        best = RSC_CPU_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        best = RSC_CPU_AVX2;
#endif
}

const rsc_cpu_kernels *rsc_cpu_kernels_for(int level)
{
    pthread_once(&once, init);
    if (level == RSC_CPU_BEST)
        return &tables[best];
    if (level < RSC_CPU_BASELINE || level > best)
        return NULL;
    return &tables[level];
}
