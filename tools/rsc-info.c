/* rsc-info - show what a file holds: an rsct file's metadata and tensor
 * table, or the kind and shape of an IDX file (raw or gzip) or a CIFAR-10
 * binary batch.  Like file(1), it reads any number of files, stdin
 * included, and reports each one; the exit status says whether every file
 * was valid. */
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <zlib.h>

#include "core/cli.h"
#include "base/error.h"
#include "format/rsct.h"

struct options {
    int json;
    int quiet;
    char **files;
    int nfiles;
};

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]...\n", rsc_progname());
    puts("Show the metadata and tensor table of rsct files (rsct(5)): per tensor its\n"
         "name, dtype, shape, bytes in memory, bytes as stored, whether the payload\n"
         "is deflated, and whether its crc checks.  IDX files (raw or gzip, as\n"
         "MNIST and Fashion-MNIST ship them) and CIFAR-10 binary batches are\n"
         "recognised and described by their shape.\n"
         "With no FILE, or when FILE is -, read standard input.\n"
         "\n"
         "  -j, --json      one JSON object per file (JSON lines) instead of text\n"
         "  -q, --quiet     print nothing; only the exit status tells\n"
         "  -h, --help      show this help and exit\n"
         "  -V, --version   show the version and exit\n"
         "\n"
         "Exit status: 0 when every file is valid, 1 when any is not (each one\n"
         "is reported on stderr), 2 on a usage error.");
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "jqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o->json = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(); exit(rsc_close_stdout());
        case 'V': rsc_print_version(); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    o->files = argv + optind;
    o->nfiles = argc - optind;
}

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

/* A gzip decompressing stream over src (concatenated members allowed). */
struct gunzip {
    FILE *src;
    z_stream z;
    unsigned char in[1 << 16];
    int ended;          /* the last member ended at end of input */
    int eof;
    char problem[128];  /* why reading failed, if it did */
};

static ssize_t gunzip_read(void *cookie, char *buf, size_t size)
{
    struct gunzip *g = cookie;
    if (g->problem[0])
        return -1;
    g->z.next_out = (unsigned char *)buf;
    g->z.avail_out = size > UINT32_MAX ? UINT32_MAX : (uInt)size;
    while (g->z.avail_out == size || (g->z.avail_out > 0 && !g->eof && g->z.avail_in > 0)) {
        if (g->z.avail_in == 0 && !g->eof) {
            size_t got = fread(g->in, 1, sizeof g->in, g->src);
            if (got == 0) {
                if (ferror(g->src)) {
                    snprintf(g->problem, sizeof g->problem, "read error: %s", strerror(errno));
                    return -1;
                }
                g->eof = 1;
            }
            g->z.next_in = g->in;
            g->z.avail_in = (uInt)got;
        }
        if (g->z.avail_in == 0 && g->eof) {
            if (!g->ended)
                snprintf(g->problem, sizeof g->problem, "gzip: truncated");
            break;
        }
        if (g->ended) {
            /* another gzip member follows */
            inflateReset(&g->z);
            g->ended = 0;
        }
        int rc = inflate(&g->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            g->ended = 1;
        else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(g->problem, sizeof g->problem, "gzip: corrupt data (%s)",
                     g->z.msg ? g->z.msg : "inflate failed");
            return -1;
        }
        if (g->z.avail_out < size)
            break;
    }
    size_t produced = size - g->z.avail_out;
    if (produced == 0 && g->problem[0])
        return -1;
    return (ssize_t)produced;
}

static FILE *open_cookie(void *cookie, ssize_t (*rd)(void *, char *, size_t))
{
    cookie_io_functions_t io = { .read = rd, .write = NULL, .seek = NULL, .close = NULL };
    return fopencookie(cookie, "rb", io);
}

/* ------------------------------------------------------------ output */

