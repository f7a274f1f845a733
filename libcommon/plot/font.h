/* font.h - a small built-in bitmap font for figure text (no font files).
 *
 * Glyphs are 5x9 cells (cap height 7, x-height 5, two rows of descender).
 * Text is UTF-8.  The font has ASCII 32-126, the Greek alphabet (upper and
 * lower case, with final sigma and the variants ϕ and ϵ), and the symbols
 * of axis labels: ± × ÷ · ° ¹ ² ³ µ ≤ ≥ ≈ ≠ − – — … ← → √ ∞, curly quotes
 * and the no-break space.  Any other character, and each invalid UTF-8
 * sequence, draws as '?' (rsc_font_glyph_cp says which have a glyph).
 * Text is scaled by an integer factor; factors 2 and 4 smooth the
 * diagonals with the Scale2x rule (crisp, no blur), other factors repeat
 * pixels; rsc_font_draw_scaled draws at any real factor, anti-aliased.
 * Text can be bold (one extra column of ink) and rotated 90 degrees
 * counter-clockwise for y-axis labels. */
#ifndef RSC_FONT_H_INCLUDED
#define RSC_FONT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

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
/* The same at a real scale factor: the box (of rsc_font_text_width(text,
 * 1, flags) * scale by RSC_FONT_H * scale) has its top-left corner at the
 * real point (x, y); the glyphs, drawn at the next integer scale, are
 * resampled with 4 x 4 samples a pixel and blended by coverage. */
void rsc_font_draw_scaled(rsc_image *img, double x, double y, const char *text, double scale,
                          int flags, const unsigned char rgb[3]);

/* The glyph of byte ch (ASCII; any other byte gives '?'): 9 rows of 5
 * characters, '#' = ink; rows left out (NULL) are empty. */
const char *const *rsc_font_glyph(unsigned char ch);
/* The glyph of a Unicode code point, or NULL when the font has none. */
const char *const *rsc_font_glyph_cp(uint32_t cp);
/* The code points that have a glyph, ascending: the first max go to cps
 * (may be NULL); returns how many there are. */
size_t rsc_font_glyph_count(uint32_t *cps, size_t max);

/* UTF-8.  rsc_utf8_next decodes the character at the start of the
 * NUL-terminated s (not at its end): *cp gets the code point and the
 * return is the bytes it takes.  An ill-formed sequence (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, a
 * sequence cut short) gives RSC_UTF8_INVALID and takes its maximal
 * well-formed prefix, at least one byte, as Unicode recommends. */
#define RSC_UTF8_INVALID 0xFFFFFFFFu
size_t rsc_utf8_next(const char *s, uint32_t *cp);
/* Characters text draws: code points, each ill-formed sequence one. */
size_t rsc_font_length(const char *text);

#endif
