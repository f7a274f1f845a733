/* rng.h - random numbers.
 *
 * rsc_rng is MT19937 with NumPy's legacy RandomState algorithms on top, bit
 * for bit: for the same seed, rand(), randint(), permutation(), choice()
 * without replacement and standard_normal() give what
 * numpy.random.RandomState(seed) gives.  Dataset-level choices (which
 * examples get the pattern, the random patterns R1-R3) use it directly so
 * they match the reference code.
 *
 * Training randomness uses one generator per purpose, derived from the
 * training seed with rsc_rng_derive(), so that e.g. turning on input noise
 * does not change the shuffling. */
#ifndef RSC_RNG_H
#define RSC_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct rsc_rng {
    uint32_t mt[624];
    int mti;
    int has_gauss;        /* legacy standard_normal caches its second value */
    double gauss;
} rsc_rng;

/* Purposes for rsc_rng_derive (documented in rsc-train.1): never renumber. */
enum rsc_rng_purpose {
    RSC_RNG_INIT = 1,      /* parameter initialisation */
    RSC_RNG_SHUFFLE = 2,   /* per-epoch order of the training examples */
    RSC_RNG_NOISE = 3,     /* Gaussian input noise */
    RSC_RNG_DROPOUT = 4,   /* dropout masks */
    RSC_RNG_AUGMENT = 5,   /* crop offsets and flips */
    RSC_RNG_LISSA = 6,     /* sampling in influence estimates */
    RSC_RNG_SPLIT = 7,     /* data splits (membership inference) */
    RSC_RNG_SIM = 8,       /* simulations (rsc-theory) */
};

/* numpy.random.RandomState(seed) for 0 <= seed < 2^32 (init_genrand). */
void rsc_rng_seed(rsc_rng *r, uint32_t seed);
/* MT19937 init_by_array (what NumPy uses for array seeds). */
void rsc_rng_seed_array(rsc_rng *r, const uint32_t *key, size_t n);
/* Generator for one purpose: init_by_array({seed_lo, seed_hi, purpose}). */
void rsc_rng_derive(rsc_rng *r, uint64_t seed, int purpose);

uint32_t rsc_rng_u32(rsc_rng *r);                  /* genrand_int32 */
/* A 64-bit seed from two u32 draws, the first the high word (the seeds of
 * the backends' counter-based random numbers, and of derived streams). */
uint64_t rsc_rng_seed64(rsc_rng *r);
double rsc_rng_double(rsc_rng *r);                 /* rand(): [0,1), 53 bits */
float rsc_rng_float(rsc_rng *r);                   /* (u32 >> 8) * 2^-24, [0,1) */
/* random_interval(max): uniform on [0, max] by masked rejection, as the
 * legacy shuffle and randint use. */
uint64_t rsc_rng_interval(rsc_rng *r, uint64_t max);
/* randint(low, high): uniform on [low, high), high > low. */
int64_t rsc_rng_randint(rsc_rng *r, int64_t low, int64_t high);
/* shuffle() of an int64 array in place, as RandomState.shuffle. */
void rsc_rng_shuffle_i64(rsc_rng *r, int64_t *a, size_t n);
/* permutation(n) into out[0..n). */
void rsc_rng_permutation(rsc_rng *r, int64_t *out, size_t n);
/* choice(pop, size=k, replace=False) with uniform p: permutation(n)[:k]
 * mapped through pop (pop may be NULL for choice(n, ...)).  out has k
 * slots; scratch needs n. */
int rsc_rng_choice(rsc_rng *r, const int64_t *pop, size_t n, size_t k, int64_t *out);
/* standard_normal(): legacy polar Box-Muller with the cached second value. */
double rsc_rng_normal(rsc_rng *r);

/* State save/restore as 626 u32 words + gauss (for model files):
 * words[0..623] = mt, words[624] = mti, words[625] = has_gauss; gauss as a
 * double. */
void rsc_rng_get_state(const rsc_rng *r, uint32_t words[626], double *gauss);
int rsc_rng_set_state(rsc_rng *r, const uint32_t words[626], double gauss);

#endif