static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p == '\t')
            fputs("\\t", stdout);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void shape_text(char *buf, size_t cap, int ndim, const uint64_t *dims)
{
    if (ndim == 0) {
        snprintf(buf, cap, "scalar");
        return;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%" PRIu64, i ? "x" : "", dims[i]);
}

static void shape_json(int ndim, const uint64_t *dims)
{
    putchar('[');
    for (int i = 0; i < ndim; i++)
        printf("%s%" PRIu64, i ? "," : "", dims[i]);
    putchar(']');
}

static int width(const char *s, int w)
{
    int n = (int)strlen(s);
    return n > w ? n : w;
}

static int report_problem(const struct options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One line "rsc-info: FILE: problem" on stderr (none with -q); returns -1. */
static int report_problem(const struct options *o, const char *fmt, ...)
{
    if (o->quiet)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fprintf(stderr, "%s: ", rsc_progname());
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

/* Print an rsct file; returns 0 when every crc checked. */
static int show_rsct(const struct options *o, const char *name, const rsc_file *f,
                     const unsigned char *crc_ok, const char *via)
{
    int bad = 0;
    for (size_t i = 0; i < f->ntensors; i++)
        if (!crc_ok[i]) {
            report_problem(o, "%s: tensor '%s': crc mismatch", name, f->tensors[i]->name);
            bad = 1;
        }
    if (o->quiet)
        return bad ? -1 : 0;
    if (o->json) {
        fputs("{\"file\":", stdout);
        json_string(name);
        printf(",\"format\":\"rsct\",\"version\":1,\"compression\":\"%s\",\"valid\":%s,\"meta\":{",
               via, bad ? "false" : "true");
        for (size_t i = 0; i < f->nmeta; i++) {
            if (i)
                putchar(',');
            json_string(f->keys[i]);
            putchar(':');
            json_string(f->values[i]);
        }
        fputs("},\"tensors\":[", stdout);
        for (size_t i = 0; i < f->ntensors; i++) {
            const rsc_tensor *t = f->tensors[i];
            fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
            json_string(t->name);
            printf(",\"dtype\":\"%s\",\"shape\":", rsc_dtype_name(t->dtype));
            shape_json(t->ndim, t->dims);
            printf(",\"bytes\":%" PRIu64 ",\"stored\":%" PRIu64 ",\"compressed\":%s,\"crc_ok\":%s}",
                   rsc_tensor_bytes(t), t->stored_size, t->compressed ? "true" : "false",
                   crc_ok[i] ? "true" : "false");
        }
        fputs("]}\n", stdout);
        return bad ? -1 : 0;
    }
    printf("%s: rsct version 1%s, %zu key%s, %zu tensor%s\n", name,
           strcmp(via, "none") ? " (gzip)" : "",
           f->nmeta, f->nmeta == 1 ? "" : "s", f->ntensors, f->ntensors == 1 ? "" : "s");
    for (size_t i = 0; i < f->nmeta; i++)
        printf("  %s=%s\n", f->keys[i], f->values[i]);
    if (f->ntensors == 0)
        return bad ? -1 : 0;
    /* the tensor table, columns aligned */
    int wn = 4, ws = 5, wb = 5, wst = 6;
    char sh[256], num[32];
    for (size_t i = 0; i < f->ntensors; i++) {
        const rsc_tensor *t = f->tensors[i];
        wn = width(t->name, wn);
        shape_text(sh, sizeof sh, t->ndim, t->dims);
        ws = width(sh, ws);
        snprintf(num, sizeof num, "%" PRIu64, rsc_tensor_bytes(t));
        wb = width(num, wb);
        snprintf(num, sizeof num, "%" PRIu64, t->stored_size);
        wst = width(num, wst);
    }
    printf("  %-*s  %-5s  %-*s  %*s  %*s  %-10s  %s\n", wn, "name", "dtype", ws, "shape",
           wb, "bytes", wst, "stored", "compressed", "crc");
    for (size_t i = 0; i < f->ntensors; i++) {
        const rsc_tensor *t = f->tensors[i];
        shape_text(sh, sizeof sh, t->ndim, t->dims);
        printf("  %-*s  %-5s  %-*s  %*" PRIu64 "  %*" PRIu64 "  %-10s  %s\n", wn, t->name,
               rsc_dtype_name(t->dtype), ws, sh, wb, rsc_tensor_bytes(t), wst, t->stored_size,
               t->compressed ? "yes" : "no", crc_ok[i] ? "ok" : "BAD");
    }
    return bad ? -1 : 0;
}

/* ------------------------------------------------------------ IDX, CIFAR */

static const char *idx_type(int code, size_t *size)
{
    switch (code) {
    case 0x08: *size = 1; return "u8";
    case 0x09: *size = 1; return "i8";
    case 0x0B: *size = 2; return "i16";
    case 0x0C: *size = 4; return "i32";
    case 0x0D: *size = 4; return "f32";
    case 0x0E: *size = 8; return "f64";
    default: *size = 0; return NULL;
    }
}

/* Count the bytes left in in (and fill hist with the CIFAR label bytes,
 * every 3073rd byte from offset `off`). */
static int drain(FILE *in, uint64_t *total, uint64_t off, uint64_t hist[256])
{
    static unsigned char buf[1 << 16];
    size_t got;
    uint64_t pos = off;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0) {
        if (hist) {
            for (size_t i = 0; i < got; i++)
                if ((pos + i) % 3073 == 0)
                    hist[buf[i]]++;
        }
        pos += got;
    }
    *total = pos - off;
    return ferror(in) ? -1 : 0;
}

static const char *gunzip_problem(void *cookie);

static int show_idx(const struct options *o, const char *name, FILE *in, const unsigned char *head,
                    size_t nhead, const char *via, struct gunzip *gz)
{
    size_t esize;
    const char *tname = idx_type(head[2], &esize);
    int ndim = head[3];
    if (!tname)
        return report_problem(o, "%s: IDX: unknown data type 0x%02x", name, head[2]);
    if (ndim < 1)
        return report_problem(o, "%s: IDX: no dimensions", name);
    unsigned char dimbuf[4 * 255];
    size_t need = 4 * (size_t)ndim;
    size_t have = nhead > 4 ? nhead - 4 : 0;
    memcpy(dimbuf, head + 4, have);
    if (have < need && fread(dimbuf + have, 1, need - have, in) != need - have) {
        const char *why = gunzip_problem(gz);
        return report_problem(o, "%s: IDX: truncated header%s%s", name, why ? ": " : "", why ? why : "");
    }
    uint64_t dims[255], expect = esize;
    int overflow = 0;
    for (int i = 0; i < ndim; i++) {
        const unsigned char *d = dimbuf + 4 * i;
        dims[i] = (uint64_t)d[0] << 24 | (uint64_t)d[1] << 16 | (uint64_t)d[2] << 8 | d[3];
        if (dims[i] && expect > UINT64_MAX / dims[i])
            overflow = 1;
        else
            expect *= dims[i];
    }
    /* bytes of data after the header already consumed in head */
    uint64_t pre = have > need ? have - need : 0;
    uint64_t rest;
    if (drain(in, &rest, 0, NULL) != 0 || gunzip_problem(gz))
        return report_problem(o, "%s: IDX: %s", name,
                              gunzip_problem(gz) ? gunzip_problem(gz) : strerror(errno));
    rest += pre;
    char sh[1024];
    size_t len = 0;
    for (int i = 0; i < ndim && len < sizeof sh; i++)
        len += (size_t)snprintf(sh + len, sizeof sh - len, "%s%" PRIu64, i ? "x" : "", dims[i]);
    if (overflow || rest != expect) {
        if (overflow)
            return report_problem(o, "%s: IDX: dimensions %s overflow", name, sh);
        return report_problem(o, "%s: IDX %s %s: expected %" PRIu64 " bytes of data, got %" PRIu64,
                              name, tname, sh, expect, rest);
    }
    if (o->quiet)
        return 0;
    if (o->json) {
        fputs("{\"file\":", stdout);
        json_string(name);
        printf(",\"format\":\"idx\",\"compression\":\"%s\",\"valid\":true,\"dtype\":\"%s\",\"shape\":",
               via, tname);
        shape_json(ndim, dims);
        printf(",\"bytes\":%" PRIu64 "}\n", expect);
    } else {
        printf("%s: IDX %s %s%s, %" PRIu64 " bytes of data\n", name, tname, sh,
               strcmp(via, "none") ? " (gzip)" : "", expect);
    }
    return 0;
}

static int show_cifar(const struct options *o, const char *name, FILE *in, const unsigned char *head,
                      size_t nhead, const char *via, struct gunzip *gz)
{
    uint64_t hist[256] = { 0 };
    uint64_t rest;
    if (nhead > 0)
        hist[head[0]]++;
    if (drain(in, &rest, nhead, hist) != 0 || gunzip_problem(gz))
        return report_problem(o, "%s: %s%s", name, gunzip_problem(gz) ? "" : "read error: ",
                              gunzip_problem(gz) ? gunzip_problem(gz) : strerror(errno));
    uint64_t total = rest + nhead;
    uint64_t bad_labels = 0;
    for (int i = 10; i < 256; i++)
        bad_labels += hist[i];
    if (total == 0 || total % 3073 != 0 || bad_labels)
        return -2;   /* not CIFAR either */
    uint64_t n = total / 3073;
    if (o->quiet)
        return 0;
    if (o->json) {
        fputs("{\"file\":", stdout);
        json_string(name);
        printf(",\"format\":\"cifar10\",\"compression\":\"%s\",\"valid\":true,\"dtype\":\"u8\","
               "\"shape\":[%" PRIu64 ",3,32,32],\"labels\":[", via, n);
        for (int i = 0; i < 10; i++)
            printf("%s%" PRIu64, i ? "," : "", hist[i]);
        fputs("]}\n", stdout);
    } else {
        printf("%s: CIFAR-10 binary batch%s, %" PRIu64 " images u8 3x32x32, labels per class",
               name, strcmp(via, "none") ? " (gzip)" : "", n);
        for (int i = 0; i < 10; i++)
            printf("%s%" PRIu64, i ? "," : " ", hist[i]);
        putchar('\n');
    }
    return 0;
}

static const char *gunzip_problem(void *cookie)
{
    struct gunzip *g = cookie;
    return g && g->problem[0] ? g->problem : NULL;
}

static const unsigned char rsct_magic[8] = { 0x89, 'R', 'S', 'C', 'T', 0x0d, 0x0a, 0x1a };

/* Describe one input stream; 0 when valid.  gz is the gzip layer src
 * reads through, NULL for a plain input. */
static int show_stream(const struct options *o, const char *name, FILE *src, struct gunzip *gz)
{
    struct peek pk = { .src = src };
    pk.n = fread(pk.head, 1, sizeof pk.head, src);
    if (pk.n < sizeof pk.head && ferror(src)) {
        const char *why = gunzip_problem(gz);
        return report_problem(o, "%s: %s%s", name, why ? "" : "read error: ",
                              why ? why : strerror(errno));
    }
    const char *via = gz ? "gzip" : "none";

    int is_rsct = pk.n > 0 && memcmp(pk.head, rsct_magic, pk.n) == 0;
    int is_gzip = pk.n >= 2 && pk.head[0] == 0x1f && pk.head[1] == 0x8b;
    int is_idx = pk.n >= 4 && pk.head[0] == 0 && pk.head[1] == 0 && pk.head[3] > 0 &&
                 (pk.head[2] == 0x08 || pk.head[2] == 0x09 || (pk.head[2] >= 0x0B && pk.head[2] <= 0x0E));

    if (is_gzip && !gz) {
        struct gunzip *g = calloc(1, sizeof *g);
        if (!g)
            return report_problem(o, "%s: out of memory", name);
        g->src = src;
        if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
            free(g);
            return report_problem(o, "%s: cannot start zlib", name);
        }
        /* feed the sniffed bytes first */
        memcpy(g->in, pk.head, pk.n);
        g->z.next_in = g->in;
        g->z.avail_in = (uInt)pk.n;
        FILE *zin = open_cookie(g, gunzip_read);
        int rc;
        if (!zin) {
            rc = report_problem(o, "%s: %s", name, strerror(errno));
        } else {
            rc = show_stream(o, name, zin, g);
            fclose(zin);
        }
        inflateEnd(&g->z);
        free(g);
        return rc;
    }
    if (is_idx)
        return show_idx(o, name, src, pk.head, pk.n, via, gz);
    if (!is_rsct && pk.n == sizeof pk.head) {
        int rc = show_cifar(o, name, src, pk.head, pk.n, via, gz);
        if (rc != -2)
            return rc;
        return report_problem(o, "%s: not an rsct, IDX or CIFAR-10 file", name);
    }
    if (!is_rsct && pk.n > 0)
        return report_problem(o, "%s: not an rsct, IDX or CIFAR-10 file", name);
    FILE *in = open_cookie(&pk, peek_read);
    if (!in)
        return report_problem(o, "%s: %s", name, strerror(errno));
    rsc_error err;
    rsc_error_clear(&err);
    unsigned char *crc_ok = NULL;
    rsc_file *f = rsc_file_read_scan(in, name, &crc_ok, &err);
    fclose(in);
    if (!f) {
        const char *why = gunzip_problem(gz);
        if (why)
            return report_problem(o, "%s: %s", name, why);
        return report_problem(o, "%s", err.msg);
    }
    int rc = show_rsct(o, name, f, crc_ok, via);
    free(crc_ok);
    rsc_file_free(f);
    return rc;
}

static int show_path(const struct options *o, const char *path)
{
    if (strcmp(path, "-") == 0)
        return show_stream(o, "stdin", stdin, NULL);
    FILE *f = fopen(path, "rb");
    if (!f)
        return report_problem(o, "%s: %s", path, strerror(errno));
    int rc = show_stream(o, path, f, NULL);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    struct options o;
    parse_options(argc, argv, &o);
    int failed = 0;
    if (o.nfiles == 0)
        failed |= show_path(&o, "-") != 0;
    for (int i = 0; i < o.nfiles; i++)
        failed |= show_path(&o, o.files[i]) != 0;
    int rc = rsc_close_stdout();
    return failed ? RSC_EXIT_RUNTIME : rc;
}
