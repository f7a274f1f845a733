/* patterns.c - the seven spurious patterns of the paper (doc/paper-facts.md)
 * and custom patterns read from rsct or PNG files, as additive CHW doubles,
 * and their application Phi(x) = float32(clip((double)x + x_sp, 0, 1)). */
#include "config.h"

#include "data/patterns.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/rng.h"
#ifdef HAVE_PNG
#include "plot/image.h"
#endif

const char *const rsc_pattern_names[] = { "S1", "S2", "S3", "R1", "R2", "R3", "Inv", NULL };

/* The reference code's names for the same patterns (add_spurious_correlation
 * versions), accepted as aliases. */
static const char *const code_names[] = { "v1", "v3", "v8", "v18", "v19", "v20", "v30", NULL };

/* Rectangles (rows r0..r1, cols c0..c1 inclusive) of the square patterns and
 * the noise scale of the random ones, indexed like rsc_pattern_names. */
static const struct {
    int r0, r1, c0, c1;
    double scale;    /* > 0: random pattern scale * U */
} defs[] = {
    { 0, 0, 0, 0, 0 },      /* S1: pixel (0,0) */
    { 0, 2, 0, 2, 0 },      /* S2: 3x3 */
    { 0, 4, 0, 4, 0 },      /* S3: 5x5 */
    { 0, 0, 0, 0, 0.25 },   /* R1 */
    { 0, 0, 0, 0, 0.5 },    /* R2 */
    { 0, 0, 0, 0, 1.0 },    /* R3 */
    { 3, 24, 13, 15, 0 },   /* Inv: rows 3-24, cols 13-15 */
};

static int builtin_index(const char *name)
{
    for (int i = 0; rsc_pattern_names[i]; i++)
        if (!strcasecmp(name, rsc_pattern_names[i]) || !strcasecmp(name, code_names[i]))
            return i;
    return -1;
}

int rsc_pattern_is_builtin(const char *name, const char **canon)
{
    int i = builtin_index(name);
    if (i < 0)
        return 0;
    if (canon)
        *canon = rsc_pattern_names[i];
    return 1;
}

static int alloc_pattern(rsc_pattern *p, int c, int h, int w, rsc_error *err)
{
    if (c < 1 || h < 1 || w < 1 || c > 65536 || h > 65536 || w > 65536)
        return rsc_fail(err, "bad image shape %dx%dx%d for a pattern", c, h, w);
    p->c = c;
    p->h = h;
    p->w = w;
    p->add = rsc_calloc((size_t)c * h * w, sizeof *p->add, err);
    return p->add ? 0 : -1;
}

static int make_builtin(rsc_pattern *p, int idx, int c, int h, int w, uint32_t seed, rsc_error *err)
{
    const char *name = rsc_pattern_names[idx];
    if (defs[idx].scale == 0 && (h <= defs[idx].r1 || w <= defs[idx].c1))
        return rsc_fail(err, "pattern %s needs images of at least %dx%d pixels (these are %dx%d)",
                        name, defs[idx].r1 + 1, defs[idx].c1 + 1, h, w);
    if (alloc_pattern(p, c, h, w, err) < 0)
        return -1;
    snprintf(p->name, sizeof p->name, "%s", name);
    size_t plane = (size_t)h * w;
    if (defs[idx].scale > 0) {
        /* RandomState(seed).rand(H, W, C): C varies fastest; stored CHW. */
        rsc_rng r;
        rsc_rng_seed(&r, seed);
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
                for (int k = 0; k < c; k++)
                    p->add[k * plane + (size_t)i * w + j] = defs[idx].scale * rsc_rng_double(&r);
    } else {
        /* "set to 1" is additive 1 then clip for pixels in [0,1]; every
         * channel (white on colour images). */
        for (int k = 0; k < c; k++)
            for (int i = defs[idx].r0; i <= defs[idx].r1; i++)
                for (int j = defs[idx].c0; j <= defs[idx].c1; j++)
                    p->add[k * plane + (size_t)i * w + j] = 1.0;
    }
    return 0;
}

