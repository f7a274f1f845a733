/* augment.h - training-time data augmentation of a batch on the backend.
 *
 * crop-flip is the reference's CIFAR-10 transform (torchvision
 * RandomCrop(size, padding=4) then RandomHorizontalFlip(p=0.5)): each
 * example is padded with 4 zero pixels on every side, a window of the
 * original size is cut at a random offset, and the result is mirrored left
 * to right with probability 1/2.  The choices come from the caller's
 * generator (the trainer's rsc_rng_derive(train_seed, RSC_RNG_AUGMENT)
 * stream), three draws per example in order: top = randint(0, 9),
 * left = randint(0, 9) (NumPy-legacy bounded integers), flip = rand() <
 * 0.5; so a run is reproducible from the seed and independent of the
 * other streams.  (They are not torch's random numbers: the crops differ
 * from a PyTorch run with the same seed, the distribution does not.) */
#ifndef RSC_AUGMENT_H
#define RSC_AUGMENT_H

#include "kernels/backend.h"
#include "base/error.h"
#include "nn/net.h"
#include "core/rng.h"

enum rsc_augment_kind {
    RSC_AUGMENT_NONE = 0,
    RSC_AUGMENT_CROP_FLIP = 1,
};

#define RSC_AUGMENT_PAD 4

/* "none" or "crop-flip" -> kind; -1 for anything else. */
int rsc_augment_parse(const char *s);
const char *rsc_augment_name(int kind);

typedef struct rsc_augmenter rsc_augmenter;

/* An augmenter for batches of at most max_batch examples of shape input
 * on backend be (not owned); NULL with a message on failure.  Kind NONE
 * gives an augmenter that does nothing. */
rsc_augmenter *rsc_augmenter_new(rsc_backend *be, int kind, rsc_shape input, int max_batch,
                                 rsc_error *err);
void rsc_augmenter_free(rsc_augmenter *a);

/* The choices of `batch` examples (kind crop-flip: 3 int32 per example,
 * top, left, flip, drawn in that order example by example; kind none:
 * nothing drawn) from rng into prm.  A batch's choices are drawn once, so
 * that data-parallel replicas each apply their slice (prm + 3 * first
 * example) and the batch is augmented as it would be in one piece. */
void rsc_augment_draw(int kind, int batch, rsc_rng *rng, int32_t *prm);

/* Augment the first `batch` examples of x (backend buffer, CHW rows) in
 * place with the choices prm (host memory, as rsc_augment_draw fills it). */
int rsc_augmenter_apply(rsc_augmenter *a, rsc_buf *x, int batch, const int32_t *prm,
                        rsc_error *err);

#endif
