/* fuzz-manifest.c - fuzz target for the dataset manifest parser
 * (libcommon/data/manifest.c): any byte string either parses into entries
 * with plain, distinct file names, sizes >= -1 and no more entries than
 * lines, or fails with a one-line message that starts with the source's
 * name and its line number; no crash, no leak.  Built as a libFuzzer binary
 * by `make fuzz`, and linked with tests/fuzz-replay.c for make check
 * (corpus data/manifests). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsc_manifest m;
    rsc_error err;
    const char *text = (const char *)data;
    if (rsc_manifest_parse(&m, text, size, "Fuzz", "fuzz.manifest", &err) == 0) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (m.n > lines)
            abort();
        for (size_t i = 0; i < m.n; i++) {
            const rsc_manifest_entry *e = &m.e[i];
            size_t len = strlen(e->file);
            if (len == 0 || strchr(e->file, '/') || e->size < -1 || rsc_manifest_find(&m, e->file) != e)
                abort();
        }
        rsc_manifest_free(&m);
    } else if (!err.msg[0] || strchr(err.msg, '\n') || strncmp(err.msg, "fuzz.manifest:", 14) != 0 ||
               m.e != NULL) {
        abort();
    }
    return 0;
}
