/* probe.c - rsct, IDX and CIFAR-10 files (raw or gzip) told by their
 * bytes: a peeked header replayed in front of the stream, and gzip
 * decompression over any stream, both as stdio cookie streams. */
#include "config.h"

#define _GNU_SOURCE 1
#include "format/probe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "format/gunzip.h"

#include "data/cifar.h"
#include "data/idx.h"

/* ------------------------------------------------------------ streams */

/* A stream that first returns bytes already read (to sniff the format)
 * and then the rest of the underlying file: lets the rsct reader, which
 * never seeks, see the whole input from a pipe. */
struct peek {
    FILE *src;
    unsigned char head[8];
    size_t n, pos;
};

static ssize_t peek_read(void *cookie, char *buf, size_t size)
{
    struct peek *p = cookie;
    size_t done = 0;
    while (done < size && p->pos < p->n)
        buf[done++] = (char)p->head[p->pos++];
    if (done < size) {
        size_t got = fread(buf + done, 1, size - done, p->src);
        if (got == 0 && ferror(p->src) && done == 0)
            return -1;
        done += got;
    }
    return (ssize_t)done;
}

static FILE *open_cookie(void *cookie, ssize_t (*rd)(void *, char *, size_t))
{
    cookie_io_functions_t io = { .read = rd, .write = NULL, .seek = NULL, .close = NULL };
    return fopencookie(cookie, "rb", io);
}

/* ------------------------------------------------------------ IDX, CIFAR */

/* Count the bytes left in `in` (and fill hist with the CIFAR label bytes,
 * every record's first byte, counting from offset `off`). */
static int drain(FILE *in, uint64_t *total, uint64_t off, uint64_t hist[256])
{
    unsigned char buf[1 << 16];
    size_t got;
    uint64_t pos = off;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
        if (hist)
            for (size_t i = 0; i < got; i++)
                if ((pos + i) % RSC_CIFAR_RECORD == 0)
                    hist[buf[i]]++;
        pos += got;
    }
    *total = pos - off;
    return ferror(in) ? -1 : 0;
}

static int probe_idx(rsc_probe *p, const char *name, FILE *in, const unsigned char *head,
                     size_t nhead, const rsc_gunzip *gz, rsc_error *err)
{
    size_t esize;
    p->format = RSC_PROBE_IDX;
    p->dtype = rsc_idx_dtype(head[2], &esize);
    p->ndim = head[3];
    if (!p->dtype)
        return rsc_fail(err, "%s: IDX: unknown data type 0x%02x", name, head[2]);
    if (p->ndim < 1)
        return rsc_fail(err, "%s: IDX: no dimensions", name);
    unsigned char dimbuf[4 * 255];
    size_t need = 4 * (size_t)p->ndim;
    size_t have = nhead > 4 ? nhead - 4 : 0;
    memcpy(dimbuf, head + 4, have);
    if (have < need && fread(dimbuf + have, 1, need - have, in) != need - have) {
        const char *why = rsc_gunzip_problem(gz);
        return rsc_fail(err, "%s: IDX: truncated header%s%s", name, why ? ": " : "", why ? why : "");
    }
    uint64_t expect = esize;
    int overflow = 0;
    for (int i = 0; i < p->ndim; i++) {
        const unsigned char *d = dimbuf + 4 * i;
        p->dims[i] = (uint64_t)d[0] << 24 | (uint64_t)d[1] << 16 | (uint64_t)d[2] << 8 | d[3];
        if (p->dims[i] && expect > UINT64_MAX / p->dims[i])
            overflow = 1;
        else
            expect *= p->dims[i];
    }
    /* bytes of data after the header already consumed in head */
    uint64_t pre = have > need ? have - need : 0, rest;
    if (drain(in, &rest, 0, NULL) != 0 || rsc_gunzip_problem(gz))
        return rsc_fail(err, "%s: IDX: %s", name,
                        rsc_gunzip_problem(gz) ? rsc_gunzip_problem(gz) : strerror(errno));
    rest += pre;
    char sh[1024];
    size_t len = 0;
    for (int i = 0; i < p->ndim && len < sizeof sh; i++)
        len += (size_t)snprintf(sh + len, sizeof sh - len, "%s%llu", i ? "x" : "",
                                (unsigned long long)p->dims[i]);
    if (overflow)
        return rsc_fail(err, "%s: IDX: dimensions %s overflow", name, sh);
    if (rest != expect)
        return rsc_fail(err, "%s: IDX %s %s: expected %llu bytes of data, got %llu", name, p->dtype,
                        sh, (unsigned long long)expect, (unsigned long long)rest);
    p->bytes = expect;
    return 0;
}

/* 1 when the stream is a CIFAR-10 batch (whole records, labels < 10), 0
 * when it is not, -1 on a read error. */
