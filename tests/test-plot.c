/* test-plot.c - PNG round trips and determinism, the font, viridis, ticks,
 * TSV errors, chart statistics and where the chart puts its pixels. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/chart.h"
#include "plot/colormap.h"
#include "plot/font.h"
#include "plot/heatmap.h"
#include "plot/importance.h"
#include "format/rsct.h"
#include "plot/image.h"
#include "plot/plot.h"
#include "format/table.h"
#include "plot/chart_data.h"

static rsc_image *pattern_image(int w, int h)
{
    rsc_error err;
    rsc_image *img = rsc_image_new(w, h, &err);
    assert_non_null(img);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = rsc_image_at(img, x, y);
            p[0] = (unsigned char)(x * 37 + y);
            p[1] = (unsigned char)(y * 53);
            p[2] = (unsigned char)(x ^ y);
        }
    return img;
}

static unsigned char *encode(const rsc_image *img, size_t *len)
{
    char *buf = NULL;
    FILE *fp = open_memstream(&buf, len);
    assert_non_null(fp);
    rsc_error err;
    assert_int_equal(rsc_png_write(fp, "mem", img, "test", &err), 0);
    fclose(fp);
    return (unsigned char *)buf;
}

static void test_png_roundtrip(void **state)
{
    (void)state;
    rsc_image *img = pattern_image(13, 7);
    size_t n1, n2;
    unsigned char *a = encode(img, &n1), *b = encode(img, &n2);
    assert_true(n1 > 8);
    assert_int_equal(n1, n2);   /* deterministic bytes */
    assert_memory_equal(a, b, n1);
    assert_memory_equal(a, "\x89PNG\r\n\x1a\n", 8);
    FILE *fp = fmemopen(a, n1, "rb");
    rsc_error err;
    rsc_image *back = rsc_png_read(fp, "mem", &err);
    fclose(fp);
    assert_non_null(back);
    assert_int_equal(back->w, 13);
    assert_int_equal(back->h, 7);
    assert_int_equal(back->src_channels, 3);
    assert_memory_equal(back->px, img->px, 13 * 7 * 3);
    /* truncated: an error naming the input, never a crash */
    fp = fmemopen(a, n1 / 2, "rb");
    assert_null(rsc_png_read(fp, "half.png", &err));
    fclose(fp);
    assert_non_null(strstr(err.msg, "half.png: PNG:"));
    fp = fmemopen((void *)"GIF89a....", 10, "rb");
    assert_null(rsc_png_read(fp, "x.gif", &err));
    fclose(fp);
    assert_string_equal(err.msg, "x.gif: not a PNG file");
    assert_null(rsc_image_new(0, 5, &err));
    assert_non_null(strstr(err.msg, "out of range"));
    free(a);
    free(b);
    rsc_image_free(img);
    rsc_image_free(back);
}

/* Decode tests/fixtures/png/NAME and compare pixels "x,y=RRGGBB". */
static void expect_png(const char *name, int w, int h, int channels, const char *const *px, size_t n)
{
    char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/fixtures/png/%s", top ? top : ".", name);
    rsc_error err;
    rsc_image *img = rsc_png_load(path, &err);
    if (!img)
        fail_msg("%s", err.msg);
    assert_int_equal(img->w, w);
    assert_int_equal(img->h, h);
    assert_int_equal(img->src_channels, channels);
    for (size_t i = 0; i < n; i++) {
        int x, y;
        unsigned v;
        assert_int_equal(sscanf(px[i], "%d,%d=%x", &x, &y, &v), 3);
        const unsigned char *p = rsc_image_at(img, x, y);
        unsigned got = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
        if (got != v)
            fail_msg("%s %s: got %06x", name, px[i], got);
    }
    rsc_image_free(img);
}

