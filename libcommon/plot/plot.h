/* plot.h - drawing on an rsc_image: anti-aliased strokes and markers,
 * rectangles and aligned text (the raster side of canvas.h); and axes with
 * nice ticks (linear, log, categorical) and colour bars, drawn on a canvas.
 *
 * Coordinates are continuous image pixels: pixel (i, j) covers
 * [i, i+1) x [j, j+1), so a point at (X, Y) falls in pixel
 * (floor(X), floor(Y)).  Everything is deterministic. */
#ifndef RSC_PLOT_H
#define RSC_PLOT_H

#include <stddef.h>

#include "base/error.h"
#include "plot/image.h"

typedef struct rsc_canvas rsc_canvas;   /* plot/canvas.h */

typedef struct rsc_rgb {
    unsigned char r, g, b;
} rsc_rgb;

#define RSC_BLACK ((rsc_rgb){ 0, 0, 0 })
#define RSC_WHITE ((rsc_rgb){ 255, 255, 255 })

/* The i-th series colour (matplotlib's tab10, cycling). */
rsc_rgb rsc_plot_color(size_t i);

/* ------------------------------------------------------------ primitives */
/* Fill the integer pixel rectangle [x0, x1) x [y0, y1) (clipped). */
void rsc_fill_rect(rsc_image *img, int x0, int y0, int x1, int y1, rsc_rgb c);
/* Blend colour c into pixel (x, y) with coverage a in [0, 1]. */
void rsc_blend(rsc_image *img, int x, int y, rsc_rgb c, double a);
/* A polyline of n points, width w pixels, round joins and caps,
 * anti-aliased.  dash > 0 draws dashes of that many pixels with equal gaps
 * (the pattern runs on across vertices). */
void rsc_stroke(rsc_image *img, const double *xs, const double *ys, size_t n, double w,
                rsc_rgb c, double dash);
void rsc_line(rsc_image *img, double x0, double y0, double x1, double y1, double w, rsc_rgb c);

enum rsc_marker {
    RSC_MARK_CIRCLE, RSC_MARK_SQUARE, RSC_MARK_TRIANGLE, RSC_MARK_DIAMOND,
    RSC_MARK_TRIANGLE_DOWN, RSC_MARK_X, RSC_MARK_PLUS, RSC_MARK_COUNT
};
/* A filled marker of the given diameter centred on (x, y). */
void rsc_marker(rsc_image *img, double x, double y, int kind, double size, rsc_rgb c);

/* ------------------------------------------------------------ text */
enum { RSC_ALIGN_START = 0, RSC_ALIGN_CENTER = 1, RSC_ALIGN_END = 2 };
/* Draw text so that (x, y) is at the given horizontal / vertical alignment
 * of its box (for RSC_FONT_ROT90 the alignments apply to the rotated box). */
void rsc_text(rsc_image *img, double x, double y, const char *text, int scale, int flags,
              int halign, int valign, rsc_rgb c);
/* The top-left pixel of the box where rsc_text draws; 0 (nothing drawn)
 * when x or y is not finite. */
int rsc_text_box(double x, double y, const char *text, int scale, int flags, int halign,
                 int valign, int *left, int *top);

/* ------------------------------------------------------------ axes */
enum rsc_scale { RSC_SCALE_LINEAR, RSC_SCALE_LOG, RSC_SCALE_CATEGORY };

typedef struct rsc_axis {
    int scale;
    double lo, hi;        /* shown range (data units; log: positive values) */
    size_t ncat;          /* RSC_SCALE_CATEGORY: categories 0..ncat-1 */
    char **cats;          /* their labels (borrowed) */
} rsc_axis;

typedef struct rsc_axes {
    double x0, y0, x1, y1;   /* plot area in pixels: left, top, right, bottom */
    rsc_axis x, y;
} rsc_axes;

/* Data value -> pixel coordinate.  Category axes take the category index.
 * The y axis grows upwards. */
double rsc_axes_px(const rsc_axes *a, double x);
double rsc_axes_py(const rsc_axes *a, double y);

/* Ticks of an axis: at most max values written to ticks[]; returns count. */
size_t rsc_axis_ticks(const rsc_axis *ax, double *ticks, size_t max);
/* Label of a tick value as shown on the axis (short, exact for nice
 * values); step is the tick spacing (0 for log axes). */
void rsc_tick_label(double v, double step, int logscale, char *buf, size_t size);
/* Extend [lo, hi] by frac of its width on each side (on the log scale for
 * log axes); a zero-width range becomes a small one around it. */
void rsc_axis_pad(rsc_axis *ax, double frac);

/* Frame, ticks and tick labels of a, light grid lines at the y ticks,
 * with the given text scale.  show_ylabels = 0 leaves the y tick labels out
 * (panels sharing y). */
void rsc_axes_draw(rsc_canvas *cv, const rsc_axes *a, int scale, int show_ylabels);
/* Rows of x tick labels: 2 when the labels of a category axis do not fit
 * side by side (they are then staggered), else 1. */
int rsc_axes_xlabel_rows(const rsc_axes *a, int scale);
/* Space needed left of the plot area by the y tick labels. */
int rsc_axes_ylabel_width(const rsc_axis *y, int scale);

/* ------------------------------------------------------------ colour bar */
/* A vertical viridis bar in the pixel rectangle, vmin at the bottom, vmax at
 * the top, with ticks and labels to its right. */
void rsc_colorbar(rsc_canvas *cv, int x0, int y0, int x1, int y1, double vmin, double vmax,
                  int scale);
/* Width needed right of the bar by its labels. */
int rsc_colorbar_label_width(double vmin, double vmax, int scale);

#endif
