/* fuzz-common.h - what the fuzz targets share: the input as a stream, and
 * a file written into a scratch folder. */
#ifndef RSC_FUZZ_COMMON_H
#define RSC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline FILE *fuzz_open_mem(const uint8_t *data, size_t size)
{
    /* fmemopen may refuse a zero-length buffer */
    if (size == 0)
        return fopen("/dev/null", "rb");
    return fmemopen((void *)data, size, "rb");
}

/* dir/name := buf[0..n); aborts when it cannot (the scratch folder is ours). */
static inline void fuzz_put(const char *dir, const char *name, const void *buf, size_t n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || (n && fwrite(buf, 1, n, f) != n))
        abort();
    if (fclose(f) != 0)
        abort();
}

#endif
