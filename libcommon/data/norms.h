/* norms.h - Table 1: the empirical norm of each spurious pattern on a
 * dataset's test images, mean over the images of ||x - Phi(x)||_2
 * (rsc_pattern_mean_norm), as the rows of `rsc-inject --norms`. */
#ifndef RSC_NORMS_H
#define RSC_NORMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"
#include "format/rsct.h"

/* Rows dataset, pattern, seed, norm (rows.h; json: JSON lines) to fp, one
 * per pattern of names[0..n) (n = 0: the seven builtin ones), made with
 * `seed` for ds's test images.  dname names the dataset in the rows and
 * messages (its `name` key is preferred); a builtin pattern is shown by
 * its canonical name, a custom one by the name given. */
int rsc_norms_write(const rsc_file *ds, const char *dname, const char *const *names, size_t n,
                    uint32_t seed, FILE *fp, const char *fname, int json, rsc_error *err);

#endif
