/* test-canvas.c - the figures' drawing interface and its outputs: UTF-8
 * decoding, the font's Greek letters and symbols (exact pixels of γ, λ and
 * ±), the canvas drawn at factor 1 giving exactly the pixels of the
 * primitives, scaled rasters, the SVG writer (structure, anchors, compact
 * numbers, escaping, embedded images, clipping), the warnings about
 * characters an output cannot show, PNG resolution chunks. */
#include "config.h"

#define _GNU_SOURCE 1

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/canvas.h"
#include "plot/chart.h"
#include "plot/chart_data.h"
#include "format/table.h"
#include "plot/font.h"
#include "plot/image.h"
#include "plot/plot.h"

static const rsc_rgb black = { 0, 0, 0 };

/* ------------------------------------------------------------ UTF-8 */
static void expect_next(const char *s, uint32_t cp, size_t len)
{
    uint32_t got;
    size_t n = rsc_utf8_next(s, &got);
    if (got != cp || n != len)
        fail_msg("'%s': got U+%04X in %zu bytes, expected U+%04X in %zu", s, (unsigned)got, n,
                 (unsigned)cp, len);
}

static void test_utf8(void **state)
{
    (void)state;
    const uint32_t BAD = RSC_UTF8_INVALID;
    expect_next("a", 'a', 1);
    expect_next("\xC3\xA9", 0xE9, 2);                 /* é */
    expect_next("\xCE\xBB", 0x3BB, 2);                /* λ */
    expect_next("\xE2\x89\xA5", 0x2265, 3);           /* ≥ */
    expect_next("\xEF\xBF\xBD", 0xFFFD, 3);
    expect_next("\xF0\x9F\x98\x80", 0x1F600, 4);
    expect_next("\xF4\x8F\xBF\xBF", 0x10FFFF, 4);
    /* ill-formed: one error for the maximal well-formed prefix */
    expect_next("\x80", BAD, 1);                      /* stray continuation */
    expect_next("\xC0\x80", BAD, 1);                  /* overlong NUL */
    expect_next("\xC1\xBF", BAD, 1);
    expect_next("\xE0\x80\x80", BAD, 1);              /* overlong 3-byte */
    expect_next("\xED\xA0\x80", BAD, 1);              /* surrogate D800 */
    expect_next("\xF0\x80\x80\x80", BAD, 1);          /* overlong 4-byte */
    expect_next("\xF4\x90\x80\x80", BAD, 1);          /* beyond U+10FFFF */
    expect_next("\xF5\x80\x80\x80", BAD, 1);
    expect_next("\xFF", BAD, 1);
    expect_next("\xE2\x89x", BAD, 2);                 /* cut short */
    expect_next("\xF0\x9F\x98", BAD, 3);              /* cut by the end */
    /* lengths: code points, each ill-formed sequence one */
    assert_int_equal(rsc_font_length(""), 0);
    assert_int_equal(rsc_font_length("a\xE2\x89" "b\xCE\xBB"), 4);
    assert_int_equal(rsc_font_length("\x80\x80"), 2);
    /* widths count characters, not bytes */
    assert_int_equal(rsc_font_text_width("\xCE\xBB\xC2\xB1", 2, 0), rsc_font_text_width("ab", 2, 0));
    assert_int_equal(rsc_font_text_width("\xE2\x98\x83", 1, 0), 5);
}

/* ------------------------------------------------------------ glyphs */
static int glyph_equal(const char *const *a, const char *const *b)
{
    for (int r = 0; r < RSC_FONT_H; r++)
        if (strcmp(a[r] ? a[r] : ".....", b[r] ? b[r] : ".....") != 0)
            return 0;
    return 1;
}