static void test_png_formats(void **state)
{
    (void)state;
    /* tests/gen/viz-png-corpus.py wrote these; alpha is composited on white */
    const char *grey1[] = { "0,0=000000", "1,0=ffffff", "4,2=000000", "3,2=ffffff" };
    expect_png("grey1.png", 5, 3, 1, grey1, 4);
    const char *ga[] = { "0,0=c8c8c8", "1,0=ffffff", "2,0=b1b1b1", "0,1=323232" };
    expect_png("grey-alpha.png", 3, 2, 1, ga, 4);
    const char *pal[] = { "0,0=ff0000", "1,0=00ff00", "3,0=ffffff", "1,1=0000ff", "0,1=ffffff" };
    expect_png("palette-trns.png", 4, 2, 3, pal, 5);
    const char *r16[] = { "0,0=ff0000", "1,0=00ff00", "0,1=0000ff", "1,1=808080" };
    expect_png("rgb16.png", 2, 2, 3, r16, 4);
    const char *il[] = { "0,0=000064", "3,2=5a5064", "6,3=b47864", "6,4=ffffff", "5,4=96a064" };
    expect_png("rgba-interlaced.png", 7, 5, 3, il, 5);
    rsc_error err;
    assert_null(rsc_png_load("no/such.png", &err));
    assert_string_equal(err.msg, "no/such.png: No such file or directory");
}

static void test_viridis(void **state)
{
    (void)state;
    const unsigned char *lo = rsc_viridis_entry(0), *hi = rsc_viridis_entry(255);
    assert_int_equal(lo[0], 68);
    assert_int_equal(lo[1], 1);
    assert_int_equal(lo[2], 84);
    assert_int_equal(hi[0], 253);
    assert_int_equal(hi[1], 231);
    assert_int_equal(hi[2], 37);
    assert_int_equal(rsc_viridis_index(0), 0);
    assert_int_equal(rsc_viridis_index(-3), 0);
    assert_int_equal(rsc_viridis_index(NAN), 0);
    assert_int_equal(rsc_viridis_index(1), 255);
    assert_int_equal(rsc_viridis_index(0.5), 128);
    assert_int_equal(rsc_viridis_index(0.999), 255);
    assert_int_equal(rsc_viridis_index(1.0 / 256 - 1e-12), 0);
    assert_int_equal(rsc_viridis_index(1.0 / 256), 1);
    /* perceptually ordered: luminance rises monotonically */
    double prev = -1;
    for (int i = 0; i < 256; i++) {
        const unsigned char *c = rsc_viridis_entry(i);
        double lum = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        assert_true(lum > prev - 0.5);
        prev = lum;
    }
}

static void test_font(void **state)
{
    (void)state;
    assert_int_equal(rsc_font_text_width("ab", 2, 0), 22);
    assert_int_equal(rsc_font_text_width("ab", 2, RSC_FONT_BOLD), 24);
    assert_int_equal(rsc_font_text_width("", 3, 0), 0);
    assert_int_equal(rsc_font_text_height(3), 27);
    assert_string_equal(rsc_font_glyph('A')[0], ".###.");
    assert_ptr_equal(rsc_font_glyph(200), rsc_font_glyph('?'));
    for (int ch = 32; ch < 127; ch++)   /* every row 5 wide, of '.' and '#' */
        for (int r = 0; r < RSC_FONT_H; r++) {
            const char *row = rsc_font_glyph((unsigned char)ch)[r];
            if (row) {
                assert_int_equal(strlen(row), RSC_FONT_W);
                assert_int_equal(strspn(row, ".#"), RSC_FONT_W);
            }
        }
    /* scale 1 draws exactly the glyph; rotated, (u, v) -> (v, w - 1 - u) */
    rsc_error err;
    rsc_image *img = rsc_image_new(20, 20, &err);
    const unsigned char black[3] = { 0, 0, 0 };
    rsc_font_draw(img, 2, 3, "F", 1, 0, black);
    rsc_font_draw(img, 10, 3, "F", 1, RSC_FONT_ROT90, black);
    for (int r = 0; r < RSC_FONT_H; r++)
        for (int c = 0; c < RSC_FONT_W; c++) {
            const char *row = rsc_font_glyph('F')[r];
            int ink = row && row[c] == '#';
            assert_int_equal(rsc_image_at(img, 2 + c, 3 + r)[0] == 0, ink);
            assert_int_equal(rsc_image_at(img, 10 + r, 3 + RSC_FONT_W - 1 - c)[0] == 0, ink);
        }
    rsc_image_free(img);
}

