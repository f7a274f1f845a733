/* canvas.h - the drawing interface of the figures, and its two outputs.
 *
 * A canvas records what a figure draws, in figure pixels (the units of
 * --size): filled rectangles, strokes, markers, aligned text, images,
 * clipping.  It is then drawn as
 *   - a raster image (rsc_canvas_raster) at any factor: factor 1 gives the
 *     figure's pixels exactly (plot.h's primitives, the bitmap font);
 *     factor F scales everything - positions, strokes, markers, text - so
 *     that the image is round(W*F) x round(H*F);
 *   - SVG (rsc_canvas_svg_write): vector shapes, text as <text> elements
 *     in a sans-serif font placed on the bitmap font's boxes (same anchor
 *     and baseline), images as embedded PNG shown with crisp pixels.
 * rsc_canvas_write picks either by format and writes PNG or SVG.
 *
 * Recording never fails visibly: when memory runs out the canvas is marked
 * and rsc_canvas_check reports it.  Text is UTF-8; the characters the
 * bitmap font lacks and ill-formed UTF-8 are collected (with the role of
 * the text: "title", "x label", ...) for the caller to warn about. */
#ifndef RSC_CANVAS_H
#define RSC_CANVAS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "plot/image.h"
#include "plot/plot.h"

typedef struct rsc_canvas rsc_canvas;

/* A blank (white) w x h canvas; sizes as for rsc_image_new. */
rsc_canvas *rsc_canvas_new(int w, int h, rsc_error *err);
void rsc_canvas_free(rsc_canvas *cv);
int rsc_canvas_width(const rsc_canvas *cv);
int rsc_canvas_height(const rsc_canvas *cv);
/* 0, or -1 with "out of memory" when an operation could not be recorded. */
int rsc_canvas_check(const rsc_canvas *cv, rsc_error *err);

/* ------------------------------------------------------------ drawing
 * The operations of plot.h, with the same meaning. */
void rsc_canvas_rect(rsc_canvas *cv, int x0, int y0, int x1, int y1, rsc_rgb c);
void rsc_canvas_stroke(rsc_canvas *cv, const double *xs, const double *ys, size_t n, double w,
                       rsc_rgb c, double dash);
void rsc_canvas_line(rsc_canvas *cv, double x0, double y0, double x1, double y1, double w,
                     rsc_rgb c);
void rsc_canvas_marker(rsc_canvas *cv, double x, double y, int kind, double size, rsc_rgb c);
/* A vertical error bar from y0 to y1 at x, caps of half width cap. */
void rsc_canvas_errorbar(rsc_canvas *cv, double x, double y0, double y1, double cap, double w,
                         rsc_rgb c);
/* Text as rsc_text draws it; what names its role in warnings ("title",
 * "x label"; a static string). */
void rsc_canvas_text(rsc_canvas *cv, double x, double y, const char *text, int scale, int flags,
                     int halign, int valign, rsc_rgb c, const char *what);
/* An sw x sh RGB image (3 bytes a pixel, copied) stretched over the pixel
 * rectangle [x0, x1) x [y0, y1), nearest neighbour (crisp pixels). */
void rsc_canvas_image(rsc_canvas *cv, int x0, int y0, int x1, int y1, const unsigned char *rgb,
                      int sw, int sh);
/* Until rsc_canvas_unclip, drawing shows only inside [x0, x1) x [y0, y1). */
void rsc_canvas_clip(rsc_canvas *cv, int x0, int y0, int x1, int y1);
void rsc_canvas_unclip(rsc_canvas *cv);

/* ------------------------------------------------------------ outputs */
/* The canvas drawn at factor (> 0) as a round(W*factor) x round(H*factor)
 * image (round: to the nearest, halves up); factor 1 is exact. */
rsc_image *rsc_canvas_raster(const rsc_canvas *cv, double factor, rsc_error *err);

/* SVG 1.1: width and height in inches at 100 figure pixels an inch (the
 * physical size of the PNG at any --dpi), viewBox in figure pixels.
 * software, when not NULL, goes into a comment.  Deterministic bytes. */
int rsc_canvas_svg_write(FILE *fp, const char *fname, const rsc_canvas *cv,
                         const char *software, rsc_error *err);

enum rsc_figure_format { RSC_FIGURE_PNG, RSC_FIGURE_SVG };
#define RSC_FIGURE_DPI 100   /* figure pixels an inch */
/* The format an output name asks for: SVG for a name ending in .svg (in
 * any case), PNG otherwise (stdout included). */
int rsc_figure_format(const char *path);
/* Write cv as PNG or SVG.  dpi 0: the PNG has the figure's pixels and no
 * resolution chunk; dpi > 0: the PNG is drawn at factor dpi / 100 and its
 * pHYs chunk records dpi.  SVG is the same for every dpi. */
int rsc_canvas_write(FILE *fp, const char *fname, const rsc_canvas *cv, int format, double dpi,
                     const char *software, rsc_error *err);

/* ------------------------------------------------------------ glyphs */
/* Characters of the canvas's text that an output cannot show: for PNG,
 * each character without a glyph in the bitmap font; for both formats,
 * ill-formed UTF-8 and control characters (which XML cannot hold).  Each
 * appears once, with the role of the first text it was found in.  Writes
 * the i-th message for format, e.g. "no glyph for U+2603 '☃' in title;
 * drawn as '?'", to buf and returns 1; 0 when there are fewer. */
int rsc_canvas_glyph_warning(const rsc_canvas *cv, int format, size_t i, char *buf, size_t size);

#endif