static void test_glyph_set(void **state)
{
    (void)state;
    size_t n = rsc_font_glyph_count(NULL, 0);
    uint32_t *cps = malloc(n * sizeof *cps);
    assert_non_null(cps);
    assert_int_equal(rsc_font_glyph_count(cps, n), n);
    for (size_t i = 0; i < n; i++) {   /* ascending; every glyph 9 rows of 5 '.'/'#' */
        if (i)
            assert_true(cps[i] > cps[i - 1]);
        const char *const *g = rsc_font_glyph_cp(cps[i]);
        assert_non_null(g);
        for (int r = 0; r < RSC_FONT_H; r++)
            if (g[r]) {
                assert_int_equal(strlen(g[r]), RSC_FONT_W);
                assert_int_equal(strspn(g[r], ".#"), RSC_FONT_W);
            }
    }
    free(cps);
    /* the Greek alphabet, both cases, and the symbols of axis labels */
    for (uint32_t c = 0x391; c <= 0x3A9; c++)
        if (c != 0x3A2)
            assert_non_null(rsc_font_glyph_cp(c));
    for (uint32_t c = 0x3B1; c <= 0x3C9; c++)
        assert_non_null(rsc_font_glyph_cp(c));
    const uint32_t symbols[] = { 0xB1, 0x2265, 0x2264, 0xB2, 0xB3, 0xD7, 0xB7, 0xB0, 0xB5,
                                 0x2212, 0x2013, 0x221E, 0x2248, 0x2260, 0x2192, 0x3D5, 0x3F5 };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        assert_non_null(rsc_font_glyph_cp(symbols[i]));
    /* lower-case Greek: 25 distinct glyphs, none '?'; ο is o */
    const char *const *q = rsc_font_glyph('?');
    for (uint32_t a = 0x3B1; a <= 0x3C9; a++) {
        assert_false(glyph_equal(rsc_font_glyph_cp(a), q));
        for (uint32_t b = a + 1; b <= 0x3C9; b++)
            if (glyph_equal(rsc_font_glyph_cp(a), rsc_font_glyph_cp(b)))
                fail_msg("U+%04X and U+%04X share a glyph", (unsigned)a, (unsigned)b);
    }
    assert_ptr_equal(rsc_font_glyph_cp(0x3BF), rsc_font_glyph('o'));
    assert_ptr_equal(rsc_font_glyph_cp(0x391), rsc_font_glyph('A'));   /* Α is A */
    assert_ptr_equal(rsc_font_glyph_cp(0x2212), rsc_font_glyph('-'));  /* minus sign */
    assert_ptr_equal(rsc_font_glyph_cp(0xB5), rsc_font_glyph_cp(0x3BC)); /* micro is mu */
    for (uint32_t a = 0x393; a <= 0x3A9; a++) {   /* capitals: not '?' */
        if (a != 0x3A2)
            assert_false(glyph_equal(rsc_font_glyph_cp(a), q));
    }
    /* none: controls, DEL, the snowman, ill-formed UTF-8 */
    assert_null(rsc_font_glyph_cp(1));
    assert_null(rsc_font_glyph_cp(0x7F));
    assert_null(rsc_font_glyph_cp(0x2603));
    assert_null(rsc_font_glyph_cp(RSC_UTF8_INVALID));
    /* ASCII is as it was: FNV-1a of the 95 glyphs' rows */
    uint64_t h = 1469598103934665603ULL;
    for (int ch = 32; ch < 127; ch++)
        for (int r = 0; r < RSC_FONT_H; r++) {
            const char *row = rsc_font_glyph((unsigned char)ch)[r];
            assert_ptr_equal(rsc_font_glyph_cp((uint32_t)ch), rsc_font_glyph((unsigned char)ch));
            for (const char *p = row ? row : "....."; *p; p++) {
                h ^= (unsigned char)*p;
                h *= 1099511628211ULL;
            }
        }
    assert_true(h == 0xc8db909723e117f8ULL);
}

/* The ink of cell i (x0 + 6i, y0) of img at scale 1 is exactly rows. */
static void expect_cell(const rsc_image *img, int x0, int y0, const char *const rows[9])
{
    for (int r = 0; r < RSC_FONT_H; r++)
        for (int c = 0; c < RSC_FONT_ADVANCE; c++) {
            int want = c < RSC_FONT_W && rows[r][c] == '#';
            int got = rsc_image_at(img, x0 + c, y0 + r)[0] == 0;
            if (got != want)
                fail_msg("pixel (%d, %d) of the cell at (%d, %d): ink %d, expected %d", c, r, x0,
                         y0, got, want);
        }
}

