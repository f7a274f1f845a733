/* cpu.c - the CPU backend: its table of operations (one file per area,
 * impl.h), the choice of kernels, the work-splitting helpers, the
 * host-side parallel loop and the BLAS library's kernels.
 *
 * Threading: a persistent pool (threadpool.h) of the backend's threads;
 * OpenBLAS is set to one thread and the operations split the work
 * themselves (gemm.c). */
#include "config.h"

#include "kernels/cpu/blaswatch.h"
#include "kernels/cpu/cpu.h"
#include "kernels/cpu/impl.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
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

/* ------------------------------------------------------------ BLAS buffers */

/* OpenBLAS gives each thread a work buffer (about 128 MB of address space)
 * at the thread's first call, and when that allocation fails it retries
 * for ever: under an address-space limit (ulimit -v) a run that ran out
 * of memory in a GEMM would hang, not fail, and not even answer SIGTERM.
 * So at open, while nothing else holds memory: check that the buffers fit
 * (a PROT_NONE reservation of what they will take, released at once),
 * then make every thread of the pool call BLAS at the same time, so that
 * each allocates its buffer now.  Later calls reuse them; a later
 * shortage fails in our own allocations, with a message. */
#define BLAS_MAIN_BYTES ((size_t)132 << 20)     /* the calling thread's: a 128 MB mmap */
#define BLAS_THREAD_BYTES ((size_t)196 << 20)   /* another's: malloc, in a new 64 MB arena */

typedef struct warm_task {
    atomic_int started;
    int nchunks;
} warm_task;

static void warm_chunk(void *arg, int chunk, int nchunks)
{
    warm_task *w = arg;
    (void)chunk;
    (void)nchunks;
    atomic_fetch_add(&w->started, 1);
    /* Wait (at most ~1 s) until every chunk runs, so that each runs on
     * its own thread. */
    struct timespec ts = { 0, 1000000 };
    for (int i = 0; i < 1000 && atomic_load(&w->started) < w->nchunks; i++)
        nanosleep(&ts, NULL);
    /* Large enough to take OpenBLAS's buffered path (small products skip
     * the buffer). */
    enum { N = 96 };
    float *m = calloc(3 * N * N, sizeof *m);
    if (!m)
        return;
    /* Counted, so that the watchdog also ends a warm-up that spins (the
     * reservation above can pass by a hair while OpenBLAS's own request,
     * or an arena another thread takes meanwhile, then does not fit). */
    RSC_CPU_SGEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, m, N, m + N * N, N,
                  0.0f, m + 2 * N * N, N);
    free(m);
}

static int blas_warmup(cpu_impl *impl, rsc_error *err)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        size_t need = BLAS_MAIN_BYTES + BLAS_THREAD_BYTES * (size_t)(impl->threads - 1);
        void *p = mmap(NULL, need, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return rsc_fail(err, "out of memory: the address-space limit (ulimit -v, %llu MB) "
                            "leaves no room for the BLAS buffers of %d thread%s (about %zu MB); "
                            "raise it or use fewer --threads",
                            (unsigned long long)(rl.rlim_cur >> 20), impl->threads,
                            impl->threads == 1 ? "" : "s", need >> 20);
        munmap(p, need);
    }
    warm_task w = { .nchunks = impl->threads };
    atomic_init(&w.started, 0);
    rsc_cpu_pool_run(impl->pool, warm_chunk, &w, impl->threads);
    return 0;
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
    rsc_cpu_blas_watch();
    if (blas_warmup(impl, err) != 0) {
        rsc_cpu_pool_free(impl->pool);
        free(impl);
        return -1;
    }
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
