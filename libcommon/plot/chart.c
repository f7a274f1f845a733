/* chart.c - rendering charts: layout of title, panels, axis labels and the
 * shared legend; lines with markers and error bars, or grouped bars. */
#include "config.h"

#include "plot/chart.h"
#include "plot/canvas.h"
#include "plot/font.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const rsc_rgb ink = { 0x26, 0x26, 0x26 };

/* A pixel coordinate as an int, far from int overflow (fills are clipped). */
static int to_px(double v)
{
    if (!(v > -1e7))
        return -10000000;
    if (!(v < 1e7))
        return 10000000;
    return (int)floor(v);
}

void rsc_chart_free(rsc_chart *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->npanels; i++) {
        free(c->panels[i].title);
        free(c->panels[i].xlabel);
        for (size_t k = 0; k < c->panels[i].ncat; k++)
            free(c->panels[i].cats[k]);
        free(c->panels[i].cats);
    }
    for (size_t i = 0; i < c->nseries; i++)
        free(c->series[i]);
    for (size_t i = 0; i < c->npoints; i++)
        free(c->points[i].xtext);
    free(c->panels);
    free(c->series);
    free(c->dashed);
    free(c->points);
    free(c->title);
    free(c->ylabel);
    free(c->legend_title);
    free(c);
}

int rsc_chart_marker(size_t i)
{
    return (int)(i % RSC_MARK_COUNT);
}

static size_t grid_cols(const rsc_chart *c)
{
    if (c->ncols > 0)
        return (size_t)c->ncols < c->npanels ? (size_t)c->ncols : c->npanels;
    return c->npanels <= 3 ? c->npanels : c->npanels == 4 ? 2 : 3;
}

static int has_legend(const rsc_chart *c)
{
    return c->nseries > 1 || c->legend_title;
}

static int text_scale(int w, int h)
{
    int m = w < h ? w : h;
    return m >= 1200 ? 3 : m >= 400 ? 2 : 1;
}

static int legend_width(const rsc_chart *c, int s)
{
    int w = c->legend_title ? rsc_font_text_width(c->legend_title, s, RSC_FONT_BOLD) : 0;
    for (size_t i = 0; i < c->nseries; i++) {
        int tw = 17 * s + rsc_font_text_width(c->series[i], s, 0);
        if (tw > w)
            w = tw;
    }
    return w;
}

void rsc_chart_default_size(const rsc_chart *c, int *w, int *h)
{
    size_t cols = grid_cols(c), rows = (c->npanels + cols - 1) / cols;
    if (c->npanels == 1) {
        *w = 900;
        *h = 600;
        return;
    }
    *w = 150 + 420 * (int)cols + (has_legend(c) ? legend_width(c, 2) + 30 : 0);
    *h = 90 + 420 * (int)rows;
}

/* Shared y range over every point and its error bar. */
static void y_range(const rsc_chart *c, rsc_axis *y)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->npoints; i++) {
        const rsc_chart_point *p = &c->points[i];
        double a = p->y, b = p->y;
        if (isfinite(p->se)) {
            a -= p->se;
            b += p->se;
        }
        if (c->ylog) {   /* only positive values exist on a log axis */
            if (!(a > 0))
                a = p->y > 0 ? p->y : INFINITY;
            if (!(b > 0))
                b = -INFINITY;
        }
        lo = fmin(lo, a);
        hi = fmax(hi, b);
    }
    if (c->kind == RSC_CHART_BAR && !c->ylog) {
        lo = fmin(lo, 0);
        hi = fmax(hi, 0);
    }
    if (!(lo <= hi))
        lo = hi = 1;
    y->scale = c->ylog ? RSC_SCALE_LOG : RSC_SCALE_LINEAR;
    y->lo = lo;
    y->hi = hi;
    rsc_axis_pad(y, 0.05);
    if (c->kind == RSC_CHART_BAR && !c->ylog && lo >= 0)
        y->lo = 0;   /* bars stand on the axis */
    if (isfinite(c->ymin))
        y->lo = c->ymin;
    if (isfinite(c->ymax))
        y->hi = c->ymax;
}

static void x_range(const rsc_chart *c, size_t pi, rsc_axis *x)
{
    const rsc_chart_panel *p = &c->panels[pi];
    x->scale = p->xscale;
    x->ncat = p->ncat;
    x->cats = p->cats;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->npoints; i++)
        if (c->points[i].panel == pi) {
            lo = fmin(lo, c->points[i].x);
            hi = fmax(hi, c->points[i].x);
        }
    if (!(lo <= hi))
        lo = hi = 1;
    x->lo = lo;
    x->hi = hi;
    rsc_axis_pad(x, 0.05);
}