static void test_greek_pixels(void **state)
{
    (void)state;
    static const char *const gamma[9] = { ".....", ".....", "#...#", "#...#", ".#.#.", ".#.#.",
                                          "..#..", ".#.#.", "..#.." };
    static const char *const lambda[9] = { "##...", "..#..", "..#..", ".#.#.", ".#.#.", "#...#",
                                           "#...#", ".....", "....." };
    static const char *const plusminus[9] = { "..#..", "..#..", "#####", "..#..", "..#..", ".....",
                                              "#####", ".....", "....." };
    static const char *const question[9] = { ".###.", "#...#", "....#", "...#.", "..#..", ".....",
                                             "..#..", ".....", "....." };
    rsc_error err;
    /* a label "γλ±☃" through the canvas, drawn at factor 1 */
    rsc_canvas *cv = rsc_canvas_new(40, 20, &err);
    assert_non_null(cv);
    rsc_canvas_text(cv, 3, 4, "\xCE\xB3\xCE\xBB\xC2\xB1\xE2\x98\x83", 1, 0, RSC_ALIGN_START,
                    RSC_ALIGN_START, black, "title");
    rsc_image *img = rsc_canvas_raster(cv, 1, &err);
    assert_non_null(img);
    expect_cell(img, 3, 4, gamma);
    expect_cell(img, 9, 4, lambda);
    expect_cell(img, 15, 4, plusminus);
    expect_cell(img, 21, 4, question);   /* the snowman: drawn as '?' */
    /* each glyph's ink differs from '?' */
    const char *const *g[3] = { gamma, lambda, plusminus };
    for (int i = 0; i < 3; i++)
        assert_false(glyph_equal(g[i], question));
    rsc_image_free(img);
    rsc_canvas_free(cv);
    /* at scale 2 (Scale2x) as well: the same ink as the font draws it, not '?' */
    rsc_image *a = rsc_image_new(30, 30, &err), *b = rsc_image_new(30, 30, &err);
    const unsigned char k[3] = { 0, 0, 0 };
    rsc_font_draw(a, 2, 2, "\xCE\xB3", 2, 0, k);
    rsc_font_draw(b, 2, 2, "?", 2, 0, k);
    assert_memory_not_equal(a->px, b->px, 30 * 30 * 3);
    rsc_image_free(a);
    rsc_image_free(b);
    /* in a chart title: "γλ±" differs from "???", "☃☃☃" does not */
    const char *x[1] = { "count" }, *y[1] = { "score" };
    rsc_chart_spec sp = { .x = x, .nx = 1, .y = y, .ny = 1, .kind = RSC_CHART_LINE,
                          .xscale = RSC_XSCALE_AUTO, .ymin = NAN, .ymax = NAN };
    static const char *const titles[3] = { "\xCE\xB3\xCE\xBB\xC2\xB1", "???",
                                           "\xE2\x98\x83\xE2\x98\x83\xE2\x98\x83" };
    rsc_image *im[3];
    for (int i = 0; i < 3; i++) {
        const char *text = "count\tscore\n1\t0.5\n2\t0.7\n";
        FILE *fp = fmemopen((void *)text, strlen(text), "r");
        rsc_table *t = rsc_table_read(fp, "t.tsv", &err);
        fclose(fp);
        assert_non_null(t);
        sp.title = titles[i];
        rsc_chart *c = rsc_chart_from_table(t, &sp, &err);
        assert_non_null(c);
        im[i] = rsc_chart_render(c, 400, 300, NULL, &err);
        assert_non_null(im[i]);
        rsc_chart_free(c);
        rsc_table_free(t);
    }
    assert_memory_not_equal(im[0]->px, im[1]->px, 400 * 300 * 3);
    assert_memory_equal(im[1]->px, im[2]->px, 400 * 300 * 3);
    for (int i = 0; i < 3; i++)
        rsc_image_free(im[i]);
}

