/* svg.c - a canvas as SVG 1.1: rectangles, polylines, marker shapes,
 * <text> on the bitmap font's boxes, images as embedded PNG with crisp
 * pixels, clip paths.  Numbers are written with at most two decimals. */
#include "config.h"

#include "plot/canvas.h"
#include "plot/canvas_ops.h"
#include "plot/font.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The text's font: sans-serif, its cap height (about 0.72 em) that of the
 * bitmap font's capitals (7 font pixels). */
#define FONT_FAMILY "DejaVu Sans, Helvetica, Arial, sans-serif"
#define FONT_EM 9.5   /* font size in font pixels */

/* v rounded to 0.01, without trailing zeros ("12", "12.5", "-0.25"). */
static void num(FILE *fp, double v)
{
    char buf[64];
    double r = floor(v * 100 + 0.5) / 100;
    if (r == 0)
        r = 0;   /* no "-0" */
    snprintf(buf, sizeof buf, "%.2f", r);
    char *e = buf + strlen(buf);
    while (e[-1] == '0')
        *--e = '\0';
    if (e[-1] == '.')
        e[-1] = '\0';
    fputs(buf, fp);
}

static void color(FILE *fp, rsc_rgb c)
{
    fprintf(fp, "#%02x%02x%02x", c.r, c.g, c.b);
}

/* Text as XML character data or an attribute value: & < > " ' escaped,
 * ill-formed UTF-8 and characters XML cannot hold written as '?'. */
static void escaped(FILE *fp, const char *s)
{
    uint32_t cp;
    while (*s) {
        size_t len = rsc_utf8_next(s, &cp);
        uint32_t shown = rsc_canvas_svg_char(cp);
        switch (shown) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&apos;", fp); break;
        default:
            if (shown == cp)
                fwrite(s, 1, len, fp);   /* well-formed: the bytes as they are */
            else
                fputc((int)shown, fp);
        }
        s += len;
    }
}

static void points(FILE *fp, const double *xy, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(' ', fp);
        num(fp, xy[2 * i]);
        fputc(',', fp);
        num(fp, xy[2 * i + 1]);
    }
}

static void polygon(FILE *fp, double cx, double cy, double r, const double *shape, size_t n,
                    rsc_rgb c)
{
    fputs("<polygon points=\"", fp);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(' ', fp);
        num(fp, cx + shape[2 * i] * r);
        fputc(',', fp);
        num(fp, cy + shape[2 * i + 1] * r);
    }
    fputs("\" fill=\"", fp);
    color(fp, c);
    fputs("\"/>\n", fp);
}

/* The shapes of plot.c's inside_marker, in units of the radius. */
static const double tri_up[] = { 0, -1.1, 1.05, 0.75, -1.05, 0.75 };
static const double tri_down[] = { 0, 1.1, 1.05, -0.75, -1.05, -0.75 };
static const double diamond[] = { 0, -1.15, 1.15, 0, 0, 1.15, -1.15, 0 };
static const double cross[] = { 0.42, 0, 0.9, 0.48, 0.9, 0.9, 0.48, 0.9, 0, 0.42, -0.48, 0.9,
                                -0.9, 0.9, -0.9, 0.48, -0.42, 0, -0.9, -0.48, -0.9, -0.9,
                                -0.48, -0.9, 0, -0.42, 0.48, -0.9, 0.9, -0.9, 0.9, -0.48 };
static const double plus[] = { 0.3, -1.05, 0.3, -0.3, 1.05, -0.3, 1.05, 0.3, 0.3, 0.3,
                               0.3, 1.05, -0.3, 1.05, -0.3, 0.3, -1.05, 0.3, -1.05, -0.3,
                               -0.3, -0.3, -0.3, -1.05 };

static void marker(FILE *fp, const struct canvas_op *op)
{
    double r = op->w / 2, x = op->x, y = op->y;
    if (!isfinite(x) || !isfinite(y) || !(r > 0) || r > 1000)
        return;
    switch (op->marker) {
    case RSC_MARK_SQUARE:
        fputs("<rect x=\"", fp);
        num(fp, x - 0.82 * r);
        fputs("\" y=\"", fp);
        num(fp, y - 0.82 * r);
        fputs("\" width=\"", fp);
        num(fp, 1.64 * r);
        fputs("\" height=\"", fp);
        num(fp, 1.64 * r);
        fputs("\" fill=\"", fp);
        color(fp, op->c);
        fputs("\"/>\n", fp);
        return;
    case RSC_MARK_TRIANGLE: polygon(fp, x, y, r, tri_up, 3, op->c); return;
    case RSC_MARK_TRIANGLE_DOWN: polygon(fp, x, y, r, tri_down, 3, op->c); return;
    case RSC_MARK_DIAMOND: polygon(fp, x, y, r, diamond, 4, op->c); return;
    case RSC_MARK_X: polygon(fp, x, y, r, cross, 16, op->c); return;
    case RSC_MARK_PLUS: polygon(fp, x, y, r, plus, 12, op->c); return;
    default:
        fputs("<circle cx=\"", fp);
        num(fp, x);
        fputs("\" cy=\"", fp);
        num(fp, y);
        fputs("\" r=\"", fp);
        num(fp, r);
        fputs("\" fill=\"", fp);
        color(fp, op->c);
        fputs("\"/>\n", fp);
    }
}

