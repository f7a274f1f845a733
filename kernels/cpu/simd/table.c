/* table.c - one level's table of kernels (simd.h, kernels.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

void ISA_NAME(rsc_cpu_simd_table)(rsc_cpu_kernels *k)
{
    ISA_NAME(rsc_cpu_simd_gemm)(k);
    ISA_NAME(rsc_cpu_simd_elementwise)(k);
    ISA_NAME(rsc_cpu_simd_optim)(k);
    ISA_NAME(rsc_cpu_simd_data)(k);
    ISA_NAME(rsc_cpu_simd_conv)(k);
    ISA_NAME(rsc_cpu_simd_direct)(k);
    ISA_NAME(rsc_cpu_simd_pool)(k);
    ISA_NAME(rsc_cpu_simd_bn)(k);
    ISA_NAME(rsc_cpu_simd_image)(k);
}
