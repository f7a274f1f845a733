/* conv.c - plain CPU kernels of the convolutional layers (conv.h). */
#include "config.h"

#include "kernels/cpu/conv.h"
#include "kernels/cpu/hot.h"

#include <cblas.h>
#include <math.h>
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
HOT static void im2col_ld(const rsc_conv_geom *g, const float *x, float *col, size_t ld)
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

void rsc_cpu_im2col(const rsc_conv_geom *g, const float *x, float *col)
{
    im2col_ld(g, x, col, (size_t)g->oh * g->ow);
}

/* The adjoint of im2col_ld. */
HOT static void col2im_ld(const rsc_conv_geom *g, const float *col, float *x, size_t ld)
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

void rsc_cpu_col2im(const rsc_conv_geom *g, const float *col, float *x)
{
    col2im_ld(g, col, x, (size_t)g->oh * g->ow);
}

size_t rsc_cpu_conv_col_size(const rsc_conv_geom *g)
{
    if (g->kh == 1 && g->kw == 1 && g->stride == 1 && g->pad == 0)
        return 0;
    return (size_t)g->c * g->kh * g->kw * g->oh * g->ow;
}

/* ------------------------------------------------------------ convolution */

/* Sums over one row of n values in 8 interleaved float partial sums
 * (vectorisable, fixed order), added up in double.  The statistics below
 * add these row sums in double, so each channel's sum has float error
 * over at most n/8 terms. */
#define LANES 8

HOT static double row_sum(const float *x, int n)
{
    float acc[LANES] = { 0 };
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++)
            acc[l] += x[j + l];
    double s = 0;
    for (; j < n; j++)
        s += x[j];
    for (int l = 0; l < LANES; l++)
        s += acc[l];
    return s;
}


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
    if (rsc_cpu_conv_col_size(g) == 0 || N >= GROUP_COLS)
        return 1;
    long G = (GROUP_COLS + N - 1) / N, fit = GROUP_FLOATS / ((K + g->o) * N);
    if (G > fit)
        G = fit;
    return G < 1 ? 1 : G > 128 ? 128 : (int)G;
}

size_t rsc_cpu_conv_scratch(const rsc_conv_geom *g)
{
    int G = group_of(g);
    if (G == 1)
        return rsc_cpu_conv_col_size(g);
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

void rsc_cpu_conv_bias_grad(int o, int N, int n0, int n1, const float *dy, float *db)
{
    for (int oc = 0; oc < o; oc++) {
        double s = 0;
        for (int n = n0; n < n1; n++)
            s += row_sum(dy + ((size_t)n * o + oc) * N, N);
        db[oc] += (float)s;
    }
}

/* d[j] = s[j] + b for j in [0, n). */
HOT static void add_bias_row(float *restrict d, const float *restrict s, int n, float b)
{
    for (int j = 0; j < n; j++)
        d[j] = s[j] + b;
}

void rsc_cpu_conv_fwd(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *w,
                      const float *bias, float *y, float *scratch)
{
    const int K = g->c * g->kh * g->kw, N = g->oh * g->ow, GG = group_of(g);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * N;
    const int direct = rsc_cpu_conv_col_size(g) == 0;
    for (int n = n0; n < n1; n += GG) {
        const int G = n1 - n < GG ? n1 - n : GG, L = G * N;
        float *yn = y + (size_t)n * ys;
        if (GG > 1) {
            float *stage = scratch + (size_t)K * GG * N;
            for (int e = 0; e < G; e++)
                im2col_ld(g, x + (size_t)(n + e) * xs, scratch + (size_t)e * N, (size_t)L);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->o, L, K, 1.0f, w, K,
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
            rsc_cpu_im2col(g, b, scratch);
            b = scratch;
        }
        float beta = 0;
        if (bias) {
            for (int oc = 0; oc < g->o; oc++)
                for (int j = 0; j < N; j++)
                    yn[(size_t)oc * N + j] = bias[oc];
            beta = 1;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->o, N, K, 1.0f, w, K, b, N,
                    beta, yn, N);
    }
}

int rsc_cpu_conv_bwd_geom(const rsc_conv_geom *g, rsc_conv_geom *t)
{
    if (g->stride != 1 || g->kh != g->kw || g->pad > g->kh - 1 || rsc_cpu_conv_col_size(g) == 0)
        return 0;
    *t = (rsc_conv_geom){ .c = g->o, .h = g->oh, .w = g->ow, .o = g->c, .kh = g->kh,
                          .kw = g->kw, .stride = 1, .pad = g->kh - 1 - g->pad, .oh = g->h,
                          .ow = g->w };
    return 1;
}

void rsc_cpu_conv_flip_weights(const rsc_conv_geom *g, const float *w, float *wt)
{
    const int kh = g->kh, kw = g->kw;
    for (int o = 0; o < g->o; o++)
        for (int c = 0; c < g->c; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    wt[(((size_t)c * g->o + o) * kh + i) * kw + j] =
                        w[(((size_t)o * g->c + c) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
}

void rsc_cpu_conv_bwd_data(const rsc_conv_geom *g, int n0, int n1, const float *dy,
                           const float *w, float *dx, float *scratch)
{
    const int K = g->c * g->kh * g->kw, N = g->oh * g->ow, GG = group_of(g);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * N;
    const int direct = rsc_cpu_conv_col_size(g) == 0;
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
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, L, g->o, 1.0f, w, K, a, L, 0.0f,
                    c, L);
        if (!direct) {
            memset(dxn, 0, (size_t)G * xs * sizeof *dxn);
            for (int e = 0; e < G; e++)
                col2im_ld(g, scratch + (size_t)e * N, dxn + (size_t)e * xs, (size_t)L);
        }
    }
}

void rsc_cpu_conv_bwd_filter(const rsc_conv_geom *g, int n0, int n1, const float *x,
                             const float *dy, float *dw, float *db, int accumulate,
                             float *scratch)
{
    const int K = g->c * g->kh * g->kw, N = g->oh * g->ow, GG = group_of(g);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * N;
    const int direct = rsc_cpu_conv_col_size(g) == 0;
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
            rsc_cpu_im2col(g, b, scratch);
            b = scratch;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g->o, K, L, 1.0f, a, L, b, L, 1.0f,
                    dw, K);
    }
    if (db)
        rsc_cpu_conv_bias_grad(g->o, N, n0, n1, dy, db);
}

