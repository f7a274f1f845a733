/* pool.c - max and adaptive average pooling (kernels.h); compiled once per
 * instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ pooling */

/* The 2x2 window of stride 2 (the paper's CNN), branch-free so that it
 * vectorises: a candidate v replaces the maximum m when m is a number and
 * v is not <= m, that is when v > m or v is NaN: the first maximum wins and
 * the first NaN propagates, as in the loop below. */
SIMD static void maxpool2_fwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *x,
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

static void maxpool_fwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *x, float *y,
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

static void maxpool_bwd(const rsc_pool_geom *g, size_t p0, size_t p1, const float *dy,
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

SIMD static void avgpool_fwd(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *x,
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

SIMD static void avgpool_bwd(int h, int w, int oh, int ow, size_t p0, size_t p1, const float *dy,
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

void ISA_NAME(rsc_cpu_simd_pool)(rsc_cpu_kernels *k)
{
    k->maxpool_fwd = maxpool_fwd;
    k->maxpool_bwd = maxpool_bwd;
    k->avgpool_fwd = avgpool_fwd;
    k->avgpool_bwd = avgpool_bwd;
}
