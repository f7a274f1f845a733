/* idx.c - IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed, and
 * their import as a dataset.
 *
 * An IDX file is a 4-byte magic (0, 0, element type, ndim), ndim big-endian
 * u32 dims and the elements.  Only unsigned bytes (type 0x08) are used by
 * image datasets: images have 3 dims (N, H, W), labels 1 (N).  Headers are
 * checked before any allocation, image and label counts are compared before
 * the pixels are read, and the pixel buffer grows with the data actually
 * read, so that a lying header cannot make us allocate much more than the
 * file holds. */
#include "data/dataset.h"
#include "data/idx.h"
#include "data/manifest.h"
#include "format/gunzip.h"
#include "format/memlimit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IDX_MAX_N 100000000u    /* examples */
#define IDX_MAX_SIDE 4096u      /* pixels per side */
#define IDX_CLASSES 10          /* the MNIST family */

typedef struct idx_file {
    FILE *raw;            /* the file */
    FILE *in;             /* what is read: raw, or the gzip stream over it */
    rsc_gunzip *gz;       /* NULL: raw */
    unsigned char pre[2]; /* a raw file's first bytes, read to sniff gzip */
    size_t npre;
    const char *path;
    int ndim;
    uint32_t dims[3];
    uint64_t bytes;    /* element bytes the header announces */
    uint64_t file_size;   /* bytes on disk, 0 if unknown */
    rsc_verify v;         /* the manifest check of the content (off: no manifest) */
} idx_file;

/* Read up to n bytes; returns the count read (short only at end of input),
 * or -1 with a message on a read or decompression error (format/gunzip.h:
 * the messages rsc-info gives for the same bytes). */
static int64_t gz_read_full(idx_file *f, void *buf, uint64_t n, rsc_error *err)
{
    unsigned char *p = buf;
    uint64_t done = 0;
    while (done < n && f->npre) {
        p[done++] = f->pre[0];
        f->pre[0] = f->pre[1];
        f->npre--;
    }
    while (done < n) {
        size_t got = fread(p + done, 1, (size_t)(n - done), f->in);
        done += got;
        if (got == 0) {
            if (ferror(f->in)) {
                const char *why = rsc_gunzip_problem(f->gz);
                return why ? rsc_fail(err, "%s: %s", f->path, why)
                           : rsc_fail(err, "%s: read error: %s", f->path, strerror(errno));
            }
            break;
        }
    }
    return (int64_t)done;
}

