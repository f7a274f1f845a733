/* model.c - trained models: a model file's network rebuilt on a backend,
 * and inference on host images. */
#include "config.h"

#include "nn/model.h"
#include "nn/model_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/arch.h"
#include "kernels/backend.h"
#include "nn/net.h"

/* Examples per forward pass in inference. */
#define PREDICT_BATCH 256

struct rsc_model {
    rsc_backend *be;
    rsc_net *net;
    char arch[32];
    rsc_shape input;
    int classes;
};

/* ------------------------------------------------------------ inference */

rsc_model *rsc_model_open(const rsc_file *f, const char *fname, const char *device, int threads,
                          rsc_error *err)
{
    rsc_model *m = rsc_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    if (rsc_model_read_header(f, fname, m->arch, &m->input, &m->classes, err) != 0)
        goto fail;
    m->be = rsc_backend_open(device, threads, err);
    if (!m->be)
        goto fail;
    m->net = rsc_net_new(m->be, m->input, PREDICT_BATCH, err);
    if (!m->net)
        goto fail;
    if (rsc_arch_build(m->net, m->arch, m->classes, err) != 0) {
        rsc_fail_prefix(err, "%s", fname);
        goto fail;
    }
    if (rsc_model_read_params(m->net, f, fname, err) != 0)
        goto fail;
    return m;
fail:
    rsc_model_free(m);
    return NULL;
}

int rsc_model_input(const rsc_model *m, int *c, int *h, int *w)
{
    if (c)
        *c = m->input.c;
    if (h)
        *h = m->input.h;
    if (w)
        *w = m->input.w;
    return 0;
}

int rsc_model_classes(const rsc_model *m)
{
    return m->classes;
}

const char *rsc_model_arch(const rsc_model *m)
{
    return m->arch;
}

const char *rsc_model_backend(const rsc_model *m)
{
    return m->be->desc;
}

static int run(rsc_model *m, const float *x, size_t n, float *out, int softmax, rsc_error *err)
{
    rsc_backend *be = m->be;
    size_t row = rsc_shape_size(m->input);
    size_t k = (size_t)m->classes;
    for (size_t i = 0; i < n; i += PREDICT_BATCH) {
        int b = (int)(n - i < PREDICT_BATCH ? n - i : PREDICT_BATCH);
        if (be->upload(be, rsc_net_input(m->net), 0, x + i * row, (size_t)b * row * sizeof(float),
                       err) != 0)
            return -1;
        rsc_buf *logits = rsc_net_forward(m->net, b, 0);
        if (softmax)
            be->softmax(be, logits, logits, b, m->classes);
        if (be->download(be, out + i * k, logits, 0, (size_t)b * k * sizeof(float), err) != 0)
            return -1;
    }
    return 0;
}

int rsc_model_predict(rsc_model *m, const float *x, size_t n, float *probs, rsc_error *err)
{
    return run(m, x, n, probs, 1, err);
}

int rsc_model_logits(rsc_model *m, const float *x, size_t n, float *logits, rsc_error *err)
{
    return run(m, x, n, logits, 0, err);
}

void rsc_model_free(rsc_model *m)
{
    if (!m)
        return;
    rsc_net_free(m->net);
    rsc_backend_close(m->be);
    free(m);
}
