/* optim.c - the optimiser loops (kernels.h: adam, sgd); compiled once per
 * instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

#include <math.h>

/* PyTorch's single-tensor Adam in float32, operation by operation:
 * vectorised, but without FMA contraction (each product rounded, as
 * PyTorch's CPU kernel computes it), sqrtf the vector square root
 * (simd.h: no errno). */
SIMD __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic", "fp-contract=off")))
static void adam(const rsc_cpu_optim *o, float *p, const float *g, float *m, float *v, size_t n)
{
    const float wd = o->wd, b1 = o->beta1, omb1 = o->one_minus_beta1, b2 = o->beta2,
                omb2 = o->one_minus_beta2, nstep = -o->step, bc2s = o->bc2_sqrt, eps = o->eps;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] + wd * p[i];
        float mi = m[i] * b1 + omb1 * gi;
        float vi = v[i] * b2 + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bc2s + eps;
        p[i] = p[i] + nstep * mi / denom;
    }
}

SIMD static void sgd(const rsc_cpu_optim *o, float *p, const float *g, float *buf, size_t n)
{
    const float wd = o->wd, mom = o->momentum, nlr = -o->lr;
    const int first = o->first;
    for (size_t i = 0; i < n; i++) {
        float d = wd != 0 ? g[i] + wd * p[i] : g[i];
        if (mom != 0) {
            buf[i] = first ? d : buf[i] * mom + d;
            d = buf[i];
        }
        p[i] = p[i] + nlr * d;
    }
}

void ISA_NAME(rsc_cpu_simd_optim)(rsc_cpu_kernels *k)
{
    k->adam = adam;
    k->sgd = sgd;
}
