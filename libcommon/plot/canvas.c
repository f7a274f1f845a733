/* canvas.c - recording a figure's drawing, drawing it as a raster image at
 * any factor, writing it as PNG or SVG, and the characters it cannot show. */
#include "config.h"

#include "plot/canvas.h"
#include "plot/canvas_ops.h"
#include "plot/font.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

rsc_canvas *rsc_canvas_new(int w, int h, rsc_error *err)
{
    if (rsc_image_check_size(w, h, err) != 0)
        return NULL;
    rsc_canvas *cv = rsc_calloc(1, sizeof *cv, err);
    if (!cv)
        return NULL;
    cv->w = w;
    cv->h = h;
    return cv;
}

void rsc_canvas_free(rsc_canvas *cv)
{
    if (!cv)
        return;
    for (size_t i = 0; i < cv->nops; i++) {
        free(cv->ops[i].pts);
        free(cv->ops[i].text);
        free(cv->ops[i].rgb);
    }
    free(cv->ops);
    free(cv->glyphs);
    free(cv);
}

int rsc_canvas_width(const rsc_canvas *cv)
{
    return cv->w;
}

int rsc_canvas_height(const rsc_canvas *cv)
{
    return cv->h;
}

int rsc_canvas_check(const rsc_canvas *cv, rsc_error *err)
{
    if (cv->failed)
        return rsc_fail(err, "out of memory drawing the figure");
    return 0;
}

/* A new operation of the given kind, or NULL (the canvas marked failed). */
static struct canvas_op *push(rsc_canvas *cv, int kind, rsc_rgb c)
{
    if (cv->failed)
        return NULL;
    if (cv->nops == cv->cap) {
        size_t cap = cv->cap ? 2 * cv->cap : 64;
        struct canvas_op *ops = realloc(cv->ops, cap * sizeof *ops);
        if (!ops) {
            cv->failed = 1;
            return NULL;
        }
        cv->ops = ops;
        cv->cap = cap;
    }
    struct canvas_op *op = &cv->ops[cv->nops++];
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->c = c;
    return op;
}

static void set_box(struct canvas_op *op, int x0, int y0, int x1, int y1)
{
    if (op) {
        op->x0 = x0;
        op->y0 = y0;
        op->x1 = x1;
        op->y1 = y1;
    }
}

void rsc_canvas_rect(rsc_canvas *cv, int x0, int y0, int x1, int y1, rsc_rgb c)
{
    set_box(push(cv, OP_RECT, c), x0, y0, x1, y1);
}

void rsc_canvas_stroke(rsc_canvas *cv, const double *xs, const double *ys, size_t n, double w,
                       rsc_rgb c, double dash)
{
    if (n == 0)
        return;
    double *pts = malloc(2 * n * sizeof *pts);
    struct canvas_op *op = pts ? push(cv, OP_STROKE, c) : NULL;
    if (!op) {
        free(pts);
        cv->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        pts[2 * i] = xs[i];
        pts[2 * i + 1] = ys[i];
    }
    op->pts = pts;
    op->n = n;
    op->w = w;
    op->dash = dash;
}

void rsc_canvas_line(rsc_canvas *cv, double x0, double y0, double x1, double y1, double w,
                     rsc_rgb c)
{
    double xs[2] = { x0, x1 }, ys[2] = { y0, y1 };
    rsc_canvas_stroke(cv, xs, ys, 2, w, c, 0);
}

void rsc_canvas_marker(rsc_canvas *cv, double x, double y, int kind, double size, rsc_rgb c)
{
    struct canvas_op *op = push(cv, OP_MARKER, c);
    if (op) {
        op->x = x;
        op->y = y;
        op->w = size;
        op->marker = kind;
    }
}

void rsc_canvas_errorbar(rsc_canvas *cv, double x, double y0, double y1, double cap, double w,
                         rsc_rgb c)
{
    rsc_canvas_line(cv, x, y0, x, y1, w, c);
    if (cap > 0) {
        rsc_canvas_line(cv, x - cap, y0, x + cap, y0, w, c);
        rsc_canvas_line(cv, x - cap, y1, x + cap, y1, w, c);
    }
}

/* Note a character that an output cannot show (once per character; one
 * note for all ill-formed UTF-8). */
static void note_glyph(rsc_canvas *cv, uint32_t cp, unsigned char byte, const char *what)
{
    for (size_t i = 0; i < cv->nglyphs; i++)
        if (cv->glyphs[i].cp == cp)
            return;
    if (cv->nglyphs == cv->gcap) {
        size_t cap = cv->gcap ? 2 * cv->gcap : 8;
        struct canvas_glyph *g = realloc(cv->glyphs, cap * sizeof *g);
        if (!g) {
            cv->failed = 1;
            return;
        }
        cv->glyphs = g;
        cv->gcap = cap;
    }
    cv->glyphs[cv->nglyphs++] = (struct canvas_glyph){ cp, byte, what ? what : "text" };
}

