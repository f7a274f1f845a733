/* fuzz-idx.c - fuzz target for the IDX reader (raw and gzip): any byte
 * string, read as an image file and as a label file, and as the training
 * images of a whole IDX folder, must be accepted with consistent dims or
 * rejected with a one-line message naming the file, without a crash, a
 * leak or an allocation beyond what the input can hold.  Built as a
 * libFuzzer binary by `make fuzz`, and linked with tests/fuzz-replay.c for
 * make check (corpus tests/fixtures/idx). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dataset.h"
#include "format/rsct.h"
#include "data/idx.h"
#include "fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char images[128];

static void cleanup(void)
{
    char p[160];
    const char *names[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                            "t10k-labels-idx1-ubyte" };
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void put(const char *name, const void *buf, size_t n)
{
    fuzz_put(dir, name, buf, n);
}

/* A one-line message that names the file. */
static void check_msg(const rsc_error *err, const char *path)
{
    if (!err->msg[0] || strchr(err->msg, '\n') || !strstr(err->msg, path))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        /* tmpfs when there is one: millions of small writes */
        snprintf(dir, sizeof dir, "%s/rsc-fuzz-idx.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir))
            abort();
        atexit(cleanup);
        /* a valid small test split and training labels for the folder */
        unsigned char img[16 + 2 * 4] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2 };
        unsigned char lab[8 + 2] = { 0, 0, 8, 1, 0, 0, 0, 2, 3, 9 };
        put("t10k-images-idx3-ubyte", img, sizeof img);
        put("t10k-labels-idx1-ubyte", lab, sizeof lab);
        snprintf(images, sizeof images, "%s/train-images-idx3-ubyte", dir);
    }
    put("train-images-idx3-ubyte", data, size);
    rsc_error err;
    uint8_t *buf = NULL;
    uint32_t dims[3];
    for (int nd = 1; nd <= 3; nd += 2) {
        if (rsc_idx_read(images, nd, &buf, dims, &err) == 0) {
            uint64_t n = dims[0];
            if (nd == 3)
                n *= (uint64_t)dims[1] * dims[2];
            if (n == 0 || n > (uint64_t)size * 1032u + 65536u)
                abort();   /* more elements than the input can hold */
            /* touch every byte (ASan: the buffer is that large) */
            volatile uint8_t s = 0;
            for (uint64_t i = 0; i < n; i++)
                s ^= buf[i];
            (void)s;
            free(buf);
        } else {
            check_msg(&err, images);
        }
    }
    /* the same bytes as training images, with as many labels as the
     * header announces (up to 4096; values from the data, mod 10), for
     * both splits: so that consistent inputs reach the folder import and
     * validation, not only the count check */
    uint32_t count = 2;
    if (size >= 8)
        count = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7];
    if (count > 4096)
        count = 4096;
    unsigned char lab[8 + 4096] = { 0, 0, 8, 1 };
    lab[4] = (unsigned char)(count >> 24), lab[5] = (unsigned char)(count >> 16);
    lab[6] = (unsigned char)(count >> 8), lab[7] = (unsigned char)count;
    for (uint32_t i = 0; i < count; i++)
        lab[8 + i] = (unsigned char)((size ? data[(16 + i) % size] : 0) % 10);
    put("train-labels-idx1-ubyte", lab, 8 + count);
    /* the test split the same, so that its shape agrees */
    put("t10k-images-idx3-ubyte", data, size);
    put("t10k-labels-idx1-ubyte", lab, 8 + count);
    rsc_file *ds = rsc_dataset_import_idx(dir, "fuzz", NULL, &err);
    if (ds) {
        if (rsc_dataset_validate(ds, "fuzz", &err) < 0)
            abort();   /* an import is always a valid dataset */
        rsc_file_free(ds);
    } else if (!err.msg[0] || strchr(err.msg, '\n') || !strstr(err.msg, dir)) {
        abort();
    }
    return 0;
}
