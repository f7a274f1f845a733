/* dataset.h - datasets: import (IDX, CIFAR-10 binary, rsct), lookup by
 * name, validation, and float views of the images.
 *
 * A dataset is an rsc_file (kind=dataset, man/rsct.5): tensors
 * train.x/test.x (u8 or f32, N x C x H x W), train.y/test.y (i32, N), keys
 * name, classes, source; after injection also pattern/target/count/seed and
 * the tensors spurious.index (i64 [count]), spurious.pattern (f32 [C,H,W];
 * f64 for a custom pattern whose values float32 cannot hold)
 * and spurious.x (f32 [count,C,H,W], the injected images). */
#ifndef RSC_DATASET_H
#define RSC_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/patterns.h"
#include "format/rsct.h"

/* Open a dataset: NAME (mnist | fashion | cifar10) found by
 * rsc_dataset_locate(), an IDX folder, a CIFAR-10 binary folder (or one that
 * holds cifar-10-batches-bin/), or an rsct dataset file ("-" = stdin).  A
 * folder found by NAME is checked against the dataset's manifest while it is
 * imported (data/manifest.h): a file whose content is not the published one
 * is an error naming the file and both checksums.  rsct files and folders
 * given by path are not checked.  The result is validated
 * (rsc_dataset_validate).  NULL with a message naming the file and problem
 * on failure; a name not found lists every place searched.  The caller
 * frees with rsc_file_free(). */
rsc_file *rsc_dataset_open(const char *name_or_path, rsc_error *err);

/* One split of a dataset as the trainer and the scorer take it, borrowed
 * from the file (nothing is copied): n images of c x h x w pixels (CHW),
 * u8 (pixel value v / 255.0f, a float32 division as the reference's
 * astype(float32) / 255) or f32 in [0,1], and their labels.  For the
 * training split of an injected dataset, the rows listed in
 * spurious.index are to be read as the rows of spurious.x instead: the
 * substitution is made when a batch is gathered (the backend's gather),
 * so that the images stay u8 in memory.  Code with its own float arrays
 * fills one directly (dtype RSC_F32, nsub 0). */
typedef struct rsc_split {
    size_t n;
    int c, h, w;
    int dtype;                  /* RSC_U8 or RSC_F32 (enum rsc_dtype) */
    const void *x;              /* n rows of c*h*w values */
    const int32_t *y;           /* n labels */
    size_t nsub;                /* rows substituted (0: none) */
    const int64_t *sub_index;   /* their indices, distinct, in [0, n) */
    const float *sub_x;         /* their f32 rows */
} rsc_split;

/* The split "train" or "test" of a validated dataset (the substitution
 * only for "train").  Fails on another split name or a malformed file. */
int rsc_dataset_split(const rsc_file *ds, const char *split, rsc_split *out, rsc_error *err);

/* rsc_dataset_open with flags: RSC_DATASET_NO_VERIFY skips the manifest
 * check (--no-verify); RSC_DATASET_TEST_ONLY reads only what the test
 * split needs: a folder's training files are not opened at all, and of an
 * rsct dataset only test.x, test.y and spurious.pattern are kept (the other
 * payloads are read through, their sizes and crcs checked, and dropped).
 * train.x, train.y, spurious.index and spurious.x are then absent, and the
 * validation checks the test split, the keys and the pattern's shape. */
enum { RSC_DATASET_NO_VERIFY = 1, RSC_DATASET_TEST_ONLY = 2 };
rsc_file *rsc_dataset_open_flags(const char *name_or_path, unsigned flags, rsc_error *err);

/* Float copies of one split ("train" or "test") in [0,1], CHW per image,
 * malloc'ed into *x (n*c*h*w floats) and *y (n labels); either of x / y may
 * be NULL when not wanted.  For "train", the rows listed in spurious.index
 * are replaced by the rows of spurious.x.  u8 pixels become v / 255.0f
 * (a float32 division, as the reference's astype(float32) / 255). */
int rsc_dataset_images_f32(const rsc_file *ds, const char *split,
                           float **x, int32_t **y, size_t *n, int *c, int *h, int *w,
                           rsc_error *err);

/* Images [start, start + count) of a split into x (count*c*h*w floats),
 * converted and substituted as rsc_dataset_images_f32 does: for a batch
 * without a float copy of the whole split. */
int rsc_dataset_range_f32(const rsc_file *ds, const char *split, size_t start, size_t count,
                          float *x, rsc_error *err);

/* ------------------------------------------------------------ extras */

/* Check a dataset in memory: the four tensors present with the right
 * dtypes and ranks, matching image shapes between splits, x/y counts equal,
 * classes in 2..65536 and every label in [0, classes), f32 pixels finite
 * and in [0,1]; when injected, spurious.index/pattern/x consistent with
 * count (indices distinct, in range, labelled target) and keys
 * pattern/target/count/seed well formed.  fname prefixes messages. */
int rsc_dataset_validate(const rsc_file *ds, const char *fname, rsc_error *err);

/* Resolve a dataset NAME (mnist, fashion, cifar10) to a folder or rsct
 * file, looking in order in
 *   1. each folder of $RSC_DATA_PATH (colon-separated): NAME.rsct, then the
 *      folders the dataset goes by (mnist/; fashion-mnist/ or fashion/;
 *      cifar10/ or cifar-10-batches-bin/) holding files of its format;
 *   2. /usr/share/datasets/<folder> (Debian's convention: the package
 *      dataset-fashion-mnist installs /usr/share/datasets/fashion-mnist);
 *   3. $XDG_DATA_HOME/rsc (default ~/.local/share/rsc), as in 1.
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

/* Number of classes of a validated dataset (the `classes` key). */
int rsc_dataset_classes(const rsc_file *ds);

#endif