static void test_ticks(void **state)
{
    (void)state;
    double t[64];
    char buf[32];
    rsc_axis ax = { RSC_SCALE_LINEAR, 0, 1, 0, NULL };
    size_t n = rsc_axis_ticks(&ax, t, 64);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(t[i] - 0.2 * (double)i) < 1e-12);
    rsc_tick_label(t[1], 0.2, 0, buf, sizeof buf);
    assert_string_equal(buf, "0.2");
    rsc_tick_label(0.75, 0.25, 0, buf, sizeof buf);
    assert_string_equal(buf, "0.75");
    rsc_tick_label(-2000, 500, 0, buf, sizeof buf);
    assert_string_equal(buf, "-2000");
    ax = (rsc_axis){ RSC_SCALE_LINEAR, -0.05, 1.05, 0, NULL };
    assert_int_equal(rsc_axis_ticks(&ax, t, 64), 6);
    assert_true(t[0] == 0);
    ax = (rsc_axis){ RSC_SCALE_LOG, 1, 1000, 0, NULL };
    n = rsc_axis_ticks(&ax, t, 64);
    assert_int_equal(n, 4);
    assert_true(t[3] == 1000);
    rsc_tick_label(1e-5, 0, 1, buf, sizeof buf);
    assert_string_equal(buf, "1e-5");
    rsc_tick_label(0.01, 0, 1, buf, sizeof buf);
    assert_string_equal(buf, "0.01");
    rsc_tick_label(1e4, 0, 1, buf, sizeof buf);
    assert_string_equal(buf, "10000");
    /* a narrow log range gets 2x and 5x ticks */
    ax = (rsc_axis){ RSC_SCALE_LOG, 1.5, 30, 0, NULL };
    n = rsc_axis_ticks(&ax, t, 64);
    assert_int_equal(n, 4);   /* 2 5 10 20 */
    assert_true(t[0] == 2 && t[3] == 20);
    /* mapping */
    rsc_axes a = { 100, 50, 300, 250, { RSC_SCALE_LINEAR, 0, 10, 0, NULL },
                   { RSC_SCALE_LOG, 1, 100, 0, NULL } };
    assert_true(rsc_axes_px(&a, 5) == 200);
    assert_true(fabs(rsc_axes_py(&a, 10) - 150) < 1e-9);
    assert_true(rsc_axes_py(&a, 1) == 250);
}

static rsc_table *table_from(const char *text, rsc_error *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(fp);
    rsc_table *t = rsc_table_read(fp, "t.tsv", err);
    fclose(fp);
    return t;
}

static const char *const ycol[] = { "score" };
static const char *const xcol[] = { "count" };

static rsc_chart *chart_of(const char *text, const rsc_chart_spec *spec, rsc_error *err)
{
    rsc_table *t = table_from(text, err);
    assert_non_null(t);
    rsc_chart *c = rsc_chart_from_table(t, spec, err);
    rsc_table_free(t);
    return c;
}

