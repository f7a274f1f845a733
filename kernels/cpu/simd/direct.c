/* direct.c - direct 3x3 convolution (stride 1 or 2) without im2col
 * (kernels.h, direct_*); compiled once per instruction set (simd.h).
 *
 * The input planes of a group of examples are copied, zero-padded, into
 * one flat buffer per channel in which every tap (ki, kj) of every output
 * pixel is the same flat offset away from the pixel's own index q:
 *
 *   stride 1: rows of pitch Wq = w + p (the p zero columns at the end of a
 *     row are also the left padding of the next one), examples stacked at
 *     Hq = h + p rows (the p zero rows between two examples pad both);
 *     input (g, iy, ix) sits at M + (g*Hq + p + iy)*Wq + ix and output
 *     (g, oy, ox) at q = (g*Hq + oy)*Wq + ox, so tap (ki, kj) reads
 *     q + M + ki*Wq + kj - p.
 *   stride 2: four phase planes P[a][b][g][i][j] = x[g][2i+a-p][2j+b-p]
 *     (0 outside), each Hq x Wq = ceil((h+2p)/2) x ceil((w+2p)/2) per
 *     example; output (g, oy, ox) at q = (g*Hq + oy)*Wq + ox reads tap
 *     (ki, kj) from plane (ki & 1, kj & 1) at q + (ki>>1)*Wq + (kj>>1).
 *
 * The convolution is then, for every output channel and tap, a sum of
 * shifted copies of whole flat rows: contiguous vector loads, no column
 * matrix, each input vector reused from registers for a block of output
 * channels, each weight for a block of output pixels.
 * Output positions outside the oh x ow image (a few columns and rows per
 * example) are computed and dropped; for the weight gradient dy is laid
 * out the same way with zeros there, so they add nothing.
 *
 * The register tiles fit each level's register file (simd.h: VW, FWD_R,
 * FWD_V, FILT_R).  Sums run in a fixed order for a given level and group
 * size, so results are deterministic for one table of kernels. */
#include "config.h"

#include "kernels/cpu/simd/simd.h"

#include <stdlib.h>
#include <string.h>

enum {
    TAPS = 9,     /* 3x3 */
    QPAD = 64,    /* floats past a flat range that kernels may touch */
    /* Floats of one group's buffers: the forward pass is as fast with
     * small groups; the weight gradient sums over whole groups in
     * registers and is faster with larger ones (bench/conv-layers). */
    FWD_BUDGET = 96 * 1024,
    FILT_BUDGET = 192 * 1024,
    MAX_GROUP = 128,
    QCHUNK = 1024,  /* weight gradient: outputs per pass over the channels */
};

/* Layout of one group of G examples. */
typedef struct plan {
    int G;
    long Hq, Wq;          /* flat pitch: rows per example, floats per row */
    long Q;               /* flat outputs: G * Hq * Wq */
    long cs;              /* floats per input channel in the source buffer */
    long ys;              /* floats per output channel in the output buffer */
    long off[TAPS];       /* tap offsets from q in a channel's source */
} plan;

static int direct_ok(const rsc_conv_geom *g)
{
    if (g->kh != 3 || g->kw != 3 || (g->stride != 1 && g->stride != 2) || g->pad < 0 ||
        g->pad > 2 || g->c < 1 || g->o < 1 || g->h < 1 || g->w < 1)
        return 0;
    return g->oh == (g->h + 2 * g->pad - 3) / g->stride + 1 &&
           g->ow == (g->w + 2 * g->pad - 3) / g->stride + 1 && g->oh > 0 && g->ow > 0;
}

static long round16(long n)
{
    return (n + 15) / 16 * 16;
}