void rsc_canvas_text(rsc_canvas *cv, double x, double y, const char *text, int scale, int flags,
                     int halign, int valign, rsc_rgb c, const char *what)
{
    if (!*text)
        return;
    char *copy = strdup(text);
    struct canvas_op *op = copy ? push(cv, OP_TEXT, c) : NULL;
    if (!op) {
        free(copy);
        cv->failed = 1;
        return;
    }
    op->x = x;
    op->y = y;
    op->text = copy;
    op->scale = scale;
    op->flags = flags;
    op->halign = halign;
    op->valign = valign;
    uint32_t cp;
    for (const char *p = text; *p;) {
        size_t len = rsc_utf8_next(p, &cp);
        if (cp == RSC_UTF8_INVALID || !rsc_font_glyph_cp(cp))
            note_glyph(cv, cp, (unsigned char)*p, what);
        p += len;
    }
}

void rsc_canvas_image(rsc_canvas *cv, int x0, int y0, int x1, int y1, const unsigned char *rgb,
                      int sw, int sh)
{
    if (sw < 1 || sh < 1)
        return;
    unsigned char *copy = malloc((size_t)sw * sh * 3);
    struct canvas_op *op = copy ? push(cv, OP_IMAGE, RSC_BLACK) : NULL;
    if (!op) {
        free(copy);
        cv->failed = 1;
        return;
    }
    memcpy(copy, rgb, (size_t)sw * sh * 3);
    op->rgb = copy;
    op->sw = sw;
    op->sh = sh;
    set_box(op, x0, y0, x1, y1);
}

void rsc_canvas_clip(rsc_canvas *cv, int x0, int y0, int x1, int y1)
{
    set_box(push(cv, OP_CLIP, RSC_BLACK), x0, y0, x1, y1);
}

void rsc_canvas_unclip(rsc_canvas *cv)
{
    push(cv, OP_UNCLIP, RSC_BLACK);
}

/* ------------------------------------------------------------ raster */
/* A figure coordinate at factor f as an image pixel boundary (nearest,
 * halves up), kept far from int overflow. */
static int at(double v, double f)
{
    double p = floor(v * f + 0.5);
    return p < -1e7 ? -10000000 : p > 1e7 ? 10000000 : (int)p;
}

static void raster_image(rsc_image *img, const struct canvas_op *op, double f)
{
    int X0 = at(op->x0, f), Y0 = at(op->y0, f), X1 = at(op->x1, f), Y1 = at(op->y1, f);
    if (X1 <= X0 || Y1 <= Y0)
        return;
    int bx0 = X0, by0 = Y0, bx1 = X1, by1 = Y1;
    rsc_image_clamp(img, &bx0, &by0, &bx1, &by1);
    for (int y = by0; y < by1; y++) {
        int sy = rsc_canvas_nearest(y - Y0, (int64_t)Y1 - Y0, op->sh);
        for (int x = bx0; x < bx1; x++) {
            int sx = rsc_canvas_nearest(x - X0, (int64_t)X1 - X0, op->sw);
            memcpy(rsc_image_at(img, x, y), op->rgb + 3 * ((size_t)sy * op->sw + sx), 3);
        }
    }
}

static void raster_text(rsc_image *img, const struct canvas_op *op, double f)
{
    int left, top;
    if (!rsc_text_box(op->x, op->y, op->text, op->scale, op->flags, op->halign, op->valign,
                      &left, &top))
        return;
    const unsigned char rgb[3] = { op->c.r, op->c.g, op->c.b };
    double s = op->scale * f, si = floor(s + 0.5);
    if (fabs(s - si) < 1e-9 && si >= 1 && si <= 1000)   /* crisp at an integer scale */
        rsc_font_draw(img, at(left, f), at(top, f), op->text, (int)si, op->flags, rgb);
    else
        rsc_font_draw_scaled(img, left * f, top * f, op->text, s, op->flags, rgb);
}

