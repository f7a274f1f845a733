/* blaswatch.c - the watchdog over BLAS calls that never return (out of
 * address space inside OpenBLAS, which retries for ever). */
#include "config.h"

#include "kernels/cpu/blaswatch.h"
#include "kernels/backend.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

atomic_ulong rsc_cpu_blas_started, rsc_cpu_blas_done;

#define STUCK_SECONDS 10
#define PROBE_BYTES ((size_t)132 << 20)   /* one OpenBLAS buffer */

static void (*stuck_hook)(const char *msg);

void rsc_backend_on_stuck(void (*fn)(const char *msg))
{
    stuck_hook = fn;
}

static void *watch(void *arg)
{
    (void)arg;
    unsigned long last_done = 0;
    int still = 0;
    for (;;) {
        sleep(1);
        unsigned long done = atomic_load(&rsc_cpu_blas_done);
        unsigned long started = atomic_load(&rsc_cpu_blas_started);
        if (started == done || done != last_done) {
            last_done = done;
            still = 0;
            continue;
        }
        if (++still < STUCK_SECONDS)
            continue;
        void *p = mmap(NULL, PROBE_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (p != MAP_FAILED) {
            munmap(p, PROBE_BYTES);   /* slow, not stuck */
            still = 0;
            continue;
        }
        struct rlimit rl;
        char msg[200];
        getrlimit(RLIMIT_AS, &rl);
        snprintf(msg, sizeof msg, "out of memory: the address-space limit (ulimit -v, %llu MB) "
                 "is used up and the BLAS library cannot get its work buffer",
                 (unsigned long long)(rl.rlim_cur >> 20));
        if (stuck_hook)
            stuck_hook(msg);   /* does not return */
        dprintf(STDERR_FILENO, "%s\n", msg);
        _exit(1);
    }
    return NULL;
}

static void start(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    /* The default stack size: OpenBLAS's thread-local tables make small
     * stacks fail (EINVAL). */
    pthread_create(&t, &a, watch, NULL);
    pthread_attr_destroy(&a);
}

void rsc_cpu_blas_watch(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return;
    pthread_once(&once, start);
}
