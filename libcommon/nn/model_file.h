/* model_file.h - model files (kind=model) <-> networks: the keys every
 * model has, and the parameter and state tensors.  Used by model.c,
 * train.c and tools that need a model's network itself. */
#ifndef RSC_MODEL_FILE_H
#define RSC_MODEL_FILE_H

#include <stddef.h>

#include "kernels/backend.h"
#include "nn/net.h"
#include "format/rsct.h"

/* Parse "CxHxW" (positive). */
int rsc_model_parse_input(const char *s, rsc_shape *shape);

/* Check kind=model and read arch (known), input and classes. */
int rsc_model_read_header(const rsc_file *f, const char *fname, char arch[32], rsc_shape *input,
                          int *classes, rsc_error *err);

/* Parameters <-> tensors param/<name> (f32, PyTorch shapes). */
int rsc_model_write_params(rsc_net *net, rsc_file *f, rsc_error *err);
int rsc_model_read_params(rsc_net *net, const rsc_file *f, const char *fname, rsc_error *err);

/* Upload the f32 [n] tensor `name` of f into buf. */
int rsc_model_read_state(const rsc_file *f, const char *fname, const char *name, rsc_backend *be,
                         rsc_buf *buf, size_t n, rsc_error *err);

#endif