/* ------------------------------------------------------------ raster */
static void test_canvas_identity(void **state)
{
    (void)state;
    /* Every operation drawn through the canvas at factor 1 gives the bytes
     * of plot.h's primitives on an image. */
    rsc_error err;
    const int W = 160, H = 120;
    rsc_canvas *cv = rsc_canvas_new(W, H, &err);
    rsc_image *ref = rsc_image_new(W, H, &err);
    assert_non_null(cv);
    assert_non_null(ref);
    rsc_rgb red = { 200, 30, 40 }, blue = { 31, 119, 180 };
    unsigned char src[6 * 3] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9, 200, 100, 0, 1, 2, 3 };

    rsc_canvas_rect(cv, 5, 6, 40, 9, red);
    rsc_fill_rect(ref, 5, 6, 40, 9, red);
    double xs[5] = { 10.3, 40.7, NAN, 60.2, 90.9 }, ys[5] = { 20.1, 50.5, 3, 22.2, 70.4 };
    rsc_canvas_stroke(cv, xs, ys, 5, 2.5, blue, 3);
    rsc_stroke(ref, xs, ys, 5, 2.5, blue, 3);
    rsc_canvas_line(cv, 0.5, 100.25, 150.75, 90, 1.25, red);
    rsc_line(ref, 0.5, 100.25, 150.75, 90, 1.25, red);
    for (int k = 0; k < RSC_MARK_COUNT; k++) {
        rsc_canvas_marker(cv, 20 + 17.3 * k, 80.6, k, 9, blue);
        rsc_marker(ref, 20 + 17.3 * k, 80.6, k, 9, blue);
    }
    rsc_canvas_text(cv, 80.5, 10, "Ab \xCE\xBB=1", 2, RSC_FONT_BOLD, RSC_ALIGN_CENTER,
                    RSC_ALIGN_START, red, "title");
    rsc_text(ref, 80.5, 10, "Ab \xCE\xBB=1", 2, RSC_FONT_BOLD, RSC_ALIGN_CENTER, RSC_ALIGN_START, red);
    rsc_canvas_text(cv, 150, 60, "y \xC2\xB1 se", 1, RSC_FONT_ROT90, RSC_ALIGN_END,
                    RSC_ALIGN_CENTER, black, "y label");
    rsc_text(ref, 150, 60, "y \xC2\xB1 se", 1, RSC_FONT_ROT90, RSC_ALIGN_END, RSC_ALIGN_CENTER, black);
    /* an image 3 x 2 stretched over 9 x 6: blocks of 3 */
    rsc_canvas_image(cv, 100, 30, 109, 36, src, 3, 2);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) {
            const unsigned char *p = src + 3 * (r * 3 + c);
            rsc_fill_rect(ref, 100 + 3 * c, 30 + 3 * r, 103 + 3 * c, 33 + 3 * r,
                          (rsc_rgb){ p[0], p[1], p[2] });
        }
    /* clipping: only [30, 70) x [40, 60) changes */
    rsc_canvas_clip(cv, 30, 40, 70, 60);
    rsc_canvas_line(cv, 0, 0, 159, 119, 4, red);
    rsc_canvas_unclip(cv);
    unsigned char *before = malloc((size_t)W * H * 3);
    assert_non_null(before);
    memcpy(before, ref->px, (size_t)W * H * 3);
    rsc_line(ref, 0, 0, 159, 119, 4, red);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (x < 30 || x >= 70 || y < 40 || y >= 60)
                memcpy(rsc_image_at(ref, x, y), before + 3 * ((size_t)y * W + x), 3);
    free(before);

    rsc_image *img = rsc_canvas_raster(cv, 1, &err);
    assert_non_null(img);
    assert_int_equal(img->w, W);
    assert_int_equal(img->h, H);
    assert_memory_equal(img->px, ref->px, (size_t)W * H * 3);
    rsc_image_free(img);
    rsc_image_free(ref);
    rsc_canvas_free(cv);
}