static void test_chart_stats(void **state)
{
    (void)state;
    rsc_error err;
    rsc_chart_spec sp = { .x = xcol, .nx = 1, .y = ycol, .ny = 1, .series = "pattern",
                          .kind = RSC_CHART_LINE, .xscale = RSC_XSCALE_AUTO,
                          .ymin = NAN, .ymax = NAN };
    /* raw: mean and standard error of the rows of a point */
    rsc_chart *c = chart_of("pattern\tcount\tscore\nS3\t10\t1\nS3\t10\t2\nS3\t10\t6\nR3\t0\t5\n"
                            "S3\t0\t0.5\n", &sp, &err);
    assert_non_null(c);
    assert_int_equal(c->nseries, 2);
    assert_string_equal(c->series[0], "S3");
    assert_int_equal(c->npoints, 3);
    /* sorted by series then x: S3@0, S3@10, R3@0 */
    assert_true(c->points[0].x == 0 && c->points[0].y == 0.5 && isnan(c->points[0].se));
    assert_true(c->points[1].x == 10 && c->points[1].y == 3);
    assert_true(fabs(c->points[1].se - sqrt(7.0 / 3.0)) < 1e-12);   /* sd sqrt(7), n 3 */
    assert_int_equal(c->points[1].n, 3);
    rsc_chart_free(c);
    /* aggregated rows on one point: mean of means, sqrt(sum se^2) / k */
    c = chart_of("pattern\tcount\tscore_mean\tscore_se\tn\nS3\t1\t0.2\t0.03\t5\nS3\t1.0\t0.4\t0.04\t5\n",
                 &sp, &err);
    assert_non_null(c);
    assert_int_equal(c->npoints, 1);
    assert_true(fabs(c->points[0].y - 0.3) < 1e-15);
    assert_true(fabs(c->points[0].se - 0.025) < 1e-15);
    assert_int_equal(c->points[0].n, 10);
    rsc_chart_free(c);
    /* errors name the line */
    assert_null(chart_of("pattern\tcount\tscore_mean\nS3\t1\t0.2\nS3\t3\tbad\n", &sp, &err));
    assert_string_equal(err.msg, "t.tsv:3: column 'score_mean': 'bad' is not a number");
    assert_null(chart_of("pattern\tcount\tother\nS3\t1\t0.2\n", &sp, &err));
    assert_string_equal(err.msg, "t.tsv:1: no column 'score' or 'score_mean' (columns: pattern, count, other)");
    /* where filters, categories in numeric order */
    const char *const where[] = { "pattern=S3" };
    sp.where = where;
    sp.nwhere = 1;
    sp.xscale = RSC_SCALE_CATEGORY;
    c = chart_of("pattern\tcount\tscore\nS3\t100\t1\nR3\t0\t5\nS3\t5\t2\n", &sp, &err);
    assert_non_null(c);
    assert_int_equal(c->nseries, 1);
    assert_int_equal(c->panels[0].ncat, 2);
    assert_string_equal(c->panels[0].cats[0], "5");
    assert_true(c->points[0].x == 0 && c->points[0].y == 2);
    rsc_chart_free(c);
    /* several x columns: each panel takes the rows where the others are off */
    const char *const xs[] = { "noise", "wd" };
    rsc_chart_spec sp2 = { .x = xs, .nx = 2, .y = ycol, .ny = 1, .kind = RSC_CHART_LINE,
                           .xscale = RSC_XSCALE_AUTO, .ymin = NAN, .ymax = NAN };
    c = chart_of("noise\twd\tscore\n0\t0\t9\n0.5\t0\t1\n0\t0.1\t2\n0.5\t0.1\t7\n", &sp2, &err);
    assert_non_null(c);
    assert_int_equal(c->npanels, 2);
    assert_int_equal(c->npoints, 4);   /* baseline in both panels, the 0.5/0.1 row in none */
    assert_int_equal(c->dashed[0], 0);
    assert_string_equal(c->panels[1].xlabel, "wd");
    assert_true(c->points[2].panel == 1 && c->points[2].y == 9 && c->points[3].y == 2);
    rsc_chart_free(c);
    /* dashed series, by metric or by series value */
    const char *const ys[] = { "a", "b" }, *const dash[] = { "b", "R3" };
    rsc_chart_spec sp3 = { .x = xcol, .nx = 1, .y = ys, .ny = 2, .series = "pattern",
                           .dashed = dash, .ndashed = 2, .kind = RSC_CHART_LINE,
                           .xscale = RSC_XSCALE_AUTO, .ymin = NAN, .ymax = NAN };
    c = chart_of("pattern\tcount\ta\tb\nS3\t1\t1\t2\nR3\t1\t3\t4\n", &sp3, &err);
    assert_non_null(c);
    assert_int_equal(c->nseries, 4);
    assert_string_equal(c->series[1], "S3, b");
    assert_true(!c->dashed[0] && c->dashed[1] && c->dashed[2] && c->dashed[3]);
    rsc_chart_free(c);
}

