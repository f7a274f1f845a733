/* rsc-info - show what a file holds: an rsct file's metadata and tensor
 * table, or the kind and shape of an IDX file (raw or gzip) or a CIFAR-10
 * binary batch.  Like file(1), it reads any number of files, stdin
 * included, and reports each one; the exit status says whether every file
 * was valid. */
#include "config.h"

#define _GNU_SOURCE 1
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "core/cli.h"
#include "format/probe.h"
#include "format/rows.h"
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
         "  -J, --json      one JSON object per file (JSON lines) instead of text\n"
         "  -q, --quiet     print nothing; only the exit status tells\n"
         "      --max-memory=SIZE  most memory the tensor table may take (512M,\n"
         "                  4G; default $RSC_MAX_MEMORY, else the physical memory)\n"
         "  -h, --help      show this help and exit\n"
         "  -V, --version   show the version and exit\n"
         "\n"
         "Exit status: 0 when every file is valid, 1 when any is not (each one\n"
         "is reported on stderr), 2 on a usage error.");
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'J' },
        { "quiet", no_argument, NULL, 'q' }, RSC_LONGOPT_MAX_MEMORY,
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "JjqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'J': o->json = 1; break;
        case 'j': rsc_deprecated("-j (JSON)", "-J or --json"); o->json = 1; break;
        case 'q': o->quiet = 1; break;
        case RSC_OPT_MAX_MEMORY: rsc_opt_max_memory(optarg); break;
        case 'h': usage(); exit(rsc_close_stdout());
        case 'V': rsc_print_version(); exit(rsc_close_stdout());
        default: rsc_option_error(c, argv);
        }
    }
    o->files = argv + optind;
    o->nfiles = argc - optind;
}

/* ------------------------------------------------------------ text */

static void shape_text(char *buf, size_t cap, int ndim, const uint64_t *dims)
{
    size_t len = 0;
    buf[0] = '\0';
    if (ndim == 0)
        snprintf(buf, cap, "scalar");
    for (int i = 0; i < ndim && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%" PRIu64, i ? "x" : "", dims[i]);
}

static int width(const char *s, int w)
{
    int n = (int)strlen(s);
    return n > w ? n : w;
}

/* An rsct file: the keys, then the tensor table, columns aligned. */
static void rsct_text(const char *name, const rsc_probe *p)
{
    const rsc_file *f = p->file;
    printf("%s: rsct version 1%s, %zu key%s, %zu tensor%s\n", name, p->gzip ? " (gzip)" : "",
           f->nmeta, f->nmeta == 1 ? "" : "s", f->ntensors, f->ntensors == 1 ? "" : "s");
    for (size_t i = 0; i < f->nmeta; i++)
        printf("  %s=%s\n", f->keys[i], f->values[i]);
    if (f->ntensors == 0)
        return;
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
               t->compressed ? "yes" : "no", p->crc_ok[i] ? "ok" : "BAD");
    }
}

static void text(const char *name, const rsc_probe *p)
{
    char sh[1024];
    shape_text(sh, sizeof sh, p->ndim, p->dims);
    const char *gz = p->gzip ? " (gzip)" : "";
    switch (p->format) {
    case RSC_PROBE_RSCT:
        rsct_text(name, p);
        break;
    case RSC_PROBE_IDX:
        printf("%s: IDX %s %s%s, %" PRIu64 " bytes of data\n", name, p->dtype, sh, gz, p->bytes);
        break;
    default:
        printf("%s: CIFAR-10 binary batch%s, %" PRIu64 " images u8 3x32x32, labels per class",
               name, gz, p->dims[0]);
        for (int i = 0; i < 10; i++)
            printf("%s%" PRIu64, i ? "," : " ", p->labels[i]);
        putchar('\n');
    }
}

/* ------------------------------------------------------------ JSON */

/* JSON fragments (arrays, objects) for the nested cells of a row. */
static void json_u64s(FILE *fp, const uint64_t *v, int n)
{
    putc('[', fp);
    for (int i = 0; i < n; i++)
        fprintf(fp, "%s%" PRIu64, i ? "," : "", v[i]);
    putc(']', fp);
}

static void json_meta(FILE *fp, const rsc_file *f)
{
    putc('{', fp);
    for (size_t i = 0; i < f->nmeta; i++) {
        if (i)
            putc(',', fp);
        rsc_json_string(fp, f->keys[i]);
        putc(':', fp);
        rsc_json_string(fp, f->values[i]);
    }
    putc('}', fp);
}

