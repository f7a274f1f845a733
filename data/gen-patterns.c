/* gen-patterns.c - write the seven builtin spurious patterns as rsct files,
 * for the two image shapes of the paper, into DIR:
 *   gen-patterns DIR
 * makes DIR/NAME-CxHxW.rsct for S1 S2 S3 Inv and DIR/NAME-CxHxW-seed0.rsct
 * for R1 R2 R3 (NumPy's RandomState(0)), C x H x W = 1x28x28 (MNIST,
 * Fashion-MNIST) and 3x32x32 (CIFAR-10).  Each holds a tensor `pattern`
 * (the additive x_sp, CHW) that rsc-inject --pattern FILE reads: f32 for
 * the squares and Inv (0 and 1), f64 for the random ones, whose values
 * float32 cannot hold, so that a file gives exactly the builtin pattern's
 * images; and the keys kind=pattern, creator, pattern, shape and, for the
 * random ones, seed.  Run by the build (mk/data.am); installed under
 * $(pkgdatadir)/patterns. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "data/patterns.h"
#include "format/rsct.h"

#define SEED 0u

static void write_one(const char *dir, const char *name, int c, int h, int w)
{
    rsc_error err;
    rsc_pattern p;
    if (rsc_pattern_make(&p, name, c, h, w, SEED, &err) < 0)
        rsc_die_err(&err);
    int random = !strcmp(name, "R1") || !strcmp(name, "R2") || !strcmp(name, "R3");
    char path[4096], shape[64];
    snprintf(shape, sizeof shape, "%dx%dx%d", c, h, w);
    if (random)
        snprintf(path, sizeof path, "%s/%s-%s-seed%u.rsct", dir, name, shape, SEED);
    else
        snprintf(path, sizeof path, "%s/%s-%s.rsct", dir, name, shape);
    /* a builtin random pattern is drawn in double: keep it so */
    p.f64 = random;
    rsc_file *f = rsc_file_new(&err);
    if (!f || rsc_file_stamp(f, "pattern", "gen-patterns", &err) < 0 ||
        rsc_meta_set(f, "pattern", name, &err) < 0 || rsc_meta_set(f, "shape", shape, &err) < 0 ||
        (random && rsc_meta_setf(f, "seed", &err, "%u", SEED) < 0) ||
        rsc_pattern_to_tensor(&p, f, "pattern", &err) < 0 ||
        rsc_file_save(path, f, RSC_WRITE_COMPRESS, &err) < 0)
        rsc_die_err(&err);
    rsc_file_free(f);
    rsc_pattern_free(&p);
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc != 2)
        rsc_usage_error("usage: gen-patterns DIR");
    static const int shapes[][3] = { { 1, 28, 28 }, { 3, 32, 32 } };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int i = 0; rsc_pattern_names[i]; i++)
            write_one(argv[1], rsc_pattern_names[i], shapes[s][0], shapes[s][1], shapes[s][2]);
    return 0;
}
