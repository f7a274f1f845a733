/* image.c - RGB images and their PNG encoding through libpng. */
#include "config.h"

#include "plot/image.h"
#include "core/atomic.h"

#include <png.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

int rsc_image_check_size(int w, int h, rsc_error *err)
{
    if (w < 1 || h < 1 || w > RSC_IMAGE_MAX_SIDE || h > RSC_IMAGE_MAX_SIDE)
        return rsc_fail(err, "image size %dx%d is out of range (1 to %d pixels a side)", w, h,
                        RSC_IMAGE_MAX_SIDE);
    return 0;
}

rsc_image *rsc_image_new(int w, int h, rsc_error *err)
{
    if (rsc_image_check_size(w, h, err) != 0)
        return NULL;
    rsc_image *img = rsc_calloc(1, sizeof *img, err);
    if (!img)
        return NULL;
    img->px = rsc_malloc((size_t)w * (size_t)h, 3, err);
    if (!img->px) {
        free(img);
        return NULL;
    }
    memset(img->px, 255, (size_t)w * (size_t)h * 3);
    img->w = w;
    img->h = h;
    img->src_channels = 3;
    return img;
}

void rsc_image_free(rsc_image *img)
{
    if (img) {
        free(img->px);
        free(img);
    }
}

/* libpng reports errors through a callback that must not return: keep the
 * message and jump back to the setjmp of the calling function. */
struct png_ctx {
    rsc_error *err;
    const char *fname;
};

static void on_png_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *ctx = png_get_error_ptr(png);
    rsc_fail(ctx->err, "%s: PNG: %s", ctx->fname, msg);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;   /* warnings (e.g. a bad ancillary chunk) are not errors */
}

int rsc_png_write(FILE *fp, const char *fname, const rsc_image *img, const char *software,
                  rsc_error *err)
{
    return rsc_png_write_dpi(fp, fname, img, software, 0, err);
}

int rsc_png_write_dpi(FILE *fp, const char *fname, const rsc_image *img, const char *software,
                      double dpi, rsc_error *err)
{
    struct png_ctx ctx = { err, fname };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error,
                                              on_png_warning);
    if (!png)
        return rsc_fail(err, "%s: cannot start the PNG encoder", fname);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return rsc_fail(err, "%s: cannot start the PNG encoder", fname);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, fp);
    /* Fixed settings so that the bytes depend only on the pixels. */
    png_set_compression_level(png, 9);
    png_set_compression_strategy(png, 0 /* Z_DEFAULT_STRATEGY */);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    if (dpi > 0) {   /* pixels per metre */
        png_uint_32 ppm = (png_uint_32)floor(dpi / 0.0254 + 0.5);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    }
    png_text text;
    if (software) {
        memset(&text, 0, sizeof text);
        text.compression = PNG_TEXT_COMPRESSION_NONE;
        text.key = (png_charp) "Software";
        text.text = (png_charp)software;
        text.text_length = strlen(software);
        png_set_text(png, info, &text, 1);
    }
    png_write_info(png, info);
    for (int y = 0; y < img->h; y++)
        png_write_row(png, rsc_image_at(img, 0, y));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return rsc_fail_stream(err, fp, fname);
}

int rsc_png_save(const char *path, const rsc_image *img, const char *software, rsc_error *err)
{
    rsc_output *out = rsc_output_open(path, RSC_OUTPUT_BINARY, err);
    if (!out)
        return -1;
    if (rsc_png_write(rsc_output_file(out), rsc_output_name(out), img, software, err) != 0) {
        rsc_output_abort(out);
        return -1;
    }
    return rsc_output_commit(out, err);
}

rsc_image *rsc_png_read(FILE *fp, const char *fname, rsc_error *err)
{
    unsigned char sig[8];
    size_t got = fread(sig, 1, sizeof sig, fp);
    if (got != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        rsc_fail(err, "%s: not a PNG file", fname);
        return NULL;
    }
    struct png_ctx ctx = { err, fname };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error,
                                             on_png_warning);
    if (!png) {
        rsc_fail(err, "%s: cannot start the PNG decoder", fname);
        return NULL;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        rsc_fail(err, "%s: cannot start the PNG decoder", fname);
        return NULL;
    }
    /* Set before setjmp and changed after it: volatile, so the values seen
     * after a longjmp are the current ones. */
    unsigned char *volatile rgba = NULL;
    rsc_image *volatile img = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        free(rgba);
        rsc_image_free(img);
        return NULL;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, sizeof sig);
    png_set_user_limits(png, RSC_IMAGE_MAX_SIDE, RSC_IMAGE_MAX_SIDE);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int ctype = png_get_color_type(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_gray_to_rgb(png);
    if (!(ctype & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_filler(png, 0xff, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 4)
        png_error(png, "unexpected row layout after conversion");
    img = rsc_image_new((int)w, (int)h, err);
    if (!img)
        png_longjmp(png, 1);
    rgba = malloc((size_t)w * h * 4);
    rows = malloc(h * sizeof *rows);
    if (!rgba || !rows) {
        rsc_fail(err, "%s: out of memory", fname);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = rgba + (size_t)y * w * 4;
    png_read_image(png, rows);
    free(rows);
    rows = NULL;
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    img->src_channels = (ctype & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        unsigned a = rgba[4 * i + 3];
        for (int k = 0; k < 3; k++)   /* over white: c*a + 255*(1-a) */
            img->px[3 * i + k] = (unsigned char)((rgba[4 * i + k] * a + 255 * (255 - a) + 127) / 255);
    }
    free(rgba);
    return img;
}

rsc_image *rsc_png_load(const char *path, rsc_error *err)
{
    if (!path || strcmp(path, "-") == 0)
        return rsc_png_read(stdin, "stdin", err);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        rsc_fail(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    rsc_image *img = rsc_png_read(fp, path, err);
    fclose(fp);
    return img;
}
