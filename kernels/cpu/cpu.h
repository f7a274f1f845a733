/* cpu.h - the CPU backend: CBLAS for GEMM, plain C loops for the rest,
 * work split across a persistent thread pool (kernels/cpu/pool.h). */
#ifndef RSC_CPU_H
#define RSC_CPU_H

#include "backend.h"

/* Fill be's table with the CPU backend using `threads` threads (>= 1).
 * Returns 0, or -1 with a message. */
int rsc_cpu_backend_init(rsc_backend *be, int threads, rsc_error *err);

#endif
