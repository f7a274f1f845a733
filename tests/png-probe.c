/* png-probe - decode a PNG with libpng (libcommon/plot/image.c) for the shell
 * tests and print facts about it:
 *   png-probe FILE               WIDTH HEIGHT DISTINCT_COLOURS NON_WHITE_PIXELS
 *   png-probe FILE X Y           the pixel as RRGGBB
 *   png-probe FILE count RRGGBB  how many pixels have that colour
 *   png-probe FILE bbox RRGGBB   X0 Y0 X1 Y1 of those pixels (inclusive), or "none" */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "plot/image.h"

static unsigned parse_rgb(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 16);
    if (strlen(s) != 6 || *end)
        rsc_usage_error("'%s' is not RRGGBB", s);
    return (unsigned)v;
}

static unsigned px(const rsc_image *img, int x, int y)
{
    const unsigned char *p = rsc_image_at(img, x, y);
    return (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
}

static int cmp_u(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc != 2 && argc != 4)
        rsc_usage_error("usage: png-probe FILE [X Y | count RRGGBB | bbox RRGGBB]");
    rsc_error err;
    rsc_image *img = rsc_png_load(argv[1], &err);
    if (!img)
        rsc_die_err(&err);
    size_t n = (size_t)img->w * img->h;
    if (argc == 2) {
        unsigned *all = malloc(n * sizeof *all);
        if (!all)
            rsc_die("out of memory");
        size_t nonwhite = 0;
        for (int y = 0; y < img->h; y++)
            for (int x = 0; x < img->w; x++) {
                all[(size_t)y * img->w + x] = px(img, x, y);
                nonwhite += px(img, x, y) != 0xffffff;
            }
        qsort(all, n, sizeof *all, cmp_u);
        size_t distinct = n ? 1 : 0;
        for (size_t i = 1; i < n; i++)
            distinct += all[i] != all[i - 1];
        printf("%d %d %zu %zu\n", img->w, img->h, distinct, nonwhite);
        free(all);
    } else if (strcmp(argv[2], "count") == 0 || strcmp(argv[2], "bbox") == 0) {
        unsigned want = parse_rgb(argv[3]);
        size_t count = 0;
        int x0 = img->w, y0 = img->h, x1 = -1, y1 = -1;
        for (int y = 0; y < img->h; y++)
            for (int x = 0; x < img->w; x++)
                if (px(img, x, y) == want) {
                    count++;
                    if (x < x0) x0 = x;
                    if (y < y0) y0 = y;
                    if (x > x1) x1 = x;
                    if (y > y1) y1 = y;
                }
        if (argv[2][0] == 'c')
            printf("%zu\n", count);
        else if (count)
            printf("%d %d %d %d\n", x0, y0, x1, y1);
        else
            printf("none\n");
    } else {
        long x = rsc_opt_long("X", argv[2], 0, img->w - 1);
        long y = rsc_opt_long("Y", argv[3], 0, img->h - 1);
        printf("%06x\n", px(img, (int)x, (int)y));
    }
    rsc_image_free(img);
    return rsc_close_stdout();
}
