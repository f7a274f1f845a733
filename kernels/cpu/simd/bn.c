/* bn.c - batch normalisation (kernels.h: bn_*); compiled once per
 * instruction set (simd.h). */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

#include <math.h>

/* ------------------------------------------------------------ batch norm */

/* sum (x - m)^2 */
SIMD static double row_sqdev(const float *x, int n, float m)
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
SIMD static void row_bn_sums(const float *x, const float *dy, const float *y, int n, float m,
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
SIMD static void affine(const float *x, float *y, int n, float m, float gs, float b, int relu)
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

static void bn_fwd_train(int n, int c, int hw, int c0, int c1, const float *x,
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

static void bn_fwd_eval(int n, int c, int hw, int c0, int c1, const float *x,
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

SIMD static void bn_bwd(int n, int c, int hw, int c0, int c1, const float *x, const float *dy,
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

void ISA_NAME(rsc_cpu_simd_bn)(rsc_cpu_kernels *k)
{
    k->bn_fwd_train = bn_fwd_train;
    k->bn_fwd_eval = bn_fwd_eval;
    k->bn_bwd = bn_bwd;
}
