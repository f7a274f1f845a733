/* heatmap.c - crisp viridis value maps with a colour bar, and the labelled
 * image gallery of the patterns figure. */
#include "config.h"

#include "plot/heatmap.h"
#include "plot/canvas.h"
#include "plot/colormap.h"
#include "plot/font.h"
#include "plot/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const rsc_rgb ink = { 0x26, 0x26, 0x26 };

#define MAX_PER_ROW 4

static int text_scale(int W, int H)
{
    int m = W < H ? W : H;
    return m >= 1200 ? 3 : m >= 300 ? 2 : 1;
}

rsc_canvas *rsc_heatmap_draw(const rsc_heatmap *maps, size_t n, double vmin, double vmax,
                             const char *title, int W, int H, rsc_heatmap_layout *lay,
                             rsc_error *err)
{
    if (n == 0 || maps[0].h < 1 || maps[0].w < 1) {
        rsc_fail(err, "nothing to draw");
        return NULL;
    }
    int mh = maps[0].h, mw = maps[0].w;
    for (size_t i = 1; i < n; i++)
        if (maps[i].h != mh || maps[i].w != mw) {
            rsc_fail(err, "maps of different sizes (%dx%d and %dx%d) cannot share a figure",
                     mh, mw, maps[i].h, maps[i].w);
            return NULL;
        }
    if (!(vmax > vmin)) {   /* a flat map: centre its value on the scale */
        double c = vmin;
        vmin = c - (c == 0 ? 1 : fabs(c) * 0.1);
        vmax = c + (c == 0 ? 1 : fabs(c) * 0.1);
    }
    size_t cols = n < MAX_PER_ROW ? n : MAX_PER_ROW, rows = (n + cols - 1) / cols;
    int any_title = 0;
    for (size_t i = 0; i < n; i++)
        any_title |= maps[i].title != NULL;
    /* The text scale depends on the image size, which (by default) depends
     * on the map scale: settle the text first, on the default size. */
    int k = W ? 0 : (448 / (mh > mw ? mh : mw) > 0 ? 448 / (mh > mw ? mh : mw) : 1);
    if (k && n > 1)
        k = k * 2 / 3 > 0 ? k * 2 / 3 : 1;   /* several maps: smaller each */
    int s = W ? text_scale(W, H) : 2;
    int fh = rsc_font_text_height(s), pad = 6 * s, gap = 6 * s;
    int title_h = title ? fh + 4 * s : 0, ptitle_h = any_title ? fh + 3 * s : 0;
    int bar_w = 10 * s, bar_gap = 8 * s;
    int bar_lw = rsc_colorbar_label_width(vmin, vmax, s);
    int fixed_w = 2 * pad + (int)(cols - 1) * gap + bar_gap + bar_w + bar_lw;
    /* room below for half the bottom colour-bar label */
    int fixed_h = 2 * pad + fh / 2 + title_h + (int)rows * ptitle_h + (int)(rows - 1) * gap;
    if (W) {
        int kw = (W - fixed_w) / ((int)cols * mw), kh = (H - fixed_h) / ((int)rows * mh);
        k = kw < kh ? kw : kh;
        if (k < 1) {
            rsc_fail(err, "image size %dx%d is too small for %zu map%s of %dx%d", W, H, n,
                     n == 1 ? "" : "s", mh, mw);
            return NULL;
        }
    } else {
        W = fixed_w + (int)cols * mw * k;
        H = fixed_h + (int)rows * mh * k;
        int tw = title ? rsc_font_text_width(title, s, RSC_FONT_BOLD) + 2 * pad : 0;
        if (W < tw)
            W = tw;
    }
    rsc_canvas *cv = rsc_canvas_new(W, H, err);
    if (!cv)
        return NULL;
    unsigned char *cells = malloc((size_t)mh * mw * 3);
    if (!cells) {
        rsc_canvas_free(cv);
        rsc_fail(err, "out of memory");
        return NULL;
    }
    int used_w = fixed_w + (int)cols * mw * k;
    int left = (W - used_w) / 2 + pad, top = pad;
    if (title) {
        rsc_canvas_text(cv, W / 2.0, top, title, s, RSC_FONT_BOLD, RSC_ALIGN_CENTER,
                        RSC_ALIGN_START, ink, "title");
        top += title_h;
    }
    if (lay) {
        memset(lay, 0, sizeof *lay);
        lay->scale = k;
    }
    for (size_t i = 0; i < n; i++) {
        int col = (int)(i % cols), row = (int)(i / cols);
        int x0 = left + col * (mw * k + gap);
        int y0 = top + row * (ptitle_h + mh * k + gap) + ptitle_h;
        if (maps[i].title)
            rsc_canvas_text(cv, x0 + mw * k / 2.0, y0 - ptitle_h, maps[i].title, s, 0,
                            RSC_ALIGN_CENTER, RSC_ALIGN_START, ink, "map title");
        for (size_t p = 0; p < (size_t)mh * mw; p++) {
            double v = maps[i].v[p];
            memcpy(cells + 3 * p, rsc_viridis_entry(rsc_viridis_index((v - vmin) / (vmax - vmin))), 3);
        }
        rsc_canvas_image(cv, x0, y0, x0 + mw * k, y0 + mh * k, cells, mw, mh);
        if (lay && i < 64) {
            lay->x0[i] = x0;
            lay->y0[i] = y0;
        }
    }
    int bx0 = left + (int)cols * mw * k + (int)(cols - 1) * gap + bar_gap;
    int by0 = top + ptitle_h, by1 = top + (int)rows * (ptitle_h + mh * k) + (int)(rows - 1) * gap;
    rsc_colorbar(cv, bx0, by0, bx0 + bar_w, by1, vmin, vmax, s);
    free(cells);
    if (lay) {
        lay->bar_x0 = bx0;
        lay->bar_y0 = by0;
        lay->bar_x1 = bx0 + bar_w;
        lay->bar_y1 = by1;
    }
    if (rsc_canvas_check(cv, err) != 0) {
        rsc_canvas_free(cv);
        return NULL;
    }
    return cv;
}

