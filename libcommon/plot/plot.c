/* plot.c - anti-aliased drawing, axes, ticks and colour bars on rsc_image. */
#include "config.h"

#include "plot/plot.h"
#include "plot/canvas.h"
#include "plot/colormap.h"
#include "plot/font.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rsc_rgb tab10[10] = {
    { 0x1f, 0x77, 0xb4 }, { 0xff, 0x7f, 0x0e }, { 0x2c, 0xa0, 0x2c }, { 0xd6, 0x27, 0x28 },
    { 0x94, 0x67, 0xbd }, { 0x8c, 0x56, 0x4b }, { 0xe3, 0x77, 0xc2 }, { 0x7f, 0x7f, 0x7f },
    { 0xbc, 0xbd, 0x22 }, { 0x17, 0xbe, 0xcf },
};

static const rsc_rgb ink = { 0x26, 0x26, 0x26 };      /* frame, ticks, text */
static const rsc_rgb grid = { 0xe6, 0xe6, 0xe6 };

rsc_rgb rsc_plot_color(size_t i)
{
    return tab10[i % 10];
}

/* ------------------------------------------------------------ primitives */
void rsc_fill_rect(rsc_image *img, int x0, int y0, int x1, int y1, rsc_rgb c)
{
    rsc_image_clamp(img, &x0, &y0, &x1, &y1);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            unsigned char *p = rsc_image_at(img, x, y);
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
}

