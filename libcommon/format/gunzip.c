/* gunzip.c - gzip decompression as a stdio cookie stream over any input
 * (files, pipes), with one judgement of truncation, corruption and
 * trailing junk for every reader. */
#include "config.h"

#define _GNU_SOURCE 1   /* fopencookie */
#include "format/gunzip.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <zlib.h>

struct rsc_gunzip {
    FILE *src;
    z_stream z;
    int ended;          /* a member ended; what follows must be another */
    int eof;            /* src is exhausted */
    char problem[160];  /* why reading failed, if it did */
    unsigned char in[1 << 16];
};

/* Refill the input buffer, keeping the unread bytes; 0, or -1 on a read
 * error.  At the end of src, g->eof is set. */
static int refill(rsc_gunzip *g)
{
    if (g->eof)
        return 0;
    if (g->z.avail_in && g->z.next_in != g->in)
        memmove(g->in, g->z.next_in, g->z.avail_in);
    g->z.next_in = g->in;
    size_t got = fread(g->in + g->z.avail_in, 1, sizeof g->in - g->z.avail_in, g->src);
    if (got == 0) {
        if (ferror(g->src)) {
            snprintf(g->problem, sizeof g->problem, "read error: %s", strerror(errno));
            return -1;
        }
        g->eof = 1;
    }
    g->z.avail_in += (uInt)got;
    return 0;
}

/* After a member: another one (gzip magic), the end, or junk. */
static int next_member(rsc_gunzip *g)
{
    while (g->z.avail_in < 2 && !g->eof)
        if (refill(g) != 0)
            return -1;
    if (g->z.avail_in == 0)
        return 1;   /* the end */
    if (g->z.avail_in >= 2 && g->z.next_in[0] == 0x1f && g->z.next_in[1] == 0x8b) {
        inflateReset(&g->z);
        g->ended = 0;
        return 0;
    }
    /* Count the junk (it may be long; we only report its size). */
    uint64_t junk = g->z.avail_in;
    g->z.avail_in = 0;
    while (!g->eof) {
        if (refill(g) != 0)
            return -1;
        junk += g->z.avail_in;
        g->z.avail_in = 0;
    }
    snprintf(g->problem, sizeof g->problem,
             "junk after the gzip stream (%llu byte%s that are not a gzip member)",
             (unsigned long long)junk, junk == 1 ? "" : "s");
    return -1;
}

static ssize_t gunzip_read(void *cookie, char *buf, size_t size)
{
    rsc_gunzip *g = cookie;
    if (g->problem[0])
        return -1;
    g->z.next_out = (unsigned char *)buf;
    g->z.avail_out = size > UINT32_MAX ? UINT32_MAX : (uInt)size;
    uInt asked = g->z.avail_out;
    while (g->z.avail_out == asked) {
        if (g->ended) {
            int rc = next_member(g);
            if (rc < 0)
                return -1;
            if (rc > 0)
                break;   /* the end */
        }
        if (g->z.avail_in == 0) {
            if (refill(g) != 0)
                return -1;
            if (g->z.avail_in == 0) {
                snprintf(g->problem, sizeof g->problem,
                         "truncated gzip stream (unexpected end of file)");
                return -1;
            }
        }
        int rc = inflate(&g->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            g->ended = 1;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(g->problem, sizeof g->problem, "corrupt gzip data (%s)",
                     g->z.msg ? g->z.msg : "inflate failed");
            return -1;
        }
    }
    return (ssize_t)(asked - g->z.avail_out);
}

static int gunzip_close_cookie(void *cookie)
{
    (void)cookie;   /* freed by rsc_gunzip_close */
    return 0;
}

FILE *rsc_gunzip_open(FILE *src, const void *head, size_t nhead, rsc_gunzip **out)
{
    rsc_gunzip *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->src = src;
    if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
        free(g);
        errno = ENOMEM;
        return NULL;
    }
    if (nhead > sizeof g->in)
        nhead = sizeof g->in;
    memcpy(g->in, head, nhead);
    g->z.next_in = g->in;
    g->z.avail_in = (uInt)nhead;
    cookie_io_functions_t io = { .read = gunzip_read, .close = gunzip_close_cookie };
    FILE *fp = fopencookie(g, "rb", io);
    if (!fp) {
        inflateEnd(&g->z);
        free(g);
        return NULL;
    }
    *out = g;
    return fp;
}

const char *rsc_gunzip_problem(const rsc_gunzip *g)
{
    return g && g->problem[0] ? g->problem : NULL;
}

const char *rsc_gunzip_finish(FILE *fp, rsc_gunzip *g)
{
    char buf[4096];
    while (!g->problem[0] && fread(buf, 1, sizeof buf, fp) > 0)
        ;
    return rsc_gunzip_problem(g);
}

void rsc_gunzip_close(FILE *fp, rsc_gunzip *g)
{
    if (fp)
        fclose(fp);
    if (g) {
        inflateEnd(&g->z);
        free(g);
    }
}
