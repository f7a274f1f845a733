/* fuzz-rsct.c - fuzz target for the rsct reader: any byte string must be
 * read as a valid file or rejected with a one-line message, without a
 * crash, a leak or a read out of bounds.  Built as a libFuzzer binary by
 * `make fuzz` (clang), and linked with tests/fuzz-replay.c for make check. */
#include "config.h"

#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/rsct.h"
#include "fuzz/fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define open_mem fuzz_open_mem

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsc_error err;
    FILE *in = open_mem(data, size);
    if (!in)
        return 0;
    rsc_file *f = rsc_file_read(in, "fuzz", &err);
    fclose(in);
    if (f) {
        /* an accepted file writes back to bytes that read the same */
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (out) {
            int rc = rsc_file_write(out, "fuzz-out", f, 0, &err);
            fclose(out);
            if (rc == 0) {
                FILE *again = open_mem((const uint8_t *)buf, len);
                rsc_file *g = again ? rsc_file_read(again, "fuzz-out", &err) : NULL;
                if (again)
                    fclose(again);
                if (!g || g->ntensors != f->ntensors || g->nmeta != f->nmeta)
                    abort();
                rsc_file_free(g);
            }
            free(buf);
        }
        rsc_file_free(f);
    } else if (err.msg[0] == '\0' || strchr(err.msg, '\n') || strncmp(err.msg, "fuzz: ", 6) != 0) {
        abort();   /* every rejection names the input, on one line */
    }

    /* the lenient scan used by rsc-info */
    unsigned char *ok = NULL;
    in = open_mem(data, size);
    if (!in)
        return 0;
    f = rsc_file_read_scan(in, "fuzz", &ok, &err);
    fclose(in);
    free(ok);
    rsc_file_free(f);
    return 0;
}
