/* conv.c - the convolution through im2col and CBLAS (kernels.h: im2col,
 * col2im, conv_*); compiled once per instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"
#include "kernels/cpu/blaswatch.h"

#include <cblas.h>
#include <string.h>

/* ------------------------------------------------------------ im2col */

/* d[0..n) = s[0..n) for the short rows of im2col (26 floats in the CNN's
 * first layer): fixed-size copies the compiler inlines, where memcpy's
 * call cost more than the copy. */
static inline void copy_short(float *d, const float *s, int n)
{
    int j = 0;
    for (; j + 8 <= n; j += 8)
        memcpy(d + j, s + j, 8 * sizeof *d);
    if (n - j >= 4) {
        memcpy(d + j, s + j, 4 * sizeof *d);
        j += 4;
    }
    if (n - j >= 2) {
        memcpy(d + j, s + j, 2 * sizeof *d);
        j += 2;
    }
    if (j < n)
        d[j] = s[j];
}

/* im2col of a stride-1 "same" convolution (ow == w, oh == h): each
 * column row is the input plane shifted by (ki - p, kj - p), copied in one
 * block; then the rows and columns that fall outside the image are
 * zeroed. */
static void im2col_same(const rsc_conv_geom *g, const float *x, float *col, size_t ld)
{
    const int p = g->pad, h = g->h, w = g->w;
    const long hw = (long)h * w;
    for (int ci = 0; ci < g->c; ci++) {
        const float *xc = x + (size_t)ci * hw;
        for (int ki = 0; ki < g->kh; ki++)
            for (int kj = 0; kj < g->kw; kj++) {
                float *row = col + ((size_t)(ci * g->kh + ki) * g->kw + kj) * ld;
                /* row[o] = xc[o + shift] for o in [0, hw), shift = dy * w + dx. */
                int dy = ki - p, dx = kj - p;
                long shift = (long)dy * w + dx;
                long lo = shift < 0 ? -shift : 0, hi = shift > 0 ? hw - shift : hw;
                if (lo > hw)
                    lo = hw;
                if (hi < lo)
                    hi = lo;
                memset(row, 0, (size_t)lo * sizeof *row);
                memcpy(row + lo, xc + lo + shift, (size_t)(hi - lo) * sizeof *row);
                memset(row + hi, 0, (size_t)(hw - hi) * sizeof *row);
                /* Columns whose source wrapped into the neighbouring row. */
                if (dx > 0)
                    for (int oy = 0; oy < h; oy++)
                        for (int ox = w - dx; ox < w; ox++)
                            row[(size_t)oy * w + ox] = 0;
                else if (dx < 0)
                    for (int oy = 0; oy < h; oy++)
                        for (int ox = 0; ox < -dx && ox < w; ox++)
                            row[(size_t)oy * w + ox] = 0;
            }
    }
}

/* im2col with column rows `ld` floats apart (ld >= oh * ow), so that the
 * columns of several examples can sit side by side. */
SIMD static void im2col_ld(const rsc_conv_geom *g, const float *x, float *col, size_t ld)
{
    const int s = g->stride, p = g->pad;
    if (s == 1 && g->oh == g->h && g->ow == g->w) {
        im2col_same(g, x, col, ld);
        return;
    }
    for (int ci = 0; ci < g->c; ci++) {
        const float *xc = x + (size_t)ci * g->h * g->w;
        for (int ki = 0; ki < g->kh; ki++)
            for (int kj = 0; kj < g->kw; kj++) {
                float *row = col + ((size_t)(ci * g->kh + ki) * g->kw + kj) * ld;
                /* Output columns whose input column is inside the image:
                 * ox in [lo, hi). */
                int lo = 0, hi = g->ow;
                while (lo < hi && lo * s - p + kj < 0)
                    lo++;
                while (hi > lo && (hi - 1) * s - p + kj >= g->w)
                    hi--;
                for (int oy = 0; oy < g->oh; oy++) {
                    float *r = row + (size_t)oy * g->ow;
                    int iy = oy * s - p + ki;
                    if (iy < 0 || iy >= g->h) {
                        memset(r, 0, (size_t)g->ow * sizeof *r);
                        continue;
                    }
                    const float *xr = xc + (size_t)iy * g->w - p + kj;
                    for (int ox = 0; ox < lo; ox++)
                        r[ox] = 0;
                    if (s == 1)
                        copy_short(r + lo, xr + lo, hi - lo);
                    else
                        for (int ox = lo; ox < hi; ox++)
                            r[ox] = xr[ox * s];
                    for (int ox = hi; ox < g->ow; ox++)
                        r[ox] = 0;
                }
            }
    }
}

