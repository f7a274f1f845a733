/* influence.c - group influence: the deleted set's gradient, LiSSA, the
 * exact solve and the update (influence.h). */
#include "config.h"

#include "delete/influence.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "format/rsct.h"
#include "theory/cholesky.h"

void rsc_split_rows(const rsc_split *sp, const int64_t *idx, size_t n, float *x, int32_t *y)
{
    size_t img = (size_t)sp->c * sp->h * sp->w;
    for (size_t k = 0; k < n; k++) {
        size_t i = (size_t)idx[k];
        float *dst = x + k * img;
        const float *sub = NULL;
        for (size_t s = 0; s < sp->nsub; s++)
            if ((size_t)sp->sub_index[s] == i)
                sub = sp->sub_x + s * img;
        if (sub)
            memcpy(dst, sub, img * sizeof *dst);
        else if (sp->dtype == RSC_U8)
            for (size_t j = 0; j < img; j++)   /* astype(float32) / 255, as the trainer */
                dst[j] = (float)((const uint8_t *)sp->x)[i * img + j] / 255.0f;
        else
            memcpy(dst, (const float *)sp->x + i * img, img * sizeof *dst);
        if (y)
            y[k] = sp->y[i];
    }
}

/* Host room for a batch of b examples of sp. */
typedef struct batch {
    float *x;
    int32_t *y;
    int64_t *idx;
} batch;

static int batch_new(batch *b, const rsc_split *sp, int n, rsc_error *err)
{
    size_t img = (size_t)sp->c * sp->h * sp->w;
    memset(b, 0, sizeof *b);
    if (!(b->x = rsc_malloc((size_t)n, img * sizeof *b->x, err)) ||
        !(b->y = rsc_malloc((size_t)n, sizeof *b->y, err)) ||
        !(b->idx = rsc_malloc((size_t)n, sizeof *b->idx, err))) {
        free(b->x);
        free(b->y);
        return -1;
    }
    return 0;
}

static void batch_free(batch *b)
{
    free(b->x);
    free(b->y);
    free(b->idx);
}



int rsc_influence_gradient(rsc_hvp *h, const rsc_split *train, const int64_t *idx, size_t m,
                           double wd, const float *theta, float *v, rsc_error *err)
{
    size_t np = rsc_hvp_size(h);
    rsc_backend *be = rsc_hvp_be(h);
    int mb = rsc_hvp_max_batch(h);
    batch b;
    double *acc = rsc_calloc(np, sizeof *acc, err);
    float *part = rsc_malloc(np, sizeof *part, err);
    if (!acc || !part || batch_new(&b, train, mb, err) != 0) {
        free(acc);
        free(part);
        return -1;
    }
    int rc = -1;
    for (size_t s = 0; s < m; s += (size_t)mb) {
        int n = (int)(m - s < (size_t)mb ? m - s : (size_t)mb);
        rsc_split_rows(train, idx + s, (size_t)n, b.x, b.y);
        if (rsc_hvp_set_batch(h, b.x, b.y, n, err) != 0)
            goto done;
        rsc_hvp_grad(h, 1.0f);
        if (be->download(be, part, rsc_hvp_out(h), 0, np * sizeof(float), err) != 0)
            goto done;
        for (size_t i = 0; i < np; i++)
            acc[i] += part[i];
    }
    for (size_t i = 0; i < np; i++)
        v[i] = (float)(acc[i] + (double)m * wd * theta[i]);
    rc = 0;
done:
    batch_free(&b);
    free(acc);
    free(part);
    return rc;
}

void rsc_lissa_defaults(rsc_lissa_opts *o, const char *dataset, size_t m)
{
    memset(o, 0, sizeof *o);
    o->damp = 0.01;
    o->repeats = 10;
    o->batch = 1;
    o->bound = 100;
    o->depth = m < 100 ? 2000 : 1000;
    o->scale = 100;
    if (dataset && !strcmp(dataset, "mnist"))
        o->scale = 25;
    if (dataset && !strcmp(dataset, "cifar10")) {
        o->scale = 1000;
        o->depth = 200;
    }
}

static double sumsq_host(const float *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    return s;
}