static int probe_cifar(rsc_probe *p, const char *name, FILE *in, const unsigned char *head,
                       size_t nhead, const rsc_gunzip *gz, rsc_error *err)
{
    uint64_t hist[256] = { 0 }, rest;
    if (nhead > 0)
        hist[head[0]]++;
    if (drain(in, &rest, nhead, hist) != 0 || rsc_gunzip_problem(gz))
        return rsc_fail(err, "%s: %s%s", name, rsc_gunzip_problem(gz) ? "" : "read error: ",
                        rsc_gunzip_problem(gz) ? rsc_gunzip_problem(gz) : strerror(errno));
    uint64_t total = rest + nhead, bad_labels = 0;
    for (int i = RSC_CIFAR_CLASSES; i < 256; i++)
        bad_labels += hist[i];
    if (total == 0 || total % RSC_CIFAR_RECORD != 0 || bad_labels)
        return 0;
    p->format = RSC_PROBE_CIFAR;
    p->dtype = "u8";
    p->ndim = 4;
    p->dims[0] = total / RSC_CIFAR_RECORD;
    p->dims[1] = 3;
    p->dims[2] = p->dims[3] = 32;
    memcpy(p->labels, hist, sizeof p->labels);
    return 1;
}

/* ------------------------------------------------------------ probe */

static int probe(FILE *src, const char *name, rsc_probe *p, rsc_gunzip *gz, rsc_error *err);

/* src is gzip: probe what it decompresses to. */
static int probe_gzip(FILE *src, const char *name, rsc_probe *p, const struct peek *pk,
                      rsc_error *err)
{
    rsc_gunzip *g;
    FILE *zin = rsc_gunzip_open(src, pk->head, pk->n, &g);
    if (!zin)
        return rsc_fail(err, "%s: %s", name, strerror(errno));
    int rc = probe(zin, name, p, g, err);
    /* What follows the part read (a valid rsct ends before the gzip
     * stream does) must be the end, as the IDX importer requires. */
    const char *why = rc == 0 ? rsc_gunzip_finish(zin, g) : NULL;
    if (why) {
        rsc_probe_free(p);
        rc = rsc_fail(err, "%s: %s", name, why);
    }
    rsc_gunzip_close(zin, g);
    return rc;
}

static int keep_none(const char *name, void *ctx)
{
    (void)name;
    (void)ctx;
    return 0;
}

static int probe_rsct(FILE *src, const char *name, rsc_probe *p, struct peek *pk,
                      const rsc_gunzip *gz, rsc_error *err)
{
    FILE *in = open_cookie(pk, peek_read);
    if (!in)
        return rsc_fail(err, "%s: %s", name, strerror(errno));
    (void)src;
    p->format = RSC_PROBE_RSCT;
    /* stream the payloads: their crcs are checked, none is kept */
    rsc_read_opts scan = { .keep = keep_none };
    p->file = rsc_file_read_opts(in, name, &scan, &p->crc_ok, err);
    fclose(in);
    if (!p->file) {
        const char *why = rsc_gunzip_problem(gz);
        return why ? rsc_fail(err, "%s: %s", name, why) : -1;
    }
    for (size_t i = 0; i < p->file->ntensors; i++)
        p->bad_crcs += !p->crc_ok[i];
    return 0;
}

/* gz: the gzip layer src reads through, NULL for a plain input. */
static int probe(FILE *src, const char *name, rsc_probe *p, rsc_gunzip *gz, rsc_error *err)
{
    struct peek pk = { .src = src };
    pk.n = fread(pk.head, 1, sizeof pk.head, src);
    if (pk.n < sizeof pk.head && ferror(src)) {
        const char *why = rsc_gunzip_problem(gz);
        return rsc_fail(err, "%s: %s%s", name, why ? "" : "read error: ", why ? why : strerror(errno));
    }
    p->gzip = gz != NULL;
    const unsigned char *h = pk.head;
    size_t esize;
    int is_rsct = pk.n > 0 && memcmp(h, rsc_rsct_magic, pk.n) == 0;
    int is_gzip = pk.n >= 2 && h[0] == 0x1f && h[1] == 0x8b;
    int is_idx = pk.n >= 4 && h[0] == 0 && h[1] == 0 && h[3] > 0 && rsc_idx_dtype(h[2], &esize);

    if (is_gzip && !gz)
        return probe_gzip(src, name, p, &pk, err);
    if (is_idx)
        return probe_idx(p, name, src, h, pk.n, gz, err);
    if (!is_rsct && pk.n == sizeof pk.head) {
        int rc = probe_cifar(p, name, src, h, pk.n, gz, err);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    if (!is_rsct && pk.n > 0)
        return rsc_fail(err, "%s: not an rsct, IDX or CIFAR-10 file", name);
    return probe_rsct(src, name, p, &pk, gz, err);
}

int rsc_probe_stream(FILE *fp, const char *name, rsc_probe *p, rsc_error *err)
{
    memset(p, 0, sizeof *p);
    rsc_error_clear(err);
    int rc = probe(fp, name, p, NULL, err);
    if (rc != 0)
        rsc_probe_free(p);
    return rc;
}

int rsc_probe_path(const char *path, rsc_probe *p, rsc_error *err)
{
    if (strcmp(path, "-") == 0)
        return rsc_probe_stream(stdin, "stdin", p, err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        memset(p, 0, sizeof *p);
        return rsc_fail(err, "%s: %s", path, strerror(errno));
    }
    int rc = rsc_probe_stream(f, path, p, err);
    fclose(f);
    return rc;
}

void rsc_probe_free(rsc_probe *p)
{
    rsc_file_free(p->file);
    free(p->crc_ok);
    memset(p, 0, sizeof *p);
}
