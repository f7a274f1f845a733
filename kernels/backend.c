/* backend.c - choose a backend by name.  The one file outside kernels/cuda/
 * that knows which backends this build has. */
#include "config.h"

#include "kernels/backend.h"
#include "kernels/cpu/cpu.h"
#include "kernels/devices.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The CUDA backend registers here: when kernels/cuda/ provides
 * rsc_cuda_backend_init(), define RSC_CUDA_BACKEND under HAVE_CUDA.  Until
 * then a CUDA build (device discovery only) trains on the CPU. */
#if defined(HAVE_CUDA) && defined(RSC_CUDA_BACKEND)
int rsc_cuda_backend_init(rsc_backend *be, rsc_error *err);
#define CUDA_BACKEND 1
#else
#define CUDA_BACKEND 0
#endif

int rsc_backend_fail(rsc_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

float rsc_backend_normal(uint64_t seed, uint64_t i)
{
    uint64_t pair = i / 2;
    double u1 = (double)((rsc_backend_hash64(seed, 2 * pair) >> 11) + 1) * 0x1p-53;
    double u2 = (double)(rsc_backend_hash64(seed, 2 * pair + 1) >> 11) * 0x1p-53;
    double r = sqrt(-2.0 * log(u1));
    double a = 6.283185307179586 * u2;
    return (float)(i % 2 == 0 ? r * cos(a) : r * sin(a));
}

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

rsc_backend *rsc_backend_open(const char *name, int threads, rsc_error *err)
{
    if (!name)
        name = "auto";
    if (strcmp(name, "auto") != 0 && strcmp(name, "cpu") != 0 && strcmp(name, "cuda") != 0) {
        rsc_backend_fail(err, "unknown device '%s' (expected auto, cpu or cuda)", name);
        return NULL;
    }
    int want_cuda = strcmp(name, "cuda") == 0;
    if (strcmp(name, "auto") == 0)
        want_cuda = CUDA_BACKEND && rsc_cuda_device_count() > 0;
    if (want_cuda) {
        if (!CUDA_BACKEND) {
            rsc_backend_fail(err, "this build has no CUDA backend");
            return NULL;
        }
        if (rsc_cuda_device_count() == 0) {
            rsc_backend_fail(err, "no CUDA device");
            return NULL;
        }
    }
    rsc_backend *be = calloc(1, sizeof *be);
    if (!be) {
        rsc_backend_fail(err, "out of memory");
        return NULL;
    }
    int rc;
#if CUDA_BACKEND
    if (want_cuda)
        rc = rsc_cuda_backend_init(be, err);
    else
#endif
        rc = rsc_cpu_backend_init(be, threads > 0 ? threads : online_cores(), err);
    if (rc != 0) {
        free(be);
        return NULL;
    }
    return be;
}

void rsc_backend_early_init(char **argv)
{
    rsc_cpu_blas_reexec(argv);
}

void rsc_backend_close(rsc_backend *be)
{
    if (!be)
        return;
    if (be->close)
        be->close(be);
    free(be);
}
