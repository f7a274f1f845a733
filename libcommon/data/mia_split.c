/* mia_split.c - the four-way and LiRA splits of a pooled dataset. */
#include "data/mia_split.h"

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/dataset.h"
#include "data/inject.h"

int rsc_mia_split_parse(const char *s)
{
    return !strcmp(s, "four-way") ? RSC_MIA_FOUR_WAY : !strcmp(s, "lira") ? RSC_MIA_LIRA : 0;
}

const char *rsc_mia_split_name(int split)
{
    return split == RSC_MIA_LIRA ? "lira" : "four-way";
}

/* RandomState([split_seed, k]).permutation(n) */
static void shadow_perm(uint32_t split_seed, int k, int64_t *out, size_t n)
{
    uint32_t key[2] = { split_seed, (uint32_t)k };
    rsc_rng r;
    rsc_rng_seed_array(&r, key, 2);
    rsc_rng_permutation(&r, out, n);
}

int rsc_mia_split_rows(size_t n_pool, size_t used, int split, uint32_t split_seed, int shadow,
                       int64_t **train, size_t *ntrain, int64_t **test, size_t *ntest, rsc_error *err)
{
    *train = *test = NULL;
    if (used == 0)
        used = n_pool;
    if (used > n_pool)
        return rsc_fail(err, "a pool of %zu examples requested from %zu", used, n_pool);
    if (used < 4)
        return rsc_fail(err, "a pool of %zu examples cannot be split in four", used);
    if (shadow < 0 || (split != RSC_MIA_FOUR_WAY && split != RSC_MIA_LIRA))
        return rsc_fail(err, "bad membership-inference split");
    size_t q = used / 4, h = used / 2;
    size_t ntr = split == RSC_MIA_LIRA ? h : q, nte = split == RSC_MIA_LIRA ? used - h : q;
    int64_t *perm = rsc_malloc(n_pool, sizeof *perm, err);
    int64_t *sub = perm ? rsc_malloc(used, sizeof *sub, err) : NULL;
    *train = sub ? rsc_malloc(ntr, sizeof **train, err) : NULL;
    *test = *train ? rsc_malloc(nte, sizeof **test, err) : NULL;
    if (!*test) {
        free(perm), free(sub), free(*train);
        *train = NULL;
        return -1;
    }
    rsc_rng r;
    rsc_rng_seed(&r, split_seed);
    rsc_rng_permutation(&r, perm, n_pool);
    /* the rows of the part, in order: P itself, or a reordering of the
     * shadow pool P[2q, 4q) (four-way) or of the pool P[0, used) (LiRA) */
    const int64_t *src = perm;
    if (shadow > 0) {
        size_t base = split == RSC_MIA_LIRA ? 0 : 2 * q, m = split == RSC_MIA_LIRA ? used : 2 * q;
        src = perm + base;
        if (split == RSC_MIA_LIRA || shadow > 1) {
            shadow_perm(split_seed, shadow, sub, m);
            for (size_t i = 0; i < m; i++)
                sub[i] = perm[base + (size_t)sub[i]];
            src = sub;
        }
    }
    memcpy(*train, src, ntr * sizeof **train);
    memcpy(*test, src + ntr, nte * sizeof **test);
    free(perm);
    free(sub);
    *ntrain = ntr;
    *ntest = nte;
    return 0;
}

/* Copy pooled rows into a split "train" or "test" of dst. */
static int copy_rows(rsc_file *dst, const rsc_file *src, const char *split, const int64_t *rows,
                     size_t n, size_t ntr_src, rsc_error *err)
{
    const rsc_tensor *tx = rsc_file_find(src, "train.x"), *ty = rsc_file_find(src, "train.y");
    const rsc_tensor *ex = rsc_file_find(src, "test.x"), *ey = rsc_file_find(src, "test.y");
    size_t es = rsc_dtype_size(tx->dtype);
    size_t img = (size_t)(tx->dims[1] * tx->dims[2] * tx->dims[3]) * es;
    char xn[16], yn[16], rn[32];
    snprintf(xn, sizeof xn, "%s.x", split);
    snprintf(yn, sizeof yn, "%s.y", split);
    snprintf(rn, sizeof rn, "mia.%s_rows", split);
    uint64_t dx[4] = { n, tx->dims[1], tx->dims[2], tx->dims[3] }, dy[1] = { n };
    rsc_tensor *x = rsc_file_add(dst, xn, tx->dtype, 4, dx, err);
    rsc_tensor *y = x ? rsc_file_add(dst, yn, RSC_I32, 1, dy, err) : NULL;
    rsc_tensor *r = y ? rsc_file_add(dst, rn, RSC_I64, 1, dy, err) : NULL;
    if (!r)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)rows[i];
        int is_train = k < ntr_src;
        size_t j = is_train ? k : k - ntr_src;
        const rsc_tensor *sx = is_train ? tx : ex, *sy = is_train ? ty : ey;
        memcpy((char *)x->data + i * img, (const char *)sx->data + j * img, img);
        ((int32_t *)y->data)[i] = ((const int32_t *)sy->data)[j];
        ((int64_t *)r->data)[i] = rows[i];
    }
    return 0;
}

/* The LiRA family's spurious rows, as pooled rows: chosen in the target's
 * training split as rsc_dataset_inject chooses them. */
