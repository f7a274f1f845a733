/* blaswatch.c - the watchdog over BLAS calls that never return (out of
 * address space inside OpenBLAS, which retries for ever). */
#include "config.h"

#include "kernels/cpu/blaswatch.h"
#include "kernels/backend.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The process's mapped size in bytes, 0 when unknown. */
static size_t mapped_bytes(void)
{
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    unsigned long long pages = strtoull(buf, NULL, 10);
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (size_t)(pages * (unsigned long long)page) : 0;
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
        /* Stuck for want of space when the space left under the limit
         * (the limit less the mapped size, /proc/self/statm) is under two
         * buffers, or one buffer cannot be reserved; else slow. */
        struct rlimit rl;
        char msg[200];
        getrlimit(RLIMIT_AS, &rl);
        size_t mapped = mapped_bytes();
        int short_of_space = mapped != 0 && rl.rlim_cur != RLIM_INFINITY &&
                             (rlim_t)mapped + 2 * (rlim_t)PROBE_BYTES > rl.rlim_cur;
        if (!short_of_space) {
            void *p = mmap(NULL, PROBE_BYTES, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (p != MAP_FAILED) {
                munmap(p, PROBE_BYTES);   /* slow, not stuck */
                still = 0;
                continue;
            }
        }
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
