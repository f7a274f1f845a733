/* data.c - the batch gather (kernels.h: gather); compiled once per
 * instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

#include <string.h>

SIMD static void gather(float *dst, const void *src, int src_type, size_t row_len,
                        const int32_t *idx, const int32_t *slot, const float *sub, size_t j0,
                        size_t j1)
{
    for (size_t j = j0; j < j1; j++) {
        size_t row = (size_t)idx[j];
        float *d = dst + j * row_len;
        if (slot && slot[row] >= 0) {
            memcpy(d, sub + (size_t)slot[row] * row_len, row_len * sizeof *d);
        } else if (src_type == RSC_GATHER_U8) {
            const unsigned char *s = (const unsigned char *)src + row * row_len;
            for (size_t i = 0; i < row_len; i++)
                d[i] = (float)s[i] / 255.0f;
        } else {
            memcpy(d, (const float *)src + row * row_len, row_len * sizeof *d);
        }
    }
}

void ISA_NAME(rsc_cpu_simd_data)(rsc_cpu_kernels *k)
{
    k->gather = gather;
}