/* A polyline without non-finite vertices (rsc_stroke draws the pieces
 * around one). */
static void stroke_piece(FILE *fp, const struct canvas_op *op, const double *xy, size_t n)
{
    if (n == 0)
        return;
    if (n == 1) {   /* a dot as wide as the line */
        fputs("<circle cx=\"", fp);
        num(fp, xy[0]);
        fputs("\" cy=\"", fp);
        num(fp, xy[1]);
        fputs("\" r=\"", fp);
        num(fp, op->w / 2);
        fputs("\" fill=\"", fp);
        color(fp, op->c);
        fputs("\"/>\n", fp);
        return;
    }
    fputs("<polyline points=\"", fp);
    points(fp, xy, n);
    fputs("\" fill=\"none\" stroke=\"", fp);
    color(fp, op->c);
    fputs("\" stroke-width=\"", fp);
    num(fp, op->w);
    if (op->dash > 0) {   /* dashes with square ends, as rsc_stroke cuts them */
        fputs("\" stroke-dasharray=\"", fp);
        num(fp, op->dash);
        fputs("\" stroke-linejoin=\"round", fp);
    } else {
        fputs("\" stroke-linecap=\"round\" stroke-linejoin=\"round", fp);
    }
    fputs("\"/>\n", fp);
}

static void stroke(FILE *fp, const struct canvas_op *op)
{
    if (!isfinite(op->w))
        return;
    size_t start = 0;
    for (size_t i = 0; i <= op->n; i++)
        if (i == op->n || !isfinite(op->pts[2 * i]) || !isfinite(op->pts[2 * i + 1])) {
            stroke_piece(fp, op, op->pts + 2 * start, i - start);
            start = i + 1;
        }
}

static void text(FILE *fp, const struct canvas_op *op)
{
    int left, top;
    if (!rsc_text_box(op->x, op->y, op->text, op->scale, op->flags, op->halign, op->valign,
                      &left, &top))
        return;
    int s = op->scale, tw = rsc_font_text_width(op->text, s, op->flags);
    /* The anchor: the start, middle or end of the text on the bitmap
     * font's baseline.  Rotated text reads upwards: its start is at the
     * bottom of the box, its baseline ASCENT to the right of the box's
     * left edge. */
    static const char *const anchor[3] = { "start", "middle", "end" };
    double ax, ay;
    int a;
    if (op->flags & RSC_FONT_ROT90) {
        ax = left + RSC_FONT_ASCENT * s;
        a = 2 - op->valign;   /* top of the box: the end of the text */
        ay = top + tw - a * tw / 2.0;
    } else {
        a = op->halign;
        ax = left + a * tw / 2.0;
        ay = top + RSC_FONT_ASCENT * s;
    }
    fputs("<text x=\"", fp);
    num(fp, ax);
    fputs("\" y=\"", fp);
    num(fp, ay);
    fputs("\" font-size=\"", fp);
    num(fp, FONT_EM * s);
    if (op->flags & RSC_FONT_BOLD)
        fputs("\" font-weight=\"bold", fp);
    if (a != RSC_ALIGN_START)
        fprintf(fp, "\" text-anchor=\"%s", anchor[a]);
    if (op->flags & RSC_FONT_ROT90) {
        fputs("\" transform=\"rotate(-90 ", fp);
        num(fp, ax);
        fputc(' ', fp);
        num(fp, ay);
        fputc(')', fp);
    }
    fputs("\" fill=\"", fp);
    color(fp, op->c);
    fputs("\">", fp);
    escaped(fp, op->text);
    fputs("</text>\n", fp);
}

static void base64(FILE *fp, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        fputc(tab[v >> 18], fp);
        fputc(tab[(v >> 12) & 63], fp);
        fputc(i + 1 < n ? tab[(v >> 6) & 63] : '=', fp);
        fputc(i + 2 < n ? tab[v & 63] : '=', fp);
    }
}