const char *rsc_idx_dtype(int code, size_t *size)
{
    static const struct { int code; const char *name; size_t size; } types[] = {
        { 0x08, "u8", 1 }, { 0x09, "i8", 1 }, { 0x0B, "i16", 2 },
        { 0x0C, "i32", 4 }, { 0x0D, "f32", 4 }, { 0x0E, "f64", 8 },
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (types[i].code == code) {
            *size = types[i].size;
            return types[i].name;
        }
    *size = 0;
    return NULL;
}

static void idx_close(idx_file *f)
{
    rsc_verify_cancel(&f->v);
    if (f->gz)
        rsc_gunzip_close(f->in, f->gz);
    if (f->raw)
        fclose(f->raw);
    f->raw = f->in = NULL;
    f->gz = NULL;
}

/* The error: what the header announces passes the memory ceiling (the
 * labels are kept as i32 too). */
static int idx_ceiling(const idx_file *f, rsc_error *err)
{
    return rsc_memory_check(f->ndim == 3 ? f->bytes : 5 * f->bytes, f->path,
                            "the data its header announces", err);
}

/* Open path and read and check its header: u8 elements, `ndim` dims; with
 * a manifest m, the content is checked against it as it is read. */
static int idx_open(idx_file *f, const char *path, int ndim, const rsc_manifest *m, rsc_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    rsc_verify_begin(&f->v, m, path);
    f->raw = fopen(path, "rb");
    if (!f->raw)
        return rsc_fail(err, "%s: cannot open: %s", path, strerror(errno));
    f->in = f->raw;
    f->npre = fread(f->pre, 1, 2, f->raw);
    if (f->npre == 2 && f->pre[0] == 0x1f && f->pre[1] == 0x8b) {
        f->in = rsc_gunzip_open(f->raw, f->pre, 2, &f->gz);
        f->npre = 0;
        if (!f->in) {
            rsc_fail(err, "%s: %s", path, strerror(errno));
            goto fail;
        }
    }
    unsigned char h[16];
    int64_t got = gz_read_full(f, h, 4, err);
    if (got < 0)
        goto fail;
    if (got < 4) {
        rsc_fail(err, "%s: truncated IDX header (%lld of 4 magic bytes)", path, (long long)got);
        goto fail;
    }
    if (h[0] != 0 || h[1] != 0 || h[3] < 1 || h[3] > 3) {
        rsc_fail(err, "%s: not an IDX file (bad magic %02x %02x %02x %02x)", path, h[0], h[1], h[2], h[3]);
        goto fail;
    }
    if (h[2] != 0x08) {
        rsc_fail(err, "%s: unsupported IDX element type 0x%02x (only unsigned bytes, 0x08)", path, h[2]);
        goto fail;
    }
    if (h[3] != ndim) {
        rsc_fail(err, "%s: IDX file with %d dimension%s, expected %d (%s)", path, h[3],
                 h[3] == 1 ? "" : "s", ndim, ndim == 3 ? "images N x H x W" : "labels N");
        goto fail;
    }
    f->ndim = ndim;
    got = gz_read_full(f, h + 4, 4u * ndim, err);
    if (got < 0)
        goto fail;
    if (got < 4 * ndim) {
        rsc_fail(err, "%s: truncated IDX header (%lld of %d dimension bytes)", path, (long long)got, 4 * ndim);
        goto fail;
    }
    rsc_verify_update(&f->v, h, 4u + 4u * ndim);
    f->bytes = 1;
    for (int i = 0; i < ndim; i++) {
        const unsigned char *d = h + 4 + 4 * i;
        f->dims[i] = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
        f->bytes *= f->dims[i];
    }
    if (f->dims[0] < 1 || f->dims[0] > IDX_MAX_N) {
        rsc_fail(err, "%s: bad IDX count %u (1..%u)", path, f->dims[0], IDX_MAX_N);
        goto fail;
    }
    if (ndim == 3 && (f->dims[1] < 1 || f->dims[1] > IDX_MAX_SIDE || f->dims[2] < 1 ||
                      f->dims[2] > IDX_MAX_SIDE)) {
        rsc_fail(err, "%s: bad IDX image size %ux%u (1..%u per side)", path, f->dims[1], f->dims[2],
                 IDX_MAX_SIDE);
        goto fail;
    }
    if (rsc_verify_size(&f->v, 4u + 4u * ndim + f->bytes, err) < 0)
        goto fail;
    /* A raw file's size is known: check it now. */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        f->file_size = (uint64_t)st.st_size;
    if (!f->gz && f->file_size) {
        uint64_t want = 4u + 4u * ndim + f->bytes;
        if ((uint64_t)st.st_size != want) {
            rsc_fail(err, "%s: %s (header says %llu bytes, file has %llu)", path,
                     (uint64_t)st.st_size < want ? "truncated" : "wrong size",
                     (unsigned long long)want, (unsigned long long)st.st_size);
            goto fail;
        }
    }
    /* The memory ceiling, for what the input can back (a gzip file's
     * header may lie: idx_body's buffer then grows with the data). */
    uint64_t backed = f->gz && f->file_size ? f->file_size * 1032u + 65536u : f->bytes;
    if ((backed < f->bytes ? backed : f->bytes) > rsc_max_memory() &&
        idx_ceiling(f, err) < 0)
        goto fail;
    return 0;
fail:
    idx_close(f);
    return -1;
}

/* Read the elements of an opened file into a malloc'ed buffer, in pieces
 * that the manifest check hashes while they are still in the cache. */
static int idx_body(idx_file *f, uint8_t **out, rsc_error *err)
{
    enum { PIECE = 1 << 18 };
    /* Start with what the input can hold (deflate expands at most ~1032
     * times), then grow with the data: a lying header costs nothing. */
    uint64_t limit = f->file_size ? f->file_size * 1032u + 65536u : 64u << 20;
    uint64_t want = f->bytes, cap = want < limit ? want : limit, have = 0;
    uint8_t *buf = rsc_malloc((size_t)cap, 1, err);
    if (!buf)
        return -1;
    for (;;) {
        while (have < cap) {
            uint64_t piece = cap - have < PIECE ? cap - have : PIECE;
            int64_t got = gz_read_full(f, buf + have, piece, err);
            if (got < 0)
                goto fail;
            rsc_verify_feed(&f->v, buf + have, (size_t)got);
            have += (uint64_t)got;
            if ((uint64_t)got < piece)
                break;
        }
        if (have < cap) {
            rsc_fail(err, "%s: truncated (expected %llu bytes of %s, got %llu)", f->path,
                     (unsigned long long)want, f->ndim == 3 ? "pixels" : "labels",
                     (unsigned long long)have);
            goto fail;
        }
        if (have == want)
            break;
        cap = cap * 2 < want ? cap * 2 : want;
        if (cap > rsc_max_memory()) {
            idx_ceiling(f, err);
            goto fail;
        }
        rsc_verify_sync(&f->v);   /* the hashing thread reads buf */
        uint8_t *nb = realloc(buf, (size_t)cap);
        if (!nb) {
            rsc_fail(err, "out of memory (%llu bytes)", (unsigned long long)cap);
            goto fail;
        }
        buf = nb;
    }
    unsigned char extra;
    int64_t more = gz_read_full(f, &extra, 1, err);
    if (more < 0)
        goto fail;
    if (more > 0) {
        rsc_fail(err, "%s: data beyond the %llu bytes its header announces (wrong dimensions?)",
                 f->path, (unsigned long long)want);
        goto fail;
    }
    if (rsc_verify_end(&f->v, err) < 0)
        goto fail;
    *out = buf;
    return 0;
fail:
    rsc_verify_cancel(&f->v);
    free(buf);
    return -1;
}

int rsc_idx_read(const char *path, int expect_ndim, uint8_t **data, uint32_t dims[3], rsc_error *err)
{
    idx_file f;
    if (expect_ndim != 1 && expect_ndim != 3)
        return rsc_fail(err, "%s: IDX files of %d dimensions are not supported", path, expect_ndim);
    if (idx_open(&f, path, expect_ndim, NULL, err) < 0)
        return -1;
    int rc = idx_body(&f, data, err);
    idx_close(&f);
    if (rc == 0)
        memcpy(dims, f.dims, sizeof f.dims);
    return rc;
}

/* dir/base, or dir/base.gz when only that exists; malloc'ed. */
static char *idx_path(const char *dir, const char *base, rsc_error *err)
{
    size_t n = strlen(dir) + strlen(base) + 8;
    char *p = rsc_malloc(n, 1, err);
    if (!p)
        return NULL;
    snprintf(p, n, "%s/%s", dir, base);
    struct stat st;
    if (stat(p, &st) == 0)
        return p;
    snprintf(p, n, "%s/%s.gz", dir, base);
    if (stat(p, &st) == 0)
        return p;
    rsc_fail(err, "%s: no %s or %s.gz", dir, base, base);
    free(p);
    return NULL;
}

/* Read one split (images + labels) into N x 1 x H x W u8 and N i32. */
static int idx_split(rsc_file *ds, const char *dir, const char *prefix, const char *split,
                     uint32_t *h, uint32_t *w, const rsc_manifest *m, rsc_error *err)
{
    char base[64];
    idx_file fi = { 0 }, fl = { 0 };
    uint8_t *pix = NULL, *lab = NULL;
    int32_t *y = NULL;
    int rc = -1;
    snprintf(base, sizeof base, "%s-images-idx3-ubyte", prefix);
    char *pimg = idx_path(dir, base, err);
    snprintf(base, sizeof base, "%s-labels-idx1-ubyte", prefix);
    char *plab = pimg ? idx_path(dir, base, err) : NULL;
    if (!plab)
        goto out;
    if (idx_open(&fi, pimg, 3, m, err) < 0 || idx_open(&fl, plab, 1, m, err) < 0)
        goto out;
    if (fi.dims[0] != fl.dims[0]) {
        rsc_fail(err, "%s: %u labels for %u images in %s", plab, fl.dims[0], fi.dims[0], pimg);
        goto out;
    }
    if (*h && (fi.dims[1] != *h || fi.dims[2] != *w)) {
        rsc_fail(err, "%s: images are %ux%u, the training images %ux%u", pimg, fi.dims[1], fi.dims[2], *h, *w);
        goto out;
    }
    *h = fi.dims[1];
    *w = fi.dims[2];
    uint32_t n = fl.dims[0];
    if (idx_body(&fl, &lab, err) < 0)
        goto out;
    if (!(y = rsc_malloc(n, sizeof *y, err)))
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        if (lab[i] >= IDX_CLASSES) {
            rsc_fail(err, "%s: label %u of example %u out of range (0..%d)", plab, lab[i], i, IDX_CLASSES - 1);
            goto out;
        }
        y[i] = lab[i];
    }
    if (idx_body(&fi, &pix, err) < 0)
        goto out;
    char name[32];
    uint64_t xd[4] = { n, 1, fi.dims[1], fi.dims[2] }, yd[1] = { n };
    snprintf(name, sizeof name, "%s.x", split);
    rsc_tensor *t = rsc_file_add_take(ds, name, RSC_U8, 4, xd, pix, err);
    pix = NULL;
    if (!t)
        goto out;
    snprintf(name, sizeof name, "%s.y", split);
    t = rsc_file_add_take(ds, name, RSC_I32, 1, yd, y, err);
    y = NULL;
    if (!t)
        goto out;
    rc = 0;
out:
    idx_close(&fi);
    idx_close(&fl);
    free(pimg);
    free(plab);
    free(pix);
    free(lab);
    free(y);
    return rc;
}