/* The layout for groups of as many examples as fit `budget` floats. */
static void plan_for(const rsc_conv_geom *g, long budget, plan *pl)
{
    const long p = g->pad;
    if (g->stride == 1) {
        pl->Wq = g->w + p;
        pl->Hq = g->h + p;
    } else {
        pl->Wq = (g->w + 2 * p + 1) / 2;
        pl->Hq = (g->h + 2 * p + 1) / 2;
    }
    long per = pl->Hq * pl->Wq * ((long)g->c * (g->stride == 1 ? 1 : 4) + g->o);
    long G = budget / (per > 0 ? per : 1);
    if (G < 1)
        G = 1;
    if (G > MAX_GROUP)
        G = MAX_GROUP;
    pl->G = (int)G;
    pl->Q = (long)G * pl->Hq * pl->Wq;
    pl->ys = round16(pl->Q + QPAD);
    if (g->stride == 1) {
        /* M = p leading zeros; rows 0..p-1 and the p rows after each
         * example are zero; tail for the last rows' taps and overruns. */
        long M = p;
        for (int t = 0; t < TAPS; t++)
            pl->off[t] = M + (t / 3) * pl->Wq + (t % 3) - p;
        pl->cs = round16(M + pl->Q + 3 * pl->Wq + 3 + QPAD);
    } else {
        long ps = round16(pl->Q + pl->Wq + 2 + QPAD);
        for (int t = 0; t < TAPS; t++) {
            int ki = t / 3, kj = t % 3;
            pl->off[t] = ((ki & 1) * 2 + (kj & 1)) * ps + (ki >> 1) * pl->Wq + (kj >> 1);
        }
        pl->cs = 4 * ps;
    }
}

/* Scratch is sized for the largest tiles of any level (simd.h): the
 * forward tile's output channels, the weight gradient's, and the widest
 * vector; every table then needs the same workspace. */
#define MAX_R 8
#define MAX_FR 3
#define MAX_VW 16
#define FWD_CC 8   /* forward: input channels per pass over a block of outputs */

/* Floats of the weight gradient's partial sums: one vector per tap, input
 * channel and output channel of a register tile. */
static size_t filt_partials(const rsc_conv_geom *g)
{
    return (size_t)g->c * MAX_FR * TAPS * MAX_VW;
}

/* The transposed convolution of a stride-1 g reads dy in the layout of
 * the weight gradient's dy, shifted: its source buffer (per channel) is
 * `lead` zeros and then that layout, tail zeros included. */
static long both_lead(const rsc_conv_geom *g, const plan *pl)
{
    long pt = 2 - g->pad;   /* the transposed convolution's padding */
    return pt + pt * pl->Wq;
}

static long both_ys(const rsc_conv_geom *g, const plan *pl)
{
    return round16(both_lead(g, pl) + pl->Q + 3 * pl->Wq + QPAD);
}

static int direct_both(const rsc_conv_geom *g)
{
    rsc_conv_geom tg;
    if (!direct_ok(g) || g->stride != 1 || !conv_bwd_geom(g, &tg) ||
        !direct_ok(&tg))
        return 0;
    plan a, b;
    plan_for(g, FILT_BUDGET, &a);
    plan_for(&tg, FILT_BUDGET, &b);
    return a.Wq == b.Wq && a.Hq == b.Hq;   /* always so for 3x3, stride 1 */
}

static size_t direct_scratch(const rsc_conv_geom *g)
{
    if (!direct_ok(g))
        return 0;
    plan fp, bp;
    plan_for(g, FWD_BUDGET, &fp);
    plan_for(g, FILT_BUDGET, &bp);
    size_t wpk = (size_t)(g->o + MAX_R - 1) / MAX_R * MAX_R * g->c * TAPS;
    size_t fwd = (size_t)g->c * fp.cs + (size_t)g->o * fp.ys + round16((long)wpk);
    size_t filt = (size_t)g->c * bp.cs + (size_t)g->o * bp.ys + filt_partials(g);
    size_t need = fwd > filt ? fwd : filt;
    if (direct_both(g)) {
        size_t wt = (size_t)(g->c + MAX_R - 1) / MAX_R * MAX_R * g->o * TAPS;
        size_t both = (size_t)g->c * bp.cs + (size_t)g->o * both_ys(g, &bp) + filt_partials(g) +
                      round16((long)wt);
        if (both > need)
            need = both;
    }
    return need + 16;
}

/* ------------------------------------------------------------ packing */

/* d[j] = s[2j] for j in [lo, hi). */
SIMD static void deinterleave(float *restrict d, const float *restrict s, long lo, long hi)
{
    for (long j = lo; j < hi; j++)
        d[j] = s[2 * j];
}