/* ------------------------------------------------------------ pooling */

/* The 2x2 window of stride 2 (the paper's CNN), branch-free so that it
 * vectorises: a candidate v replaces the maximum m when m is a number and
 * v is not <= m, that is when v > m or v is NaN: the first maximum wins and
 * the first NaN propagates, as in the loop below. */
HOT static void maxpool2_fwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *x,
                             float *y, int32_t *arg)
{
    const size_t is = (size_t)g->h * g->w, os = (size_t)g->oh * g->ow;
    const int w = g->w, ow = g->ow;
    for (size_t p = p0; p < p1; p++)
        for (int oy = 0; oy < g->oh; oy++) {
            const float *r0 = x + p * is + (size_t)2 * oy * w, *r1 = r0 + w;
            float *yr = y + p * os + (size_t)oy * ow;
            int32_t *ar = arg + p * os + (size_t)oy * ow;
            const int32_t base = 2 * oy * w;
            for (int ox = 0; ox < ow; ox++) {
                float m = r0[2 * ox], v;
                int32_t at = base + 2 * ox, best = at, t;
                v = r0[2 * ox + 1];
                t = (m == m) & !(v <= m);
                m = t ? v : m;
                best = t ? at + 1 : best;
                v = r1[2 * ox];
                t = (m == m) & !(v <= m);
                m = t ? v : m;
                best = t ? at + w : best;
                v = r1[2 * ox + 1];
                t = (m == m) & !(v <= m);
                m = t ? v : m;
                best = t ? at + w + 1 : best;
                yr[ox] = m;
                ar[ox] = best;
            }
        }
}

void rsc_cpu_maxpool_fwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *x, float *y,
                         int32_t *arg)
{
    const size_t is = (size_t)g->h * g->w, os = (size_t)g->oh * g->ow;
    if (g->k == 2 && g->stride == 2) {
        maxpool2_fwd(g, p0, p1, x, y, arg);
        return;
    }
    for (size_t p = p0; p < p1; p++) {
        const float *xp = x + p * is;
        float *yp = y + p * os;
        int32_t *ap = arg + p * os;
        for (int oy = 0; oy < g->oh; oy++)
            for (int ox = 0; ox < g->ow; ox++) {
                int y0 = oy * g->stride, x0 = ox * g->stride;
                int best = y0 * g->w + x0;
                float m = xp[best];
                for (int i = 0; i < g->k; i++)
                    for (int j = 0; j < g->k; j++) {
                        int at = (y0 + i) * g->w + x0 + j;
                        float v = xp[at];
                        /* PyTorch: the first maximum wins, NaN propagates. */
                        if (v > m || isnan(v)) {
                            m = v;
                            best = at;
                            if (isnan(v))
                                goto done;
                        }
                    }
            done:
                yp[oy * g->ow + ox] = m;
                ap[oy * g->ow + ox] = best;
            }
    }
}