/* x position of a point: bars of a category are side by side. */
static double point_px(const rsc_chart *c, const rsc_axes *a, const rsc_chart_point *p,
                       double *bar_w)
{
    double px = rsc_axes_px(a, p->x);
    if (c->kind != RSC_CHART_BAR)
        return px;
    double slot = (a->x1 - a->x0) / (double)(a->x.ncat ? a->x.ncat : 1);
    double group = 0.8 * slot, bw = group / (double)c->nseries;
    *bar_w = bw;
    return px - group / 2 + bw * ((double)p->series + 0.5);
}

static void draw_series_sample(rsc_canvas *cv, const rsc_chart *c, size_t si, int x, int y, int s)
{
    rsc_rgb col = rsc_plot_color(si);
    if (c->kind == RSC_CHART_BAR) {
        rsc_canvas_rect(cv, x, y - 4 * s, x + 12 * s, y + 4 * s, col);
        return;
    }
    double xs[2] = { x, x + 14 * s }, ys[2] = { y, y };
    rsc_canvas_stroke(cv, xs, ys, 2, 1.25 * s, col, c->dashed[si] ? 2.5 * s : 0);
    rsc_canvas_marker(cv, x + 7 * s, y, rsc_chart_marker(si), 4.5 * s, col);
}

static void draw_panel_data(rsc_canvas *cv, const rsc_chart *c, size_t pi, const rsc_axes *a, int s)
{
    size_t n = 0;
    for (size_t i = 0; i < c->npoints; i++)
        n += c->points[i].panel == pi;
    double *xs = malloc((n ? n : 1) * sizeof *xs), *ys = malloc((n ? n : 1) * sizeof *ys);
    if (!xs || !ys) {
        free(xs);
        free(ys);
        return;
    }
    double lw = 1.25 * s, ew = 1.0 * s, cap = 2.5 * s, ms = 4.5 * s;
    for (size_t si = 0; si < c->nseries; si++) {
        rsc_rgb col = rsc_plot_color(si);
        size_t k = 0;
        for (size_t i = 0; i < c->npoints; i++) {
            const rsc_chart_point *p = &c->points[i];
            if (p->panel != pi || p->series != si)
                continue;
            double bw = 0, px = point_px(c, a, p, &bw), py = rsc_axes_py(a, p->y);
            if (c->kind == RSC_CHART_BAR) {
                double base = c->ylog ? a->y1 : rsc_axes_py(a, 0);
                int l = to_px(px - bw / 2 + 0.5), r = to_px(px + bw / 2 + 0.5) - 1;
                int t = to_px(fmin(py, base) + 0.5), b = to_px(fmax(py, base) + 0.5);
                rsc_canvas_rect(cv, l, t, r > l ? r : l + 1, b, col);
                if (isfinite(p->se))
                    rsc_canvas_errorbar(cv, px, rsc_axes_py(a, p->y - p->se),
                                        rsc_axes_py(a, p->y + p->se), fmax(cap, bw / 5), ew, ink);
                continue;
            }
            xs[k] = px;
            ys[k] = py;
            k++;
        }
        if (c->kind == RSC_CHART_BAR)
            continue;
        rsc_canvas_stroke(cv, xs, ys, k, lw, col, c->dashed[si] ? 3 * s : 0);
        for (size_t i = 0; i < c->npoints; i++) {
            const rsc_chart_point *p = &c->points[i];
            if (p->panel == pi && p->series == si && isfinite(p->se) && p->se > 0) {
                double px = rsc_axes_px(a, p->x);
                double lo = p->y - p->se;
                if (c->ylog && !(lo > 0))
                    lo = a->y.lo;
                rsc_canvas_errorbar(cv, px, rsc_axes_py(a, lo), rsc_axes_py(a, p->y + p->se), cap,
                                    ew, col);
            }
        }
        for (size_t i = 0; i < k; i++)
            rsc_canvas_marker(cv, xs[i], ys[i], rsc_chart_marker(si), ms, col);
    }
    free(xs);
    free(ys);
}

