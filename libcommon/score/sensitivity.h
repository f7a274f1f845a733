/* sensitivity.h - the occlusion curve of Fig. 10: how the predicted
 * probability of the true label falls as a growing share of an image's
 * non-zero pixels is set to zero.
 *
 * Randomness (all from numpy.random.RandomState(seed), so the choices can
 * be reproduced in NumPy): first choice(n, k, replace=False) picks the
 * examples; then, for each picked example in that order, shuffle() puts its
 * non-zero pixels in a random order.  A pixel is one (row, column)
 * position; it is non-zero when any channel is, and occluding it zeroes
 * every channel (as the reference notebook does).  At fraction f the first
 * round(f * nnz) pixels of that order are zeroed, so the occluded sets grow
 * with f (nested), which makes the curve monotone in what is removed.  (The
 * reference notebook instead zeroes each non-zero pixel independently with
 * probability f; the expected share is the same.) */
#ifndef RSC_SENSITIVITY_H
#define RSC_SENSITIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct rsc_occlusion {
    size_t k;            /* examples picked */
    int c, h, w;
    int64_t *index;      /* k indices into the image set, in pick order */
    size_t *nnz;         /* non-zero pixels of each picked example */
    size_t *offset;      /* start of each example's order in `order` */
    int32_t *order;      /* pixel positions (row * w + col), shuffled */
} rsc_occlusion;

/* Pick k of the n images x (CHW floats) and order their non-zero pixels.
 * k must be in [1, n].  -1 with a message on bad arguments or no memory. */
int rsc_occlusion_init(rsc_occlusion *o, const float *x, size_t n, int c, int h, int w,
                       size_t k, uint32_t seed, rsc_error *err);

/* Pixels zeroed in picked example i at fraction f in [0, 1]:
 * floor(f * nnz + 0.5), at most nnz. */
size_t rsc_occlusion_count(const rsc_occlusion *o, size_t i, double f);

/* out = picked example i of x with its first rsc_occlusion_count(o, i, f)
 * ordered pixels zeroed (every channel); out holds c*h*w floats. */
void rsc_occlusion_apply(const rsc_occlusion *o, const float *x, size_t i, double f, float *out);

void rsc_occlusion_free(rsc_occlusion *o);

#endif
