/* gemm.c - the row loops of the linear layer (kernels.h: bias_act,
 * sum_rows); compiled once per instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

SIMD static void bias_act(float *y, const float *bias, int r0, int r1, int cols, int relu)
{
    for (int r = r0; r < r1; r++) {
        float *yr = y + (size_t)r * cols;
        if (relu) {
            for (int c = 0; c < cols; c++) {
                float v = yr[c] + bias[c];
                yr[c] = v > 0 ? v : 0;
            }
        } else {
            for (int c = 0; c < cols; c++)
                yr[c] += bias[c];
        }
    }
}

/* Column sums: the rows added in order (deterministic for any split of
 * the columns). */
SIMD static void sum_rows(const float *x, float *y, int rows, int cols, int c0, int c1,
                          float beta)
{
    for (int c = c0; c < c1; c++)
        y[c] = beta == 0 ? 0 : beta * y[c];
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * cols;
        for (int c = c0; c < c1; c++)
            y[c] += xr[c];
    }
}

void ISA_NAME(rsc_cpu_simd_gemm)(rsc_cpu_kernels *k)
{
    k->bias_act = bias_act;
    k->sum_rows = sum_rows;
}