/* Rows of a few dozen floats: loops stay loops, where GCC would turn them
 * into memcpy/memset calls that cost more than the copy. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALLS
#endif

SIMD NO_LIBCALLS static void zero(float *d, long n)
{
    for (long j = 0; j < n; j++)
        d[j] = 0;
}

/* Copies `rows` rows of `len` floats, source rows `sstride` apart, to
 * rows of `pitch` floats filled up with zeros; returns the end. */
SIMD NO_LIBCALLS static float *copy_rows(float *restrict d, const float *restrict s, long rows, long len,
                            long sstride, long pitch)
{
    for (long r = 0; r < rows; r++, d += pitch, s += sstride) {
        for (long j = 0; j < len; j++)
            d[j] = s[j];
        for (long j = len; j < pitch; j++)
            d[j] = 0;
    }
    return d;
}

/* Source buffer of examples [n, n + G) of x (c x h x w each), written
 * once: values and the zeros around them. */
static void pack_src(const rsc_conv_geom *g, const plan *pl, int G, const float *x, float *src)
{
    const long p = g->pad, h = g->h, w = g->w, hw = h * w, Wq = pl->Wq, Hq = pl->Hq;
    for (int ci = 0; ci < g->c; ci++) {
        float *sc = src + (size_t)ci * pl->cs;
        if (g->stride == 1) {
            /* [p][p zero rows] then per example h rows and p zero rows. */
            float *d = sc;
            zero(d, p + p * Wq);
            d += p + p * Wq;
            for (int e = 0; e < G; e++) {
                d = copy_rows(d, x + ((size_t)e * g->c + ci) * hw, h, w, w, Wq);
                zero(d, p * Wq);
                d += p * Wq;
            }
            zero(d, (3 - p) * Wq + 3 + QPAD);   /* what the taps read past the rows */
            continue;
        }
        long ps = pl->cs / 4;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                float *ph = sc + (a * 2 + b) * ps;
                /* Columns j with 0 <= 2j + b - p < w. */
                long jlo = (p - b + 1) / 2, jhi = (w + p - b + 1) / 2;
                if (jlo < 0)
                    jlo = 0;
                if (jhi > Wq)
                    jhi = Wq;
                for (int e = 0; e < G; e++) {
                    const float *xp = x + ((size_t)e * g->c + ci) * hw;
                    for (long i = 0; i < Hq; i++) {
                        float *dr = ph + (e * Hq + i) * Wq;
                        long iy = 2 * i + a - p;
                        if (iy < 0 || iy >= h) {
                            zero(dr, Wq);
                            continue;
                        }
                        zero(dr, jlo);
                        deinterleave(dr, xp + iy * w + b - p, jlo, jhi);
                        zero(dr + jhi, Wq - jhi);
                    }
                }
                zero(ph + G * Hq * Wq, Wq + 2 + QPAD);
            }
    }
}

/* dy of examples [n, n + G) (o x oh x ow each) at the output positions of
 * the flat layout, zero elsewhere: per channel (pl->ys floats apart)
 * `lead` zeros, the G examples' rows, then `tail` zeros. */
static void pack_dy(const rsc_conv_geom *g, const plan *pl, int G, const float *dy, float *dyf,
                    long lead, long tail)
{
    const long ohw = (long)g->oh * g->ow, Wq = pl->Wq;
    for (int oc = 0; oc < g->o; oc++) {
        float *d = dyf + (size_t)oc * pl->ys;
        zero(d, lead);
        d += lead;
        for (int e = 0; e < G; e++) {
            d = copy_rows(d, dy + ((size_t)e * g->o + oc) * ohw, g->oh, g->ow, g->ow, Wq);
            zero(d, (pl->Hq - g->oh) * Wq);
            d += (pl->Hq - g->oh) * Wq;
        }
        zero(d, tail);
    }
}

/* y of examples [n, n + G) from the flat outputs, plus the bias. */
SIMD static void unpack_y(const rsc_conv_geom *g, const plan *pl, int G, const float *yf,
                     const float *bias, float *y)
{
    const long ohw = (long)g->oh * g->ow;
    for (int e = 0; e < G; e++)
        for (int oc = 0; oc < g->o; oc++) {
            const float *s = yf + (size_t)oc * pl->ys + e * pl->Hq * pl->Wq;
            float *d = y + ((size_t)e * g->o + oc) * ohw;
            float b = bias ? bias[oc] : 0.0f;
            for (long oy = 0; oy < g->oh; oy++)
                for (long ox = 0; ox < g->ow; ox++)
                    d[oy * g->ow + ox] = s[oy * pl->Wq + ox] + b;
        }
}

