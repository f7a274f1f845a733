/* fuzz-svg.c - fuzz target for figure text (libcommon/plot/font.c, canvas.c,
 * svg.c): the input's lines become a chart's title, x label and y label (any
 * bytes: ill-formed UTF-8, control characters, XML specials).  The chart
 * must draw; its SVG must be well-formed UTF-8 without control characters
 * other than newlines, with every <text> closed and its content escaped
 * (no '<', '&' only in an entity); its warnings must be one line each; its
 * raster at factors 1 and 1.5 must draw.  No crash, leak or read out of
 * bounds.  Built as a libFuzzer binary by `make fuzz` (clang), and linked
 * with tests/fuzz-replay.c for make check. */
#include "config.h"

#define _GNU_SOURCE 1
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/table.h"
#include "plot/canvas.h"
#include "plot/chart.h"
#include "plot/chart_data.h"
#include "plot/font.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless s (n bytes) is a well-formed SVG as the writer makes it. */
static void check_svg(const char *s, size_t n)
{
    if (n == 0 || memchr(s, 0, n))
        abort();
    uint32_t cp;
    for (const char *p = s; *p; p += rsc_utf8_next(p, &cp)) {
        rsc_utf8_next(p, &cp);
        if (cp == RSC_UTF8_INVALID || (cp < 0x20 && cp != '\n'))
            abort();
    }
    for (const char *t = strstr(s, "<text "); t; t = strstr(t + 1, "<text ")) {
        const char *open_end = strchr(t, '>'), *close = strstr(t, "</text>");
        if (!open_end || !close || close < open_end)
            abort();
        for (const char *c = open_end + 1; c < close; c++) {
            if (*c == '<')
                abort();
            if (*c == '&' && strncmp(c, "&amp;", 5) != 0 && strncmp(c, "&lt;", 4) != 0 &&
                strncmp(c, "&gt;", 4) != 0 && strncmp(c, "&quot;", 6) != 0 &&
                strncmp(c, "&apos;", 6) != 0)
                abort();
        }
    }
    if (n < 7 || strcmp(s + n - 7, "</svg>\n") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* up to three NUL-free lines: title, x label, y label */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < size; i++)
        if (data[i])
            text[k++] = (char)data[i];
    text[k] = '\0';
    char *line[3] = { text, NULL, NULL };
    for (int i = 1; i < 3 && line[i - 1]; i++) {
        char *nl = strchr(line[i - 1], '\n');
        if (nl) {
            *nl = '\0';
            line[i] = nl + 1;
        }
    }
    rsc_error err;
    static const char table[] = "x\ty\ts\n1\t2\ta\n2\t3\ta\n1\t1\tb\n";
    FILE *in = fmemopen((void *)table, sizeof table - 1, "r");
    rsc_table *t = in ? rsc_table_read(in, "fuzz", &err) : NULL;
    if (in)
        fclose(in);
    if (!t)
        abort();
    const char *x[1] = { "x" }, *y[1] = { "y" };
    rsc_chart_spec sp = { .x = x, .nx = 1, .y = y, .ny = 1, .series = "s",
                          .kind = RSC_CHART_LINE, .xscale = RSC_XSCALE_AUTO, .ymin = NAN,
                          .ymax = NAN, .title = line[0], .xlabel = line[1], .ylabel = line[2] };
    rsc_chart *c = rsc_chart_from_table(t, &sp, &err);
    if (!c)
        abort();
    rsc_canvas *cv = rsc_chart_draw(c, 240, 160, NULL, &err);
    if (cv) {
        char *svg = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&svg, &len);
        if (out) {
            int rc = rsc_canvas_svg_write(out, "fuzz.svg", cv, NULL, &err);
            fclose(out);
            if (rc != 0 && (err.msg[0] == '\0' || strchr(err.msg, '\n')))
                abort();
            if (rc == 0)
                check_svg(svg, len);
            free(svg);
        }
        char msg[256];
        for (int format = RSC_FIGURE_PNG; format <= RSC_FIGURE_SVG; format++)
            for (size_t i = 0; rsc_canvas_glyph_warning(cv, format, i, msg, sizeof msg); i++)
                if (!msg[0] || strchr(msg, '\n'))
                    abort();
        for (int f = 0; f < 2; f++) {
            rsc_image *img = rsc_canvas_raster(cv, f ? 1.5 : 1, &err);
            if (!img && (err.msg[0] == '\0' || strchr(err.msg, '\n')))
                abort();
            rsc_image_free(img);
        }
        rsc_canvas_free(cv);
    } else if (err.msg[0] == '\0' || strchr(err.msg, '\n')) {
        abort();
    }
    rsc_chart_free(c);
    rsc_table_free(t);
    free(text);
    return 0;
}