void rsc_cpu_maxpool_bwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *dy,
                         const int32_t *arg, float *dx)
{
    const size_t is = (size_t)g->h * g->w, os = (size_t)g->oh * g->ow;
    for (size_t p = p0; p < p1; p++) {
        float *dxp = dx + p * is;
        memset(dxp, 0, is * sizeof *dxp);
        for (size_t j = 0; j < os; j++)
            dxp[arg[p * os + j]] += dy[p * os + j];
    }
}

static inline int bin_lo(int i, int in, int out)
{
    return (int)(((long)i * in) / out);
}

static inline int bin_hi(int i, int in, int out)
{
    return (int)(((long)(i + 1) * in + out - 1) / out);
}

HOT void rsc_cpu_avgpool_fwd(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *x,
                         float *y)
{
    const size_t is = (size_t)h * w, os = (size_t)oh * ow;
    for (size_t p = p0; p < p1; p++) {
        const float *xp = x + p * is;
        float *yp = y + p * os;
        for (int oy = 0; oy < oh; oy++) {
            int ylo = bin_lo(oy, h, oh), yhi = bin_hi(oy, h, oh);
            for (int ox = 0; ox < ow; ox++) {
                int xlo = bin_lo(ox, w, ow), xhi = bin_hi(ox, w, ow);
                float s = 0;
                for (int i = ylo; i < yhi; i++)
                    for (int j = xlo; j < xhi; j++)
                        s += xp[(size_t)i * w + j];
                yp[oy * ow + ox] = s / (float)((yhi - ylo) * (xhi - xlo));
            }
        }
    }
}

HOT void rsc_cpu_avgpool_bwd(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *dy,
                         float *dx)
{
    const size_t is = (size_t)h * w, os = (size_t)oh * ow;
    for (size_t p = p0; p < p1; p++) {
        float *dxp = dx + p * is;
        const float *dyp = dy + p * os;
        memset(dxp, 0, is * sizeof *dxp);
        for (int oy = 0; oy < oh; oy++) {
            int ylo = bin_lo(oy, h, oh), yhi = bin_hi(oy, h, oh);
            for (int ox = 0; ox < ow; ox++) {
                int xlo = bin_lo(ox, w, ow), xhi = bin_hi(ox, w, ow);
                float g = dyp[oy * ow + ox] / (float)((yhi - ylo) * (xhi - xlo));
                for (int i = ylo; i < yhi; i++)
                    for (int j = xlo; j < xhi; j++)
                        dxp[(size_t)i * w + j] += g;
            }
        }
    }
}

/* ------------------------------------------------------------ batch norm */

/* sum (x - m)^2 */
HOT static double row_sqdev(const float *x, int n, float m)
{
    float acc[LANES] = { 0 };
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) {
            float d = x[j + l] - m;
            acc[l] += d * d;
        }
    double s = 0;
    for (; j < n; j++) {
        double d = x[j] - m;
        s += d * d;
    }
    for (int l = 0; l < LANES; l++)
        s += acc[l];
    return s;
}

/* *sdy += sum g, *sdyx += sum g * (x - m) * is, g = dy masked by y > 0
 * when y is not NULL. */
HOT static void row_bn_sums(const float *x, const float *dy, const float *y, int n, float m,
                        float is, double *sdy, double *sdyx)
{
    float a[LANES] = { 0 }, b[LANES] = { 0 };
    int j = 0;
    if (y) {
        for (; j + LANES <= n; j += LANES)
            for (int l = 0; l < LANES; l++) {
                float d = dy[j + l], g = y[j + l] > 0 ? d : 0.0f;
                a[l] += g;
                b[l] += g * ((x[j + l] - m) * is);
            }
    } else {
        for (; j + LANES <= n; j += LANES)
            for (int l = 0; l < LANES; l++) {
                a[l] += dy[j + l];
                b[l] += dy[j + l] * ((x[j + l] - m) * is);
            }
    }
    double s1 = 0, s2 = 0;
    for (; j < n; j++) {
        float g = y && !(y[j] > 0) ? 0.0f : dy[j];
        s1 += g;
        s2 += (double)g * ((x[j] - m) * is);
    }
    for (int l = 0; l < LANES; l++) {
        s1 += a[l];
        s2 += b[l];
    }
    *sdy += s1;
    *sdyx += s2;
}