/* wpk[ob][ci][t][r] = w[ob*R + r][ci][t] (0 past the last channel). */
static void pack_w(const rsc_conv_geom *g, int R, const float *w, float *wpk)
{
    int blocks = (g->o + R - 1) / R;
    for (int ob = 0; ob < blocks; ob++)
        for (int ci = 0; ci < g->c; ci++)
            for (int t = 0; t < TAPS; t++)
                for (int r = 0; r < R; r++) {
                    int oc = ob * R + r;
                    wpk[(((size_t)ob * g->c + ci) * TAPS + t) * R + r] =
                        oc < g->o ? w[((size_t)oc * g->c + ci) * TAPS + t] : 0.0f;
                }
}

/* ------------------------------------------------------------ kernels */

/* Keeps v in a register: one load feeding several FMAs, rather than one
 * (possibly cache-line-splitting) memory operand per FMA. */
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#define REG(v) __asm__("" : "+v"(v))
#else
#define REG(v) ((void)0)
#endif

/* The forward kernel: FWD_R output channels by FWD_V vectors of VW
 * floats (weights packed by pack_w for FWD_R),
 *   yf[oc][q] = sum_ci,t wpk[..] * src[ci][q + off[t]] for q in [0, Q). */
TILES static void fwd_kernel(const plan *pl, int c, int o, const float *src, const float *wpk,
                             float *yf)
{
    typedef float vt __attribute__((vector_size(VW * 4), aligned(4)));
    const long *off = pl->off;
    /* Per block of outputs, chunks of FWD_CC input channels (their source
     * rows stay in L1 across the blocks of output channels), the partial
     * sums kept in yf between chunks. */
    for (long q0 = 0; q0 < pl->Q; q0 += VW * FWD_V)
        for (int c0 = 0; c0 < c; c0 += FWD_CC) {
            int c1 = c0 + FWD_CC < c ? c0 + FWD_CC : c;
            for (int ob = 0; ob * FWD_R < o; ob++) {
                const float *wb = wpk + (size_t)ob * c * TAPS * FWD_R;
                int rn = o - ob * FWD_R < FWD_R ? o - ob * FWD_R : FWD_R;
                float *yb = yf + (size_t)ob * FWD_R * pl->ys + q0;
                vt acc[FWD_R][FWD_V];
#pragma GCC unroll 8
                for (int r = 0; r < FWD_R; r++)
#pragma GCC unroll 8
                    for (int v = 0; v < FWD_V; v++)
                        acc[r][v] = c0 > 0 && r < rn ? *(const vt *)(yb + r * pl->ys + v * VW)
                                                     : (vt){ 0 };
                for (int ci = c0; ci < c1; ci++) {
                    const float *s = src + (size_t)ci * pl->cs + q0;
                    const float *wc = wb + (size_t)ci * TAPS * FWD_R;
#pragma GCC unroll 9
                    for (int t = 0; t < TAPS; t++) {
                        vt xv[FWD_V];
#pragma GCC unroll 8
                        for (int v = 0; v < FWD_V; v++)
                            xv[v] = *(const vt *)(s + off[t] + v * VW);
#pragma GCC unroll 8
                        for (int r = 0; r < FWD_R; r++) {
                            vt wv = wc[t * FWD_R + r] - (vt){ 0 };
#pragma GCC unroll 8
                            for (int v = 0; v < FWD_V; v++)
                                acc[r][v] += wv * xv[v];
                        }
                    }
                }
                for (int r = 0; r < rn; r++)
#pragma GCC unroll 8
                    for (int v = 0; v < FWD_V; v++)
                        *(vt *)(yb + r * pl->ys + v * VW) = acc[r][v];
            }
        }
}

/* The weight-gradient kernel: FILT_R output channels by the 9 taps of
 * VW-float partial sums,
 *   dw[oc][ci][t] += sum_q dyf[oc][q] * src[ci][q + off[t]]. */