static void test_canvas_scale(void **state)
{
    (void)state;
    rsc_error err;
    rsc_canvas *cv = rsc_canvas_new(50, 30, &err);
    assert_non_null(cv);
    rsc_rgb red = { 255, 0, 0 };
    rsc_canvas_rect(cv, 10, 5, 20, 6, red);   /* one pixel high */
    rsc_canvas_text(cv, 2, 12, "\xCE\xB3", 1, 0, RSC_ALIGN_START, RSC_ALIGN_START, black, "label");
    /* factor 3: 150 x 90; the rectangle is [30, 60) x [15, 18) exactly;
     * the text is the font at scale 3 at (6, 36) */
    rsc_image *img = rsc_canvas_raster(cv, 3, &err);
    assert_non_null(img);
    assert_int_equal(img->w, 150);
    assert_int_equal(img->h, 90);
    size_t reds = 0;
    for (int y = 0; y < 90; y++)
        for (int x = 0; x < 150; x++) {
            const unsigned char *p = rsc_image_at(img, x, y);
            int in = x >= 30 && x < 60 && y >= 15 && y < 18;
            reds += p[0] == 255 && p[1] == 0;
            if (in)
                assert_true(p[0] == 255 && p[1] == 0 && p[2] == 0);
        }
    assert_int_equal(reds, 30 * 3);
    rsc_image *ref = rsc_image_new(150, 90, &err);
    const unsigned char k[3] = { 0, 0, 0 };
    rsc_fill_rect(ref, 30, 15, 60, 18, red);
    rsc_font_draw(ref, 6, 36, "\xCE\xB3", 3, 0, k);
    assert_memory_equal(img->px, ref->px, 150 * 90 * 3);
    rsc_image_free(ref);
    rsc_image_free(img);
    /* factor 0.5: 25 x 15, the rectangle still one pixel high */
    img = rsc_canvas_raster(cv, 0.5, &err);
    assert_non_null(img);
    assert_int_equal(img->w, 25);
    assert_int_equal(img->h, 15);
    reds = 0;
    for (int y = 0; y < 15; y++)
        for (int x = 0; x < 25; x++)
            reds += rsc_image_at(img, x, y)[1] == 0 && rsc_image_at(img, x, y)[0] == 255;
    assert_int_equal(reds, 5);
    rsc_image_free(img);
    /* factor 1.25: 62.5 x 37.5 rounds up; the text at scale 1.25 is
     * smoothed (grey levels), inside its box */
    img = rsc_canvas_raster(cv, 1.25, &err);
    assert_non_null(img);
    assert_int_equal(img->w, 63);
    assert_int_equal(img->h, 38);
    int grey = 0, ink = 0;
    for (int y = 0; y < 38; y++)
        for (int x = 0; x < 63; x++) {
            const unsigned char *p = rsc_image_at(img, x, y);
            if (p[0] == p[1] && p[0] < 255) {
                ink++;
                grey += p[0] > 0;
                assert_true(x >= 2 && x < 2 + 7 && y >= 15 && y < 15 + 12);
            }
        }
    assert_true(ink > 10);
    assert_true(grey > 0);
    rsc_image_free(img);
    /* bad factors and sizes */
    assert_null(rsc_canvas_raster(cv, 0, &err));
    assert_string_equal(err.msg, "scale factor 0 is not a positive number");
    assert_null(rsc_canvas_raster(cv, 400, &err));
    assert_string_equal(err.msg, "the 50x30 figure at scale 400 would be 20000x12000 pixels "
                        "(1 to 16384 a side)");
    assert_null(rsc_canvas_new(0, 10, &err));
    assert_non_null(strstr(err.msg, "out of range"));
    rsc_canvas_free(cv);
}

