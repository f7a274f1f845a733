/* hot.h - the HOT attribute of the CPU backend's vectorised loops. */
#ifndef RSC_CPU_HOT_H
#define RSC_CPU_HOT_H

/* Hot loops: cloned for AVX-512 and AVX2 with a run-time choice by CPU
 * features, and vectorised with GCC's dynamic cost model: at -O2 GCC 12
 * uses its "very cheap" model, which never adds the run-time overlap test
 * that loops over possibly aliasing (in-place) arrays need, so they stayed
 * scalar.  Vectorisation does not reorder floating-point sums (no
 * -ffast-math).  Results may differ in the last bit between machines; on
 * one machine they are deterministic. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(RSC_SANITIZERS)
#define HOT                                                                                \
    __attribute__((target_clones("avx512f", "avx2", "default"),                            \
                   optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define HOT
#endif

#endif