TILES static void filt_kernel(const plan *pl, int c, int o, const float *src, const float *dyf,
                              float *part, float *dw)
{
    typedef float vt __attribute__((vector_size(VW * 4), aligned(4)));
    const long *off = pl->off;
    vt *pv = (vt *)part;
    for (int ob = 0; ob < o; ob += FILT_R) {
        int rn = o - ob < FILT_R ? o - ob : FILT_R;
        const float *d[FILT_R];
        for (int r = 0; r < FILT_R; r++)
            d[r] = dyf + (size_t)(ob + (r < rn ? r : rn - 1)) * pl->ys;
        /* Chunks of outputs, so that dy stays in L1 across the input
         * channels; partial sums in memory between chunks, added up after
         * the last. */
        for (long q0 = 0; q0 < pl->Q; q0 += QCHUNK) {
            long q1 = q0 + QCHUNK < pl->Q ? q0 + QCHUNK : pl->Q;
            for (int ci = 0; ci < c; ci++) {
                const float *s = src + (size_t)ci * pl->cs;
                vt *pc = pv + (size_t)ci * FILT_R * TAPS;
                vt acc[FILT_R][TAPS];
#pragma GCC unroll 4
                for (int r = 0; r < FILT_R; r++)
#pragma GCC unroll 9
                    for (int t = 0; t < TAPS; t++)
                        acc[r][t] = q0 > 0 ? pc[r * TAPS + t] : (vt){ 0 };
                for (long q = q0; q < q1; q += VW) {
                    vt dv[FILT_R];
#pragma GCC unroll 4
                    for (int r = 0; r < FILT_R; r++)
                        dv[r] = *(const vt *)(d[r] + q);
#pragma GCC unroll 9
                    for (int t = 0; t < TAPS; t++) {
                        vt xv = *(const vt *)(s + off[t] + q);
                        REG(xv);
#pragma GCC unroll 4
                        for (int r = 0; r < FILT_R; r++)
                            acc[r][t] += dv[r] * xv;
                    }
                }
                if (q1 < pl->Q) {
#pragma GCC unroll 4
                    for (int r = 0; r < FILT_R; r++)
#pragma GCC unroll 9
                        for (int t = 0; t < TAPS; t++)
                            pc[r * TAPS + t] = acc[r][t];
                    continue;
                }
                /* The lanes of each sum: quarters of 4 added as vectors,
                 * then those 4 pairwise. */
                for (int r = 0; r < rn; r++)
                    for (int t = 0; t < TAPS; t++) {
                        typedef float v4 __attribute__((vector_size(16), aligned(4)));
                        float l[VW];
                        v4 s4 = { 0 }, q;
                        memcpy(l, &acc[r][t], sizeof l);
#pragma GCC unroll 4
                        for (int i = 0; i < VW; i += 4) {
                            memcpy(&q, l + i, sizeof q);
                            s4 += q;
                        }
                        dw[((size_t)(ob + r) * c + ci) * TAPS + t] +=
                            (s4[0] + s4[2]) + (s4[1] + s4[3]);
                    }
            }
        }
    }
}

static int direct_pays(const rsc_conv_geom *g, int filter)
{
    /* Largest c * o where the direct kernels of each level beat GEMM
     * (bench/conv-layers): never with baseline (SSE) kernels. */
    static const long fwd_max[] = { 0, 32 * 32, 64 * 64 }, filt_max[] = { 0, 16 * 32, 32 * 32 };
    if (!direct_ok(g) || g->c < 8)
        return 0;
    return (long)g->c * g->o <= (filter ? filt_max : fwd_max)[ISA_LEVEL];
}

/* ------------------------------------------------------------ entry points */

/* The size of the next group when `left` examples remain and groups hold
 * at most G: the remaining groups as equal as can be (16 examples in
 * groups of 5: 4, 4, 4, 4 rather than 5, 5, 5, 1), so none is tiny. */
static int G_of(int left, int G)
{
    int groups = (left + G - 1) / G;
    return (left + groups - 1) / groups;
}

/* The layout of a last, smaller group of G examples in the buffers of
 * full groups (plan pl): their strides and offsets, its own extent. */
static void group_plan(const rsc_conv_geom *g, const plan *pl, int G, plan *gp)
{
    *gp = *pl;
    gp->G = G;
    gp->Q = (long)G * pl->Hq * pl->Wq;
}

