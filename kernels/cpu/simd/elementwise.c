/* elementwise.c - the elementwise loops (kernels.h); compiled once per
 * instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

SIMD static void fill(float *x, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        x[i] = v;
}

SIMD static void relu_fwd(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}

SIMD static void relu_bwd(const float *y, const float *dy, float *dx, size_t n)
{
    /* dy is loaded whatever the sign of y: a conditional load keeps GCC
     * from vectorising the loop (a branch per element instead). */
    for (size_t i = 0; i < n; i++) {
        float d = dy[i];
        dx[i] = y[i] > 0 ? d : 0;
    }
}

SIMD static void mul(const float *x, const float *m, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * m[i];
}

SIMD static void axpy(float alpha, const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

SIMD static void scale(float alpha, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= alpha;
}

SIMD static void clamp(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

SIMD static double sumsq(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

void ISA_NAME(rsc_cpu_simd_elementwise)(rsc_cpu_kernels *k)
{
    k->fill = fill;
    k->relu_fwd = relu_fwd;
    k->relu_bwd = relu_bwd;
    k->mul = mul;
    k->axpy = axpy;
    k->scale = scale;
    k->clamp = clamp;
    k->sumsq = sumsq;
}