static void im2col(const rsc_conv_geom *g, const float *x, float *col)
{
    im2col_ld(g, x, col, (size_t)g->oh * g->ow);
}

/* The adjoint of im2col_ld. */
SIMD static void col2im_ld(const rsc_conv_geom *g, const float *col, float *x, size_t ld)
{
    const int s = g->stride, p = g->pad;
    for (int ci = 0; ci < g->c; ci++) {
        float *xc = x + (size_t)ci * g->h * g->w;
        for (int ki = 0; ki < g->kh; ki++)
            for (int kj = 0; kj < g->kw; kj++) {
                const float *row = col + ((size_t)(ci * g->kh + ki) * g->kw + kj) * ld;
                int lo = 0, hi = g->ow;
                while (lo < hi && lo * s - p + kj < 0)
                    lo++;
                while (hi > lo && (hi - 1) * s - p + kj >= g->w)
                    hi--;
                for (int oy = 0; oy < g->oh; oy++) {
                    int iy = oy * s - p + ki;
                    if (iy < 0 || iy >= g->h)
                        continue;
                    const float *r = row + (size_t)oy * g->ow;
                    float *xr = xc + (size_t)iy * g->w - p + kj;
                    if (s == 1)   /* contiguous: vectorised */
                        for (int ox = lo; ox < hi; ox++)
                            xr[ox] += r[ox];
                    else
                        for (int ox = lo; ox < hi; ox++)
                            xr[ox * s] += r[ox];
                }
            }
    }
}

static void col2im(const rsc_conv_geom *g, const float *col, float *x)
{
    col2im_ld(g, col, x, (size_t)g->oh * g->ow);
}

/* ------------------------------------------------------------ convolution */

/* The GEMMs of one example are narrow when its image is small (ResNet's
 * 8x8 stage, VGG16's 4x4 and 2x2 ones: 64, 16 or 4 columns), and the
 * weight gradient's adds its o x K result once per example.  Examples are
 * therefore taken in groups whose column matrices sit side by side
 * (column rows G*N long): at least GROUP_COLS columns per GEMM, within
 * GROUP_FLOATS of scratch (column matrix and the staged outputs or output
 * gradients).  Images of GROUP_COLS pixels or more go one by one, with no
 * staging. */
enum { GROUP_COLS = 1024, GROUP_FLOATS = 1 << 20 };

static int group_of(const rsc_conv_geom *g)
{
    const long N = (long)g->oh * g->ow, K = (long)g->c * g->kh * g->kw;
    if (conv_col_size(g) == 0 || N >= GROUP_COLS)
        return 1;
    long G = (GROUP_COLS + N - 1) / N, fit = GROUP_FLOATS / ((K + g->o) * N);
    if (G > fit)
        G = fit;
    return G < 1 ? 1 : G > 128 ? 128 : (int)G;
}

static size_t conv_scratch(const rsc_conv_geom *g)
{
    int G = group_of(g);
    if (G == 1)
        return conv_col_size(g);
    return ((size_t)g->c * g->kh * g->kw + (size_t)g->o) * (size_t)G * g->oh * g->ow;
}

/* stage[oc][e*N + j] = t[e][oc][j] for the G examples of t (o x N each). */
static void stage_rows(const float *t, int G, int o, int N, float *stage)
{
    const size_t L = (size_t)G * N;
    for (int e = 0; e < G; e++)
        for (int oc = 0; oc < o; oc++)
            memcpy(stage + oc * L + (size_t)e * N, t + ((size_t)e * o + oc) * N,
                   (size_t)N * sizeof *t);
}

/* d[j] = s[j] + b for j in [0, n). */
SIMD static void add_bias_row(float *restrict d, const float *restrict s, int n, float b)
{
    for (int j = 0; j < n; j++)
        d[j] = s[j] + b;
}

