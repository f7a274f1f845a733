/* cuda-devices.c - print the number of usable CUDA devices (0 without a
 * CUDA build, a driver or a GPU), for shell tests that need a GPU. */
#include "config.h"

#include "kernels/backend.h"

#include <stdio.h>

int main(void)
{
    int n = rsc_cuda_device_count();
    printf("%d\n", n);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "cuda device %d: %s\n", i, rsc_cuda_device_name(i));
    return 0;
}
