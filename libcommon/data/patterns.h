/* patterns.h - the spurious patterns of the paper (rsc-inject(1), doc/paper-facts.md)
 * and custom ones: an additive x_sp in CHW doubles, applied as
 * Phi(x) = float32(clip((double)x + x_sp, 0, 1)), which is what NumPy does
 * in the reference code (a float32 image plus a float64 pattern, clipped,
 * stored back into float32). */
#ifndef RSC_PATTERNS_H
#define RSC_PATTERNS_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "format/rsct.h"

typedef struct rsc_pattern {
    char name[64];     /* S1 ... Inv, or "custom" / the file name */
    int c, h, w;
    double *add;       /* CHW additive x_sp, c*h*w values, owned */
    int f64;           /* a custom pattern with values float32 cannot hold
                        * (read from an f64 tensor): recorded as f64 */
} rsc_pattern;

/* Build pattern `name` for images c x h x w:
 *   S1  pixel (0,0) set to 1          (additive 1.0, all channels)
 *   S2  rows 0-2, cols 0-2 set to 1
 *   S3  rows 0-4, cols 0-4 set to 1
 *   R1  0.25 * U, R2 0.5 * U, R3 1.0 * U, U = RandomState(seed).rand(h,w,c)
 *       (drawn in HWC order, stored CHW)
 *   Inv rows 3-24, cols 13-15 set to 1
 * Names are matched case-insensitively; the reference code's names v1 v3
 * v8 v18 v19 v20 v30 are aliases.  Anything else is taken as the path of an
 * rsct file holding a tensor `pattern` or, failing that, `spurious.pattern`
 * (any dataset or model made with a pattern): f32 or f64, [c,h,w] ([h,w]
 * for c = 1), finite, shape equal to the images'.  Such a pattern is named
 * "custom" and its values are the tensor's, in its precision: an f64 tensor
 * reproduces a builtin random pattern (drawn in double) exactly, and
 * spurious.pattern then records it as f64 (rsc_pattern_to_tensor).  The
 * builtin patterns as such files: data/patterns/ (data/gen-patterns.c),
 * installed under $(pkgdatadir)/patterns.  A PNG file (when rsc is built
 * with libpng) is a custom pattern too: pixel value v adds v/255.0f (black
 * adds nothing, white sets the pixel to 1; use an opaque PNG, transparency
 * reads as white); a grey PNG serves every channel, a colour one needs
 * 3-channel images; its size must be the images'.  Returns 0, or -1 with a message
 * (unknown pattern, image too small for the square, a bad file). */
int rsc_pattern_make(rsc_pattern *p, const char *name, int c, int h, int w, uint32_t seed,
                     rsc_error *err);

/* The pattern a dataset or model was made with: keys `pattern` (builtin
 * names regenerated exactly from `seed`) or, for a custom pattern, the
 * spurious.pattern tensor.  The shape comes from spurious.pattern when
 * present, else from train.x (datasets) or the `input` key (models).
 * -1 with a message when the file records no pattern (or pattern=none). */
int rsc_pattern_from_dataset(rsc_pattern *p, const rsc_file *f, rsc_error *err);

/* out = float32(clip((double)x + add, 0, 1)) for one CHW image; out may be
 * x. */
void rsc_pattern_apply(const rsc_pattern *p, const float *x, float *out);

void rsc_pattern_free(rsc_pattern *p);

/* ------------------------------------------------------------ extras */

/* 1 when name is one of the seven builtin patterns (case-insensitive);
 * *canon (if not NULL) receives the canonical spelling ("S1".."Inv"). */
int rsc_pattern_is_builtin(const char *name, const char **canon);
/* The builtin names in the paper's order, NULL-terminated. */
extern const char *const rsc_pattern_names[];

/* ||x - Phi(x)||_2 of one CHW image, in double (the difference taken
 * between the float32 values). */
double rsc_pattern_distance(const rsc_pattern *p, const float *x);
/* Table 1's empirical norm: mean over n images of rsc_pattern_distance. */
double rsc_pattern_mean_norm(const rsc_pattern *p, const float *x, size_t n);

/* The pattern as a [c,h,w] tensor named `name` added to f (for
 * spurious.pattern): f32, or f64 when p->f64 (so that a custom pattern is
 * recorded exactly; a builtin one is regenerated from its name and seed). */
int rsc_pattern_to_tensor(const rsc_pattern *p, rsc_file *f, const char *name, rsc_error *err);

#endif