static int64_t *lira_spurious(const rsc_file *src, size_t used, uint32_t split_seed, const rsc_mia_inject *inj,
                              rsc_error *err)
{
    int64_t *tr = NULL, *te = NULL, *pos = NULL;
    size_t ntr, nte;
    const rsc_tensor *ty = rsc_file_find(src, "train.y"), *ey = rsc_file_find(src, "test.y");
    size_t n0 = (size_t)ty->dims[0], n = n0 + (size_t)ey->dims[0];
    if (rsc_mia_split_rows(n, used, RSC_MIA_LIRA, split_seed, 0, &tr, &ntr, &te, &nte, err) != 0)
        return NULL;
    int32_t *lab = rsc_malloc(ntr, sizeof *lab, err);
    pos = lab ? rsc_malloc(inj->count > 0 ? (size_t)inj->count : 0, sizeof *pos, err) : NULL;
    if (pos) {
        for (size_t i = 0; i < ntr; i++) {
            size_t k = (size_t)tr[i];
            lab[i] = k < n0 ? ((const int32_t *)ty->data)[k] : ((const int32_t *)ey->data)[k - n0];
        }
        if (rsc_inject_choose(lab, ntr, inj->target, inj->count, inj->seed, pos, err) != 0) {
            free(pos);
            pos = NULL;
        } else {
            for (long i = 0; i < inj->count; i++)
                pos[i] = tr[pos[i]];
        }
    }
    free(lab);
    free(tr);
    free(te);
    return pos;
}

/* Inject the part: the rows of its training split whose pooled row is one
 * of spur[0..count), in spur's order. */
static int inject_pooled(rsc_file *ds, const int64_t *train_rows, size_t ntr, const int64_t *spur,
                         const rsc_mia_inject *inj, rsc_error *err)
{
    int64_t *at = rsc_malloc(inj->count > 0 ? (size_t)inj->count : 0, sizeof *at, err);
    if (!at)
        return -1;
    long m = 0;
    /* count is small (the paper's largest is 1000): a scan per row */
    for (long s = 0; s < inj->count; s++)
        for (size_t i = 0; i < ntr; i++)
            if (train_rows[i] == spur[s]) {
                at[m++] = (int64_t)i;
                break;
            }
    int rc = rsc_dataset_inject_rows(ds, inj->p, inj->target, at, m, inj->seed, err);
    free(at);
    return rc;
}

rsc_file *rsc_mia_split_make(const rsc_file *src, size_t used, int split, uint32_t split_seed, int shadow,
                             const rsc_mia_inject *inj, const char *program, rsc_error *err)
{
    static const char *const keep[] = { "name", "classes", "source", NULL };
    if (rsc_file_find(src, "spurious.index") ||
        (rsc_meta_get(src, "pattern") && strcmp(rsc_meta_get(src, "pattern"), "none")))
        return rsc_fail(err, "already injected; a membership-inference split starts from a clean dataset"),
               NULL;
    if (rsc_file_find(src, "mia.train_rows"))
        return rsc_fail(err, "already a membership-inference split (mia_split=%s); start from the whole "
                        "dataset", rsc_meta_get(src, "mia_split") ? rsc_meta_get(src, "mia_split") : "?"),
               NULL;
    const rsc_tensor *ty = rsc_file_find(src, "train.y"), *ey = rsc_file_find(src, "test.y");
    size_t n0 = (size_t)ty->dims[0], n = n0 + (size_t)ey->dims[0];
    int64_t *tr = NULL, *te = NULL, *spur = NULL;
    size_t ntr, nte;
    rsc_file *ds = NULL;
    if (rsc_mia_split_rows(n, used, split, split_seed, shadow, &tr, &ntr, &te, &nte, err) != 0)
        return NULL;
    int lira_inject = inj && inj->p && split == RSC_MIA_LIRA;
    if (lira_inject && !(spur = lira_spurious(src, used, split_seed, inj, err)))
        goto fail;
    if (!(ds = rsc_file_new(err)) || rsc_file_stamp(ds, "dataset", program, err) != 0 ||
        rsc_meta_copy(ds, src, keep, err) != 0 ||
        rsc_meta_set(ds, "mia_split", rsc_mia_split_name(split), err) != 0 ||
        rsc_meta_set(ds, "mia_part", shadow ? "shadow" : "target", err) != 0 ||
        rsc_meta_setf(ds, "mia_shadow", err, "%d", shadow) != 0 ||
        rsc_meta_setf(ds, "mia_split_seed", err, "%lu", (unsigned long)split_seed) != 0 ||
        rsc_meta_setf(ds, "mia_pool", err, "%zu", n) != 0 ||
        rsc_meta_setf(ds, "mia_pool_size", err, "%zu", used ? used : n) != 0 ||
        rsc_meta_setf(ds, "mia_pool_train", err, "%zu", n0) != 0 ||
        copy_rows(ds, src, "train", tr, ntr, n0, err) != 0 || copy_rows(ds, src, "test", te, nte, n0, err) != 0)
        goto fail;
    if (lira_inject) {
        if (inject_pooled(ds, tr, ntr, spur, inj, err) != 0)
            goto fail;
    } else if (inj && inj->p && split == RSC_MIA_FOUR_WAY && shadow == 0) {
        if (rsc_dataset_inject(ds, inj->p, inj->target, inj->count, inj->seed, err) != 0)
            goto fail;
    }
    free(tr);
    free(te);
    free(spur);
    return ds;
fail:
    free(tr);
    free(te);
    free(spur);
    rsc_file_free(ds);
    return NULL;
}