void rsc_blend(rsc_image *img, int x, int y, rsc_rgb c, double a)
{
    if (x < 0 || y < 0 || x >= img->w || y >= img->h || !(a > 0))
        return;
    if (img->clip_x1 > img->clip_x0 && (x < img->clip_x0 || x >= img->clip_x1 ||
                                        y < img->clip_y0 || y >= img->clip_y1))
        return;
    if (a > 1)
        a = 1;
    unsigned char *p = rsc_image_at(img, x, y);
    const unsigned char col[3] = { c.r, c.g, c.b };
    for (int k = 0; k < 3; k++)
        p[k] = (unsigned char)floor(p[k] + (col[k] - p[k]) * a + 0.5);
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* A pixel coordinate as an int, kept far from int overflow (callers clip
 * to the image anyway). */
static int to_px(double v)
{
    if (!(v > -1e7))
        return -10000000;
    if (!(v < 1e7))
        return 10000000;
    return (int)floor(v);
}

void rsc_stroke(rsc_image *img, const double *xs, const double *ys, size_t n, double w,
                rsc_rgb c, double dash)
{
    if (n == 0 || !isfinite(w))
        return;
    for (size_t i = 0; i < n; i++)   /* a non-finite vertex: draw the pieces around it */
        if (!isfinite(xs[i]) || !isfinite(ys[i])) {
            rsc_stroke(img, xs, ys, i, w, c, dash);
            rsc_stroke(img, xs + i + 1, ys + i + 1, n - i - 1, w, c, dash);
            return;
        }
    double r = w / 2 + 1;
    double bx0 = xs[0], bx1 = xs[0], by0 = ys[0], by1 = ys[0];
    for (size_t i = 1; i < n; i++) {
        bx0 = fmin(bx0, xs[i]); bx1 = fmax(bx1, xs[i]);
        by0 = fmin(by0, ys[i]); by1 = fmax(by1, ys[i]);
    }
    int ix0 = (int)fmax(0, fmin(img->w, floor(bx0 - r)));
    int ix1 = (int)fmin(img->w - 1, fmax(-1, ceil(bx1 + r)));
    int iy0 = (int)fmax(0, fmin(img->h, floor(by0 - r)));
    int iy1 = (int)fmin(img->h - 1, fmax(-1, ceil(by1 + r)));
    if (ix0 > ix1 || iy0 > iy1)
        return;
    int mw = ix1 - ix0 + 1, mh = iy1 - iy0 + 1;
    float *cov = calloc((size_t)mw * mh, sizeof *cov);
    if (!cov)
        return;   /* out of memory: the stroke is left out, never a crash */
    /* Coverage of the union of segments: per pixel the maximum over the
     * segments, so that joints are not painted twice. */
    double run = 0;
    for (size_t i = 0; i + 1 < n || (n == 1 && i == 0); i++) {
        double ax = xs[i], ay = ys[i];
        double bx = n == 1 ? ax : xs[i + 1], by = n == 1 ? ay : ys[i + 1];
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, len = sqrt(len2);
        int sx0 = (int)fmax(ix0, fmin(ix1 + 1, floor(fmin(ax, bx) - r)));
        int sx1 = (int)fmin(ix1, fmax(ix0 - 1, ceil(fmax(ax, bx) + r)));
        int sy0 = (int)fmax(iy0, fmin(iy1 + 1, floor(fmin(ay, by) - r)));
        int sy1 = (int)fmin(iy1, fmax(iy0 - 1, ceil(fmax(ay, by) + r)));
        for (int y = sy0; y <= sy1; y++)
            for (int x = sx0; x <= sx1; x++) {
                double px = x + 0.5 - ax, py = y + 0.5 - ay;
                double t = len2 > 0 ? clamp01((px * dx + py * dy) / len2) : 0;
                double ex = px - t * dx, ey = py - t * dy;
                if (dash > 0 && fmod(run + t * len, 2 * dash) >= dash)
                    continue;
                double a = clamp01(w / 2 + 0.5 - sqrt(ex * ex + ey * ey));
                float *m = &cov[(size_t)(y - iy0) * mw + (x - ix0)];
                if (a > *m)
                    *m = (float)a;
            }
        run += len;
        if (n == 1)
            break;
    }
    for (int y = 0; y < mh; y++)
        for (int x = 0; x < mw; x++)
            rsc_blend(img, ix0 + x, iy0 + y, c, cov[(size_t)y * mw + x]);
    free(cov);
}

void rsc_line(rsc_image *img, double x0, double y0, double x1, double y1, double w, rsc_rgb c)
{
    double xs[2] = { x0, x1 }, ys[2] = { y0, y1 };
    rsc_stroke(img, xs, ys, 2, w, c, 0);
}

/* Is (dx, dy), relative to the centre, inside a marker of radius r? */
static int inside_marker(int kind, double dx, double dy, double r)
{
    double ax = fabs(dx), ay = fabs(dy);
    switch (kind) {
    case RSC_MARK_SQUARE:
        return ax <= 0.82 * r && ay <= 0.82 * r;
    case RSC_MARK_DIAMOND:
        return ax + ay <= 1.15 * r;
    case RSC_MARK_TRIANGLE:
    case RSC_MARK_TRIANGLE_DOWN: {
        if (kind == RSC_MARK_TRIANGLE_DOWN)
            dy = -dy;
        /* apex (0, -1.1r), base y = 0.75r, half width 1.05r */
        double top = -1.1 * r, base = 0.75 * r;
        if (dy > base || dy < top)
            return 0;
        return ax <= 1.05 * r * (dy - top) / (base - top);
    }
    case RSC_MARK_X:
        return ax <= 0.9 * r && ay <= 0.9 * r && fabs(ax - ay) <= 0.42 * r;
    case RSC_MARK_PLUS:
        return (ax <= 0.3 * r && ay <= 1.05 * r) || (ay <= 0.3 * r && ax <= 1.05 * r);
    default:
        return dx * dx + dy * dy <= r * r;
    }
}

void rsc_marker(rsc_image *img, double x, double y, int kind, double size, rsc_rgb c)
{
    double r = size / 2;
    if (!isfinite(x) || !isfinite(y) || !(r > 0) || r > 1000)
        return;
    int x0 = to_px(x - 1.3 * r - 1), x1 = to_px(x + 1.3 * r + 2);
    int y0 = to_px(y - 1.3 * r - 1), y1 = to_px(y + 1.3 * r + 2);
    if (x1 < 0 || y1 < 0 || x0 >= img->w || y0 >= img->h)
        return;
    for (int py = y0; py <= y1; py++)
        for (int px = x0; px <= x1; px++) {
            int hits = 0;   /* 4 x 4 supersampling */
            for (int sy = 0; sy < 4; sy++)
                for (int sx = 0; sx < 4; sx++)
                    hits += inside_marker(kind, px + (sx + 0.5) / 4 - x, py + (sy + 0.5) / 4 - y, r);
            rsc_blend(img, px, py, c, hits / 16.0);
        }
}

/* ------------------------------------------------------------ text */
int rsc_text_box(double x, double y, const char *text, int scale, int flags, int halign,
                 int valign, int *left, int *top)
{
    int tw = rsc_font_text_width(text, scale, flags), th = rsc_font_text_height(scale);
    if (flags & RSC_FONT_ROT90) {
        int t = tw;
        tw = th;
        th = t;
    }
    if (!isfinite(x) || !isfinite(y))
        return 0;
    *left = to_px(x - halign * tw / 2.0 + 0.5);
    *top = to_px(y - valign * th / 2.0 + 0.5);
    if (valign == RSC_ALIGN_CENTER && !(flags & RSC_FONT_ROT90))   /* centre the capitals */
        *top = to_px(y - RSC_FONT_ASCENT * scale / 2.0 + 0.5);
    return 1;
}

void rsc_text(rsc_image *img, double x, double y, const char *text, int scale, int flags,
              int halign, int valign, rsc_rgb c)
{
    int left, top;
    if (!rsc_text_box(x, y, text, scale, flags, halign, valign, &left, &top))
        return;
    const unsigned char rgb[3] = { c.r, c.g, c.b };
    rsc_font_draw(img, left, top, text, scale, flags, rgb);
}

/* ------------------------------------------------------------ axes */
static double axis_t(const rsc_axis *ax, double v)
{
    if (ax->scale == RSC_SCALE_LOG)
        return (log10(v) - log10(ax->lo)) / (log10(ax->hi) - log10(ax->lo));
    return (v - ax->lo) / (ax->hi - ax->lo);
}

double rsc_axes_px(const rsc_axes *a, double x)
{
    return a->x0 + axis_t(&a->x, x) * (a->x1 - a->x0);
}

double rsc_axes_py(const rsc_axes *a, double y)
{
    return a->y1 - axis_t(&a->y, y) * (a->y1 - a->y0);
}

static double nice_step(double range, double target)
{
    double raw = range / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double m = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
    return m * mag;
}

size_t rsc_axis_ticks(const rsc_axis *ax, double *ticks, size_t max)
{
    size_t n = 0;
    if (ax->scale == RSC_SCALE_CATEGORY) {
        for (size_t i = 0; i < ax->ncat && n < max; i++)
            ticks[n++] = (double)i;
        return n;
    }
    if (ax->scale == RSC_SCALE_LOG) {
        if (!(ax->lo > 0 && ax->hi >= ax->lo && isfinite(ax->hi)))
            return 0;
        double l0 = log10(ax->lo), l1 = log10(ax->hi);
        int k0 = (int)ceil(l0 - 1e-9), k1 = (int)floor(l1 + 1e-9);
        int every = k1 - k0 > 8 ? (k1 - k0 + 7) / 8 : 1;
        for (int k = k0; k <= k1 && n < max; k += every)
            ticks[n++] = pow(10, k);
        if (n < 3) {   /* less than two decades shown: add 2x and 5x */
            n = 0;
            for (int k = (int)floor(l0) ; k <= (int)ceil(l1) && n < max; k++) {
                static const double mult[3] = { 1, 2, 5 };
                for (int j = 0; j < 3 && n < max; j++) {
                    double v = mult[j] * pow(10, k);
                    if (v >= ax->lo * (1 - 1e-9) && v <= ax->hi * (1 + 1e-9))
                        ticks[n++] = v;
                }
            }
        }
        return n;
    }
    double step = nice_step(ax->hi - ax->lo, 5);
    if (!(step > 0) || !isfinite(step) || !isfinite(ax->lo))
        return 0;
    double first = ceil(ax->lo / step - 1e-9);
    for (double k = first; k * step <= ax->hi + 1e-9 * step && n < max; k++) {
        double v = k * step;
        ticks[n++] = fabs(v) < 1e-12 * step ? 0 : v;
    }
    return n;
}

void rsc_tick_label(double v, double step, int logscale, char *buf, size_t size)
{
    if (v == 0) {
        snprintf(buf, size, "0");
        return;
    }
    if (logscale) {
        int k = (int)floor(log10(fabs(v)) + 0.5);
        if (fabs(fabs(v) - pow(10, k)) <= 1e-9 * fabs(v) && (k < -4 || k > 5)) {
            snprintf(buf, size, "%s1e%d", v < 0 ? "-" : "", k);
            return;
        }
        int d = k < 0 ? -k : 0;
        snprintf(buf, size, "%.*f", d, v);
        return;
    }
    double av = fabs(v);
    if (av >= 1e6 || av < 1e-4) {
        snprintf(buf, size, "%.3g", v);
        return;
    }
    int d = 0;
    if (step > 0)
        while (d < 8) {
            double s = step * pow(10, d);
            if (fabs(s - floor(s + 0.5)) < 1e-6 * s)
                break;
            d++;
        }
    snprintf(buf, size, "%.*f", d, v);
}

void rsc_axis_pad(rsc_axis *ax, double frac)
{
    if (ax->scale == RSC_SCALE_CATEGORY) {
        ax->lo = -0.5;
        ax->hi = (double)ax->ncat - 0.5;
        return;
    }
    if (ax->scale == RSC_SCALE_LOG) {
        double l0 = log10(ax->lo), l1 = log10(ax->hi);
        if (l1 - l0 < 1e-9) {
            l0 -= 0.5;
            l1 += 0.5;
        }
        double p = (l1 - l0) * frac;
        ax->lo = pow(10, l0 - p);
        ax->hi = pow(10, l1 + p);
        return;
    }
    if (ax->hi - ax->lo <= 1e-12 * fmax(1, fabs(ax->hi))) {
        double d = ax->lo == 0 ? 1 : fabs(ax->lo) * 0.1;
        ax->lo -= d;
        ax->hi += d;
    }
    double p = (ax->hi - ax->lo) * frac;
    ax->lo -= p;
    ax->hi += p;
}

static double tick_step(const double *ticks, size_t n)
{
    return n >= 2 ? ticks[1] - ticks[0] : 0;
}

static void tick_text(const rsc_axis *ax, const double *ticks, size_t n, size_t i, char *buf, size_t size)
{
    if (ax->scale == RSC_SCALE_CATEGORY) {
        snprintf(buf, size, "%s", ax->cats ? ax->cats[i] : "");
        return;
    }
    double step = tick_step(ticks, n);
    if (ax->scale == RSC_SCALE_LOG) {   /* 2x/5x ticks: plain numbers */
        double k = log10(ticks[i]);
        if (fabs(k - floor(k + 0.5)) > 1e-9) {
            snprintf(buf, size, "%g", ticks[i]);
            return;
        }
    }
    rsc_tick_label(ticks[i], step, ax->scale == RSC_SCALE_LOG, buf, size);
}

#define MAX_TICKS 256
#define TICK_LEN 6

/* Do the x labels fit side by side when each needs its width plus gap? */
static int xlabels_fit(const rsc_axes *a, int scale, size_t stride)
{
    double ticks[MAX_TICKS];
    char buf[64];
    size_t n = rsc_axis_ticks(&a->x, ticks, MAX_TICKS);
    for (size_t i = stride; i < n; i++) {
        tick_text(&a->x, ticks, n, i, buf, sizeof buf);
        double r = rsc_font_text_width(buf, scale, 0) / 2.0;
        tick_text(&a->x, ticks, n, i - stride, buf, sizeof buf);
        double l = rsc_font_text_width(buf, scale, 0) / 2.0;
        if (rsc_axes_px(a, ticks[i]) - rsc_axes_px(a, ticks[i - stride]) < r + l + 3 * scale)
            return 0;
    }
    return 1;
}

int rsc_axes_xlabel_rows(const rsc_axes *a, int scale)
{
    if (a->x.scale != RSC_SCALE_CATEGORY || xlabels_fit(a, scale, 1))
        return 1;
    return 2;
}

int rsc_axes_ylabel_width(const rsc_axis *y, int scale)
{
    double ticks[MAX_TICKS];
    size_t n = rsc_axis_ticks(y, ticks, MAX_TICKS);
    int w = 0;
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        tick_text(y, ticks, n, i, buf, sizeof buf);
        int tw = rsc_font_text_width(buf, scale, 0);
        if (tw > w)
            w = tw;
    }
    return w + TICK_LEN + 2 * scale + 2;
}