static void conv_fwd(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *w,
                      const float *bias, float *y, float *scratch)
{
    const int K = g->c * g->kh * g->kw, N = g->oh * g->ow, GG = group_of(g);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * N;
    const int direct = conv_col_size(g) == 0;
    for (int n = n0; n < n1; n += GG) {
        const int G = n1 - n < GG ? n1 - n : GG, L = G * N;
        float *yn = y + (size_t)n * ys;
        if (GG > 1) {
            float *stage = scratch + (size_t)K * GG * N;
            for (int e = 0; e < G; e++)
                im2col_ld(g, x + (size_t)(n + e) * xs, scratch + (size_t)e * N, (size_t)L);
            RSC_CPU_SGEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->o, L, K, 1.0f, w, K,
                        scratch, L, 0.0f, stage, L);
            for (int e = 0; e < G; e++)
                for (int oc = 0; oc < g->o; oc++) {
                    const float *s = stage + (size_t)oc * L + (size_t)e * N;
                    add_bias_row(yn + (size_t)e * ys + (size_t)oc * N, s, N,
                                 bias ? bias[oc] : 0.0f);
                }
            continue;
        }
        const float *b = x + (size_t)n * xs;
        if (!direct) {
            im2col(g, b, scratch);
            b = scratch;
        }
        float beta = 0;
        if (bias) {
            for (int oc = 0; oc < g->o; oc++)
                for (int j = 0; j < N; j++)
                    yn[(size_t)oc * N + j] = bias[oc];
            beta = 1;
        }
        RSC_CPU_SGEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->o, N, K, 1.0f, w, K, b, N,
                    beta, yn, N);
    }
}

static void conv_flip_weights(const rsc_conv_geom *g, const float *w, float *wt)
{
    const int kh = g->kh, kw = g->kw;
    for (int o = 0; o < g->o; o++)
        for (int c = 0; c < g->c; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    wt[(((size_t)c * g->o + o) * kh + i) * kw + j] =
                        w[(((size_t)o * g->c + c) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
}

static void conv_bwd_data(const rsc_conv_geom *g, int n0, int n1, const float *dy,
                           const float *w, float *dx, float *scratch)
{
    const int K = g->c * g->kh * g->kw, N = g->oh * g->ow, GG = group_of(g);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * N;
    const int direct = conv_col_size(g) == 0;
    for (int n = n0; n < n1; n += GG) {
        const int G = n1 - n < GG ? n1 - n : GG, L = G * N;
        float *dxn = dx + (size_t)n * xs;
        const float *a = dy + (size_t)n * ys;
        if (GG > 1) {
            float *stage = scratch + (size_t)K * GG * N;
            stage_rows(a, G, g->o, N, stage);
            a = stage;
        }
        float *c = direct ? dxn : scratch;
        RSC_CPU_SGEMM(CblasRowMajor, CblasTrans, CblasNoTrans, K, L, g->o, 1.0f, w, K, a, L, 0.0f,
                    c, L);
        if (!direct) {
            memset(dxn, 0, (size_t)G * xs * sizeof *dxn);
            for (int e = 0; e < G; e++)
                col2im_ld(g, scratch + (size_t)e * N, dxn + (size_t)e * xs, (size_t)L);
        }
    }
}

static void conv_bwd_filter(const rsc_conv_geom *g, int n0, int n1, const float *x,
                             const float *dy, float *dw, float *db, int accumulate,
                             float *scratch)
{
    const int K = g->c * g->kh * g->kw, N = g->oh * g->ow, GG = group_of(g);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * N;
    const int direct = conv_col_size(g) == 0;
    if (!accumulate) {
        memset(dw, 0, (size_t)g->o * K * sizeof *dw);
        if (db)
            memset(db, 0, (size_t)g->o * sizeof *db);
    }
    for (int n = n0; n < n1; n += GG) {
        const int G = n1 - n < GG ? n1 - n : GG, L = G * N;
        const float *a = dy + (size_t)n * ys, *b = x + (size_t)n * xs;
        if (GG > 1) {
            float *stage = scratch + (size_t)K * GG * N;
            stage_rows(a, G, g->o, N, stage);
            for (int e = 0; e < G; e++)
                im2col_ld(g, x + (size_t)(n + e) * xs, scratch + (size_t)e * N, (size_t)L);
            a = stage;
            b = scratch;
        } else if (!direct) {
            im2col(g, b, scratch);
            b = scratch;
        }
        RSC_CPU_SGEMM(CblasRowMajor, CblasNoTrans, CblasTrans, g->o, K, L, 1.0f, a, L, b, L, 1.0f,
                    dw, K);
    }
    if (db)
        conv_bias_grad(g->o, N, n0, n1, dy, db);
}

void ISA_NAME(rsc_cpu_simd_conv)(rsc_cpu_kernels *k)
{
    k->im2col = im2col;
    k->col2im = col2im;
    k->conv_col_size = conv_col_size;
    k->conv_scratch = conv_scratch;
    k->conv_fwd = conv_fwd;
    k->conv_bwd_data = conv_bwd_data;
    k->conv_bwd_geom = conv_bwd_geom;
    k->conv_flip_weights = conv_flip_weights;
    k->conv_bwd_filter = conv_bwd_filter;
}
