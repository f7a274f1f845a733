/* image.h - RGB images in memory and their PNG encoding (libpng).
 *
 * An rsc_image is 8-bit RGB, row-major, top-left origin.  Writing is
 * deterministic: the same pixels give the same bytes (no time chunk, fixed
 * compression level, strategy and filters).  Reading accepts any PNG libpng
 * decodes (grey, palette, RGB, with or without alpha, 1-16 bits) and returns
 * it as 8-bit RGB; alpha is composited over white. */
#ifndef RSC_IMAGE_H
#define RSC_IMAGE_H

#include <stdio.h>

#include "base/error.h"

typedef struct rsc_image {
    int w, h;
    unsigned char *px;     /* 3 * w * h bytes, owned */
    int src_channels;      /* after rsc_png_read: 1 for a grey PNG, 3 for colour */
    /* Drawing (plot.h, font.h) changes only the pixels in [clip_x0, clip_x1)
     * x [clip_y0, clip_y1) when clip_x1 > clip_x0, any pixel otherwise. */
    int clip_x0, clip_y0, clip_x1, clip_y1;
} rsc_image;

#define RSC_IMAGE_MAX_SIDE 16384

/* A w x h image filled with white; NULL with a message on a bad size or no
 * memory. */
rsc_image *rsc_image_new(int w, int h, rsc_error *err);
/* 0 when w x h is a size rsc_image_new takes, else -1 with its message. */
int rsc_image_check_size(int w, int h, rsc_error *err);
void rsc_image_free(rsc_image *img);

/* Narrow [*x0, *x1) x [*y0, *y1) to the pixels drawing may change: those
 * of the image, within the clip rectangle when there is one. */
static inline void rsc_image_clamp(const rsc_image *img, int *x0, int *y0, int *x1, int *y1)
{
    int clip = img->clip_x1 > img->clip_x0;
    int lx = clip && img->clip_x0 > 0 ? img->clip_x0 : 0;
    int ly = clip && img->clip_y0 > 0 ? img->clip_y0 : 0;
    int hx = clip && img->clip_x1 < img->w ? img->clip_x1 : img->w;
    int hy = clip && img->clip_y1 < img->h ? img->clip_y1 : img->h;
    if (*x0 < lx) *x0 = lx;
    if (*y0 < ly) *y0 = ly;
    if (*x1 > hx) *x1 = hx;
    if (*y1 > hy) *y1 = hy;
}

/* Pointer to pixel (x, y); the caller keeps it inside the image. */
static inline unsigned char *rsc_image_at(const rsc_image *img, int x, int y)
{
    return img->px + 3 * ((size_t)y * (size_t)img->w + (size_t)x);
}

/* Encode img as PNG to fp; fname names the output in messages.  software,
 * when not NULL, is recorded in a "Software" text chunk. */
int rsc_png_write(FILE *fp, const char *fname, const rsc_image *img, const char *software,
                  rsc_error *err);
/* The same with the resolution: dpi > 0 records dpi pixels an inch (a pHYs
 * chunk, in pixels a metre); 0 records none. */
int rsc_png_write_dpi(FILE *fp, const char *fname, const rsc_image *img, const char *software,
                      double dpi, rsc_error *err);
/* Write atomically to path ("-" or NULL: stdout, refused on a terminal). */
int rsc_png_save(const char *path, const rsc_image *img, const char *software, rsc_error *err);

/* Decode a PNG stream / file ("-" = stdin). */
rsc_image *rsc_png_read(FILE *fp, const char *fname, rsc_error *err);
rsc_image *rsc_png_load(const char *path, rsc_error *err);

#endif
