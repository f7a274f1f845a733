/* model.h - trained models: inference on host images, and the model file
 * (kind=model, HACKING.md) <-> network parameters.
 *
 * A model file names its architecture (`arch`), input shape (`input`,
 * "CxHxW") and class count (`classes`) and holds the parameters as tensors
 * `param/<layer>.<weight|bias|...>` with PyTorch's shapes (linear weight
 * [out, in], row-major).  rsc_model_open() rebuilds the network on a
 * backend and loads those tensors; the predict/logits calls run it in
 * evaluation mode (dropout off), batched internally, so any n works. */
#ifndef RSC_MODEL_H
#define RSC_MODEL_H

#include <stddef.h>

#include "base/error.h"
#include "format/rsct.h"

typedef struct rsc_model rsc_model;

/* Build the model described by f (kind=model) on a backend.  fname names
 * the file in messages; device is "auto", "cpu" or "cuda" (NULL = auto);
 * threads 0 = all cores.  f is not kept: the caller may free it after.
 * Errors: unknown arch, missing or mis-shaped param/ tensor, bad input or
 * classes key, unavailable device ("FNAME: tensor 'param/fc1.weight':
 * shape [256, 783], expected [256, 784]"). */
rsc_model *rsc_model_open(const rsc_file *f, const char *fname, const char *device,
                          int threads, rsc_error *err);

/* Input shape (per example, CHW) and number of classes. */
int rsc_model_input(const rsc_model *m, int *c, int *h, int *w);
int rsc_model_classes(const rsc_model *m);
/* Architecture name ("mlp", ...) and backend description ("cpu/openblas"). */
const char *rsc_model_arch(const rsc_model *m);
const char *rsc_model_backend(const rsc_model *m);

/* Eval-mode softmax probabilities for n host images x (n x C*H*W floats,
 * CHW order, values as in training: [0,1]); probs is n x classes. */
int rsc_model_predict(rsc_model *m, const float *x, size_t n, float *probs, rsc_error *err);
/* The same, raw logits (pre-softmax outputs; for membership inference). */
int rsc_model_logits(rsc_model *m, const float *x, size_t n, float *logits, rsc_error *err);

void rsc_model_free(rsc_model *m);

#endif
