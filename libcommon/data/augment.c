/* augment.c - crop-flip augmentation of training batches (augment.h). */
#include "config.h"

#include "data/augment.h"

#include <stdlib.h>
#include <string.h>

struct rsc_augmenter {
    rsc_backend *be;
    int kind;
    rsc_shape input;
    int max_batch;
    rsc_buf *prm, *tmp;
};

int rsc_augment_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "none") == 0)
        return RSC_AUGMENT_NONE;
    if (strcmp(s, "crop-flip") == 0)
        return RSC_AUGMENT_CROP_FLIP;
    return -1;
}

const char *rsc_augment_name(int kind)
{
    return kind == RSC_AUGMENT_CROP_FLIP ? "crop-flip" : "none";
}

rsc_augmenter *rsc_augmenter_new(rsc_backend *be, int kind, rsc_shape input, int max_batch,
                                 rsc_error *err)
{
    if (kind != RSC_AUGMENT_NONE && kind != RSC_AUGMENT_CROP_FLIP) {
        rsc_fail(err, "unknown augmentation %d", kind);
        return NULL;
    }
    rsc_augmenter *a = rsc_calloc(1, sizeof *a, err);
    if (!a)
        return NULL;
    a->be = be;
    a->kind = kind;
    a->input = input;
    a->max_batch = max_batch;
    if (kind == RSC_AUGMENT_NONE)
        return a;
    if (!(a->prm = be->alloc(be, (size_t)max_batch * 3 * sizeof(int32_t), err)) ||
        !(a->tmp = be->alloc(be, (size_t)max_batch * rsc_shape_size(input) * sizeof(float), err))) {
        rsc_augmenter_free(a);
        return NULL;
    }
    return a;
}

void rsc_augmenter_free(rsc_augmenter *a)
{
    if (!a)
        return;
    a->be->free(a->be, a->prm);
    a->be->free(a->be, a->tmp);
    free(a);
}

void rsc_augment_draw(int kind, int batch, rsc_rng *rng, int32_t *prm)
{
    if (kind != RSC_AUGMENT_CROP_FLIP)
        return;
    for (int i = 0; i < batch; i++) {
        prm[3 * i] = (int32_t)rsc_rng_randint(rng, 0, 2 * RSC_AUGMENT_PAD + 1);
        prm[3 * i + 1] = (int32_t)rsc_rng_randint(rng, 0, 2 * RSC_AUGMENT_PAD + 1);
        prm[3 * i + 2] = rsc_rng_double(rng) < 0.5;
    }
}

int rsc_augmenter_apply(rsc_augmenter *a, rsc_buf *x, int batch, const int32_t *prm,
                        rsc_error *err)
{
    if (a->kind == RSC_AUGMENT_NONE || batch <= 0)
        return 0;
    if (batch > a->max_batch)
        return rsc_fail(err, "augmentation of %d examples (at most %d)", batch, a->max_batch);
    rsc_backend *be = a->be;
    if (be->upload(be, a->prm, 0, prm, (size_t)batch * 3 * sizeof(int32_t), err) != 0)
        return -1;
    rsc_shape s = a->input;
    be->crop_flip(be, s.c, s.h, s.w, RSC_AUGMENT_PAD, batch, a->prm, x, a->tmp);
    be->copy(be, x, 0, a->tmp, 0, (size_t)batch * rsc_shape_size(s) * sizeof(float));
    return 0;
}
