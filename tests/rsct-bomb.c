/* rsct-bomb.c - test helper: decompression bombs, made in a moment.
 *   rsct-bomb IN OUT NAME=DIMS...
 * Copies the rsct file IN to OUT, replacing each tensor NAME (same dtype)
 * by zeros of shape DIMS ("1000x1x8x8"), deflated; a NAME that IN lacks is
 * added as u8.  The rest is copied raw.  A gigabyte of zeros deflates to a
 * megabyte: the stream of one chunk of zeros after a full flush repeats,
 * so it is written once and copied, and the crc and adler32 of the zeros
 * are combined (zlib's *_combine), never computed over the whole.
 *   rsct-bomb --corrupt IN OUT NAME=DIMS...
 * The same with every bomb's crc off by one (an invalid file that is only
 * found out after inflating). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "format/rsct.h"

#define CH ((uint64_t)1 << 20)

static void die(const char *msg)
{
    fprintf(stderr, "rsct-bomb: %s\n", msg);
    exit(1);
}

static void put(FILE *o, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, o) != n)
        die("write error");
}

static void le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The raw deflate stream of `bytes` zeros, as pieces: head (the first
 * chunk), rep x k (each further whole chunk), tail (the rest, final). */
struct zeros {
    unsigned char *head, *rep, *tail;
    size_t nhead, nrep, ntail;
    uint64_t k;
};

static unsigned char *deflate_piece(z_stream *z, const unsigned char *in, size_t n, int flush, size_t *len)
{
    size_t cap = n + 1024;
    unsigned char *out = malloc(cap);
    if (!out)
        die("out of memory");
    z->next_in = (unsigned char *)in;
    z->avail_in = (uInt)n;
    z->next_out = out;
    z->avail_out = (uInt)cap;
    int rc = deflate(z, flush);
    if (rc != Z_OK && rc != Z_STREAM_END)
        die("deflate failed");
    if (z->avail_in)
        die("deflate: output buffer too small");
    *len = cap - z->avail_out;
    return out;
}

static void zeros_stream(uint64_t bytes, struct zeros *s)
{
    static unsigned char zero[1 << 20];
    z_stream z;
    memset(&z, 0, sizeof z);
    memset(s, 0, sizeof *s);
    if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2 failed");
    uint64_t whole = bytes / CH, rest = bytes % CH;
    if (whole >= 2) {
        s->head = deflate_piece(&z, zero, CH, Z_FULL_FLUSH, &s->nhead);
        s->rep = deflate_piece(&z, zero, CH, Z_FULL_FLUSH, &s->nrep);
        size_t n3;
        unsigned char *third = deflate_piece(&z, zero, CH, Z_FULL_FLUSH, &n3);
        if (n3 != s->nrep || memcmp(third, s->rep, n3) != 0)
            die("the deflate stream of zeros does not repeat");
        free(third);
        s->k = whole - 1;
    } else {
        rest = bytes;
    }
    s->tail = deflate_piece(&z, zero, (size_t)rest, Z_FINISH, &s->ntail);
    deflateEnd(&z);
}

/* crc32 and adler32 of `bytes` zeros. */
static void zeros_sums(uint64_t bytes, uLong *crc, uLong *adl)
{
    static unsigned char zero[1 << 20];
    uLong c1 = crc32(0L, zero, (uInt)CH), a1 = adler32(1L, zero, (uInt)CH);
    uLong c = crc32(0L, Z_NULL, 0), a = adler32(0L, Z_NULL, 0);
    for (uint64_t i = 0; i < bytes / CH; i++) {
        c = crc32_combine(c, c1, (z_off_t)CH);
        a = adler32_combine(a, a1, (z_off_t)CH);
    }
    uInt r = (uInt)(bytes % CH);
    c = crc32_combine(c, crc32(0L, zero, r), (z_off_t)r);
    a = adler32_combine(a, adler32(1L, zero, r), (z_off_t)r);
    *crc = c;
    *adl = a;
}

