/* fuzz-png.c - fuzz target for the PNG reader (libcommon/plot/image.c): any byte
 * string must decode to an image of a sane size or be rejected with a
 * one-line message naming the input, without a crash, a leak or a read out
 * of bounds; a decoded image must encode and decode back to the same
 * pixels.  Built as a libFuzzer binary by `make fuzz` (clang), and linked
 * with tests/fuzz-replay.c for make check. */
#include "config.h"

#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *open_mem(const uint8_t *data, size_t size)
{
    if (size == 0)   /* fmemopen may refuse a zero-length buffer */
        return fopen("/dev/null", "rb");
    return fmemopen((void *)data, size, "rb");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsc_error err;
    err.msg[0] = '\0';
    FILE *in = open_mem(data, size);
    if (!in)
        return 0;
    rsc_image *img = rsc_png_read(in, "fuzz", &err);
    fclose(in);
    if (!img) {
        if (err.msg[0] == '\0' || strchr(err.msg, '\n') || strncmp(err.msg, "fuzz: ", 6) != 0)
            abort();
        return 0;
    }
    if (img->w < 1 || img->h < 1 || img->w > RSC_IMAGE_MAX_SIDE || img->h > RSC_IMAGE_MAX_SIDE ||
        (img->src_channels != 1 && img->src_channels != 3))
        abort();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out) {
        int rc = rsc_png_write(out, "fuzz-out", img, NULL, &err);
        fclose(out);
        if (rc == 0) {
            FILE *again = open_mem((const uint8_t *)buf, len);
            rsc_image *back = again ? rsc_png_read(again, "fuzz-out", &err) : NULL;
            if (again)
                fclose(again);
            if (!back || back->w != img->w || back->h != img->h ||
                memcmp(back->px, img->px, (size_t)img->w * img->h * 3) != 0)
                abort();
            rsc_image_free(back);
        }
        free(buf);
    }
    rsc_image_free(img);
    return 0;
}