rsc_image *rsc_heatmap_render(const rsc_heatmap *maps, size_t n, double vmin, double vmax,
                              const char *title, int W, int H, rsc_heatmap_layout *lay,
                              rsc_error *err)
{
    rsc_canvas *cv = rsc_heatmap_draw(maps, n, vmin, vmax, title, W, H, lay, err);
    if (!cv)
        return NULL;
    rsc_image *img = rsc_canvas_raster(cv, 1, err);
    rsc_canvas_free(cv);
    return img;
}

static unsigned char to_u8(float v)
{
    if (!(v > 0))
        return 0;
    if (v >= 1)
        return 255;
    return (unsigned char)floor(v * 255.0 + 0.5);
}

rsc_canvas *rsc_gallery_draw(const float *const *images, const char *const *labels, size_t n,
                             int c, int h, int w, const char *title, int W, int H,
                             rsc_heatmap_layout *lay, rsc_error *err)
{
    if (n == 0) {
        rsc_fail(err, "nothing to draw");
        return NULL;
    }
    if (c != 1 && c != 3) {
        rsc_fail(err, "images with %d channels cannot be shown (1 or 3)", c);
        return NULL;
    }
    int s = W ? text_scale(W, H) : 2;
    int fh = rsc_font_text_height(s), pad = 6 * s, gap = 6 * s;
    int title_h = title ? fh + 4 * s : 0, label_h = fh + 4 * s;
    int k;
    int fixed_w = 2 * pad + (int)(n - 1) * gap, fixed_h = 2 * pad + title_h + label_h;
    int maxlab = 0;
    for (size_t i = 0; i < n; i++) {
        int tw = labels && labels[i] ? rsc_font_text_width(labels[i], s, 0) : 0;
        if (tw > maxlab)
            maxlab = tw;
    }
    if (W) {
        int kw = (W - fixed_w) / ((int)n * w), kh = (H - fixed_h) / h;
        k = kw < kh ? kw : kh;
        if (k < 1) {
            rsc_fail(err, "image size %dx%d is too small for %zu images of %dx%d", W, H, n, h, w);
            return NULL;
        }
    } else {
        k = 160 / (h > w ? h : w);
        if (k < 1)
            k = 1;
        while (k * w < maxlab && k < 64)   /* labels fit under their image */
            k++;
        W = fixed_w + (int)n * w * k;
        H = fixed_h + h * k;
        int tw = title ? rsc_font_text_width(title, s, RSC_FONT_BOLD) + 2 * pad : 0;
        if (W < tw)
            W = tw;
    }
    rsc_canvas *cv = rsc_canvas_new(W, H, err);
    if (!cv)
        return NULL;
    unsigned char *pix = malloc((size_t)h * w * 3);
    if (!pix) {
        rsc_canvas_free(cv);
        rsc_fail(err, "out of memory");
        return NULL;
    }
    int left = (W - (fixed_w + (int)n * w * k)) / 2 + pad, top = pad;
    if (title) {
        rsc_canvas_text(cv, W / 2.0, top, title, s, RSC_FONT_BOLD, RSC_ALIGN_CENTER,
                        RSC_ALIGN_START, ink, "title");
        top += title_h;
    }
    if (lay) {
        memset(lay, 0, sizeof *lay);
        lay->scale = k;
    }
    size_t plane = (size_t)h * w;
    for (size_t i = 0; i < n; i++) {
        int x0 = left + (int)i * (w * k + gap);
        for (size_t o = 0; o < plane; o++) {
            unsigned char g0 = to_u8(images[i][o]);
            pix[3 * o] = g0;
            pix[3 * o + 1] = c == 1 ? g0 : to_u8(images[i][plane + o]);
            pix[3 * o + 2] = c == 1 ? g0 : to_u8(images[i][2 * plane + o]);
        }
        rsc_canvas_image(cv, x0, top, x0 + w * k, top + h * k, pix, w, h);
        /* a thin frame, so that white pattern pixels on the border show */
        rsc_rgb frame = { 0x99, 0x99, 0x99 };
        rsc_canvas_rect(cv, x0 - 1, top - 1, x0 + w * k + 1, top, frame);
        rsc_canvas_rect(cv, x0 - 1, top + h * k, x0 + w * k + 1, top + h * k + 1, frame);
        rsc_canvas_rect(cv, x0 - 1, top, x0, top + h * k, frame);
        rsc_canvas_rect(cv, x0 + w * k, top, x0 + w * k + 1, top + h * k, frame);
        if (labels && labels[i])
            rsc_canvas_text(cv, x0 + w * k / 2.0, top + h * k + 3 * s, labels[i], s, 0,
                            RSC_ALIGN_CENTER, RSC_ALIGN_START, ink, "image label");
        if (lay && i < 64) {
            lay->x0[i] = x0;
            lay->y0[i] = top;
        }
    }
    free(pix);
    if (rsc_canvas_check(cv, err) != 0) {
        rsc_canvas_free(cv);
        return NULL;
    }
    return cv;
}

rsc_image *rsc_gallery_render(const float *const *images, const char *const *labels, size_t n,
                              int c, int h, int w, const char *title, int W, int H,
                              rsc_heatmap_layout *lay, rsc_error *err)
{
    rsc_canvas *cv = rsc_gallery_draw(images, labels, n, c, h, w, title, W, H, lay, err);
    if (!cv)
        return NULL;
    rsc_image *img = rsc_canvas_raster(cv, 1, err);
    rsc_canvas_free(cv);
    return img;
}