static void direct_fwd(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *w,
                        const float *bias, float *y, float *scratch)
{
    plan pl;
    plan_for(g, FWD_BUDGET, &pl);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * g->oh * g->ow;
    float *src = scratch, *yf = src + (size_t)g->c * pl.cs, *wpk = yf + (size_t)g->o * pl.ys;
    pack_w(g, FWD_R, w, wpk);
    for (int n = n0, G; n < n1; n += G) {
        G = G_of(n1 - n, pl.G);
        plan gp;
        group_plan(g, &pl, G, &gp);
        pack_src(g, &gp, G, x + (size_t)n * xs, src);
        fwd_kernel(&gp, g->c, g->o, src, wpk, yf);
        unpack_y(g, &gp, G, yf, bias, y + (size_t)n * ys);
    }
}

static void direct_bwd_filter(const rsc_conv_geom *g, int n0, int n1, const float *x,
                               const float *dy, float *dw, float *db, int accumulate,
                               float *scratch)
{
    plan pl;
    plan_for(g, FILT_BUDGET, &pl);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * g->oh * g->ow;
    float *src = scratch, *dyf = src + (size_t)g->c * pl.cs, *part = dyf + (size_t)g->o * pl.ys;
    if (!accumulate) {
        memset(dw, 0, (size_t)g->o * g->c * TAPS * sizeof *dw);
        if (db)
            memset(db, 0, (size_t)g->o * sizeof *db);
    }
    for (int n = n0, G; n < n1; n += G) {
        G = G_of(n1 - n, pl.G);
        plan gp;
        group_plan(g, &pl, G, &gp);
        pack_src(g, &gp, G, x + (size_t)n * xs, src);
        pack_dy(g, &gp, G, dy + (size_t)n * ys, dyf, 0, QPAD);
        filt_kernel(&gp, g->c, g->o, src, dyf, part, dw);
    }
    if (db)
        conv_bias_grad(g->o, g->oh * g->ow, n0, n1, dy, db);
}

static void direct_bwd(const rsc_conv_geom *g, int n0, int n1, const float *x, const float *dy,
                        const float *wt, float *dw, float *db, float *dx, float *scratch)
{
    rsc_conv_geom tg;
    conv_bwd_geom(g, &tg);
    plan pl, tp;
    plan_for(g, FILT_BUDGET, &pl);
    plan_for(&tg, FILT_BUDGET, &tp);
    const long lead = both_lead(g, &pl), ysb = both_ys(g, &pl);
    const size_t xs = (size_t)g->c * g->h * g->w, ys = (size_t)g->o * g->oh * g->ow;
    /* src (x packed; then the transposed convolution's flat output), dy
     * packed for both, the weight gradient's partials, the packed wt. */
    float *src = scratch, *dyb = src + (size_t)g->c * pl.cs, *part = dyb + (size_t)g->o * ysb;
    float *wpk = part + filt_partials(g);
    pack_w(&tg, FWD_R, wt, wpk);
    memset(dw, 0, (size_t)g->o * g->c * TAPS * sizeof *dw);
    if (db)
        memset(db, 0, (size_t)g->o * sizeof *db);
    for (int n = n0, G; n < n1; n += G) {
        G = G_of(n1 - n, pl.G);
        plan gp, tq;
        group_plan(g, &pl, G, &gp);
        gp.ys = ysb;
        pack_src(g, &gp, G, x + (size_t)n * xs, src);
        pack_dy(g, &gp, G, dy + (size_t)n * ys, dyb, lead, ysb - lead - gp.Q);
        filt_kernel(&gp, g->c, g->o, src, dyb + lead, part, dw);
        group_plan(&tg, &tp, G, &tq);
        tq.cs = ysb;
        tq.ys = pl.cs;
        fwd_kernel(&tq, tg.c, tg.o, dyb, wpk, src);
        unpack_y(&tg, &tq, G, src, NULL, dx + (size_t)n * xs);
    }
    if (db)
        conv_bias_grad(g->o, g->oh * g->ow, n0, n1, dy, db);
}

void ISA_NAME(rsc_cpu_simd_direct)(rsc_cpu_kernels *k)
{
    k->direct_ok = direct_ok;
    k->direct_scratch = direct_scratch;
    k->direct_pays = direct_pays;
    k->direct_fwd = direct_fwd;
    k->direct_bwd_filter = direct_bwd_filter;
    k->direct_both = direct_both;
    k->direct_bwd = direct_bwd;
}