static int pixel_is(const rsc_image *img, double x, double y, rsc_rgb c)
{
    const unsigned char *p = rsc_image_at(img, (int)floor(x), (int)floor(y));
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
}

static void test_chart_pixels(void **state)
{
    (void)state;
    rsc_error err;
    rsc_chart_spec sp = { .x = xcol, .nx = 1, .y = ycol, .ny = 1, .kind = RSC_CHART_LINE,
                          .xscale = RSC_XSCALE_AUTO, .ymin = NAN, .ymax = NAN };
    const char *text = "count\tscore_mean\tscore_se\n0\t0.2\t0.05\n10\t0.5\t0.1\n20\t0.3\t0.02\n";
    rsc_chart *c = chart_of(text, &sp, &err);
    assert_non_null(c);
    rsc_axes a;
    rsc_image *img = rsc_chart_render(c, 900, 600, &a, &err);
    assert_non_null(img);
    rsc_rgb blue = rsc_plot_color(0);
    /* y range: error bars span 0.15..0.6, padded by 5% */
    assert_true(fabs(a.y.lo - (0.15 - 0.0225)) < 1e-12 && fabs(a.y.hi - (0.6 + 0.0225)) < 1e-12);
    double px = rsc_axes_px(&a, 10);
    assert_true(fabs(px - (a.x0 + (10 + 1) / 22.0 * (a.x1 - a.x0))) < 1e-9);
    /* the error bar of x=10 spans 0.4..0.6: its ends (caps) and its middle
     * section are drawn in the series colour */
    double top = rsc_axes_py(&a, 0.6), bot = rsc_axes_py(&a, 0.4);
    assert_true(pixel_is(img, px, top, blue));
    assert_true(pixel_is(img, px, bot, blue));
    assert_true(pixel_is(img, px - 4, top, blue));   /* cap, 5 px half width */
    assert_true(pixel_is(img, px, (top + rsc_axes_py(&a, 0.5)) / 2, blue));
    /* beyond the caps: background */
    assert_false(pixel_is(img, px, top - 4, blue));
    assert_false(pixel_is(img, px, bot + 4, blue));
    assert_false(pixel_is(img, px - 9, top, blue));
    /* the error bar of x=20 (0.28..0.32) */
    double px20 = rsc_axes_px(&a, 20);
    assert_true(pixel_is(img, px20, rsc_axes_py(&a, 0.32), blue));
    assert_false(pixel_is(img, px20, rsc_axes_py(&a, 0.32) - 4, blue));
    /* same chart, same pixels */
    rsc_image *again = rsc_chart_render(c, 900, 600, NULL, &err);
    assert_memory_equal(img->px, again->px, 900 * 600 * 3);
    rsc_image_free(again);
    rsc_image_free(img);
    /* bars: the bar of series 1 at category 1 is filled up to its value */
    rsc_chart_free(c);
    sp.kind = RSC_CHART_BAR;
    sp.series = "pattern";
    c = chart_of("pattern\tcount\tscore\nS3\t0\t0.2\nR3\t0\t0.4\nS3\t10\t0.6\nR3\t10\t0.8\n", &sp, &err);
    assert_non_null(c);
    img = rsc_chart_render(c, 600, 400, &a, &err);
    assert_non_null(img);
    assert_true(a.y.lo == 0);
    double slot = (a.x1 - a.x0) / 2, cx = a.x0 + 1.5 * slot + 0.8 * slot / 4;   /* R3 at "10" */
    rsc_rgb orange = rsc_plot_color(1);
    assert_true(pixel_is(img, cx + 3, rsc_axes_py(&a, 0.79), orange));
    assert_true(pixel_is(img, cx + 3, rsc_axes_py(&a, 0.01), orange));
    assert_false(pixel_is(img, cx + 3, rsc_axes_py(&a, 0.81), orange));
    rsc_image_free(img);
    /* too small */
    assert_null(rsc_chart_render(c, 100, 100, NULL, &err));
    assert_non_null(strstr(err.msg, "too small"));
    rsc_chart_free(c);
}

