/* fuzz-tsv.c - fuzz target for the TSV table reader and the chart built
 * from it (libcommon/format/table.c, plot/chart_data.c, plot/chart.c): any byte string must
 * give a table or a one-line message naming the input; a table must give a
 * chart (first column against the second) or such a message; a chart must
 * render or say why not (too small, too wide a range) on one line.  No crash, leak or read out of bounds.  Built as a libFuzzer
 * binary by `make fuzz` (clang), and linked with tests/fuzz-replay.c for
 * make check. */
#include "config.h"

#define _GNU_SOURCE 1
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/chart.h"
#include "format/table.h"
#include "plot/chart_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const rsc_error *err)
{
    if (err->msg[0] == '\0' || strchr(err->msg, '\n') || strncmp(err->msg, "fuzz", 4) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsc_error err;
    err.msg[0] = '\0';
    FILE *in = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
    if (!in)
        return 0;
    rsc_table *t = rsc_table_read(in, "fuzz", &err);
    fclose(in);
    if (!t) {
        check_message(&err);
        return 0;
    }
    if (t->ncols < 1)
        abort();
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++)
            if (!t->cells[r][c])
                abort();
    if (t->ncols >= 2) {
        const char *x[1] = { t->cols[0] }, *y[1] = { t->cols[1] };
        const char *series = t->ncols >= 3 ? t->cols[2] : NULL;
        for (int kind = RSC_CHART_LINE; kind <= RSC_CHART_BAR; kind++) {
            rsc_chart_spec sp = { .x = x, .nx = 1, .y = y, .ny = 1, .series = series,
                                  .kind = kind, .xscale = RSC_XSCALE_AUTO, .ymin = NAN,
                                  .ymax = NAN };
            rsc_chart *c = rsc_chart_from_table(t, &sp, &err);
            if (!c) {
                check_message(&err);
                continue;
            }
            rsc_image *img = rsc_chart_render(c, 240, 160, NULL, &err);
            if (img)
                rsc_image_free(img);
            else if (err.msg[0] == '\0' || strchr(err.msg, '\n'))
                abort();
            rsc_chart_free(c);
        }
    }
    rsc_table_free(t);
    return 0;
}