/* A custom pattern from tensor t (f32 or f64, [c,h,w] or [h,w]). */
static int from_tensor(rsc_pattern *p, const rsc_tensor *t, int c, int h, int w, rsc_error *err)
{
    if (t->dtype != RSC_F32 && t->dtype != RSC_F64)
        return rsc_fail(err, "tensor '%s': dtype %s, expected f32 or f64", t->name,
                        rsc_dtype_name(t->dtype));
    uint64_t tc, th, tw;
    if (t->ndim == 3) {
        tc = t->dims[0], th = t->dims[1], tw = t->dims[2];
    } else if (t->ndim == 2) {
        tc = 1, th = t->dims[0], tw = t->dims[1];
    } else {
        return rsc_fail(err, "tensor '%s': %d dimensions, expected [C,H,W]", t->name, t->ndim);
    }
    if (c == 0) {   /* take the tensor's shape */
        if (tc < 1 || th < 1 || tw < 1 || tc > 65536 || th > 65536 || tw > 65536)
            return rsc_fail(err, "tensor '%s': bad pattern shape", t->name);
        c = (int)tc, h = (int)th, w = (int)tw;
    } else if (tc != (uint64_t)c || th != (uint64_t)h || tw != (uint64_t)w) {
        return rsc_fail(err, "tensor '%s': pattern is %llux%llux%llu, images are %dx%dx%d", t->name,
                        (unsigned long long)tc, (unsigned long long)th, (unsigned long long)tw, c, h, w);
    }
    if (alloc_pattern(p, c, h, w, err) < 0)
        return -1;
    size_t n = (size_t)c * h * w;
    for (size_t i = 0; i < n; i++) {
        double v = t->dtype == RSC_F32 ? ((const float *)t->data)[i] : ((const double *)t->data)[i];
        if (!isfinite(v)) {
            rsc_pattern_free(p);
            return rsc_fail(err, "tensor '%s': value %zu is not finite", t->name, i);
        }
        /* the tensor's values as they are: spurious.pattern records them
         * in f64 when float32 cannot (rsc_pattern_to_tensor) */
        p->add[i] = v;
        if (v != (double)(float)v)
            p->f64 = 1;
    }
    snprintf(p->name, sizeof p->name, "custom");
    return 0;
}

/* Image shape c x h x w recorded by a dataset (train.x) or model (input). */
static int file_shape(const rsc_file *f, int *c, int *h, int *w)
{
    const rsc_tensor *x = rsc_file_find(f, "train.x");
    if (!x)
        x = rsc_file_find(f, "test.x");   /* a dataset read for its test split */
    if (x && x->ndim == 4 && x->dims[1] >= 1 && x->dims[1] <= 65536 && x->dims[2] >= 1 &&
        x->dims[2] <= 65536 && x->dims[3] >= 1 && x->dims[3] <= 65536) {
        *c = (int)x->dims[1], *h = (int)x->dims[2], *w = (int)x->dims[3];
        return 0;
    }
    const char *in = rsc_meta_get(f, "input");
    if (in && rsc_parse_shape3(in, 65536, c, h, w) == 0)
        return 0;
    return -1;
}

int rsc_pattern_from_dataset(rsc_pattern *p, const rsc_file *f, rsc_error *err)
{
    memset(p, 0, sizeof *p);
    const char *name = rsc_meta_get(f, "pattern");
    const rsc_tensor *t = rsc_file_find(f, "spurious.pattern");
    if (!name || !strcmp(name, "none"))
        return rsc_fail(err, "no spurious pattern recorded (metadata key 'pattern' %s)",
                        name ? "is none" : "missing");
    int c = 0, h = 0, w = 0;
    if (t && (t->ndim == 3 || t->ndim == 2) && t->dims[0] >= 1) {
        if (t->ndim == 3 && t->dims[0] <= 65536 && t->dims[1] <= 65536 && t->dims[2] <= 65536)
            c = (int)t->dims[0], h = (int)t->dims[1], w = (int)t->dims[2];
        else if (t->ndim == 2 && t->dims[0] <= 65536 && t->dims[1] <= 65536)
            c = 1, h = (int)t->dims[0], w = (int)t->dims[1];
    }
    if (!c && file_shape(f, &c, &h, &w) < 0)
        return rsc_fail(err, "cannot tell the image shape (no spurious.pattern, train.x or 'input')");
    int idx = builtin_index(name);
    if (idx >= 0) {
        long seed = 0;
        if (defs[idx].scale > 0) {
            if (rsc_meta_get_long(f, "seed", &seed, err) < 0)
                return -1;
            if (seed < 0 || seed > 0xffffffffL)
                return rsc_fail(err, "metadata key 'seed': %ld out of range 0..4294967295", seed);
        }
        return make_builtin(p, idx, c, h, w, (uint32_t)seed, err);
    }
    if (!t)
        return rsc_fail(err, "pattern '%s' is not builtin and tensor 'spurious.pattern' is missing", name);
    if (from_tensor(p, t, c, h, w, err) < 0)
        return -1;
    snprintf(p->name, sizeof p->name, "%s", name);
    return 0;
}

/* 1 when path starts with the PNG signature. */
static int is_png(const char *path)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    unsigned char b[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(b, 1, 8, f);
    fclose(f);
    return n == 8 && !memcmp(b, sig, 8);
}