int rsc_influence_lissa(rsc_hvp *h, const rsc_split *train, const float *v,
                        const rsc_lissa_opts *o, float *out, rsc_error *err)
{
    rsc_backend *be = rsc_hvp_be(h);
    size_t np = rsc_hvp_size(h);
    if (o->batch < 1 || o->batch > rsc_hvp_max_batch(h))
        return rsc_fail(err, "LiSSA: batch %d (1..%d)", o->batch, rsc_hvp_max_batch(h));
    if (train->n == 0)
        return rsc_fail(err, "LiSSA: no training examples");
    double vnorm = sqrt(sumsq_host(v, np));
    double limit = o->bound * vnorm / (o->damp > 1.0 / o->depth ? o->damp : 1.0 / o->depth);
    rsc_buf *V = be->alloc(be, np * sizeof(float), err);
    rsc_buf *H = V ? be->alloc(be, np * sizeof(float), err) : NULL;
    rsc_buf *ss = H ? be->alloc(be, sizeof(double), err) : NULL;
    double *acc = ss ? rsc_calloc(np, sizeof *acc, err) : NULL;
    batch b = { 0 };
    int rc = -1;
    if (!acc || batch_new(&b, train, o->batch, err) != 0 ||
        be->upload(be, V, 0, v, np * sizeof(float), err) != 0)
        goto done;
    rsc_rng rng;
    rsc_rng_derive(&rng, o->seed, RSC_RNG_LISSA);
    int full = (size_t)o->batch >= train->n, nb = full ? (int)train->n : o->batch;
    for (int r = 0; r < o->repeats; r++) {
        be->copy(be, H, 0, V, 0, np * sizeof(float));
        for (int j = 1; j <= o->depth; j++) {
            /* A batch as large as the training set is the whole set (the
             * deterministic recursion), set once. */
            if (!full || (r == 0 && j == 1)) {
                for (int k = 0; k < nb; k++)
                    b.idx[k] = full ? k : (int64_t)rsc_rng_interval(&rng, train->n - 1);
                rsc_split_rows(train, b.idx, (size_t)nb, b.x, b.y);
                if (rsc_hvp_set_batch(h, b.x, b.y, nb, err) != 0)
                    goto done;
            }
            be->copy(be, rsc_hvp_vec(h), 0, H, 0, np * sizeof(float));
            if (rsc_hvp_apply(h, 1.0f / (float)nb, err) != 0)
                goto done;
            rsc_buf *HV = rsc_hvp_out(h);
            if (o->weight_decay != 0)
                be->axpy(be, np, (float)o->weight_decay, H, HV);
            be->scale(be, np, (float)(1.0 - o->damp), H);
            be->axpy(be, np, (float)(-1.0 / o->scale), HV, H);
            be->axpy(be, np, 1.0f, V, H);
            double s;
            be->sumsq(be, H, np, ss);
            if (be->download(be, &s, ss, 0, sizeof s, err) != 0)
                goto done;
            if (!isfinite(s) || sqrt(s) > limit) {
                rsc_fail(err, "LiSSA diverged in repeat %d at depth %d (|h| = %.3g, bound %.3g): "
                         "give a larger --scale (now %g)", r + 1, j, sqrt(s), limit, o->scale);
                goto done;
            }
        }
        if (be->download(be, out, H, 0, np * sizeof(float), err) != 0)
            goto done;
        for (size_t i = 0; i < np; i++)
            acc[i] += (double)out[i] / o->scale;
        if (o->on_repeat)
            o->on_repeat(o->ud, r + 1, o->repeats, sqrt(sumsq_host(out, np)) / o->scale);
    }
    for (size_t i = 0; i < np; i++)
        out[i] = (float)(acc[i] / o->repeats);
    rc = 0;
done:
    batch_free(&b);
    free(acc);
    be->free(be, ss);
    be->free(be, H);
    be->free(be, V);
    return rc;
}

int rsc_influence_exact(rsc_hvp *h, const rsc_split *train, const float *v, double wd,
                        double shift, float *out, rsc_error *err)
{
    rsc_backend *be = rsc_hvp_be(h);
    size_t np = rsc_hvp_size(h);
    if (np > RSC_INFLUENCE_EXACT_MAX)
        return rsc_fail(err, "the exact solve takes models of at most %d parameters; this one "
                        "has %zu (use LiSSA)", RSC_INFLUENCE_EXACT_MAX, np);
    int mb = rsc_hvp_max_batch(h);
    double *A = rsc_calloc(np * np, sizeof *A, err);
    double *x = A ? rsc_malloc(np, sizeof *x, err) : NULL;
    float *col = x ? rsc_malloc(np, sizeof *col, err) : NULL;
    batch b = { 0 };
    int rc = -1;
    if (!col || batch_new(&b, train, mb, err) != 0)
        goto done;
    const float one = 1.0f;
    for (size_t s = 0; s < train->n; s += (size_t)mb) {
        int n = (int)(train->n - s < (size_t)mb ? train->n - s : (size_t)mb);
        for (int k = 0; k < n; k++)
            b.idx[k] = (int64_t)(s + (size_t)k);
        rsc_split_rows(train, b.idx, (size_t)n, b.x, b.y);
        if (rsc_hvp_set_batch(h, b.x, b.y, n, err) != 0)
            goto done;
        for (size_t j = 0; j < np; j++) {
            be->fill(be, rsc_hvp_vec(h), np, 0.0f);
            if (be->upload(be, rsc_hvp_vec(h), j * sizeof(float), &one, sizeof one, err) != 0)
                goto done;
            if (rsc_hvp_apply(h, 1.0f, err) != 0)
                goto done;
            if (be->download(be, col, rsc_hvp_out(h), 0, np * sizeof(float), err) != 0)
                goto done;
            for (size_t i = 0; i < np; i++)
                A[i * np + j] += col[i];
        }
    }
    for (size_t i = 0; i < np; i++) {
        for (size_t j = 0; j < np; j++)
            A[i * np + j] /= (double)train->n;
        A[i * np + i] += wd + shift;
        x[i] = v[i];
    }
    /* Symmetrise (the columns' rounding differs slightly). */
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < i; j++)
            A[i * np + j] = A[j * np + i] = 0.5 * (A[i * np + j] + A[j * np + i]);
    if (rsc_cholesky_solve(A, x, (int)np, err) != 0)
        goto done;
    for (size_t i = 0; i < np; i++)
        out[i] = (float)x[i];
    rc = 0;
done:
    batch_free(&b);
    free(col);
    free(x);
    free(A);
    return rc;
}

void rsc_influence_update(float *theta, const float *hinv, size_t n, size_t ntrain, size_t m)
{
    double k = 1.0 / (double)(ntrain - m);
    for (size_t i = 0; i < n; i++)
        theta[i] = (float)((double)theta[i] + k * hinv[i]);
}