void rsc_axes_draw(rsc_canvas *cv, const rsc_axes *a, int scale, int show_ylabels)
{
    double ticks[MAX_TICKS];
    char buf[64];
    int x0 = (int)a->x0, x1 = (int)a->x1, y0 = (int)a->y0, y1 = (int)a->y1;
    /* y: grid lines, ticks, labels */
    size_t n = rsc_axis_ticks(&a->y, ticks, MAX_TICKS);
    for (size_t i = 0; i < n; i++) {
        double fy = rsc_axes_py(a, ticks[i]);
        if (!(fy >= y0 - 0.5 && fy <= y1 + 0.5))
            continue;
        int py = (int)floor(fy);   /* a tick on the edge is drawn just inside */
        py = py < y0 ? y0 : py >= y1 ? y1 - 1 : py;
        rsc_canvas_rect(cv, x0, py, x1, py + 1, grid);
        rsc_canvas_rect(cv, x0 - TICK_LEN, py, x0, py + 1, ink);
        if (show_ylabels) {
            tick_text(&a->y, ticks, n, i, buf, sizeof buf);
            rsc_canvas_text(cv, x0 - TICK_LEN - 2 * scale, py + 0.5, buf, scale, 0,
                            RSC_ALIGN_END, RSC_ALIGN_CENTER, ink, "tick label");
        }
    }
    /* x: ticks and labels, in one row or, for crowded categories, two
     * staggered rows; a label that would still touch its neighbour in the
     * row is left out (its tick stays) */
    n = rsc_axis_ticks(&a->x, ticks, MAX_TICKS);
    int rows = rsc_axes_xlabel_rows(a, scale);
    double last_right[2] = { -1e9, -1e9 };
    for (size_t i = 0; i < n; i++) {
        double fx = rsc_axes_px(a, ticks[i]);
        if (!(fx >= x0 - 0.5 && fx <= x1 + 0.5))
            continue;
        int px = (int)floor(fx);
        px = px < x0 ? x0 : px >= x1 ? x1 - 1 : px;
        int row = rows == 2 ? (int)(i % 2) : 0;
        rsc_canvas_rect(cv, px, y1, px + 1, y1 + TICK_LEN + row * rsc_font_text_height(scale), ink);
        tick_text(&a->x, ticks, n, i, buf, sizeof buf);
        int tw = rsc_font_text_width(buf, scale, 0);
        if (px + 0.5 - tw / 2.0 < last_right[row] + 3 * scale)
            continue;
        last_right[row] = px + 0.5 + tw / 2.0;
        rsc_canvas_text(cv, px + 0.5, y1 + TICK_LEN + 2 * scale + row * rsc_font_text_height(scale),
                        buf, scale, 0, RSC_ALIGN_CENTER, RSC_ALIGN_START, ink, "tick label");
    }
    /* frame: one pixel just outside the plot area */
    rsc_canvas_rect(cv, x0 - 1, y0 - 1, x1 + 1, y0, ink);
    rsc_canvas_rect(cv, x0 - 1, y1, x1 + 1, y1 + 1, ink);
    rsc_canvas_rect(cv, x0 - 1, y0 - 1, x0, y1 + 1, ink);
    rsc_canvas_rect(cv, x1, y0 - 1, x1 + 1, y1 + 1, ink);
}

