/* blaswatch.h - every BLAS call of the CPU backend, counted, so that a
 * watchdog can tell a call that never returns.
 *
 * OpenBLAS retries a failed allocation of its work buffer for ever: under
 * an address-space limit (ulimit -v) a GEMM that needs a new buffer when
 * the space is used up spins, and the program hangs instead of failing.
 * When the limit is finite, rsc_cpu_blas_watch() starts a thread that
 * checks every second; when a call has been under way for 10 s with no
 * call finishing and the space is short (less than two 132 MB buffers
 * left under the limit, or one cannot be reserved), it reports "out of
 * memory" through the hook (rsc_backend_on_stuck) and
 * ends the process. */
#ifndef RSC_CPU_BLASWATCH_H
#define RSC_CPU_BLASWATCH_H

#include <stdatomic.h>

extern atomic_ulong rsc_cpu_blas_started, rsc_cpu_blas_done;

#define RSC_CPU_SGEMM(...)                                                                   \
    do {                                                                                     \
        atomic_fetch_add_explicit(&rsc_cpu_blas_started, 1, memory_order_relaxed);           \
        cblas_sgemm(__VA_ARGS__);                                                            \
        atomic_fetch_add_explicit(&rsc_cpu_blas_done, 1, memory_order_relaxed);              \
    } while (0)

/* Start the watchdog once per process (no-op without an address-space
 * limit). */
void rsc_cpu_blas_watch(void);

#endif