/* One record; data NULL: `bytes` zeros, deflated. */
static void record(FILE *o, const char *name, int dtype, int ndim, const uint64_t *dims,
                   const void *data, uint64_t bytes, int corrupt)
{
    unsigned char h[2 + 255 + 3 + 8 * RSC_MAX_NDIM + 8];
    size_t k = 0, nl = strlen(name);
    struct zeros z;
    uint64_t stored = bytes;
    if (!data) {
        zeros_stream(bytes, &z);
        stored = 2 + z.nhead + z.k * z.nrep + z.ntail + 4;
    }
    le(h, nl, 2), k = 2;
    memcpy(h + k, name, nl), k += nl;
    h[k++] = (unsigned char)dtype;
    h[k++] = data ? 0 : 1;
    h[k++] = (unsigned char)ndim;
    for (int i = 0; i < ndim; i++)
        le(h + k, dims[i], 8), k += 8;
    le(h + k, stored, 8), k += 8;
    put(o, "TNSR", 4);
    put(o, h, k);
    uLong crc = crc32(0L, h, (uInt)k);
    unsigned char c4[4];
    if (data) {
        put(o, data, (size_t)bytes);
        crc = crc32_z(crc, data, (z_size_t)bytes);
    } else {
        uLong zc, za;
        zeros_sums(bytes, &zc, &za);
        crc = crc32_combine(crc, zc, (z_off_t)bytes);
        put(o, "\x78\xda", 2);
        put(o, z.head, z.nhead);
        for (uint64_t i = 0; i < z.k; i++)
            put(o, z.rep, z.nrep);
        put(o, z.tail, z.ntail);
        unsigned char a4[4] = { (unsigned char)(za >> 24), (unsigned char)(za >> 16),
                                (unsigned char)(za >> 8), (unsigned char)za };
        put(o, a4, 4);
        free(z.head);
        free(z.rep);
        free(z.tail);
        crc += (uLong)corrupt;
    }
    le(c4, crc & 0xffffffffu, 4);
    put(o, c4, 4);
}

int main(int argc, char **argv)
{
    int corrupt = argc > 1 && strcmp(argv[1], "--corrupt") == 0;
    argv += corrupt;
    argc -= corrupt;
    if (argc < 4) {
        fprintf(stderr, "usage: rsct-bomb [--corrupt] IN OUT NAME=DIMS...\n");
        return 2;
    }
    rsc_error err;
    rsc_file *f = rsc_file_load(argv[1], &err);
    if (!f)
        die(err.msg);
    FILE *o = fopen(argv[2], "wb");
    if (!o)
        die("cannot open the output");
    /* header: magic, version, metadata, crc */
    char *meta = NULL;
    size_t mlen = 0;
    FILE *m = open_memstream(&meta, &mlen);
    for (size_t i = 0; i < f->nmeta; i++)
        fprintf(m, "%s=%s\n", f->keys[i], f->values[i]);
    fclose(m);
    unsigned char h[16];
    memcpy(h, rsc_rsct_magic, 8);
    le(h + 8, 1, 4);
    le(h + 12, mlen, 4);
    put(o, h, 16);
    put(o, meta, mlen);
    unsigned char c4[4];
    le(c4, crc32(crc32(0L, h, 16), (const unsigned char *)meta, (uInt)mlen), 4);
    put(o, c4, 4);
    free(meta);
    /* the bombs' shapes */
    int nb = argc - 3;
    char **bname = calloc((size_t)nb, sizeof *bname);
    uint64_t (*bdims)[RSC_MAX_NDIM] = calloc((size_t)nb, sizeof *bdims);
    int *bndim = calloc((size_t)nb, sizeof *bndim), *done = calloc((size_t)nb, sizeof *done);
    for (int b = 0; b < nb; b++) {
        char *eq = strchr(argv[3 + b], '=');
        if (!eq)
            die("NAME=DIMS expected");
        *eq = '\0';
        bname[b] = argv[3 + b];
        for (char *p = eq + 1; *p && bndim[b] < RSC_MAX_NDIM; p += *p == 'x') {
            char *end;
            bdims[b][bndim[b]++] = strtoull(p, &end, 10);
            p = end;
        }
    }
    uint32_t count = 0;
    for (size_t i = 0; i < f->ntensors; i++, count++) {
        const rsc_tensor *t = f->tensors[i];
        int b = 0;
        while (b < nb && strcmp(bname[b], t->name) != 0)
            b++;
        if (b == nb) {
            record(o, t->name, t->dtype, t->ndim, t->dims, t->data, rsc_tensor_bytes(t), 0);
            continue;
        }
        uint64_t bytes = rsc_dtype_size(t->dtype);
        for (int d = 0; d < bndim[b]; d++)
            bytes *= bdims[b][d];
        record(o, t->name, t->dtype, bndim[b], bdims[b], NULL, bytes, corrupt);
        done[b] = 1;
    }
    for (int b = 0; b < nb; b++, count++) {
        if (done[b])
            continue;
        uint64_t bytes = 1;
        for (int d = 0; d < bndim[b]; d++)
            bytes *= bdims[b][d];
        record(o, bname[b], RSC_U8, bndim[b], bdims[b], NULL, bytes, corrupt);
    }
    for (int b = 0; b < nb; b++)
        count -= done[b] ? 1 : 0;
    put(o, "END.", 4);
    le(c4, count, 4);
    put(o, c4, 4);
    if (fclose(o) != 0)
        die("write error");
    rsc_file_free(f);
    free(bname);
    free(bdims);
    free(bndim);
    free(done);
    return 0;
}