/* y = (x - m) * gs + b, then max(y, 0) with relu; y may be x. */
HOT static void affine(const float *x, float *y, int n, float m, float gs, float b, int relu)
{
    if (relu)
        for (int j = 0; j < n; j++) {
            float v = (x[j] - m) * gs + b;
            y[j] = v > 0 ? v : 0;
        }
    else
        for (int j = 0; j < n; j++)
            y[j] = (x[j] - m) * gs + b;
}

void rsc_cpu_bn_fwd_train(int n, int c, int hw, int c0, int c1, const float *x,
                          const float *gamma, const float *beta, float *y, float *mean,
                          float *invstd, float *run_mean, float *run_var, float momentum,
                          float eps, int relu)
{
    const double cnt = (double)n * hw;
    for (int ci = c0; ci < c1; ci++) {
        /* One pass over memory: each row's sum, then its squared
         * deviations from its own mean while the row is in L1, combined
         * over rows by Chan et al.'s pairwise update (exact in exact
         * arithmetic, as stable as two passes). */
        double s = 0, ss = 0;
        for (int k = 0; k < n; k++) {
            const float *r = x + ((size_t)k * c + ci) * hw;
            double rs = row_sum(r, hw), rm = rs / hw;
            float rmf = (float)rm;
            double rq = row_sqdev(r, hw, rmf) - hw * (rm - rmf) * (rm - rmf);
            if (k > 0) {
                double na = (double)k * hw, d = rm - s / na;
                rq += d * d * na * hw / (na + hw);
            }
            s += rs;
            ss += rq;
        }
        if (ss < 0)   /* rounding, for constant channels */
            ss = 0;
        double mu = s / cnt;
        float m = (float)mu;
        double var = ss / cnt;
        float is = (float)(1.0 / sqrt(var + eps));
        mean[ci] = m;
        invstd[ci] = is;
        if (run_mean) {
            double unbiased = cnt > 1 ? ss / (cnt - 1) : var;
            run_mean[ci] = (float)((1.0 - momentum) * run_mean[ci] + momentum * mu);
            run_var[ci] = (float)((1.0 - momentum) * run_var[ci] + momentum * unbiased);
        }
        float gs = gamma[ci] * is, b = beta[ci];
        for (int k = 0; k < n; k++) {
            const float *xp = x + ((size_t)k * c + ci) * hw;
            float *yp = y + ((size_t)k * c + ci) * hw;
            affine(xp, yp, hw, m, gs, b, relu);
        }
    }
}

void rsc_cpu_bn_fwd_eval(int n, int c, int hw, int c0, int c1, const float *x,
                         const float *gamma, const float *beta, const float *run_mean,
                         const float *run_var, float eps, float *y, int relu)
{
    for (int ci = c0; ci < c1; ci++) {
        float is = (float)(1.0 / sqrt((double)run_var[ci] + eps));
        float gs = gamma[ci] * is, m = run_mean[ci], b = beta[ci];
        for (int k = 0; k < n; k++) {
            const float *xp = x + ((size_t)k * c + ci) * hw;
            float *yp = y + ((size_t)k * c + ci) * hw;
            affine(xp, yp, hw, m, gs, b, relu);
        }
    }
}

HOT void rsc_cpu_bn_bwd(int n, int c, int hw, int c0, int c1, const float *x, const float *dy,
                    const float *y, const float *gamma, const float *mean, const float *invstd,
                    float *dx, float *dgamma, float *dbeta)
{
    const double cnt = (double)n * hw;
    for (int ci = c0; ci < c1; ci++) {
        float m = mean[ci], is = invstd[ci];
        double sdy = 0, sdyx = 0;
        for (int k = 0; k < n; k++) {
            size_t off = ((size_t)k * c + ci) * hw;
            row_bn_sums(x + off, dy + off, y ? y + off : NULL, hw, m, is, &sdy, &sdyx);
        }
        dgamma[ci] = (float)sdyx;
        dbeta[ci] = (float)sdy;
        if (!dx)
            continue;
        float k1 = gamma[ci] * is, mdy = (float)(sdy / cnt), mdyx = (float)(sdyx / cnt);
        for (int k = 0; k < n; k++) {
            const float *xp = x + ((size_t)k * c + ci) * hw;
            const float *dp = dy + ((size_t)k * c + ci) * hw;
            float *op = dx + ((size_t)k * c + ci) * hw;
            const float *yp = y ? y + ((size_t)k * c + ci) * hw : NULL;
            float k2 = is * mdyx;
            if (yp)
                for (int j = 0; j < hw; j++) {
                    float d = dp[j];
                    d = yp[j] > 0 ? d : 0.0f;
                    op[j] = k1 * (d - mdy - (xp[j] - m) * k2);
                }
            else
                for (int j = 0; j < hw; j++)
                    op[j] = k1 * (dp[j] - mdy - (xp[j] - m) * k2);
        }
    }
}