/* ------------------------------------------------------------ colour bar */
static size_t bar_ticks(double vmin, double vmax, double *ticks, size_t max)
{
    rsc_axis ax = { RSC_SCALE_LINEAR, vmin, vmax, 0, NULL };
    return rsc_axis_ticks(&ax, ticks, max);
}

int rsc_colorbar_label_width(double vmin, double vmax, int scale)
{
    double ticks[MAX_TICKS];
    size_t n = bar_ticks(vmin, vmax, ticks, MAX_TICKS);
    int w = 0;
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        rsc_tick_label(ticks[i], tick_step(ticks, n), 0, buf, sizeof buf);
        int tw = rsc_font_text_width(buf, scale, 0);
        if (tw > w)
            w = tw;
    }
    return w + TICK_LEN + 2 * scale + 2;
}

void rsc_colorbar(rsc_canvas *cv, int x0, int y0, int x1, int y1, double vmin, double vmax,
                  int scale)
{
    int h = y1 - y0;
    if (h > 0) {   /* one pixel a row: an image 1 x h, stretched across */
        unsigned char *rows = malloc((size_t)h * 3);
        if (!rows)
            h = 0;
        for (int r = 0; r < h; r++) {   /* r counts rows from the bottom */
            int idx = h > 1 ? (int)floor(r * 255.0 / (h - 1) + 0.5) : 255;
            memcpy(rows + 3 * (size_t)(h - 1 - r), rsc_viridis_entry(idx), 3);
        }
        if (rows)
            rsc_canvas_image(cv, x0, y0, x1, y1, rows, 1, h);
        free(rows);
    }
    double ticks[MAX_TICKS];
    char buf[64];
    size_t n = vmax > vmin ? bar_ticks(vmin, vmax, ticks, MAX_TICKS) : 0;
    for (size_t i = 0; i < n; i++) {
        double py = y1 - (ticks[i] - vmin) / (vmax - vmin) * h;
        int iy = (int)floor(py);
        if (iy >= y1)
            iy = y1 - 1;
        if (iy < y0)
            continue;
        rsc_canvas_rect(cv, x1, iy, x1 + TICK_LEN, iy + 1, ink);
        rsc_tick_label(ticks[i], tick_step(ticks, n), 0, buf, sizeof buf);
        rsc_canvas_text(cv, x1 + TICK_LEN + 2 * scale, iy + 0.5, buf, scale, 0, RSC_ALIGN_START,
                        RSC_ALIGN_CENTER, ink, "tick label");
    }
    rsc_canvas_rect(cv, x0 - 1, y0 - 1, x1 + 1, y0, ink);
    rsc_canvas_rect(cv, x0 - 1, y1, x1 + 1, y1 + 1, ink);
    rsc_canvas_rect(cv, x0 - 1, y0 - 1, x0, y1 + 1, ink);
    rsc_canvas_rect(cv, x1, y0 - 1, x1 + 1, y1 + 1, ink);
}
