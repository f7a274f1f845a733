/* dataset.h - datasets: import (IDX, CIFAR-10 binary, rsct), lookup by
 * name, validation, and float views of the images.
 *
 * A dataset is an rsc_file (kind=dataset, DESIGN.md section 2): tensors
 * train.x/test.x (u8 or f32, N x C x H x W), train.y/test.y (i32, N), keys
 * name, classes, source; after injection also pattern/target/count/seed and
 * the tensors spurious.index (i64 [count]), spurious.pattern (f32 [C,H,W])
 * and spurious.x (f32 [count,C,H,W], the injected images). */
#ifndef RSC_DATASET_H
#define RSC_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "patterns.h"
#include "rsct.h"

/* Open a dataset: NAME (mnist | fashion | cifar10) found by the lookup of
 * DESIGN.md section 3, an IDX folder, a CIFAR-10 binary folder (or one that
 * holds cifar-10-batches-bin/), or an rsct dataset file ("-" = stdin).  The
 * result is validated (rsc_dataset_validate).  NULL with a message naming
 * the file and problem on failure; a name not found lists every place
 * searched.  The caller frees with rsc_file_free(). */
rsc_file *rsc_dataset_open(const char *name_or_path, rsc_error *err);

/* Float copies of one split ("train" or "test") in [0,1], CHW per image,
 * malloc'ed into *x (n*c*h*w floats) and *y (n labels); either of x / y may
 * be NULL when not wanted.  For "train", the rows listed in spurious.index
 * are replaced by the rows of spurious.x.  u8 pixels become v / 255.0f
 * (a float32 division, as the reference's astype(float32) / 255). */
int rsc_dataset_images_f32(const rsc_file *ds, const char *split,
                           float **x, int32_t **y, size_t *n, int *c, int *h, int *w,
                           rsc_error *err);

/* ------------------------------------------------------------ extras */

/* Check a dataset in memory: the four tensors present with the right
 * dtypes and ranks, matching image shapes between splits, x/y counts equal,
 * classes in 2..65536 and every label in [0, classes), f32 pixels finite
 * and in [0,1]; when injected, spurious.index/pattern/x consistent with
 * count (indices distinct, in range, labelled target) and keys
 * pattern/target/count/seed well formed.  fname prefixes messages. */
int rsc_dataset_validate(const rsc_file *ds, const char *fname, rsc_error *err);

/* Import one format from a folder.  IDX: train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
 * each raw or .gz (raw preferred).  CIFAR-10: data_batch_1..5.bin and
 * test_batch.bin in dir or dir/cifar-10-batches-bin.  name is recorded as
 * the `name` key (NULL: fashion or mnist when the folder's name says so,
 * else the folder's name for IDX, cifar10 for CIFAR-10). */
rsc_file *rsc_dataset_import_idx(const char *dir, const char *name, rsc_error *err);
rsc_file *rsc_dataset_import_cifar(const char *dir, const char *name, rsc_error *err);

/* Read one IDX file (raw or gzip, recognised by content): images must be
 * u8 with 3 dims (N, H, W), labels u8 with 1 dim.  *data is malloc'ed
 * (N*H*W or N bytes); dims[0..ndim) receive the header dims.  expect_ndim is
 * 1 or 3.  Errors name the file. */
int rsc_idx_read(const char *path, int expect_ndim, uint8_t **data, uint32_t dims[3],
                 rsc_error *err);

/* Read one CIFAR-10 binary batch file (records of 1 label byte + 3072 pixel
 * bytes, CHW): *n records, images into *x (n*3072), labels into *y. */
int rsc_cifar_read(const char *path, uint8_t **x, int32_t **y, size_t *n, rsc_error *err);

/* Resolve a dataset NAME to a folder (or rsct file) per DESIGN.md section 3.
 * Returns a malloc'ed path, or NULL with a message listing every place
 * searched.  Returns NULL with an "unknown dataset name" message for
 * anything other than mnist, fashion, cifar10. */
char *rsc_dataset_locate(const char *name, rsc_error *err);

/* What a folder holds: RSC_DIR_IDX (train-images-idx3-ubyte[.gz]),
 * RSC_DIR_CIFAR (data_batch_1.bin, here or in cifar-10-batches-bin/), or 0. */
enum { RSC_DIR_IDX = 1, RSC_DIR_CIFAR = 2 };
int rsc_dataset_dir_format(const char *dir);

/* 1 when s is one of the dataset names the lookup knows. */
int rsc_dataset_is_name(const char *s);

/* Insert pattern p into `count` training examples of class `target`, as
 * the reference does: the indices are
 * RandomState(seed).choice(indices of class target in training order,
 * size=count, replace=False).  train.x stays untouched; adds spurious.index
 * (i64 [count], in drawing order), spurious.pattern (f32 [C,H,W]) and
 * spurious.x (f32 [count,C,H,W], Phi of the original rows) and the keys
 * pattern (p->name), target, count, seed.  count 0 records all of that
 * with empty tensors.  Errors: an already injected dataset, target out of
 * range, count larger than the class, a pattern of another shape. */
int rsc_dataset_inject(rsc_file *ds, const rsc_pattern *p, long target, long count, uint32_t seed,
                       rsc_error *err);

/* Number of classes of a validated dataset (the `classes` key). */
int rsc_dataset_classes(const rsc_file *ds);

#endif
