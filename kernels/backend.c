/* backend.c - the registry of backends: open and close by name, the early
 * initialisation, device discovery.  The one file outside kernels/cuda/
 * that knows whether this build has the CUDA backend (configure defines
 * HAVE_CUDA and mk/kernels.am then builds kernels/cuda/, which provides
 * the functions declared below). */
#include "config.h"

#include "kernels/backend.h"
#include "kernels/cpu/cpu.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_CUDA
/* kernels/cuda/cuda.cu and device.cu. */
int rsc_cuda_backend_init(rsc_backend *be, rsc_error *err);

int rsc_cuda_built(void)
{
    return 1;
}
#else
static int rsc_cuda_backend_init(rsc_backend *be, rsc_error *err)
{
    (void)be;
    return rsc_fail(err, "this build has no CUDA backend");
}

int rsc_cuda_built(void)
{
    return 0;
}

int rsc_cuda_device_count(void)
{
    return 0;
}

const char *rsc_cuda_device_name(int index)
{
    (void)index;
    return "none";
}
#endif

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
        rsc_fail(err, "unknown device '%s' (expected auto, cpu or cuda)", name);
        return NULL;
    }
    int want_cuda = strcmp(name, "cuda") == 0;
    if (strcmp(name, "auto") == 0)
        want_cuda = rsc_cuda_built() && rsc_cuda_device_count() > 0;
    if (want_cuda) {
        if (!rsc_cuda_built()) {
            rsc_fail(err, "this build has no CUDA backend");
            return NULL;
        }
        if (rsc_cuda_device_count() == 0) {
            rsc_fail(err, "no CUDA device");
            return NULL;
        }
    }
    rsc_backend *be = calloc(1, sizeof *be);
    if (!be) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    int rc = want_cuda ? rsc_cuda_backend_init(be, err)
                       : rsc_cpu_backend_init(be, threads > 0 ? threads : online_cores(), NULL, err);
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
