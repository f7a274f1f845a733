/* heatmap.h - value maps (e.g. first-layer weight importance) drawn with
 * viridis, crisp (each value an integer block of pixels), side by side on
 * one shared scale with one colour bar; and the pattern gallery (images
 * shown as they are, upscaled with crisp pixels, labelled).  Drawn on a
 * canvas (plot/canvas.h; PNG or SVG), or rendered straight to an image. */
#ifndef RSC_HEATMAP_H
#define RSC_HEATMAP_H

#include <stddef.h>

#include "base/error.h"
#include "plot/canvas.h"
#include "plot/image.h"

typedef struct rsc_heatmap {
    const double *v;      /* h x w values, row-major */
    int h, w;
    const char *title;    /* above the map; NULL: none */
} rsc_heatmap;

/* Where the maps landed (for tests and callers that annotate). */
typedef struct rsc_heatmap_layout {
    int scale;            /* pixels per value, each way */
    int x0[64], y0[64];   /* top-left pixel of map i (first 64 maps) */
    int bar_x0, bar_y0, bar_x1, bar_y1;
} rsc_heatmap_layout;

/* Value -> colour: t = (v - vmin) / (vmax - vmin), viridis index
 * rsc_viridis_index(t): vmax and above get the top colour, vmin and below
 * the bottom one.  All maps share h and w.  W, H = 0 pick the size from
 * the maps (about 448 pixels a map side); otherwise the maps are scaled to
 * fit W x H. */
rsc_canvas *rsc_heatmap_draw(const rsc_heatmap *maps, size_t n, double vmin, double vmax,
                             const char *title, int W, int H, rsc_heatmap_layout *layout,
                             rsc_error *err);
/* The same as an image of the canvas's size. */
rsc_image *rsc_heatmap_render(const rsc_heatmap *maps, size_t n, double vmin, double vmax,
                              const char *title, int W, int H, rsc_heatmap_layout *layout,
                              rsc_error *err);

/* n images (c x h x w floats in [0, 1], c = 1 grey or 3 RGB), labelled
 * underneath, in one row; W, H = 0: about 160 pixels an image.  layout
 * (optional) gets the scale and each image's top-left pixel. */
rsc_canvas *rsc_gallery_draw(const float *const *images, const char *const *labels, size_t n,
                             int c, int h, int w, const char *title, int W, int H,
                             rsc_heatmap_layout *layout, rsc_error *err);
rsc_image *rsc_gallery_render(const float *const *images, const char *const *labels, size_t n,
                              int c, int h, int w, const char *title, int W, int H,
                              rsc_heatmap_layout *layout, rsc_error *err);

#endif
