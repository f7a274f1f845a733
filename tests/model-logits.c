/* model-logits - test helper: what rsc's own inference gives for the test
 * split of a dataset, so that another implementation of a model (the
 * PyTorch definitions of python3/rsc_torch.py) can be compared example by
 * example.  rsc-score prints only metrics.
 *   model-logits MODEL DATASET OUT
 * writes the rsct file OUT with the f32 tensors `logits` and `probs`
 * [n_test, classes] (rsc_model_logits and rsc_model_predict on the CPU
 * backend, one thread) and the i32 tensor `pred` [n_test] (the argmax of
 * probs, the first class on ties, as rsc-score predicts). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/cli.h"
#include "data/dataset.h"
#include "format/rsct.h"
#include "nn/model.h"
#include "score/metrics.h"

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    if (argc != 4)
        rsc_usage_error("usage: model-logits MODEL DATASET OUT");
    rsc_error err;
    rsc_file *mf = rsc_file_load(argv[1], &err);
    if (!mf)
        rsc_die_err(&err);
    rsc_model *m = rsc_model_open(mf, argv[1], "cpu", 1, &err);
    rsc_file_free(mf);
    if (!m)
        rsc_die_err(&err);
    rsc_file *ds = rsc_dataset_open(argv[2], &err);
    if (!ds)
        rsc_die_err(&err);
    float *x;
    size_t n;
    int c, h, w, mc, mh, mw;
    if (rsc_dataset_images_f32(ds, "test", &x, NULL, &n, &c, &h, &w, &err) != 0)
        rsc_die_err(&err);
    rsc_model_input(m, &mc, &mh, &mw);
    if (c != mc || h != mh || w != mw)
        rsc_die("%s: images %dx%dx%d, the model takes %dx%dx%d", argv[2], c, h, w, mc, mh, mw);
    int k = rsc_model_classes(m);
    rsc_file *out = rsc_file_new(&err);
    uint64_t dims[2] = { n, (uint64_t)k };
    rsc_tensor *lt = out ? rsc_file_add(out, "logits", RSC_F32, 2, dims, &err) : NULL;
    rsc_tensor *pt = lt ? rsc_file_add(out, "probs", RSC_F32, 2, dims, &err) : NULL;
    rsc_tensor *yt = pt ? rsc_file_add(out, "pred", RSC_I32, 1, dims, &err) : NULL;
    if (!yt || rsc_file_stamp(out, "logits", "model-logits", &err) != 0 ||
        rsc_model_logits(m, x, n, lt->data, &err) != 0 ||
        rsc_model_predict(m, x, n, pt->data, &err) != 0)
        rsc_die_err(&err);
    for (size_t i = 0; i < n; i++)
        ((int32_t *)yt->data)[i] = rsc_argmax_f32((const float *)pt->data + i * (size_t)k, k);
    if (rsc_file_save(argv[3], out, 0, &err) != 0)
        rsc_die_err(&err);
    rsc_file_free(out);
    rsc_file_free(ds);
    free(x);
    rsc_model_free(m);
    return rsc_close_stdout();
}
