/* device.cu - CUDA device discovery.  A machine with the toolkit but no
 * driver or GPU reports zero devices instead of failing. */
#include <cuda_runtime.h>
#include <stdio.h>

extern "C" {
#include "config.h"
#include "kernels/backend.h"
}

extern "C" int rsc_cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return n;
}

extern "C" const char *rsc_cuda_device_name(int index)
{
    static char buf[256];
    cudaDeviceProp prop;
    if (index < 0 || index >= rsc_cuda_device_count() ||
        cudaGetDeviceProperties(&prop, index) != cudaSuccess)
        return "none";
    snprintf(buf, sizeof buf, "%s, cc %d.%d, %.0f GiB", prop.name, prop.major, prop.minor,
             (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    return buf;
}
