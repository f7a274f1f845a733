/* image.c - the residual shortcut, input normalisation and crop-flip
 * augmentation (kernels.h); compiled once per instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

#include <string.h>

/* ------------------------------------------------------------ shortcut */

SIMD static void shortcut_fwd(const rsc_shortcut_geom *g, int n0, int n1, const float *x, float *y,
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

SIMD static void shortcut_bwd(const rsc_shortcut_geom *g, int n0, int n1, const float *dy,
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

SIMD static void chan_norm_fwd(int c, int hw, int n0, int n1, const float *x, const float *mean,
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

static void chan_norm_bwd(int c, int hw, int n0, int n1, const float *dy, const float *std,
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

SIMD static void crop_flip(int c, int h, int w, int pad, int n0, int n1, const int32_t *prm,
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

void ISA_NAME(rsc_cpu_simd_image)(rsc_cpu_kernels *k)
{
    k->shortcut_fwd = shortcut_fwd;
    k->shortcut_bwd = shortcut_bwd;
    k->chan_norm_fwd = chan_norm_fwd;
    k->chan_norm_bwd = chan_norm_bwd;
    k->crop_flip = crop_flip;
}
