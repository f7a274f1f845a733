/* devices.c - device discovery; the CUDA side lives in cuda/device.cu. */
#include "config.h"

#include "kernels/devices.h"

#ifdef HAVE_CUDA
int rsc_cuda_built(void)
{
    return 1;
}
#else
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
