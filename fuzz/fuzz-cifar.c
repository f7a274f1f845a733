/* fuzz-cifar.c - fuzz target for the CIFAR-10 binary readers: any byte
 * string, read as a batch file, must give whole records with labels 0..9
 * or a one-line message naming the file, without a crash or a leak; and
 * as each batch of a whole folder (the five training batches and the test
 * batch, the others one valid record each), the folder import must give
 * a valid dataset or such a message.  Built
 * as a libFuzzer binary by `make fuzz`, and linked with
 * tests/fuzz-replay.c for make check (corpus tests/fixtures/cifar). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/cifar.h"
#include "fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[96];
static char dir[96];
static const char *const batches[] = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                       "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin" };

static void cleanup(void)
{
    unlink(path);
    char p[160];
    for (int i = 0; i < 6; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, batches[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void put(const char *name, const void *buf, size_t n)
{
    fuzz_put(dir, name, buf, n);
}

/* The folder with the input as batch `which`, the others valid. */
static void folder_import(const uint8_t *data, size_t size, int which)
{
    static unsigned char one[3073];
    for (int i = 0; i < 6; i++) {
        one[0] = (unsigned char)i;
        if (i == which)
            put(batches[i], data, size);
        else
            put(batches[i], one, sizeof one);
    }
    rsc_error err;
    rsc_file *ds = rsc_dataset_import_cifar(dir, "fuzz", NULL, &err);
    if (ds) {
        if (rsc_dataset_validate(ds, "fuzz", &err) < 0)
            abort();   /* an import is always a valid dataset */
        rsc_file_free(ds);
    } else if (!err.msg[0] || strchr(err.msg, '\n') || !strstr(err.msg, dir)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        /* tmpfs when there is one: millions of small writes */
        snprintf(path, sizeof path, "%s/rsc-fuzz-cifar.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        snprintf(dir, sizeof dir, "%s/rsc-fuzz-cifar-dir.XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir))
            abort();
        atexit(cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    rsc_error err;
    uint8_t *x;
    int32_t *y;
    size_t n;
    if (rsc_cifar_read(path, &x, &y, &n, &err) == 0) {
        if (n == 0 || n * 3073 != size)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (y[i] < 0 || y[i] > 9 || y[i] != data[i * 3073])
                abort();
            if (memcmp(x + i * 3072, data + i * 3073 + 1, 3072) != 0)
                abort();
        }
        free(x);
        free(y);
    } else if (!err.msg[0] || strchr(err.msg, '\n') || strncmp(err.msg, path, strlen(path)) != 0) {
        abort();
    }
    /* the folder import, the input as the first training batch and as
     * the test batch (which one from the size, to keep each run short) */
    folder_import(data, size, size % 2 ? 5 : 0);
    return 0;
}