static int rgb_is(const rsc_image *img, int x, int y, const unsigned char *c)
{
    return memcmp(rsc_image_at(img, x, y), c, 3) == 0;
}

static void test_heatmap(void **state)
{
    (void)state;
    /* 3 x 4 values; max at (1, 2), min at (2, 0) */
    const double v[12] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9, 0.2, -0.3, 0.0, 0.1, 0.25 };
    rsc_heatmap m = { v, 3, 4, "m" };
    rsc_heatmap_layout lay;
    rsc_error err;
    rsc_image *img = rsc_heatmap_render(&m, 1, -0.3, 0.9, "title", 0, 0, &lay, &err);
    assert_non_null(img);
    assert_int_equal(lay.scale, 448 / 4);
    const unsigned char *top = rsc_viridis_entry(255), *bottom = rsc_viridis_entry(0);
    int k = lay.scale;
    /* every pixel of the max block is the top colour, of the min block the bottom */
    for (int dy = 0; dy < k; dy++)
        for (int dx = 0; dx < k; dx++) {
            assert_true(rgb_is(img, lay.x0[0] + 2 * k + dx, lay.y0[0] + 1 * k + dy, top));
            assert_true(rgb_is(img, lay.x0[0] + 0 * k + dx, lay.y0[0] + 2 * k + dy, bottom));
        }
    /* value 0.3 at (0, 2): t = 0.5, entry 128 */
    assert_true(rgb_is(img, lay.x0[0] + 2 * k + k / 2, lay.y0[0] + k / 2, rsc_viridis_entry(128)));
    /* colour bar: top row top colour, bottom row bottom colour */
    assert_true(rgb_is(img, lay.bar_x0 + 2, lay.bar_y0, top));
    assert_true(rgb_is(img, lay.bar_x0 + 2, lay.bar_y1 - 1, bottom));
    assert_int_equal(lay.bar_y1 - lay.bar_y0, 3 * k);
    rsc_image_free(img);
    /* fixed size: the maps shrink to fit; two maps share the scale */
    rsc_heatmap two[2] = { { v, 3, 4, "a" }, { v, 3, 4, NULL } };
    img = rsc_heatmap_render(two, 2, 0, 1, NULL, 500, 300, &lay, &err);
    assert_non_null(img);
    assert_int_equal(img->w, 500);
    assert_true(lay.x0[1] > lay.x0[0] + 4 * lay.scale);
    assert_true(rgb_is(img, lay.x0[1], lay.y0[1] + 2 * lay.scale, bottom));   /* -0.3 < vmin */
    rsc_image_free(img);
    assert_null(rsc_heatmap_render(&m, 1, 0, 1, NULL, 40, 40, NULL, &err));
    assert_non_null(strstr(err.msg, "too small"));
}

