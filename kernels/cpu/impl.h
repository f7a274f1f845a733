/* impl.h - the CPU backend's private state and the helpers its
 * operations share to split work across the thread pool.  Nothing outside
 * kernels/cpu/ includes this.
 *
 * Each file kernels/cpu/<op>.c holds the operations of one area (as
 * kernels/cuda/<op>.cu does): it splits the work into chunks for the
 * thread pool, and each chunk calls a single-threaded kernel of the table
 * the backend chose when it opened (kernels.h).  A chunk's result depends
 * on its number only, never on which thread runs it, so the backend is
 * deterministic for a given thread count. */
#ifndef RSC_CPU_IMPL_H
#define RSC_CPU_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/backend.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/threadpool.h"

struct rsc_buf {
    unsigned char *data;
    size_t bytes;
    int is_view;
};

typedef struct cpu_impl {
    rsc_cpu_pool *pool;
    int threads;
    const rsc_cpu_kernels *k;   /* chosen once, at init */
} cpu_impl;

#define F(b) ((float *)(b)->data)
#define CF(b) ((const float *)(b)->data)

/* A handle on the bytes of b from `offset` on, for the batched
 * operations, which run the single operation on each problem's slice: a
 * value on the caller's stack, never freed.  b may be NULL (then NULL). */
static inline rsc_buf *rsc_cpu_at(rsc_buf *tmp, const rsc_buf *b, size_t offset)
{
    if (!b)
        return NULL;
    tmp->data = b->data + offset;
    tmp->bytes = b->bytes > offset ? b->bytes - offset : 0;
    tmp->is_view = 1;
    return tmp;
}

static inline rsc_cpu_pool *pool_of(rsc_backend *be)
{
    return ((cpu_impl *)be->impl)->pool;
}

static inline int threads_of(rsc_backend *be)
{
    return ((cpu_impl *)be->impl)->threads;
}

static inline const rsc_cpu_kernels *kernels_of(rsc_backend *be)
{
    return ((cpu_impl *)be->impl)->k;
}

/* ------------------------------------------------------------ splitting (cpu.c) */

/* Elementwise work is split into blocks of this many elements; below two
 * blocks an operation runs inline (thread hand-off costs more). */
#define RSC_CPU_BLOCK 16384

/* An elementwise operation on [0, n): body(t, lo, hi) for the blocks of
 * RSC_CPU_BLOCK elements (one call for all of [0, n) when the backend has
 * one thread or n is under two blocks). */
typedef struct rsc_cpu_range {
    size_t n;
    void (*body)(const struct rsc_cpu_range *t, size_t lo, size_t hi);
    const rsc_cpu_kernels *k;
    const float *a, *b;
    float *c;
    double *d;
    float f0, f1;
    uint64_t seed;
} rsc_cpu_range;

void rsc_cpu_run_range(rsc_backend *be, rsc_cpu_range *t);

/* Block `chunk` of RSC_CPU_BLOCK elements of [0, n): [*lo, *hi). */
static inline void rsc_cpu_block(size_t n, int chunk, size_t *lo, size_t *hi)
{
    *lo = (size_t)chunk * RSC_CPU_BLOCK;
    *hi = *lo + RSC_CPU_BLOCK < n ? *lo + RSC_CPU_BLOCK : n;
}

/* fn(arg, i, nblocks) for each block i of RSC_CPU_BLOCK elements of [0, n),
 * in order on the calling thread when the backend has one thread or there
 * is one block, else across the pool. */
void rsc_cpu_run_blocks(rsc_backend *be, size_t n, rsc_cpu_task fn, void *arg);

/* Chunks for `items` independent items of `work` flops or bytes each:
 * inline (1) below ~64k units of work, else up to RSC_CPU_CHUNKS_PER_THREAD
 * per thread, which the threads take as they become free (a thread slowed
 * by the machine's other work takes fewer). */
enum { RSC_CPU_CHUNKS_PER_THREAD = 2 };
int rsc_cpu_chunks_for(rsc_backend *be, size_t items, double work);

/* Part `chunk` of [0, total) in nchunks parts as equal as can be. */
static inline void rsc_cpu_part(size_t total, int chunk, int nchunks, size_t *lo, size_t *hi)
{
    *lo = total * (size_t)chunk / (size_t)nchunks;
    *hi = total * (size_t)(chunk + 1) / (size_t)nchunks;
}

/* ------------------------------------------------------------ the operations */

/* Each file fills its operations into the table (cpu.c calls them). */
void rsc_cpu_install_memory(rsc_backend *be);
void rsc_cpu_install_gemm(rsc_backend *be);
void rsc_cpu_install_elementwise(rsc_backend *be);
void rsc_cpu_install_xent(rsc_backend *be);
void rsc_cpu_install_optim(rsc_backend *be);
void rsc_cpu_install_data(rsc_backend *be);
void rsc_cpu_install_conv(rsc_backend *be);
void rsc_cpu_install_pool(rsc_backend *be);
void rsc_cpu_install_bn(rsc_backend *be);
void rsc_cpu_install_image(rsc_backend *be);

#endif
