/* synth.h - small synthetic datasets in the IDX and CIFAR-10 binary
 * formats, for the tests (tests/mkdata.c, tests/test-dataset.c). */
#ifndef RSC_TESTS_SYNTH_H
#define RSC_TESTS_SYNTH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Pixel v of example i at position k, and its label: deterministic. */
static inline uint8_t synth_pixel(uint32_t i, uint32_t k)
{
    uint32_t v = (i * 131u + k * 7u + (k / 28u) * (i % 5u)) % 256u;
    return (uint8_t)(k % 17u == 3u ? 0 : v);
}
static inline uint8_t synth_label(uint32_t i)
{
    return (uint8_t)((i * 7u + i / 3u) % 10u);
}

static inline void synth_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Write buf to path, gzip-compressed when gz. 0 on success. */
static inline int synth_write(const char *path, const void *buf, size_t n, int gz)
{
    if (gz) {
        gzFile g = gzopen(path, "wb");
        if (!g)
            return -1;
        int ok = gzwrite(g, buf, (unsigned)n) == (int)n;
        return gzclose(g) == Z_OK && ok ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(buf, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* IDX images (N x side x side) and labels for `prefix` ("train"/"t10k")
 * into dir; example ids start at first.  bad_label >= 0 sets that
 * example's label to 10. */
static inline int synth_idx(const char *dir, const char *prefix, uint32_t n, uint32_t first, uint32_t side,
                            int gz, long bad_label)
{
    size_t img = (size_t)side * side;
    unsigned char *b = malloc(16 + n * img);
    char path[4096];
    if (!b)
        return -1;
    b[0] = b[1] = 0, b[2] = 8, b[3] = 3;
    synth_be32(b + 4, n);
    synth_be32(b + 8, side);
    synth_be32(b + 12, side);
    for (uint32_t i = 0; i < n; i++)
        for (size_t k = 0; k < img; k++)
            b[16 + i * img + k] = synth_pixel(first + i, (uint32_t)k);
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
    int rc = synth_write(path, b, 16 + n * img, gz);
    b[3] = 1;
    synth_be32(b + 4, n);
    for (uint32_t i = 0; i < n; i++)
        b[8 + i] = (long)i == bad_label ? 10 : synth_label(first + i);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
    rc |= synth_write(path, b, 8 + n, gz);
    free(b);
    return rc;
}

/* A CIFAR-10 batch file of n records, example ids from first. */
static inline int synth_cifar(const char *path, uint32_t n, uint32_t first, long bad_label)
{
    unsigned char *b = malloc((size_t)n * 3073);
    if (!b)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char *r = b + (size_t)i * 3073;
        r[0] = (long)i == bad_label ? 10 : synth_label(first + i);
        for (uint32_t k = 0; k < 3072; k++)
            r[1 + k] = synth_pixel(first + i, k);
    }
    int rc = synth_write(path, b, (size_t)n * 3073, 0);
    free(b);
    return rc;
}

#endif
