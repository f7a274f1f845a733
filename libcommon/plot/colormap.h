/* colormap.h - the viridis colour map (perceptually uniform, readable in
 * grey and by colour-blind readers), as matplotlib defines it. */
#ifndef RSC_COLORMAP_H
#define RSC_COLORMAP_H

#define RSC_COLORMAP_N 256

/* Entry i (0 = bottom, dark purple; 255 = top, yellow) as 8-bit sRGB;
 * i is clamped to [0, 255]. */
const unsigned char *rsc_viridis_entry(int i);
/* The entry for t in [0, 1] as matplotlib picks it: floor(t * 256), the
 * top entry for t >= 1, the bottom one for t <= 0 or NaN. */
int rsc_viridis_index(double t);
void rsc_viridis(double t, unsigned char rgb[3]);

#endif
