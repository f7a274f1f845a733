/* sensitivity.c - occluding random non-zero pixels (Fig. 10). */
#include "score/sensitivity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

void rsc_occlusion_free(rsc_occlusion *o)
{
    free(o->index);
    free(o->nnz);
    free(o->offset);
    free(o->order);
    memset(o, 0, sizeof *o);
}

int rsc_occlusion_init(rsc_occlusion *o, const float *x, size_t n, int c, int h, int w,
                       size_t k, uint32_t seed, rsc_error *err)
{
    memset(o, 0, sizeof *o);
    if (c < 1 || h < 1 || w < 1)
        return rsc_fail(err, "occlusion: bad image shape %dx%dx%d", c, h, w);
    if (k < 1 || k > n)
        return rsc_fail(err, "occlusion: cannot pick %zu of %zu examples", k, n);
    const size_t hw = (size_t)h * (size_t)w, chw = hw * (size_t)c;
    int64_t *tmp = NULL;
    o->k = k;
    o->c = c;
    o->h = h;
    o->w = w;
    if (!(o->index = rsc_malloc(k, sizeof *o->index, err)) ||
        !(o->nnz = rsc_malloc(k, sizeof *o->nnz, err)) ||
        !(o->offset = rsc_malloc(k, sizeof *o->offset, err)) ||
        !(tmp = rsc_malloc(hw, sizeof *tmp, err)))
        goto fail;
    rsc_rng rng;
    rsc_rng_seed(&rng, seed);
    if (rsc_rng_choice(&rng, NULL, n, k, o->index) != 0) {
        rsc_fail(err, "out of memory");
        goto fail;
    }
    size_t total = 0;
    for (size_t i = 0; i < k; i++) {
        const float *img = x + (size_t)o->index[i] * chw;
        size_t nz = 0;
        for (size_t p = 0; p < hw; p++)
            for (int ch = 0; ch < c; ch++)
                if (img[(size_t)ch * hw + p] != 0) {
                    nz++;
                    break;
                }
        o->offset[i] = total;
        o->nnz[i] = nz;
        total += nz;
    }
    if (!(o->order = rsc_malloc(total ? total : 1, sizeof *o->order, err)))
        goto fail;
    for (size_t i = 0; i < k; i++) {
        const float *img = x + (size_t)o->index[i] * chw;
        size_t nz = 0;
        for (size_t p = 0; p < hw; p++)
            for (int ch = 0; ch < c; ch++)
                if (img[(size_t)ch * hw + p] != 0) {
                    tmp[nz++] = (int64_t)p;
                    break;
                }
        rsc_rng_shuffle_i64(&rng, tmp, nz);
        for (size_t j = 0; j < nz; j++)
            o->order[o->offset[i] + j] = (int32_t)tmp[j];
    }
    free(tmp);
    return 0;
fail:
    free(tmp);
    rsc_occlusion_free(o);
    return -1;
}

size_t rsc_occlusion_count(const rsc_occlusion *o, size_t i, double f)
{
    double v = floor(f * (double)o->nnz[i] + 0.5);
    if (!(v > 0))
        return 0;
    return v >= (double)o->nnz[i] ? o->nnz[i] : (size_t)v;
}

void rsc_occlusion_apply(const rsc_occlusion *o, const float *x, size_t i, double f, float *out)
{
    const size_t hw = (size_t)o->h * (size_t)o->w, chw = hw * (size_t)o->c;
    memcpy(out, x + (size_t)o->index[i] * chw, chw * sizeof *out);
    size_t m = rsc_occlusion_count(o, i, f);
    const int32_t *ord = o->order + o->offset[i];
    for (size_t j = 0; j < m; j++)
        for (int ch = 0; ch < o->c; ch++)
            out[(size_t)ch * hw + (size_t)ord[j]] = 0;
}
