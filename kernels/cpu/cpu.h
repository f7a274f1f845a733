/* cpu.h - the CPU backend: CBLAS for GEMM, vectorised C kernels for the
 * rest (kernels/cpu/kernels.h), work split across a persistent thread
 * pool (kernels/cpu/threadpool.h). */
#ifndef RSC_CPU_H
#define RSC_CPU_H

#include "kernels/backend.h"
#include "kernels/cpu/kernels.h"

/* Fill be's table (zeroed, freed by rsc_backend_close) with the CPU
 * backend using `threads` threads (>= 1) and the kernels k: NULL for the
 * best this CPU runs (what rsc_backend_open gives); tests and benchmarks
 * pass rsc_cpu_kernels_for(level) to run another instruction set.
 * Returns 0, or -1 with a message. */
int rsc_cpu_backend_init(rsc_backend *be, int threads, const rsc_cpu_kernels *k,
                         rsc_error *err);

/* The OpenBLAS kernel family in use ("Haswell", "Prescott", ...), or the
 * CBLAS name for other libraries. */
const char *rsc_cpu_blas_core(void);

/* OpenBLAS 0.3.21 does not know some recent or virtualised x86 CPUs and
 * falls back to its Prescott (SSE3) kernels, 3x slower.  When that
 * happened on a CPU with AVX2 and FMA, and OPENBLAS_CORETYPE is not set,
 * returns the core type to ask for ("SkylakeX" with AVX-512, else
 * "Haswell"); else NULL.  The choice is made when OpenBLAS loads, so a
 * program acts on it by setting OPENBLAS_CORETYPE and re-executing itself
 * (rsc_cpu_blas_reexec). */
const char *rsc_cpu_blas_better_core(void);
/* Do that: set OPENBLAS_CORETYPE and execv /proc/self/exe with argv.
 * Returns only when nothing was to be done or the exec failed. */
void rsc_cpu_blas_reexec(char **argv);

#endif
