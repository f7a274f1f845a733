/* model-hvp - test helper: rsc's Hessian-vector products (delete/hvp.h,
 * what rsc-delete --method influence uses) on a trained model, so that an
 * independent implementation (PyTorch's double backward in float64, in
 * tests/py-hvp.py) can measure their error on real networks.
 *   model-hvp MODEL DATASET START N MODE STEP OUT
 * takes training images [START, START + N) of DATASET (spurious rows
 * substituted, as training sees them) as one batch, MODE "auto" (what
 * rsc-delete chooses: exact for the linear and MLP archs, else the
 * central difference), "exact" or "fd", STEP the central difference's
 * relative step (0: the default), and writes the rsct file OUT with the
 * f32 tensors, in the network's flat parameter order (PyTorch's
 * named_parameters order):
 *   grad      (1/N) sum_i grad L_i
 *   v_rand    a standard normal direction (seed 1), and hv_rand = H v_rand
 *   v_grad    grad itself, and hv_grad = H grad (the direction LiSSA's
 *             first step takes)
 * with H = (1/N) sum_i H_i of the evaluation-mode network, and the keys
 * hvp_mode (exact / central-difference), hvp_products, hvp_one_sided and
 * hvp_unchecked (rsc_hvp_fd_counts after the two products).  CPU backend,
 * one thread. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "delete/hvp.h"
#include "format/rsct.h"
#include "kernels/backend.h"
#include "nn/arch.h"
#include "nn/model_file.h"
#include "nn/net.h"

static float *add(rsc_file *out, const char *name, size_t np, rsc_error *err)
{
    uint64_t d = np;
    rsc_tensor *t = rsc_file_add(out, name, RSC_F32, 1, &d, err);
    if (!t)
        rsc_die_err(err);
    return t->data;
}

/* out_t = H v, with v uploaded from host vector v. */
static void product(rsc_hvp *h, const float *v, float *out_t, float scale, rsc_error *err)
{
    rsc_backend *be = rsc_hvp_be(h);
    size_t bytes = rsc_hvp_size(h) * sizeof(float);
    if (be->upload(be, rsc_hvp_vec(h), 0, v, bytes, err) != 0 ||
        rsc_hvp_apply(h, scale, err) != 0 ||
        be->download(be, out_t, rsc_hvp_out(h), 0, bytes, err) != 0)
        rsc_die_err(err);
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc != 8)
        rsc_usage_error("usage: model-hvp MODEL DATASET START N auto|exact|fd STEP OUT");
    rsc_error err;
    long start = atol(argv[3]), n = atol(argv[4]);
    double step = atof(argv[6]);
    const char *mode = argv[5];
    rsc_file *mf = rsc_file_load(argv[1], &err);
    if (!mf)
        rsc_die_err(&err);
    char arch[32];
    rsc_shape input;
    int classes;
    if (rsc_model_read_header(mf, argv[1], arch, &input, &classes, &err) != 0)
        rsc_die_err(&err);
    rsc_backend *be = rsc_backend_open("cpu", 1, &err);
    rsc_net *net = be ? rsc_net_new(be, input, (int)n, &err) : NULL;
    if (!net || rsc_arch_build(net, arch, classes, &err) != 0 ||
        rsc_model_read_params(net, mf, argv[1], &err) != 0)
        rsc_die_err(&err);
    rsc_file_free(mf);
    rsc_file *ds = rsc_dataset_open(argv[2], &err);
    if (!ds)
        rsc_die_err(&err);
    size_t img = rsc_shape_size(input);
    float *x = malloc((size_t)n * img * sizeof *x);
    int32_t *y = NULL, *yall = NULL;
    size_t ntrain;
    int c, hh, w;
    if (!x || rsc_dataset_range_f32(ds, "train", (size_t)start, (size_t)n, x, &err) != 0 ||
        rsc_dataset_images_f32(ds, "train", NULL, &yall, &ntrain, &c, &hh, &w, &err) != 0)
        rsc_die_err(&err);
    y = yall + start;
    rsc_hvp *h = !strcmp(mode, "auto")    ? rsc_hvp_new(net, (int)n, &err)
                 : !strcmp(mode, "exact") ? rsc_hvp_new_mode(net, (int)n, RSC_HVP_EXACT, &err)
                                          : rsc_hvp_new_mode(net, (int)n, RSC_HVP_FD, &err);
    if (!h)
        rsc_die_err(&err);
    if (step > 0)
        rsc_hvp_set_step(h, step);
    size_t np = rsc_hvp_size(h);
    rsc_file *out = rsc_file_new(&err);
    if (!out)
        rsc_die_err(&err);
    float *g = add(out, "grad", np, &err), *vr = add(out, "v_rand", np, &err),
          *hr = add(out, "hv_rand", np, &err), *vg = add(out, "v_grad", np, &err),
          *hg = add(out, "hv_grad", np, &err);
    float scale = 1.0f / (float)n;
    if (rsc_hvp_set_batch(h, x, y, (int)n, &err) != 0)
        rsc_die_err(&err);
    rsc_hvp_grad(h, scale);
    if (be->download(be, g, rsc_hvp_out(h), 0, np * sizeof *g, &err) != 0)
        rsc_die_err(&err);
    memcpy(vg, g, np * sizeof *g);
    rsc_rng rng;
    rsc_rng_seed(&rng, 1);
    for (size_t i = 0; i < np; i++)
        vr[i] = (float)rsc_rng_normal(&rng);
    product(h, vr, hr, scale, &err);
    product(h, vg, hg, scale, &err);
    long counts[3];
    rsc_hvp_fd_counts(h, &counts[0], &counts[1], &counts[2]);
    if (rsc_meta_set(out, "hvp_mode", rsc_hvp_exact(h) ? "exact" : "central-difference", &err) ||
        rsc_meta_setf(out, "hvp_products", &err, "%ld", counts[0]) ||
        rsc_meta_setf(out, "hvp_one_sided", &err, "%ld", counts[1]) ||
        rsc_meta_setf(out, "hvp_unchecked", &err, "%ld", counts[2]) ||
        rsc_file_stamp(out, "hvp", "model-hvp", &err) != 0 ||
        rsc_file_save(argv[7], out, 0, &err) != 0)
        rsc_die_err(&err);
    rsc_file_free(out);
    rsc_hvp_free(h);
    rsc_net_free(net);
    rsc_backend_close(be);
    rsc_file_free(ds);
    free(x);
    free(yall);
    return rsc_close_stdout();
}