/* The dataset name a folder suggests: fashion or mnist when its name says
 * so (fashion-mnist -> fashion), else the folder's own name.  buf holds the
 * result. */
static const char *guess_name(const char *dir, char *buf, size_t bufsz)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(buf, bufsz, "%.*s", (int)(n - start), dir + start);
    if (strstr(buf, "fashion") || strstr(buf, "Fashion"))
        return "fashion";
    if (!strcmp(buf, "mnist") || !strcmp(buf, "MNIST"))
        return "mnist";
    for (char *c = buf; *c; c++)   /* keep the value one plain line */
        if (*c == '\n' || *c == '\r')
            *c = '_';
    return buf[0] ? buf : "idx";
}

rsc_file *rsc_dataset_import_idx(const char *dir, const char *name, const rsc_manifest *m, rsc_error *err)
{
    return rsc_dataset_import_idx_split(dir, name, m, 0, err);
}

rsc_file *rsc_dataset_import_idx_split(const char *dir, const char *name, const rsc_manifest *m,
                                       int test_only, rsc_error *err)
{
    rsc_file *ds = rsc_file_new(err);
    if (!ds)
        return NULL;
    uint32_t h = 0, w = 0;
    if ((!test_only && idx_split(ds, dir, "train", "train", &h, &w, m, err) < 0) ||
        idx_split(ds, dir, "t10k", "test", &h, &w, m, err) < 0)
        goto fail;
    char real[PATH_MAX], base[256];
    const char *src = realpath(dir, real) ? real : dir;
    if (rsc_meta_set(ds, "kind", "dataset", err) < 0 ||
        rsc_meta_set(ds, "name", name ? name : guess_name(src, base, sizeof base), err) < 0 ||
        rsc_meta_setf(ds, "classes", err, "%d", IDX_CLASSES) < 0 ||
        rsc_meta_set(ds, "source", src, err) < 0)
        goto fail;
    return ds;
fail:
    rsc_file_free(ds);
    return NULL;
}
