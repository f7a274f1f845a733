/* importance.h - the pixel importance of Fig. 3: for each input pixel, the
 * largest weight on an edge leaving it into the first hidden layer, i.e.
 * the maximum over rows of param/fc1.weight [hidden, C*H*W] (and over the
 * channels of that pixel when C > 1).  Defined for models whose first
 * layer is linear (mlp-small, mlp, mlp-large, linear), not for those that
 * start with a convolution. */
#ifndef RSC_IMPORTANCE_H
#define RSC_IMPORTANCE_H

#include "base/error.h"
#include "format/rsct.h"

/* *map (malloc'ed, h x w doubles) receives the importance of every pixel.
 * fname names the model in messages. */
int rsc_importance(const rsc_file *model, const char *fname, double **map, int *h, int *w,
                   rsc_error *err);

#endif