static void json_tensors(FILE *fp, const rsc_probe *p)
{
    putc('[', fp);
    for (size_t i = 0; i < p->file->ntensors; i++) {
        const rsc_tensor *t = p->file->tensors[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", fp);
        rsc_json_string(fp, t->name);
        fprintf(fp, ",\"dtype\":\"%s\",\"shape\":", rsc_dtype_name(t->dtype));
        json_u64s(fp, t->dims, t->ndim);
        fprintf(fp, ",\"bytes\":%" PRIu64 ",\"stored\":%" PRIu64 ",\"compressed\":%s,\"crc_ok\":%s}",
                rsc_tensor_bytes(t), t->stored_size, t->compressed ? "true" : "false",
                p->crc_ok[i] ? "true" : "false");
    }
    putc(']', fp);
}

/* One JSON object per file (rows.h's writer; its columns depend on the
 * format). */
static void json(const char *name, const rsc_probe *p)
{
    static const char *const rsct_cols[] = { "file", "format", "version", "compression", "valid",
                                              "meta", "tensors" };
    static const char *const idx_cols[] = { "file", "format", "compression", "valid", "dtype",
                                            "shape", "bytes" };
    static const char *const cifar_cols[] = { "file", "format", "compression", "valid", "dtype",
                                              "shape", "labels" };
    rsc_error err;
    char *a = NULL, *b = NULL;
    size_t len;
    FILE *fa = open_memstream(&a, &len), *fb = open_memstream(&b, &len);
    if (!fa || !fb)
        rsc_die("out of memory");
    const char *const *cols = p->format == RSC_PROBE_RSCT ? rsct_cols
                            : p->format == RSC_PROBE_IDX  ? idx_cols : cifar_cols;
    if (p->format == RSC_PROBE_RSCT) {
        json_meta(fa, p->file);
        json_tensors(fb, p);
    } else {
        json_u64s(fa, p->dims, p->ndim);
        json_u64s(fb, p->labels, 10);
    }
    fclose(fa);
    fclose(fb);
    rsc_rows *w = rsc_rows_new(stdout, "stdout", 1, cols, 7, &err);
    if (!w)
        rsc_die_err(&err);
    rsc_rows_str(w, name);
    rsc_rows_str(w, p->format == RSC_PROBE_RSCT ? "rsct" : p->format == RSC_PROBE_IDX ? "idx"
                                                                                       : "cifar10");
    if (p->format == RSC_PROBE_RSCT)
        rsc_rows_int(w, 1);
    rsc_rows_str(w, p->gzip ? "gzip" : "none");
    rsc_rows_bool(w, p->bad_crcs == 0);
    if (p->format != RSC_PROBE_RSCT)
        rsc_rows_str(w, p->dtype);
    rsc_rows_json(w, a);
    if (p->format == RSC_PROBE_IDX)
        rsc_rows_uint(w, p->bytes);
    else
        rsc_rows_json(w, b);
    if (rsc_rows_end(w, &err) != 0 || rsc_rows_close(w, &err) != 0)
        rsc_die_err(&err);
    free(a);
    free(b);
}

/* ------------------------------------------------------------ files */

/* Describe one file; 0 when valid.  Problems go to stderr as one line
 * "rsc-info: FILE: problem" (none with -q). */
static int show(const struct options *o, const char *path)
{
    rsc_probe p;
    rsc_error err;
    const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
    int rc = rsc_probe_path(path, &p, &err);
    if (rc != 0 || p.bad_crcs) {
        fflush(stdout);
        if (!o->quiet && rc != 0)
            fprintf(stderr, "%s: %s\n", rsc_progname(), err.msg);
        for (size_t i = 0; !o->quiet && rc == 0 && i < p.file->ntensors; i++)
            if (!p.crc_ok[i])
                fprintf(stderr, "%s: %s: tensor '%s': crc mismatch\n", rsc_progname(), name,
                        p.file->tensors[i]->name);
    }
    if (rc == 0 && !o->quiet) {
        if (o->json)
            json(name, &p);
        else
            text(name, &p);
    }
    int bad = rc != 0 || p.bad_crcs;
    rsc_probe_free(&p);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    rsc_cli_init(argv[0]);
    struct options o;
    parse_options(argc, argv, &o);
    int failed = 0;
    if (o.nfiles == 0) {
        rsc_stdin_not_terminal("file", "name FILEs, or pipe one");
        failed |= show(&o, "-") != 0;
    }
    for (int i = 0; i < o.nfiles; i++)
        failed |= show(&o, o.files[i]) != 0;
    int rc = rsc_close_stdout();
    return failed ? RSC_EXIT_RUNTIME : rc;
}
