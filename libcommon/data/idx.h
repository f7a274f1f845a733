/* idx.h - the IDX format of MNIST and Fashion-MNIST (raw or gzip): one
 * file, and a folder of the four files imported as a dataset. */
#ifndef RSC_IDX_H
#define RSC_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/manifest.h"
#include "format/rsct.h"

/* The element type of IDX type code `code` (the magic's third byte):
 * "u8" (0x08), "i8", "i16", "i32", "f32", "f64" (0x0E) with its size in
 * bytes, or NULL for another code. */
const char *rsc_idx_dtype(int code, size_t *size);

/* Read one IDX file (raw or gzip, recognised by content): images must be
 * u8 with 3 dims (N, H, W), labels u8 with 1 dim.  *data is malloc'ed
 * (N*H*W or N bytes); dims[0..ndim) receive the header dims.  expect_ndim is
 * 1 or 3.  Errors name the file. */
int rsc_idx_read(const char *path, int expect_ndim, uint8_t **data, uint32_t dims[3],
                 rsc_error *err);

/* Import train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte from dir, each raw or
 * .gz (raw preferred).  name is recorded as the `name` key (NULL: fashion
 * or mnist when the folder's name says so, else the folder's name).  With a
 * manifest m (NULL: none), each file's content is checked against it while
 * it is read (rsc_verify_*). */
rsc_file *rsc_dataset_import_idx(const char *dir, const char *name, const rsc_manifest *m,
                                 rsc_error *err);
/* The same, reading only the t10k files when test_only is set (the
 * training files are not opened: RSC_DATASET_TEST_ONLY). */
rsc_file *rsc_dataset_import_idx_split(const char *dir, const char *name, const rsc_manifest *m,
                                       int test_only, rsc_error *err);

#endif
