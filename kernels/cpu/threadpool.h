/* threadpool.h - a small persistent thread pool for the CPU backend.
 *
 * Operations are short (tens of microseconds for a batch-128 GEMM), so the
 * workers stay hot: after a task they spin briefly for the next one before
 * sleeping on a condition variable.  A task is split into numbered chunks;
 * which thread runs which chunk varies, so a chunk's result must depend on
 * its number only (that keeps the backend deterministic). */
#ifndef RSC_CPU_POOL_H
#define RSC_CPU_POOL_H

typedef void (*rsc_cpu_task)(void *arg, int chunk, int nchunks);

typedef struct rsc_cpu_pool rsc_cpu_pool;

/* A pool of nthreads - 1 workers (the caller is the last thread); NULL on
 * failure (out of memory or pthread_create failed). */
rsc_cpu_pool *rsc_cpu_pool_new(int nthreads);
void rsc_cpu_pool_free(rsc_cpu_pool *p);
int rsc_cpu_pool_threads(const rsc_cpu_pool *p);
/* Run fn(arg, i, nchunks) for i < nchunks across the pool and the caller;
 * returns when every chunk is done.  nchunks <= 1 or a 1-thread pool runs
 * inline. */
void rsc_cpu_pool_run(rsc_cpu_pool *p, rsc_cpu_task fn, void *arg, int nchunks);

#endif
