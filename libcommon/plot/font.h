/* font.h - a small built-in bitmap font for figure text (no font files).
 *
 * Glyphs are 5x9 cells (cap height 7, two rows of descender) for ASCII
 * 32-126; other bytes draw as '?'.  Text is scaled by an integer factor;
 * factors 2 and 4 smooth the diagonals with the Scale2x rule (crisp, no
 * blur), other factors repeat pixels.  Text can be bold (one extra column
 * of ink) and rotated 90 degrees counter-clockwise for y-axis labels. */
#ifndef RSC_FONT_H_INCLUDED
#define RSC_FONT_H_INCLUDED

#include "plot/image.h"

#define RSC_FONT_W 5        /* glyph width, font pixels */
#define RSC_FONT_H 9        /* glyph height incl. descender */
#define RSC_FONT_ASCENT 7   /* rows above the baseline */
#define RSC_FONT_ADVANCE 6  /* horizontal advance per character */

#define RSC_FONT_BOLD 1
#define RSC_FONT_ROT90 2    /* read bottom to top */

/* Width and height in image pixels of the box that text occupies when
 * drawn horizontally (for RSC_FONT_ROT90 the two swap). */
int rsc_font_text_width(const char *text, int scale, int flags);
int rsc_font_text_height(int scale);

/* Draw text with the top-left corner of its box at (x, y); the box is
 * width x height, or height x width when rotated.  Pixels outside the image
 * are clipped. */
void rsc_font_draw(rsc_image *img, int x, int y, const char *text, int scale, int flags,
                   const unsigned char rgb[3]);

/* The glyph of byte ch: 9 rows of 5 characters, '#' = ink. */
const char *const *rsc_font_glyph(unsigned char ch);

#endif