rsc_canvas *rsc_chart_draw(const rsc_chart *c, int w, int h, rsc_axes *axes_out, rsc_error *err)
{
    rsc_canvas *cv = rsc_canvas_new(w, h, err);
    if (!cv)
        return NULL;
    int s = text_scale(w, h), fh = rsc_font_text_height(s), pad = 6 * s;
    size_t cols = grid_cols(c), rows = (c->npanels + cols - 1) / cols;
    rsc_axis yax = { 0 };
    y_range(c, &yax);
    int finite = isfinite(yax.hi - yax.lo) && yax.hi > yax.lo;
    for (size_t pi = 0; pi < c->npanels && finite; pi++) {
        rsc_axis xa;
        x_range(c, pi, &xa);
        finite = xa.scale == RSC_SCALE_CATEGORY || (isfinite(xa.hi - xa.lo) && xa.hi > xa.lo);
    }
    if (!finite) {
        rsc_canvas_free(cv);
        rsc_fail(err, "the values span too wide a range to plot (beyond 1e300)");
        return NULL;
    }

    int top = pad;
    if (c->title) {
        rsc_canvas_text(cv, w / 2.0, top, c->title, s, RSC_FONT_BOLD, RSC_ALIGN_CENTER,
                        RSC_ALIGN_START, ink, "title");
        top += fh + 4 * s;
    }
    int right = w - pad;
    if (has_legend(c))
        right -= legend_width(c, s) + 8 * s;
    int left = pad + (c->ylabel ? fh + 4 * s : 0) + rsc_axes_ylabel_width(&yax, s);
    int any_title = 0;
    for (size_t i = 0; i < c->npanels; i++)
        any_title |= c->panels[i].title != NULL;
    int ptitle_h = any_title ? fh + 4 * s : 0;
    int below_h = 6 + 2 * s + fh + 4 * s + fh;   /* ticks, tick labels, x label */
    int hgap = 10 * s, vgap = 6 * s;
    int pw = (right - left - (int)(cols - 1) * hgap) / (int)cols;
    /* crowded category labels take a second, staggered row */
    for (size_t pi = 0; pi < c->npanels && pw > 0; pi++) {
        rsc_axes probe;
        memset(&probe, 0, sizeof probe);
        probe.x0 = 0;
        probe.x1 = pw;
        x_range(c, pi, &probe.x);
        if (rsc_axes_xlabel_rows(&probe, s) == 2) {
            below_h += fh;
            break;
        }
    }
    int block = (h - pad - top - (int)(rows - 1) * vgap) / (int)rows;
    int ph = block - ptitle_h - below_h;
    if (pw < 40 || ph < 40) {
        rsc_canvas_free(cv);
        rsc_fail(err, "image size %dx%d is too small for %zu panel%s (each needs at least 40x40 "
                 "pixels of plot area)", w, h, c->npanels, c->npanels == 1 ? "" : "s");
        return NULL;
    }
    for (size_t pi = 0; pi < c->npanels; pi++) {
        size_t col = pi % cols, row = pi / cols;
        rsc_axes a;
        a.x0 = left + (int)col * (pw + hgap);
        a.x1 = a.x0 + pw;
        a.y0 = top + (int)row * (block + vgap) + ptitle_h;
        a.y1 = a.y0 + ph;
        a.y = yax;
        x_range(c, pi, &a.x);
        rsc_axes_draw(cv, &a, s, col == 0);
        /* Data are clipped to the plot area. */
        rsc_canvas_clip(cv, (int)a.x0, (int)a.y0, (int)a.x1, (int)a.y1);
        draw_panel_data(cv, c, pi, &a, s);
        rsc_canvas_unclip(cv);
        const rsc_chart_panel *p = &c->panels[pi];
        if (p->title)
            rsc_canvas_text(cv, (a.x0 + a.x1) / 2.0, a.y0 - ptitle_h, p->title, s, 0,
                            RSC_ALIGN_CENTER, RSC_ALIGN_START, ink, "panel title");
        if (p->xlabel)
            rsc_canvas_text(cv, (a.x0 + a.x1) / 2.0, a.y1 + below_h - fh, p->xlabel, s, 0,
                            RSC_ALIGN_CENTER, RSC_ALIGN_START, ink, "x label");
        if (col == 0 && c->ylabel)
            rsc_canvas_text(cv, pad, (a.y0 + a.y1) / 2.0, c->ylabel, s, RSC_FONT_ROT90,
                            RSC_ALIGN_START, RSC_ALIGN_CENTER, ink, "y label");
        if (axes_out)
            axes_out[pi] = a;
    }
    if (has_legend(c)) {
        int lx = right + 8 * s, ly = top + ptitle_h;
        if (c->legend_title) {
            rsc_canvas_text(cv, lx, ly, c->legend_title, s, RSC_FONT_BOLD, RSC_ALIGN_START,
                            RSC_ALIGN_START, ink, "legend title");
            ly += fh + 3 * s;
        }
        for (size_t si = 0; si < c->nseries; si++) {
            int cy = ly + fh / 2;
            draw_series_sample(cv, c, si, lx, cy, s);
            rsc_canvas_text(cv, lx + 17 * s, cy, c->series[si], s, 0, RSC_ALIGN_START,
                            RSC_ALIGN_CENTER, ink, "legend");
            ly += fh + 3 * s;
        }
    }
    if (rsc_canvas_check(cv, err) != 0) {
        rsc_canvas_free(cv);
        return NULL;
    }
    return cv;
}

rsc_image *rsc_chart_render(const rsc_chart *c, int w, int h, rsc_axes *axes, rsc_error *err)
{
    rsc_canvas *cv = rsc_chart_draw(c, w, h, axes, err);
    if (!cv)
        return NULL;
    rsc_image *img = rsc_canvas_raster(cv, 1, err);
    rsc_canvas_free(cv);
    return img;
}
