/* cifar.h - the CIFAR-10 binary format: one batch file, and a folder of
 * the six batches imported as a dataset. */
#ifndef RSC_CIFAR_H
#define RSC_CIFAR_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "data/manifest.h"
#include "format/rsct.h"

/* A record: one label byte, then 3 x 32 x 32 pixel bytes (CHW). */
#define RSC_CIFAR_PIXELS 3072u
#define RSC_CIFAR_RECORD (1u + RSC_CIFAR_PIXELS)
#define RSC_CIFAR_CLASSES 10

/* Read one CIFAR-10 binary batch file (records of 1 label byte + 3072 pixel
 * bytes, CHW): *n records, images into *x (n*3072), labels into *y. */
int rsc_cifar_read(const char *path, uint8_t **x, int32_t **y, size_t *n, rsc_error *err);

/* Import data_batch_1..5.bin and test_batch.bin from dir or
 * dir/cifar-10-batches-bin.  name is recorded as the `name` key (NULL:
 * cifar10).  With a manifest m (NULL: none), each batch is checked against
 * it while it is read (rsc_verify_*). */
rsc_file *rsc_dataset_import_cifar(const char *dir, const char *name, const rsc_manifest *m,
                                   rsc_error *err);
/* The same, reading only test_batch.bin when test_only is set
 * (RSC_DATASET_TEST_ONLY). */
rsc_file *rsc_dataset_import_cifar_split(const char *dir, const char *name, const rsc_manifest *m,
                                         int test_only, rsc_error *err);

#endif
