/* rng.c - MT19937 and NumPy's legacy RandomState algorithms, bit-exact. */
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MT_N 624
#define MT_M 397

void rsc_rng_seed(rsc_rng *r, uint32_t seed)
{
    r->mt[0] = seed;
    for (int i = 1; i < MT_N; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->mti = MT_N;
    r->has_gauss = 0;
    r->gauss = 0;
}

void rsc_rng_seed_array(rsc_rng *r, const uint32_t *key, size_t n)
{
    rsc_rng_seed(r, 19650218u);
    size_t i = 1, j = 0;
    for (size_t k = (MT_N > n ? MT_N : n); k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            r->mt[0] = r->mt[MT_N - 1];
            i = 1;
        }
        if (j >= n)
            j = 0;
    }
    for (size_t k = MT_N - 1; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            r->mt[0] = r->mt[MT_N - 1];
            i = 1;
        }
    }
    r->mt[0] = 0x80000000u;
    r->mti = MT_N;
}

void rsc_rng_derive(rsc_rng *r, uint64_t seed, int purpose)
{
    uint32_t key[3] = { (uint32_t)seed, (uint32_t)(seed >> 32), (uint32_t)purpose };
    rsc_rng_seed_array(r, key, 3);
}

static void regenerate(rsc_rng *r)
{
    static const uint32_t mag01[2] = { 0u, 0x9908b0dfu };
    int kk;
    uint32_t y;
    for (kk = 0; kk < MT_N - MT_M; kk++) {
        y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
        r->mt[kk] = r->mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 1u];
    }
    for (; kk < MT_N - 1; kk++) {
        y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
        r->mt[kk] = r->mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 1u];
    }
    y = (r->mt[MT_N - 1] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
    r->mt[MT_N - 1] = r->mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1u];
    r->mti = 0;
}

uint32_t rsc_rng_u32(rsc_rng *r)
{
    if (r->mti >= MT_N)
        regenerate(r);
    uint32_t y = r->mt[r->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

static uint64_t next_u64(rsc_rng *r)
{
    uint64_t hi = rsc_rng_u32(r);
    return (hi << 32) | rsc_rng_u32(r);
}

uint64_t rsc_rng_seed64(rsc_rng *r)
{
    uint64_t hi = rsc_rng_u32(r);
    return hi << 32 | rsc_rng_u32(r);
}

double rsc_rng_double(rsc_rng *r)
{
    uint32_t a = rsc_rng_u32(r) >> 5, b = rsc_rng_u32(r) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

float rsc_rng_float(rsc_rng *r)
{
    return (float)(rsc_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

uint64_t rsc_rng_interval(rsc_rng *r, uint64_t max)
{
    if (max == 0)
        return 0;
    uint64_t mask = max, v;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    if (max <= 0xffffffffu) {
        while ((v = (rsc_rng_u32(r) & mask)) > max)
            ;
    } else {
        while ((v = (next_u64(r) & mask)) > max)
            ;
    }
    return v;
}

int64_t rsc_rng_randint(rsc_rng *r, int64_t low, int64_t high)
{
    uint64_t rng = (uint64_t)high - (uint64_t)low - 1u;
    if (rng == 0)
        return low;
    if (rng == 0xffffffffu)
        return low + (int64_t)rsc_rng_u32(r);
    return (int64_t)((uint64_t)low + rsc_rng_interval(r, rng));
}

void rsc_rng_shuffle_i64(rsc_rng *r, int64_t *a, size_t n)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)rsc_rng_interval(r, i);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void rsc_rng_permutation(rsc_rng *r, int64_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (int64_t)i;
    rsc_rng_shuffle_i64(r, out, n);
}

int rsc_rng_choice(rsc_rng *r, const int64_t *pop, size_t n, size_t k, int64_t *out)
{
    if (k > n)
        return -1;
    int64_t *perm = malloc(n ? n * sizeof *perm : 1);
    if (!perm)
        return -1;
    rsc_rng_permutation(r, perm, n);
    for (size_t i = 0; i < k; i++)
        out[i] = pop ? pop[perm[i]] : perm[i];
    free(perm);
    return 0;
}

double rsc_rng_normal(rsc_rng *r)
{
    if (r->has_gauss) {
        double t = r->gauss;
        r->has_gauss = 0;
        r->gauss = 0;
        return t;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * rsc_rng_double(r) - 1.0;
        x2 = 2.0 * rsc_rng_double(r) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    r->gauss = f * x1;
    r->has_gauss = 1;
    return f * x2;
}

void rsc_rng_get_state(const rsc_rng *r, uint32_t words[626], double *gauss)
{
    memcpy(words, r->mt, sizeof r->mt);
    words[624] = (uint32_t)r->mti;
    words[625] = (uint32_t)r->has_gauss;
    *gauss = r->gauss;
}

int rsc_rng_set_state(rsc_rng *r, const uint32_t words[626], double gauss)
{
    if (words[624] > MT_N || words[625] > 1)
        return -1;
    memcpy(r->mt, words, sizeof r->mt);
    r->mti = (int)words[624];
    r->has_gauss = (int)words[625];
    r->gauss = gauss;
    return 0;
}