/* ------------------------------------------------------------ SVG */
/* The SVG of cv into *buf (malloc'ed). */
static void svg_of(const rsc_canvas *cv, char **buf)
{
    size_t len = 0;
    FILE *fp = open_memstream(buf, &len);
    assert_non_null(fp);
    rsc_error err;
    if (rsc_canvas_svg_write(fp, "t.svg", cv, "test (rsc) 1", &err) != 0)
        fail_msg("%s", err.msg);
    fclose(fp);
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static void expect_in(const char *svg, const char *what)
{
    if (!strstr(svg, what))
        fail_msg("the SVG lacks: %s\n%s", what, svg);
}

static void test_svg(void **state)
{
    (void)state;
    rsc_error err;
    rsc_canvas *cv = rsc_canvas_new(200, 100, &err);
    assert_non_null(cv);
    rsc_rgb red = { 255, 0, 0 }, ink = { 0x26, 0x26, 0x26 };
    rsc_canvas_rect(cv, 10, 20, 40, 25, red);
    rsc_canvas_rect(cv, 10, 20, 10, 25, red);   /* empty: left out */
    double xs[4] = { 1, 3.5, NAN, 1.0 / 3 }, ys[4] = { 2, 4.25, 0, -0.001 };
    rsc_canvas_stroke(cv, xs, ys, 4, 2.5, red, 0);   /* a line and a dot */
    rsc_canvas_stroke(cv, xs, ys, 2, 1, red, 3);     /* dashed */
    for (int k = 0; k < RSC_MARK_COUNT; k++)
        rsc_canvas_marker(cv, 100, 50, k, 10, red);
    rsc_canvas_text(cv, 50, 20, "ab", 1, 0, RSC_ALIGN_START, RSC_ALIGN_START, ink, "a");
    rsc_canvas_text(cv, 50, 20, "ab", 1, 0, RSC_ALIGN_END, RSC_ALIGN_START, ink, "b");
    rsc_canvas_text(cv, 50, 20, "ab", 1, RSC_FONT_BOLD, RSC_ALIGN_CENTER, RSC_ALIGN_START, ink, "c");
    rsc_canvas_text(cv, 20, 50, "ab", 1, RSC_FONT_ROT90, RSC_ALIGN_START, RSC_ALIGN_CENTER, ink, "d");
    rsc_canvas_text(cv, 0, 0, "a<b & \"c\" 'd' > \xCE\xBB\xE2\x98\x83 x\xFFy\x01", 2, 0,
                    RSC_ALIGN_START, RSC_ALIGN_START, ink, "e");
    unsigned char src[4 * 3] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30 };
    rsc_canvas_clip(cv, 5, 5, 25, 15);
    rsc_canvas_image(cv, 150, 10, 154, 14, src, 2, 2);
    rsc_canvas_unclip(cv);
    char *svg = NULL;
    svg_of(cv, &svg);
    const char *head =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!-- test (rsc) 1 -->\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
        "version=\"1.1\" width=\"2in\" height=\"1in\" viewBox=\"0 0 200 100\">\n"
        "<rect width=\"200\" height=\"100\" fill=\"#ffffff\"/>\n"
        "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" xml:space=\"preserve\">\n"
        "<rect x=\"10\" y=\"20\" width=\"30\" height=\"5\" fill=\"#ff0000\" "
        "shape-rendering=\"crispEdges\"/>\n"
        "<polyline points=\"1,2 3.5,4.25\" fill=\"none\" stroke=\"#ff0000\" stroke-width=\"2.5\" "
        "stroke-linecap=\"round\" stroke-linejoin=\"round\"/>\n"
        "<circle cx=\"0.33\" cy=\"0\" r=\"1.25\" fill=\"#ff0000\"/>\n"
        "<polyline points=\"1,2 3.5,4.25\" fill=\"none\" stroke=\"#ff0000\" stroke-width=\"1\" "
        "stroke-dasharray=\"3\" stroke-linejoin=\"round\"/>\n"
        "<circle cx=\"100\" cy=\"50\" r=\"5\" fill=\"#ff0000\"/>\n"
        "<rect x=\"95.9\" y=\"45.9\" width=\"8.2\" height=\"8.2\" fill=\"#ff0000\"/>\n"
        "<polygon points=\"100,44.5 105.25,53.75 94.75,53.75\" fill=\"#ff0000\"/>\n"
        "<polygon points=\"100,44.25 105.75,50 100,55.75 94.25,50\" fill=\"#ff0000\"/>\n"
        "<polygon points=\"100,55.5 105.25,46.25 94.75,46.25\" fill=\"#ff0000\"/>\n";
    if (strncmp(svg, head, strlen(head)) != 0)
        fail_msg("the SVG starts\n%.*s\nexpected\n%s", (int)strlen(head), svg, head);
    assert_int_equal(count(svg, "<polygon "), 5);   /* triangles, diamond, x, plus */
    /* text on the bitmap font's boxes: start, end, middle; baseline 7 below
     * the top; rotated text reads upwards, anchored at the box's middle */
    expect_in(svg, "<text x=\"50\" y=\"27\" font-size=\"9.5\" fill=\"#262626\">ab</text>\n");
    expect_in(svg, "<text x=\"50\" y=\"27\" font-size=\"9.5\" text-anchor=\"end\" "
              "fill=\"#262626\">ab</text>\n");
    expect_in(svg, "<text x=\"50\" y=\"27\" font-size=\"9.5\" font-weight=\"bold\" "
              "text-anchor=\"middle\" fill=\"#262626\">ab</text>\n");
    expect_in(svg, "<text x=\"27\" y=\"50.5\" font-size=\"9.5\" text-anchor=\"middle\" "
              "transform=\"rotate(-90 27 50.5)\" fill=\"#262626\">ab</text>\n");
    /* escaping; Greek and the snowman as they are; ill-formed UTF-8 and
     * a control character as '?' */
    expect_in(svg, "<text x=\"0\" y=\"14\" font-size=\"19\" fill=\"#262626\">a&lt;b &amp; "
              "&quot;c&quot; &apos;d&apos; &gt; \xCE\xBB\xE2\x98\x83 x?y?</text>\n");
    /* clipping: a clip path and a group around what it clips */
    expect_in(svg, "<clipPath id=\"clip0\"><rect x=\"5\" y=\"5\" width=\"20\" height=\"10\"/>"
              "</clipPath>\n<g clip-path=\"url(#clip0)\">\n<image x=\"150\" y=\"10\" width=\"4\" "
              "height=\"4\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" "
              "style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,");
    assert_int_equal(count(svg, "<g"), 2);
    assert_int_equal(count(svg, "</g>"), 2);
    size_t n = strlen(svg);
    assert_string_equal(svg + n - 17, "</g>\n</g>\n</svg>\n");
    /* the embedded image: a 4 x 4 PNG, each source pixel a 2 x 2 block */
    const char *b64 = strstr(svg, "base64,") + 7;
    size_t blen = strcspn(b64, "\"");
    unsigned char *png = malloc(blen);
    size_t plen = 0;
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    assert_int_equal(blen % 4, 0);
    for (size_t i = 0; i + 4 <= blen; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            char ch = b64[i + j];
            const char *p = strchr(tab, ch);
            if (ch == '=')
                pad++;
            else
                assert_non_null(p);
            v = v << 6 | (ch == '=' ? 0 : (unsigned)(p - tab));
        }
        png[plen++] = (unsigned char)(v >> 16);
        if (pad < 2)
            png[plen++] = (unsigned char)(v >> 8);
        if (pad < 1)
            png[plen++] = (unsigned char)v;
    }
    FILE *fp = fmemopen(png, plen, "rb");
    rsc_image *img = rsc_png_read(fp, "embedded", &err);
    fclose(fp);
    if (!img)
        fail_msg("%s", err.msg);
    assert_int_equal(img->w, 4);
    assert_int_equal(img->h, 4);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            assert_memory_equal(rsc_image_at(img, x, y), src + 3 * ((y / 2) * 2 + x / 2), 3);
    rsc_image_free(img);
    free(png);
    free(svg);
    rsc_canvas_free(cv);
}

