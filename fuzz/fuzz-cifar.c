/* fuzz-cifar.c - fuzz target for the CIFAR-10 binary reader: any byte
 * string, read as a batch file, must give whole records with labels 0..9
 * or a one-line message naming the file, without a crash or a leak.  Built
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[96];

static void cleanup(void)
{
    unlink(path);
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
    return 0;
}