/* A PNG pattern: pixel value v adds v/255 (black adds nothing, white sets
 * the pixel to 1); a grey PNG serves every channel, a colour one needs 3. */
static int from_png(rsc_pattern *p, const char *path, int c, int h, int w, rsc_error *err)
{
#ifdef HAVE_PNG
    rsc_image *img = rsc_png_load(path, err);
    if (!img)
        return -1;
    int rc = -1;
    if (img->w != w || img->h != h) {
        rsc_fail(err, "%s: pattern is %dx%d pixels, images are %dx%d", path, img->w, img->h, w, h);
    } else if (img->src_channels == 3 && c != 3) {
        rsc_fail(err, "%s: a colour pattern for %d-channel images (use a grey PNG)", path, c);
    } else if (alloc_pattern(p, c, h, w, err) == 0) {
        for (int k = 0; k < c; k++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    int v = rsc_image_at(img, j, i)[img->src_channels == 3 ? k : 0];
                    p->add[((size_t)k * h + i) * w + j] = (float)v / 255.0f;
                }
        snprintf(p->name, sizeof p->name, "custom");
        rc = 0;
    }
    rsc_image_free(img);
    return rc;
#else
    (void)p, (void)c, (void)h, (void)w;
    return rsc_fail(err, "%s: PNG patterns need rsc built with libpng", path);
#endif
}

int rsc_pattern_make(rsc_pattern *p, const char *name, int c, int h, int w, uint32_t seed,
                     rsc_error *err)
{
    memset(p, 0, sizeof *p);
    int idx = builtin_index(name);
    if (idx >= 0)
        return make_builtin(p, idx, c, h, w, seed, err);
    if (is_png(name))
        return from_png(p, name, c, h, w, err);
    rsc_error e;
    rsc_file *f = rsc_file_load(name, &e);
    if (!f)
        return rsc_fail(err, "unknown pattern '%s' (builtin: S1 S2 S3 R1 R2 R3 Inv) and not a "
                        "readable pattern file: %s", name, e.msg);
    /* A file's pattern is always custom, even when it holds a builtin one
     * (whose seed need not be ours): its values are the tensor's. */
    const rsc_tensor *t = rsc_file_find(f, "pattern");
    if (!t)
        t = rsc_file_find(f, "spurious.pattern");
    int rc = t ? from_tensor(p, t, c, h, w, err)
               : rsc_fail(err, "no tensor 'pattern' or 'spurious.pattern'");
    rsc_file_free(f);
    if (rc < 0)
        return rsc_fail_prefix(err, "%s", name);
    return 0;
}

void rsc_pattern_apply(const rsc_pattern *p, const float *x, float *out)
{
    size_t n = (size_t)p->c * p->h * p->w;
    const double *a = p->add;
    for (size_t i = 0; i < n; i++) {
        double v = (double)x[i] + a[i];
        v = v < 0.0 ? 0.0 : v;   /* np.clip: minimum(maximum(v, 0), 1) */
        v = v > 1.0 ? 1.0 : v;
        out[i] = (float)v;
    }
}

void rsc_pattern_free(rsc_pattern *p)
{
    if (!p)
        return;
    free(p->add);
    p->add = NULL;
}

double rsc_pattern_distance(const rsc_pattern *p, const float *x)
{
    size_t n = (size_t)p->c * p->h * p->w;
    const double *a = p->add;
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double v = (double)x[i] + a[i];
        v = v < 0.0 ? 0.0 : v;
        v = v > 1.0 ? 1.0 : v;
        /* the reference subtracts the two float32 images */
        float d = (float)v - x[i];
        s += (double)d * d;
    }
    return sqrt(s);
}

double rsc_pattern_mean_norm(const rsc_pattern *p, const float *x, size_t n)
{
    if (n == 0)
        return 0;
    size_t img = (size_t)p->c * p->h * p->w;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += rsc_pattern_distance(p, x + i * img);
    return s / (double)n;
}

int rsc_pattern_to_tensor(const rsc_pattern *p, rsc_file *f, const char *name, rsc_error *err)
{
    uint64_t dims[3] = { (uint64_t)p->c, (uint64_t)p->h, (uint64_t)p->w };
    rsc_tensor *t = rsc_file_add(f, name, p->f64 ? RSC_F64 : RSC_F32, 3, dims, err);
    if (!t)
        return -1;
    size_t n = (size_t)p->c * p->h * p->w;
    if (p->f64) {
        memcpy(t->data, p->add, n * sizeof *p->add);
        return 0;
    }
    float *d = t->data;
    for (size_t i = 0; i < n; i++)
        d[i] = (float)p->add[i];
    return 0;
}
