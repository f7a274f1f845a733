/* random.h - the counter-based random numbers every backend uses for
 * dropout_mask and noise_add (kernels/backend.h): the value for element i
 * is a pure function of (seed, i), so results do not depend on threads or
 * launch geometry.  This header and kernels/random.c are the reference;
 * the CUDA backend computes the same bits on the device (cuda.h).
 *
 *   rsc_backend_hash64(seed, i) = SplitMix64 finaliser of
 *                                 seed + (i + 1) * 0x9E3779B97F4A7C15
 *   uniform(seed, i) = (hash64 >> 40) * 2^-24             in [0, 1)
 *   normal(seed, i)  = Box-Muller on the pair p = i / 2:
 *     u1 = ((hash64(seed, 2p) >> 11) + 1) * 2^-53          in (0, 1]
 *     u2 = (hash64(seed, 2p+1) >> 11) * 2^-53
 *     r = sqrt(-2 ln u1); z = r cos(2 pi u2) for even i, r sin(2 pi u2) for odd
 *   computed in double and rounded to float. */
#ifndef RSC_RANDOM_H
#define RSC_RANDOM_H

#include <stdint.h>

static inline uint64_t rsc_backend_hash64(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline float rsc_backend_uniform(uint64_t seed, uint64_t i)
{
    return (float)(rsc_backend_hash64(seed, i) >> 40) * (1.0f / 16777216.0f);
}

/* The standard normal of element i (above), in kernels/random.c. */
float rsc_backend_normal(uint64_t seed, uint64_t i);

#endif