rsc_image *rsc_canvas_raster(const rsc_canvas *cv, double f, rsc_error *err)
{
    if (rsc_canvas_check(cv, err) != 0)
        return NULL;
    if (!(f > 0) || !isfinite(f)) {
        rsc_fail(err, "scale factor %g is not a positive number", f);
        return NULL;
    }
    double W = floor(cv->w * f + 0.5), H = floor(cv->h * f + 0.5);
    if (!(W >= 1 && H >= 1 && W <= RSC_IMAGE_MAX_SIDE && H <= RSC_IMAGE_MAX_SIDE)) {
        rsc_fail(err, "the %dx%d figure at scale %g would be %.0fx%.0f pixels (1 to %d a side)",
                 cv->w, cv->h, f, W, H, RSC_IMAGE_MAX_SIDE);
        return NULL;
    }
    rsc_image *img = rsc_image_new((int)W, (int)H, err);
    if (!img)
        return NULL;
    for (size_t i = 0; i < cv->nops; i++) {
        const struct canvas_op *op = &cv->ops[i];
        switch (op->kind) {
        case OP_RECT: {   /* edges to the nearest pixel; at least one pixel thick */
            int X0 = at(op->x0, f), Y0 = at(op->y0, f), X1 = at(op->x1, f), Y1 = at(op->y1, f);
            if (op->x1 > op->x0 && X1 == X0)
                X1++;
            if (op->y1 > op->y0 && Y1 == Y0)
                Y1++;
            rsc_fill_rect(img, X0, Y0, X1, Y1, op->c);
            break;
        }
        case OP_STROKE: {
            double *xs = malloc(2 * op->n * sizeof *xs);
            if (!xs) {
                rsc_image_free(img);
                rsc_fail(err, "out of memory drawing the figure");
                return NULL;
            }
            for (size_t k = 0; k < op->n; k++) {
                xs[k] = op->pts[2 * k] * f;
                xs[op->n + k] = op->pts[2 * k + 1] * f;
            }
            rsc_stroke(img, xs, xs + op->n, op->n, op->w * f, op->c, op->dash * f);
            free(xs);
            break;
        }
        case OP_MARKER:
            rsc_marker(img, op->x * f, op->y * f, op->marker, op->w * f, op->c);
            break;
        case OP_TEXT:
            raster_text(img, op, f);
            break;
        case OP_IMAGE:
            raster_image(img, op, f);
            break;
        case OP_CLIP:   /* a clip ends the one before */
            img->clip_x0 = at(op->x0, f);
            img->clip_y0 = at(op->y0, f);
            img->clip_x1 = at(op->x1, f);
            img->clip_y1 = at(op->y1, f);
            if (img->clip_x1 <= img->clip_x0 || img->clip_y1 <= img->clip_y0) {   /* empty */
                img->clip_x0 = img->clip_y0 = img->clip_y1 = 0;
                img->clip_x1 = 1;
            }
            break;
        case OP_UNCLIP:
            img->clip_x0 = img->clip_y0 = img->clip_x1 = img->clip_y1 = 0;
            break;
        }
    }
    img->clip_x0 = img->clip_y0 = img->clip_x1 = img->clip_y1 = 0;
    return img;
}

/* ------------------------------------------------------------ outputs */
int rsc_figure_format(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n >= 4 && strcasecmp(path + n - 4, ".svg") == 0 ? RSC_FIGURE_SVG : RSC_FIGURE_PNG;
}

int rsc_canvas_write(FILE *fp, const char *fname, const rsc_canvas *cv, int format, double dpi,
                     const char *software, rsc_error *err)
{
    if (format == RSC_FIGURE_SVG)
        return rsc_canvas_svg_write(fp, fname, cv, software, err);
    double f = dpi > 0 ? dpi / RSC_FIGURE_DPI : 1;
    double W = floor(cv->w * f + 0.5), H = floor(cv->h * f + 0.5);
    if (!(W >= 1 && H >= 1 && W <= RSC_IMAGE_MAX_SIDE && H <= RSC_IMAGE_MAX_SIDE))
        return rsc_fail(err, "%s: the %dx%d figure at %g dpi would be %.0fx%.0f pixels "
                        "(1 to %d a side)", fname, cv->w, cv->h, dpi, W, H, RSC_IMAGE_MAX_SIDE);
    rsc_image *img = rsc_canvas_raster(cv, f, err);
    if (!img)
        return -1;
    int rc = rsc_png_write_dpi(fp, fname, img, software, dpi, err);
    rsc_image_free(img);
    return rc;
}

/* ------------------------------------------------------------ glyphs */
uint32_t rsc_canvas_svg_char(uint32_t cp)
{
    if (cp == RSC_UTF8_INVALID || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return '?';
    return cp;
}

/* cp as UTF-8 into buf (5 bytes); returns buf. */
static char *utf8(uint32_t cp, char *buf)
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        buf[1] = 0;
    } else if (cp < 0x800) {
        buf[0] = (char)(0xC0 | cp >> 6);
        buf[1] = (char)(0x80 | (cp & 0x3F));
        buf[2] = 0;
    } else if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | cp >> 12);
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        buf[3] = 0;
    } else {
        buf[0] = (char)(0xF0 | cp >> 18);
        buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[3] = (char)(0x80 | (cp & 0x3F));
        buf[4] = 0;
    }
    return buf;
}

int rsc_canvas_glyph_warning(const rsc_canvas *cv, int format, size_t i, char *buf, size_t size)
{
    for (size_t k = 0; k < cv->nglyphs; k++) {
        const struct canvas_glyph *g = &cv->glyphs[k];
        int unshowable = rsc_canvas_svg_char(g->cp) == '?';   /* in either format */
        if (!unshowable && format == RSC_FIGURE_SVG)
            continue;
        if (i-- > 0)
            continue;
        char ch[5];
        if (g->cp == RSC_UTF8_INVALID)
            snprintf(buf, size, "invalid UTF-8 (byte 0x%02x) in %s; drawn as '?'", g->byte,
                     g->what);
        else if (unshowable)
            snprintf(buf, size, "no glyph for %s U+%04X in %s; drawn as '?'",
                     g->cp < 0xA0 ? "control character" : "noncharacter", (unsigned)g->cp,
                     g->what);
        else
            snprintf(buf, size, "no glyph for U+%04X '%s' in %s; drawn as '?'", (unsigned)g->cp,
                     utf8(g->cp, ch), g->what);
        return 1;
    }
    return 0;
}
