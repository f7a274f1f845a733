/* fuzz-probe.c - fuzz target for rsc-info's format sniffing
 * (format/probe.c): any byte string, raw and wrapped in gzip, must be told
 * as rsct, IDX or CIFAR-10 with consistent sizes, or rejected with a
 * one-line message naming the input, without a crash or a leak.  Built as
 * a libFuzzer binary by `make fuzz`, and linked with tests/fuzz-replay.c
 * for make check (corpus tests/fixtures). */
#include "config.h"

#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "format/probe.h"
#include "fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe_bytes(const uint8_t *data, size_t size, uint64_t plain)
{
    FILE *in = fuzz_open_mem(data, size);
    if (!in)
        return;
    rsc_probe p;
    rsc_error err;
    int rc = rsc_probe_stream(in, "fuzz", &p, &err);
    fclose(in);
    if (rc == 0) {
        if (p.format == RSC_PROBE_IDX) {
            if (p.bytes > plain)
                abort();   /* more data than the input holds */
        } else if (p.format == RSC_PROBE_CIFAR) {
            if (p.dims[0] == 0 || p.dims[0] * 3073 > plain)
                abort();
            uint64_t sum = 0;
            for (int i = 0; i < 10; i++)
                sum += p.labels[i];
            if (sum != p.dims[0])
                abort();
        } else if (p.format != RSC_PROBE_RSCT || !p.file) {
            abort();
        }
        rsc_probe_free(&p);
    } else if (!err.msg[0] || strchr(err.msg, '\n') || strncmp(err.msg, "fuzz: ", 6) != 0) {
        abort();   /* every rejection names the input, on one line */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    probe_bytes(data, size, size);
    /* the same bytes in a gzip member: the gzip layer under the sniffing */
    uLong cap = compressBound((uLong)size) + 32;
    unsigned char *gz = malloc(cap);
    if (!gz)
        return 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
        z.next_in = (unsigned char *)data;
        z.avail_in = (uInt)size;
        z.next_out = gz;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END)
            probe_bytes(gz, cap - z.avail_out, size);
        deflateEnd(&z);
    }
    free(gz);
    return 0;
}