/* The image is embedded at its size in figure pixels, each source pixel a
 * block as in the PNG, so that it stays crisp at that size (and nearly so
 * when enlarged) in renderers that smooth images whatever
 * image-rendering says; an image shown smaller than its pixels, or larger
 * than 4096 figure pixels a side, is embedded as it is. */
#define EMBED_MAX 4096

static int image(FILE *fp, const char *fname, const struct canvas_op *op, rsc_error *err)
{
    int dw = op->x1 - op->x0, dh = op->y1 - op->y0;
    if (dw <= 0 || dh <= 0)
        return 0;
    rsc_image src = { .w = op->sw, .h = op->sh, .px = op->rgb, .src_channels = 3 };
    unsigned char *big = NULL;
    if (dw >= op->sw && dh >= op->sh && dw <= EMBED_MAX && dh <= EMBED_MAX &&
        (dw > op->sw || dh > op->sh) && (big = malloc((size_t)dw * dh * 3))) {
        for (int y = 0; y < dh; y++) {
            int sy = rsc_canvas_nearest(y, dh, op->sh);
            for (int x = 0; x < dw; x++)
                memcpy(big + 3 * ((size_t)y * dw + x),
                       op->rgb + 3 * ((size_t)sy * op->sw + rsc_canvas_nearest(x, dw, op->sw)), 3);
        }
        src = (rsc_image){ .w = dw, .h = dh, .px = big, .src_channels = 3 };
    }
    char *png = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&png, &len);
    if (!mem) {
        free(big);
        return rsc_fail(err, "%s: out of memory", fname);
    }
    int rc = rsc_png_write(mem, fname, &src, NULL, err);
    if (fclose(mem) != 0 && rc == 0)
        rc = rsc_fail(err, "%s: out of memory", fname);
    free(big);
    if (rc != 0) {
        free(png);
        return -1;
    }
    fprintf(fp, "<image x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" preserveAspectRatio=\"none\" "
            "image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" "
            "xlink:href=\"data:image/png;base64,", op->x0, op->y0, op->x1 - op->x0,
            op->y1 - op->y0);
    base64(fp, (const unsigned char *)png, len);
    fputs("\"/>\n", fp);
    free(png);
    return 0;
}

int rsc_canvas_svg_write(FILE *fp, const char *fname, const rsc_canvas *cv,
                         const char *software, rsc_error *err)
{
    if (rsc_canvas_check(cv, err) != 0)
        return -1;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
    if (software && *software && !strstr(software, "--") && software[strlen(software) - 1] != '-')
        fprintf(fp, "<!-- %s -->\n", software);
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" "
          "xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" width=\"", fp);
    num(fp, cv->w / (double)RSC_FIGURE_DPI);
    fputs("in\" height=\"", fp);
    num(fp, cv->h / (double)RSC_FIGURE_DPI);
    fprintf(fp, "in\" viewBox=\"0 0 %d %d\">\n", cv->w, cv->h);
    fprintf(fp, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", cv->w, cv->h);
    fputs("<g font-family=\"" FONT_FAMILY "\" xml:space=\"preserve\">\n", fp);
    int clips = 0, clipped = 0;
    for (size_t i = 0; i < cv->nops; i++) {
        const struct canvas_op *op = &cv->ops[i];
        switch (op->kind) {
        case OP_RECT:
            if (op->x1 <= op->x0 || op->y1 <= op->y0)
                break;
            fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"", op->x0,
                    op->y0, op->x1 - op->x0, op->y1 - op->y0);
            color(fp, op->c);
            fputs("\" shape-rendering=\"crispEdges\"/>\n", fp);
            break;
        case OP_STROKE:
            stroke(fp, op);
            break;
        case OP_MARKER:
            marker(fp, op);
            break;
        case OP_TEXT:
            text(fp, op);
            break;
        case OP_IMAGE:
            if (image(fp, fname, op, err) != 0)
                return -1;
            break;
        case OP_CLIP:
        case OP_UNCLIP:
            if (clipped)   /* a clip ends the one before */
                fputs("</g>\n", fp);
            clipped = 0;
            if (op->kind == OP_CLIP) {
                int w = op->x1 > op->x0 ? op->x1 - op->x0 : 0;
                int h = op->y1 > op->y0 ? op->y1 - op->y0 : 0;
                fprintf(fp, "<clipPath id=\"clip%d\"><rect x=\"%d\" y=\"%d\" width=\"%d\" "
                        "height=\"%d\"/></clipPath>\n<g clip-path=\"url(#clip%d)\">\n", clips,
                        op->x0, op->y0, w, h, clips);
                clips++;
                clipped = 1;
            }
            break;
        }
    }
    if (clipped)
        fputs("</g>\n", fp);
    fputs("</g>\n</svg>\n", fp);
    return rsc_fail_stream(err, fp, fname);
}
