/* canvas_ops.h - the recorded operations of a canvas (private to
 * canvas.c, which records them and draws them as raster images, and
 * svg.c, which writes them as SVG). */
#ifndef RSC_CANVAS_OPS_H
#define RSC_CANVAS_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "plot/canvas.h"

enum { OP_RECT, OP_STROKE, OP_MARKER, OP_TEXT, OP_IMAGE, OP_CLIP, OP_UNCLIP };

struct canvas_op {
    int kind;
    rsc_rgb c;
    int x0, y0, x1, y1;       /* RECT, IMAGE (destination), CLIP */
    double x, y, w, dash;     /* MARKER: x, y, size w; STROKE: width w, dash */
    int marker;               /* MARKER: enum rsc_marker */
    size_t n;                 /* STROKE: points */
    double *pts;              /* STROKE: x0 y0 x1 y1 ... (owned) */
    char *text;               /* TEXT (owned) */
    int scale, flags, halign, valign;
    unsigned char *rgb;       /* IMAGE: sw x sh pixels (owned) */
    int sw, sh;
};

struct canvas_glyph {         /* a character an output cannot show */
    uint32_t cp;              /* RSC_UTF8_INVALID: ill-formed UTF-8 */
    unsigned char byte;       /* ill-formed UTF-8: its first byte */
    const char *what;
};

struct rsc_canvas {
    int w, h;
    int failed;               /* an operation was lost for want of memory */
    size_t nops, cap;
    struct canvas_op *ops;
    size_t nglyphs, gcap;
    struct canvas_glyph *glyphs;
};

/* Nearest neighbour: the source pixel (of n) under the centre of
 * destination pixel d (of m). */
static inline int rsc_canvas_nearest(int64_t d, int64_t m, int n)
{
    return (int)((d * 2 + 1) * n / (2 * m));
}

/* The character text shows at cp in SVG: cp itself, or '?' for ill-formed
 * UTF-8 and for what XML 1.0 cannot hold (controls, U+FFFE, U+FFFF). */
uint32_t rsc_canvas_svg_char(uint32_t cp);

#endif