/* ------------------------------------------------------------ shortcut */

HOT void rsc_cpu_shortcut_fwd(const rsc_shortcut_geom *g, int n0, int n1, const float *x, float *y,
                          int accumulate)
{
    const size_t is = (size_t)g->h * g->w, os = (size_t)g->oh * g->ow;
    for (int n = n0; n < n1; n++)
        for (int co = 0; co < g->oc; co++) {
            int ci = co - g->front;
            float *yp = y + ((size_t)n * g->oc + co) * os;
            if (ci < 0 || ci >= g->c) {
                if (!accumulate)
                    memset(yp, 0, os * sizeof *yp);
                continue;
            }
            const float *xp = x + ((size_t)n * g->c + ci) * is;
            for (int i = 0; i < g->oh; i++)
                for (int j = 0; j < g->ow; j++) {
                    float v = xp[(size_t)i * g->stride * g->w + (size_t)j * g->stride];
                    yp[i * g->ow + j] = accumulate ? yp[i * g->ow + j] + v : v;
                }
        }
}

HOT void rsc_cpu_shortcut_bwd(const rsc_shortcut_geom *g, int n0, int n1, const float *dy,
                          float *dx, int accumulate)
{
    const size_t is = (size_t)g->h * g->w, os = (size_t)g->oh * g->ow;
    for (int n = n0; n < n1; n++)
        for (int ci = 0; ci < g->c; ci++) {
            float *dxp = dx + ((size_t)n * g->c + ci) * is;
            const float *dyp = dy + ((size_t)n * g->oc + ci + g->front) * os;
            if (!accumulate)
                memset(dxp, 0, is * sizeof *dxp);
            for (int i = 0; i < g->oh; i++)
                for (int j = 0; j < g->ow; j++)
                    dxp[(size_t)i * g->stride * g->w + (size_t)j * g->stride] += dyp[i * g->ow + j];
        }
}

/* ------------------------------------------------------------ input */

HOT void rsc_cpu_chan_norm_fwd(int c, int hw, int n0, int n1, const float *x, const float *mean,
                           const float *std, float *y)
{
    for (int n = n0; n < n1; n++)
        for (int ci = 0; ci < c; ci++) {
            const float *xp = x + ((size_t)n * c + ci) * hw;
            float *yp = y + ((size_t)n * c + ci) * hw;
            float m = mean[ci], s = std[ci];
            for (int j = 0; j < hw; j++)
                yp[j] = (xp[j] - m) / s;
        }
}

void rsc_cpu_chan_norm_bwd(int c, int hw, int n0, int n1, const float *dy, const float *std,
                           float *dx)
{
    for (int n = n0; n < n1; n++)
        for (int ci = 0; ci < c; ci++) {
            const float *dp = dy + ((size_t)n * c + ci) * hw;
            float *op = dx + ((size_t)n * c + ci) * hw;
            float s = std[ci];
            for (int j = 0; j < hw; j++)
                op[j] = dp[j] / s;
        }
}

HOT void rsc_cpu_crop_flip(int c, int h, int w, int pad, int n0, int n1, const int32_t *prm,
                       const float *x, float *y)
{
    const size_t is = (size_t)h * w;
    for (int n = n0; n < n1; n++) {
        int top = prm[3 * n] - pad, left = prm[3 * n + 1] - pad, flip = prm[3 * n + 2];
        for (int ci = 0; ci < c; ci++) {
            const float *xp = x + ((size_t)n * c + ci) * is;
            float *yp = y + ((size_t)n * c + ci) * is;
            for (int i = 0; i < h; i++) {
                int si = i + top;
                for (int j = 0; j < w; j++) {
                    int sj = (flip ? w - 1 - j : j) + left;
                    yp[(size_t)i * w + j] =
                        si >= 0 && si < h && sj >= 0 && sj < w ? xp[(size_t)si * w + sj] : 0.0f;
                }
            }
        }
    }
}
