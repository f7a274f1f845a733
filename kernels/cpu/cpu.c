/* cpu.c - the CPU backend: its table of operations (one file per area,
 * impl.h), the choice of kernels, the work-splitting helpers, the
 * host-side parallel loop and the BLAS library's kernels.
 *
 * Threading: a persistent pool (threadpool.h) of the backend's threads;
 * OpenBLAS is set to one thread and the operations split the work
 * themselves (gemm.c). */
#include "config.h"

#include "kernels/cpu/cpu.h"
#include "kernels/cpu/impl.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ------------------------------------------------------------ splitting */

static void range_block(void *arg, int chunk, int nchunks)
{
    rsc_cpu_range *t = arg;
    size_t lo, hi;
    (void)nchunks;
    rsc_cpu_block(t->n, chunk, &lo, &hi);
    t->body(t, lo, hi);
}

void rsc_cpu_run_range(rsc_backend *be, rsc_cpu_range *t)
{
    if (t->n == 0)
        return;
    t->k = kernels_of(be);
    size_t nblocks = (t->n + RSC_CPU_BLOCK - 1) / RSC_CPU_BLOCK;
    if (nblocks < 2 || threads_of(be) < 2)
        t->body(t, 0, t->n);
    else
        rsc_cpu_pool_run(pool_of(be), range_block, t, (int)nblocks);
}

void rsc_cpu_run_blocks(rsc_backend *be, size_t n, rsc_cpu_task fn, void *arg)
{
    size_t nblocks = (n + RSC_CPU_BLOCK - 1) / RSC_CPU_BLOCK;
    if (threads_of(be) < 2 || nblocks < 2)
        for (size_t i = 0; i < nblocks; i++)
            fn(arg, (int)i, (int)nblocks);
    else
        rsc_cpu_pool_run(pool_of(be), fn, arg, (int)nblocks);
}

int rsc_cpu_chunks_for(rsc_backend *be, size_t items, double work)
{
    int T = threads_of(be);
    if (T < 2 || items < 2 || (double)items * work < 65536.0)
        return 1;
    size_t most = (size_t)T * RSC_CPU_CHUNKS_PER_THREAD;
    return items < most ? (int)items : (int)most;
}

/* ------------------------------------------------------------ parallel */

typedef struct par_task {
    void (*fn)(void *arg, int i);
    void *arg;
} par_task;

static void par_chunk(void *arg, int chunk, int nchunks)
{
    par_task *t = arg;
    (void)nchunks;
    t->fn(t->arg, chunk);
}

static void cpu_parallel(rsc_backend *be, int n, void (*fn)(void *arg, int i), void *arg)
{
    par_task t = { fn, arg };
    rsc_cpu_pool_run(pool_of(be), par_chunk, &t, n);
}

static rsc_backend *cpu_sibling(rsc_backend *be, rsc_error *err)
{
    rsc_backend *s = calloc(1, sizeof *s);
    if (!s) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    if (rsc_cpu_backend_init(s, 1, kernels_of(be), err) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------ BLAS cores */

#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_corename(void);
#endif

const char *rsc_cpu_blas_core(void)
{
#ifdef HAVE_OPENBLAS_GET_CONFIG
    return openblas_get_corename();
#else
    return RSC_BLAS_NAME;
#endif
}

const char *rsc_cpu_blas_better_core(void)
{
#if defined(HAVE_OPENBLAS_GET_CONFIG) && defined(__x86_64__) && defined(__GNUC__)
    const char *core = openblas_get_corename();
    if (getenv("OPENBLAS_CORETYPE") || !core)
        return NULL;
    if (strcasecmp(core, "Prescott") && strcasecmp(core, "Core2") && strcasecmp(core, "Katmai") &&
        strcasecmp(core, "Nehalem") && strcasecmp(core, "Sandybridge"))
        return NULL;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return NULL;
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
               ? "SkylakeX"
               : "Haswell";
#else
    return NULL;
#endif
}

void rsc_cpu_blas_reexec(char **argv)
{
    const char *core = rsc_cpu_blas_better_core();
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");   /* exec failed: carry on as we are */
}

/* ------------------------------------------------------------ table */

static void cpu_close(rsc_backend *be)
{
    cpu_impl *impl = be->impl;
    if (impl) {
        rsc_cpu_pool_free(impl->pool);
        free(impl);
    }
    be->impl = NULL;
}

int rsc_cpu_backend_init(rsc_backend *be, int threads, const rsc_cpu_kernels *k, rsc_error *err)
{
    cpu_impl *impl = calloc(1, sizeof *impl);
    if (!impl)
        return rsc_fail(err, "out of memory");
    if (threads < 1)
        threads = 1;
    impl->threads = threads;
    impl->k = k ? k : rsc_cpu_kernels_for(RSC_CPU_BEST);
    impl->pool = rsc_cpu_pool_new(threads);
    if (!impl->pool) {
        free(impl);
        return rsc_fail(err, "cannot start %d CPU threads", threads);
    }
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    /* The backend splits work itself; OpenBLAS runs each piece on the
     * calling thread. */
    openblas_set_num_threads(1);
#endif
    be->name = "cpu";
    snprintf(be->desc, sizeof be->desc, "cpu/%s/%s", RSC_BLAS_NAME, rsc_cpu_blas_core());
    be->threads = threads;
    be->impl = impl;
    be->close = cpu_close;
    be->parallel = cpu_parallel;
    be->sibling = cpu_sibling;
    rsc_cpu_install_memory(be);
    rsc_cpu_install_gemm(be);
    rsc_cpu_install_elementwise(be);
    rsc_cpu_install_xent(be);
    rsc_cpu_install_optim(be);
    rsc_cpu_install_data(be);
    rsc_cpu_install_conv(be);
    rsc_cpu_install_pool(be);
    rsc_cpu_install_bn(be);
    rsc_cpu_install_image(be);
    return 0;
}