static void test_gallery(void **state)
{
    (void)state;
    float grey[4 * 3], rgb[3 * 4 * 3];
    for (int i = 0; i < 12; i++)
        grey[i] = (float)i / 11.0f;
    for (int i = 0; i < 36; i++)
        rgb[i] = i < 12 ? 1.0f : i < 24 ? 0.5f : 0.0f;   /* R 255, G 128, B 0 */
    const float *imgs[2] = { grey, grey };
    const char *labels[2] = { "(a) original", "(b) S1" };
    rsc_heatmap_layout lay;
    rsc_error err;
    rsc_image *img = rsc_gallery_render(imgs, labels, 2, 1, 4, 3, NULL, 0, 0, &lay, &err);
    assert_non_null(img);
    assert_true(lay.scale >= 40);
    const unsigned char *p = rsc_image_at(img, lay.x0[0] + 2 * lay.scale, lay.y0[0] + 3 * lay.scale);
    assert_true(p[0] == 255 && p[1] == 255 && p[2] == 255);   /* value 11/11 */
    p = rsc_image_at(img, lay.x0[1] + lay.scale + 1, lay.y0[1] + 1);
    assert_true(p[0] == 23 && p[1] == 23 && p[2] == 23);   /* round(255 / 11) */
    rsc_image_free(img);
    const float *c3[1] = { rgb };
    img = rsc_gallery_render(c3, NULL, 1, 3, 4, 3, "rgb", 0, 0, &lay, &err);
    assert_non_null(img);
    p = rsc_image_at(img, lay.x0[0], lay.y0[0]);
    assert_true(p[0] == 255 && p[1] == 128 && p[2] == 0);
    rsc_image_free(img);
    assert_null(rsc_gallery_render(c3, NULL, 1, 2, 4, 3, NULL, 0, 0, NULL, &err));
    assert_string_equal(err.msg, "images with 2 channels cannot be shown (1 or 3)");
}

static void test_importance(void **state)
{
    (void)state;
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    assert_non_null(f);
    /* 3 hidden units, input 2x1x3: importance = max over rows and channels */
    uint64_t d[2] = { 3, 6 };
    rsc_tensor *t = rsc_file_add(f, "param/fc1.weight", RSC_F32, 2, d, &err);
    assert_non_null(t);
    const float w[18] = { 0.1f, -2, 0.3f, /* ch 1 */ 0.0f, -1, 0.2f,
                          0.5f, -3, 0.1f, /* ch 1 */ 0.4f, -4, 0.9f,
                          -1, -5, 0.0f, /* ch 1 */ 0.6f, -6, 0.1f };
    memcpy(t->data, w, sizeof w);
    assert_int_equal(rsc_meta_set(f, "input", "2x1x3", &err), 0);
    double *map;
    int h, wd;
    assert_int_equal(rsc_importance(f, "m.rsct", &map, &h, &wd, &err), 0);
    assert_int_equal(h, 1);
    assert_int_equal(wd, 3);
    assert_true(map[0] == (double)0.6f && map[1] == -1 && map[2] == (double)0.9f);
    free(map);
    assert_int_equal(rsc_meta_set(f, "input", "1x2x2", &err), 0);
    assert_int_equal(rsc_importance(f, "m.rsct", &map, &h, &wd, &err), -1);
    assert_string_equal(err.msg, "m.rsct: tensor 'param/fc1.weight' has 6 inputs, but input=1x2x2 has 4");
    rsc_file_free(f);
    f = rsc_file_new(&err);
    uint64_t dc[4] = { 2, 1, 3, 3 };
    assert_non_null(rsc_file_add(f, "param/conv1.weight", RSC_F32, 4, dc, &err));
    assert_int_equal(rsc_meta_set(f, "arch", "cnn", &err), 0);
    assert_int_equal(rsc_importance(f, "c.rsct", &map, &h, &wd, &err), -1);
    assert_string_equal(err.msg, "c.rsct: importance is defined only for models whose first layer "
                        "is linear (param/fc1.weight); this model (arch cnn) starts with a "
                        "convolution ('param/conv1.weight')");
    rsc_file_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_roundtrip),
        cmocka_unit_test(test_png_formats),
        cmocka_unit_test(test_viridis),
        cmocka_unit_test(test_font),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_chart_stats),
        cmocka_unit_test(test_chart_pixels),
        cmocka_unit_test(test_heatmap),
        cmocka_unit_test(test_gallery),
        cmocka_unit_test(test_importance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
