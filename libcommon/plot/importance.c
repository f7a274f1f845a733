/* importance.c - first-layer weight importance maps (Fig. 3). */
#include "config.h"

#include "plot/importance.h"

#include "format/rows.h"
#include "nn/model_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rsc_importance(const rsc_file *m, const char *fname, double **map, int *h, int *w,
                   rsc_error *err)
{
    const char *kind = rsc_meta_get(m, "kind");
    if (kind && strcmp(kind, "model") != 0)
        return rsc_fail(err, "%s: not a model (kind=%s)", fname, kind);
    /* A convolutional model may have an fc1 too, after its convolutions:
     * any 4-d parameter means the first layer is not linear. */
    const char *arch = rsc_meta_get(m, "arch");
    for (size_t i = 0; i < m->ntensors; i++)
        if (strncmp(m->tensors[i]->name, "param/", 6) == 0 && m->tensors[i]->ndim == 4)
            return rsc_fail(err, "%s: importance is defined only for models whose first "
                            "layer is linear (param/fc1.weight); this model%s%s%s starts "
                            "with a convolution ('%s')", fname, arch ? " (arch " : "",
                            arch ? arch : "", arch ? ")" : "", m->tensors[i]->name);
    const rsc_tensor *t = rsc_file_find(m, "param/fc1.weight");
    if (!t) {
        return rsc_fail(err, "%s: no tensor 'param/fc1.weight': importance needs a model whose "
                        "first layer is linear (mlp-small, mlp, mlp-large, linear)", fname);
    }
    if (t->ndim != 2 || (t->dtype != RSC_F32 && t->dtype != RSC_F64))
        return rsc_fail(err, "%s: tensor 'param/fc1.weight' is %s with %d dimensions, expected "
                        "a f32 or f64 matrix [hidden, inputs]", fname, rsc_dtype_name(t->dtype),
                        t->ndim);
    uint64_t hidden = t->dims[0], in = t->dims[1];
    int c, hh, ww;
    const char *input = rsc_meta_get(m, "input");
    if (input) {
        rsc_shape sh;
        if (rsc_model_parse_input(input, &sh) != 0)
            return rsc_fail(err, "%s: metadata key 'input': '%s' is not CxHxW", fname, input);
        c = sh.c, hh = sh.h, ww = sh.w;
    } else if (in == 784) {
        c = 1, hh = 28, ww = 28;
    } else if (in == 3072) {
        c = 3, hh = 32, ww = 32;
    } else {
        return rsc_fail(err, "%s: no metadata key 'input' to tell the image shape of %llu "
                        "inputs", fname, (unsigned long long)in);
    }
    if ((uint64_t)c * hh * ww != in)
        return rsc_fail(err, "%s: tensor 'param/fc1.weight' has %llu inputs, but input=%dx%dx%d "
                        "has %llu", fname, (unsigned long long)in, c, hh, ww,
                        (unsigned long long)c * hh * ww);
    if (hidden == 0)
        return rsc_fail(err, "%s: tensor 'param/fc1.weight' has no rows", fname);
    size_t plane = (size_t)hh * ww;
    double *out = rsc_malloc(plane, sizeof *out, err);
    if (!out)
        return -1;
    for (size_t p = 0; p < plane; p++)
        out[p] = -INFINITY;
    for (uint64_t j = 0; j < hidden; j++)
        for (int ch = 0; ch < c; ch++)
            for (size_t p = 0; p < plane; p++) {
                size_t k = (size_t)j * in + (size_t)ch * plane + p;
                double v = t->dtype == RSC_F32 ? ((const float *)t->data)[k]
                                               : ((const double *)t->data)[k];
                if (!isfinite(v)) {
                    free(out);
                    return rsc_fail(err, "%s: tensor 'param/fc1.weight' holds a non-finite "
                                    "value at [%llu, %zu]", fname, (unsigned long long)j,
                                    (size_t)ch * plane + p);
                }
                if (v > out[p])
                    out[p] = v;
            }
    *map = out;
    *h = hh;
    *w = ww;
    return 0;
}

void rsc_importance_vs(double *const *maps, size_t n, const double *base, size_t hw)
{
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < hw; p++)
            maps[i][p] = fabs(maps[i][p] - base[p]);
}

void rsc_importance_range(const double *const *maps, size_t n, size_t hw, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < hw; p++) {
            *lo = fmin(*lo, maps[i][p]);
            *hi = fmax(*hi, maps[i][p]);
        }
}

int rsc_importance_write(FILE *fp, const char *fname, const double *const *maps,
                         const char *const *titles, size_t n, int h, int w, rsc_error *err)
{
    static const char *const cols[] = { "map", "row", "col", "value" };
    rsc_rows *wr = rsc_rows_new(fp, fname, 0, cols, 4, err);
    if (!wr)
        return -1;
    for (size_t i = 0; i < n; i++)
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) {
                rsc_rows_str(wr, titles[i]);
                rsc_rows_int(wr, r);
                rsc_rows_int(wr, c);
                rsc_rows_f32(wr, (float)maps[i][(size_t)r * (size_t)w + (size_t)c]);
                if (rsc_rows_end(wr, err) != 0) {
                    rsc_rows_free(wr);
                    return -1;
                }
            }
    return rsc_rows_close(wr, err);
}
