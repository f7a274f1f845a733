/* importance.h - the pixel importance of Fig. 3: for each input pixel, the
 * largest weight on an edge leaving it into the first hidden layer, i.e.
 * the maximum over rows of param/fc1.weight [hidden, C*H*W] (and over the
 * channels of that pixel when C > 1).  Defined for models whose first
 * layer is linear (mlp-small, mlp, mlp-large, linear), not for those that
 * start with a convolution. */
#ifndef RSC_IMPORTANCE_H
#define RSC_IMPORTANCE_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "format/rsct.h"

/* *map (malloc'ed, h x w doubles) receives the importance of every pixel.
 * fname names the model in messages. */
int rsc_importance(const rsc_file *model, const char *fname, double **map, int *h, int *w,
                   rsc_error *err);

/* --vs: each of the n maps (hw pixels) becomes |map - base|. */
void rsc_importance_vs(double *const *maps, size_t n, const double *base, size_t hw);
/* The smallest and largest value of n maps of hw pixels. */
void rsc_importance_range(const double *const *maps, size_t n, size_t hw, double *lo, double *hi);

/* The maps as rows map, row, col, value (the title of each map; values are
 * weights, printed as float32; rows.h). */
int rsc_importance_write(FILE *fp, const char *fname, const double *const *maps,
                         const char *const *titles, size_t n, int h, int w, rsc_error *err);

#endif
