/* mkmodel - test helper: write a hand-built model whose first-layer weight
 * has a known largest and smallest pixel (for rsc-viz importance).
 *   mkmodel mlp OUT HIDDEN CxHxW MAXR,MAXC MINR,MINC [COUNT]
 *       param/fc1.weight [HIDDEN, C*H*W]: small values in [-0.05, 0.05],
 *       1.0 at row HIDDEN/2 for pixel (MAXR, MAXC) of the last channel (the
 *       largest), and -1.0 in every row and channel for (MINR, MINC) (so
 *       its maximum, -1, is the smallest); key count=COUNT when given
 *   mkmodel conv OUT          a model that starts with a convolution (and
 *                             has an fc1 after it, as the paper's CNN)
 *   mkmodel dataset OUT       an rsct file of kind dataset */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "format/rsct.h"

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc < 3)
        rsc_usage_error("usage: mkmodel mlp|conv|dataset OUT ...");
    rsc_error err;
    rsc_file *f = rsc_file_new(&err);
    if (!f)
        rsc_die_err(&err);
    if (strcmp(argv[1], "dataset") == 0) {
        if (rsc_file_stamp(f, "dataset", "mkmodel", &err) != 0)
            rsc_die_err(&err);
    } else if (strcmp(argv[1], "conv") == 0) {
        uint64_t d[4] = { 4, 1, 3, 3 }, d2[2] = { 200, 1024 };
        if (rsc_file_stamp(f, "model", "mkmodel", &err) != 0 ||
            rsc_meta_set(f, "arch", "cnn", &err) != 0 ||
            rsc_meta_set(f, "input", "1x28x28", &err) != 0 ||
            !rsc_file_add(f, "param/conv1.weight", RSC_F32, 4, d, &err) ||
            !rsc_file_add(f, "param/fc1.weight", RSC_F32, 2, d2, &err))
            rsc_die_err(&err);
    } else if (strcmp(argv[1], "mlp") == 0 && (argc == 7 || argc == 8)) {
        long hidden = rsc_opt_long("HIDDEN", argv[3], 1, 100000);
        int c, h, w, maxr, maxc, minr, minc;
        if (sscanf(argv[4], "%dx%dx%d", &c, &h, &w) != 3 ||
            sscanf(argv[5], "%d,%d", &maxr, &maxc) != 2 || sscanf(argv[6], "%d,%d", &minr, &minc) != 2)
            rsc_usage_error("bad CxHxW or R,C");
        uint64_t in = (uint64_t)c * h * w, d[2] = { (uint64_t)hidden, in };
        rsc_tensor *t = rsc_file_add(f, "param/fc1.weight", RSC_F32, 2, d, &err);
        if (!t || rsc_file_stamp(f, "model", "mkmodel", &err) != 0 ||
            rsc_meta_set(f, "arch", "mlp-small", &err) != 0 ||
            rsc_meta_set(f, "input", argv[4], &err) != 0 ||
            (argc == 8 && rsc_meta_set(f, "count", argv[7], &err) != 0))
            rsc_die_err(&err);
        float *wt = t->data;
        for (long j = 0; j < hidden; j++)
            for (uint64_t p = 0; p < in; p++)
                wt[(uint64_t)j * in + p] = (float)(0.05 * sin(0.7 * (double)j + 0.13 * (double)p));
        wt[(uint64_t)(hidden / 2) * in + (uint64_t)(c - 1) * h * w + (uint64_t)maxr * w + maxc] = 1.0f;
        for (long j = 0; j < hidden; j++)
            for (int ch = 0; ch < c; ch++)
                wt[(uint64_t)j * in + (uint64_t)ch * h * w + (uint64_t)minr * w + minc] = -1.0f;
        uint64_t b = (uint64_t)hidden;
        if (!rsc_file_add(f, "param/fc1.bias", RSC_F32, 1, &b, &err))
            rsc_die_err(&err);
    } else {
        rsc_usage_error("usage: mkmodel mlp|conv|dataset OUT ...");
    }
    if (rsc_file_save(argv[2], f, 0, &err) != 0)
        rsc_die_err(&err);
    rsc_file_free(f);
    return 0;
}