/* ------------------------------------------------------------ warnings */
static void expect_warning(const rsc_canvas *cv, int format, size_t i, const char *want)
{
    char buf[256];
    if (!want) {
        assert_int_equal(rsc_canvas_glyph_warning(cv, format, i, buf, sizeof buf), 0);
        return;
    }
    assert_int_equal(rsc_canvas_glyph_warning(cv, format, i, buf, sizeof buf), 1);
    assert_string_equal(buf, want);
}

static void test_glyph_warnings(void **state)
{
    (void)state;
    rsc_error err;
    rsc_canvas *cv = rsc_canvas_new(100, 100, &err);
    assert_non_null(cv);
    rsc_canvas_text(cv, 0, 0, "a\xE2\x98\x83" "b\xE2\x98\x83 \xCE\xBB", 1, 0, 0, 0, black, "title");
    rsc_canvas_text(cv, 0, 0, "caf\xE9", 1, 0, 0, 0, black, "legend");
    rsc_canvas_text(cv, 0, 0, "tab\x01", 1, 0, 0, 0, black, "x label");
    rsc_canvas_text(cv, 0, 0, "\xE2\x98\x83 \xE2\x98\x84 \xFF", 1, 0, 0, 0, black, "y label");
    /* PNG: each character the font lacks once, with the first text's role */
    expect_warning(cv, RSC_FIGURE_PNG, 0,
                   "no glyph for U+2603 '\xE2\x98\x83' in title; drawn as '?'");
    expect_warning(cv, RSC_FIGURE_PNG, 1, "invalid UTF-8 (byte 0xe9) in legend; drawn as '?'");
    expect_warning(cv, RSC_FIGURE_PNG, 2,
                   "no glyph for control character U+0001 in x label; drawn as '?'");
    expect_warning(cv, RSC_FIGURE_PNG, 3,
                   "no glyph for U+2604 '\xE2\x98\x84' in y label; drawn as '?'");
    expect_warning(cv, RSC_FIGURE_PNG, 4, NULL);
    /* SVG shows the snowman and the comet; not ill-formed UTF-8 or controls */
    expect_warning(cv, RSC_FIGURE_SVG, 0, "invalid UTF-8 (byte 0xe9) in legend; drawn as '?'");
    expect_warning(cv, RSC_FIGURE_SVG, 1,
                   "no glyph for control character U+0001 in x label; drawn as '?'");
    expect_warning(cv, RSC_FIGURE_SVG, 2, NULL);
    rsc_canvas_free(cv);
    /* nothing to say about text the font draws */
    cv = rsc_canvas_new(10, 10, &err);
    rsc_canvas_text(cv, 0, 0, "\xCE\x93\xCE\xB3 \xC2\xB1 \xE2\x89\xA5 x\xC2\xB2", 1, 0, 0, 0,
                    black, "title");
    expect_warning(cv, RSC_FIGURE_PNG, 0, NULL);
    rsc_canvas_free(cv);
}

