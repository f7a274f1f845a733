/* random.c - the counter-based standard normal (kernels/random.h). */
#include "kernels/random.h"

#include <math.h>

float rsc_backend_normal(uint64_t seed, uint64_t i)
{
    uint64_t pair = i / 2;
    double u1 = (double)((rsc_backend_hash64(seed, 2 * pair) >> 11) + 1) * 0x1p-53;
    double u2 = (double)(rsc_backend_hash64(seed, 2 * pair + 1) >> 11) * 0x1p-53;
    double r = sqrt(-2.0 * log(u1));
    double a = 6.283185307179586 * u2;
    return (float)(i % 2 == 0 ? r * cos(a) : r * sin(a));
}
