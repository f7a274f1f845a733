/* pool.c - persistent workers that spin briefly, then sleep. */
#include "config.h"

#include "kernels/cpu/threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* How long a worker spins before it sleeps: long enough to bridge the gap
 * between two parallel sections of one training step (microseconds),
 * short enough not to steal a shared core for long. */
#define SPIN_NS 100000L

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct rsc_cpu_pool {
    int nworkers;
    pthread_t *th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_uint gen;          /* bumped for every task */
    atomic_int next;          /* next chunk to hand out */
    atomic_int busy;          /* workers still inside the current task */
    atomic_int sleepers;
    atomic_int stop;
    rsc_cpu_task fn;
    void *arg;
    int nchunks;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void run_chunks(rsc_cpu_pool *p)
{
    int i;
    while ((i = atomic_fetch_add_explicit(&p->next, 1, memory_order_acq_rel)) < p->nchunks)
        p->fn(p->arg, i, p->nchunks);
}

static void *worker(void *vp)
{
    rsc_cpu_pool *p = vp;
    /* Tasks are numbered from 1: a worker that starts late (after the
     * first task was posted) must still take part in it. */
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        long spins = 0;
        long long t0 = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
               !atomic_load(&p->stop)) {
            /* Check the clock every 64 pauses. */
            if (++spins % 64 != 0 || (t0 ? now_ns() - t0 < SPIN_NS : (t0 = now_ns(), 1))) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->cv, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
            spins = 0;
            t0 = 0;
        }
        if (atomic_load(&p->stop))
            return NULL;
        seen = g;
        run_chunks(p);
        atomic_fetch_sub_explicit(&p->busy, 1, memory_order_acq_rel);
    }
}

rsc_cpu_pool *rsc_cpu_pool_new(int nthreads)
{
    rsc_cpu_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->nworkers = nthreads > 1 ? nthreads - 1 : 0;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (p->nworkers) {
        p->th = calloc((size_t)p->nworkers, sizeof *p->th);
        if (!p->th) {
            free(p);
            return NULL;
        }
        for (int i = 0; i < p->nworkers; i++) {
            if (pthread_create(&p->th[i], NULL, worker, p) != 0) {
                p->nworkers = i;
                rsc_cpu_pool_free(p);
                return NULL;
            }
        }
    }
    return p;
}

void rsc_cpu_pool_free(rsc_cpu_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++)
        pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->th);
    free(p);
}

int rsc_cpu_pool_threads(const rsc_cpu_pool *p)
{
    return p->nworkers + 1;
}

void rsc_cpu_pool_run(rsc_cpu_pool *p, rsc_cpu_task fn, void *arg, int nchunks)
{
    if (nchunks <= 1 || p->nworkers == 0) {
        for (int i = 0; i < nchunks; i++)
            fn(arg, i, nchunks);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    p->nchunks = nchunks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    atomic_store_explicit(&p->busy, p->nworkers, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_acq_rel);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    run_chunks(p);
    long spins = 0;
    long long t0 = 0;
    while (atomic_load_explicit(&p->busy, memory_order_acquire) > 0) {
        /* Spin briefly, then yield the core to the workers we wait for
         * (on an oversubscribed machine they may not be running). */
        if (++spins % 64 != 0 || (t0 ? now_ns() - t0 < SPIN_NS : (t0 = now_ns(), 1)))
            cpu_relax();
        else
            sched_yield();
    }
}