/* ------------------------------------------------------------ outputs */
static unsigned char *write_png(const rsc_canvas *cv, double dpi, size_t *len)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);
    assert_non_null(fp);
    rsc_error err;
    if (rsc_canvas_write(fp, "t.png", cv, RSC_FIGURE_PNG, dpi, NULL, &err) != 0)
        fail_msg("%s", err.msg);
    fclose(fp);
    return (unsigned char *)buf;
}

static void test_outputs(void **state)
{
    (void)state;
    assert_int_equal(rsc_figure_format("fig.svg"), RSC_FIGURE_SVG);
    assert_int_equal(rsc_figure_format("out/FIG.Svg"), RSC_FIGURE_SVG);
    assert_int_equal(rsc_figure_format("fig.png"), RSC_FIGURE_PNG);
    assert_int_equal(rsc_figure_format("fig.svg.png"), RSC_FIGURE_PNG);
    assert_int_equal(rsc_figure_format("svg"), RSC_FIGURE_PNG);
    assert_int_equal(rsc_figure_format("-"), RSC_FIGURE_PNG);
    assert_int_equal(rsc_figure_format(NULL), RSC_FIGURE_PNG);
    rsc_error err;
    rsc_canvas *cv = rsc_canvas_new(10, 4, &err);
    assert_non_null(cv);
    rsc_canvas_rect(cv, 1, 1, 3, 3, black);
    /* no dpi: the figure's pixels, no pHYs; 300 dpi: 3x, pHYs 11811 px/m */
    size_t n0, n3;
    unsigned char *p0 = write_png(cv, 0, &n0), *p3 = write_png(cv, 300, &n3);
    assert_null(memmem(p0, n0, "pHYs", 4));
    const unsigned char *phys = memmem(p3, n3, "pHYs", 4);
    assert_non_null(phys);
    assert_memory_equal(phys + 4, "\x00\x00\x2e\x23\x00\x00\x2e\x23\x01", 9);
    FILE *fp = fmemopen(p3, n3, "rb");
    rsc_image *img = rsc_png_read(fp, "t.png", &err);
    fclose(fp);
    assert_non_null(img);
    assert_int_equal(img->w, 30);
    assert_int_equal(img->h, 12);
    assert_int_equal(rsc_image_at(img, 3, 3)[0], 0);
    assert_int_equal(rsc_image_at(img, 8, 8)[0], 0);
    assert_int_equal(rsc_image_at(img, 9, 9)[0], 255);
    rsc_image_free(img);
    free(p0);
    free(p3);
    /* the SVG does not depend on the dpi */
    char *a = NULL, *b = NULL;
    size_t la, lb;
    FILE *fa = open_memstream(&a, &la), *fb = open_memstream(&b, &lb);
    assert_int_equal(rsc_canvas_write(fa, "a.svg", cv, RSC_FIGURE_SVG, 0, NULL, &err), 0);
    assert_int_equal(rsc_canvas_write(fb, "b.svg", cv, RSC_FIGURE_SVG, 600, NULL, &err), 0);
    fclose(fa);
    fclose(fb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    /* too large at that dpi: a message naming the output */
    assert_int_equal(rsc_canvas_write(stdout, "big.png", cv, RSC_FIGURE_PNG, 1e6, NULL, &err), -1);
    assert_string_equal(err.msg, "big.png: the 10x4 figure at 1e+06 dpi would be 100000x40000 "
                        "pixels (1 to 16384 a side)");
    rsc_canvas_free(cv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_glyph_set),
        cmocka_unit_test(test_greek_pixels),
        cmocka_unit_test(test_canvas_identity),
        cmocka_unit_test(test_canvas_scale),
        cmocka_unit_test(test_svg),
        cmocka_unit_test(test_glyph_warnings),
        cmocka_unit_test(test_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
