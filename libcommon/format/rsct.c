/* rsct.c - reader and writer of the rsct container (version 1).
 *
 * The layout is in man/rsct.5.  The reader never
 * seeks and validates every field before it allocates: payload buffers grow
 * with the bytes actually received (or produced by inflate), so a hostile
 * header declaring huge sizes over a short input fails with "truncated"
 * instead of allocating what it declares.  Rule (also in rsct.5): for each
 * tensor the reader holds at most max(1 MiB, 2 x bytes received or
 * inflated so far), capped at the declared size; on a regular file whose
 * remaining length is known, a raw payload longer than that length is
 * rejected before any allocation.  Duplicate keys and names are found with
 * a hash set, so a file of many small records reads in linear time. */
#include "config.h"

#include "format/rsct.h"
#include "core/atomic.h"
#include "format/memlimit.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

const unsigned char rsc_rsct_magic[8] = { 0x89, 'R', 'S', 'C', 'T', 0x0D, 0x0A, 0x1A };
#define RSCT_VERSION 1u
#define GROW_MIN ((uint64_t)1 << 20)
#define CHUNK ((size_t)1 << 16)

/* ------------------------------------------------------------ helpers */

size_t rsc_dtype_size(int dtype)
{
    switch (dtype) {
    case RSC_U8: return 1;
    case RSC_I32: return 4;
    case RSC_I64: return 8;
    case RSC_F32: return 4;
    case RSC_F64: return 8;
    default: return 0;
    }
}

const char *rsc_dtype_name(int dtype)
{
    switch (dtype) {
    case RSC_U8: return "u8";
    case RSC_I32: return "i32";
    case RSC_I64: return "i64";
    case RSC_F32: return "f32";
    case RSC_F64: return "f64";
    default: return "?";
    }
}

uint64_t rsc_tensor_numel(const rsc_tensor *t)
{
    uint64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->dims[i];
    return n;
}

uint64_t rsc_tensor_bytes(const rsc_tensor *t)
{
    return rsc_tensor_numel(t) * rsc_dtype_size(t->dtype);
}

/* numel * size without overflow; -1 when it overflows. */
static int checked_bytes(int ndim, const uint64_t *dims, int dtype, uint64_t *out)
{
    uint64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] != 0 && n > UINT64_MAX / dims[i])
            return -1;
        n *= dims[i];
    }
    uint64_t sz = rsc_dtype_size(dtype);
    if (sz && n > UINT64_MAX / sz)
        return -1;
    *out = n * sz;
    return 0;
}

int rsc_valid_key(const char *key)
{
    if (!*key)
        return 0;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
            return 0;
    return 1;
}

int rsc_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > RSC_MAX_NAME)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == ':' || *p == '/' || *p == '-'))
            return 0;
    return 1;
}

/* Well-formed UTF-8 without NUL and newline (a metadata value). */
static int valid_value(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0 || c == '\n')
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + (size_t)len > n || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4))
            return 0;
        for (int k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += (size_t)len;
    }
    return 1;
}

/* s (n bytes) as printable text for a message: bytes outside 0x20-0x7e
 * become \xHH, and long strings are cut with "...". */
static const char *shown(const void *s, size_t n, char *buf, size_t cap)
{
    const unsigned char *p = s;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k + 8 >= cap) {
            memcpy(buf + k, "...", 4);
            return buf;
        }
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'')
            buf[k++] = (char)p[i];
        else
            k += (size_t)snprintf(buf + k, cap - k, "\\x%02x", p[i]);
    }
    buf[k] = '\0';
    return buf;
}

/* Open-addressing set of strings owned elsewhere (keys and tensor names
 * while reading): duplicate checks in O(1). */
typedef struct nameset {
    const char **slot;
    size_t cap, n;
} nameset;

static uint64_t name_hash(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

static int nameset_has(const nameset *set, const char *name)
{
    if (!set->cap)
        return 0;
    size_t j = (size_t)name_hash(name) & (set->cap - 1);
    for (; set->slot[j]; j = (j + 1) & (set->cap - 1))
        if (strcmp(set->slot[j], name) == 0)
            return 1;
    return 0;
}

/* 1 when added, 0 when already present, -1 when out of memory. */
static int nameset_add(nameset *set, const char *name)
{
    if (2 * (set->n + 1) > set->cap) {
        size_t nc = set->cap ? 2 * set->cap : 64;
        const char **ns = calloc(nc, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slot[i])
                continue;
            size_t j = (size_t)name_hash(set->slot[i]) & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = set->slot[i];
        }
        free(set->slot);
        set->slot = ns;
        set->cap = nc;
    }
    size_t j = (size_t)name_hash(name) & (set->cap - 1);
    while (set->slot[j]) {
        if (strcmp(set->slot[j], name) == 0)
            return 0;
        j = (j + 1) & (set->cap - 1);
    }
    set->slot[j] = name;
    set->n++;
    return 1;
}

/* ------------------------------------------------------------ in memory */

rsc_file *rsc_file_new(rsc_error *err)
{
    return rsc_calloc(1, sizeof(rsc_file), err);
}

static void tensor_free(rsc_tensor *t)
{
    if (t) {
        free(t->data);
        free(t);
    }
}

void rsc_file_free(rsc_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nmeta; i++) {
        free(f->keys[i]);
        free(f->values[i]);
    }
    free(f->keys);
    free(f->values);
    for (size_t i = 0; i < f->ntensors; i++)
        tensor_free(f->tensors[i]);
    free(f->tensors);
    free(f);
}

static long meta_index(const rsc_file *f, const char *key)
{
    for (size_t i = 0; i < f->nmeta; i++)
        if (strcmp(f->keys[i], key) == 0)
            return (long)i;
    return -1;
}

const char *rsc_meta_get(const rsc_file *f, const char *key)
{
    long i = meta_index(f, key);
    return i < 0 ? NULL : f->values[i];
}

/* Append key=value (owned strings) without looking for the key. */
static int meta_append(rsc_file *f, char *k, char *v, rsc_error *err)
{
    if (f->nmeta == f->cap_meta) {
        size_t nc = f->cap_meta ? 2 * f->cap_meta : 16;
        char **nk = realloc(f->keys, nc * sizeof *nk);
        if (!nk)
            return rsc_fail(err, "out of memory");
        f->keys = nk;
        char **nv = realloc(f->values, nc * sizeof *nv);
        if (!nv)
            return rsc_fail(err, "out of memory");
        f->values = nv;
        f->cap_meta = nc;
    }
    f->keys[f->nmeta] = k;
    f->values[f->nmeta] = v;
    f->nmeta++;
    return 0;
}

int rsc_meta_set(rsc_file *f, const char *key, const char *value, rsc_error *err)
{
    char buf[128];
    if (!rsc_valid_key(key))
        return rsc_fail(err, "metadata key '%s' is not of the form [a-z0-9_.-]+",
                        shown(key, strlen(key), buf, sizeof buf));
    if (!valid_value((const unsigned char *)value, strlen(value)))
        return rsc_fail(err, "metadata key '%s': value contains a newline or is not UTF-8", key);
    char *v = rsc_strdup(value, err);
    if (!v)
        return -1;
    long i = meta_index(f, key);
    if (i >= 0) {
        free(f->values[i]);
        f->values[i] = v;
        return 0;
    }
    char *k = rsc_strdup(key, err);
    if (!k) {
        free(v);
        return -1;
    }
    if (meta_append(f, k, v, err) != 0) {
        free(k);
        free(v);
        return -1;
    }
    return 0;
}

int rsc_meta_setf(rsc_file *f, const char *key, rsc_error *err, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return rsc_fail(err, "metadata key '%s': value too long", key);
    return rsc_meta_set(f, key, buf, err);
}

int rsc_meta_remove(rsc_file *f, const char *key)
{
    long i = meta_index(f, key);
    if (i < 0)
        return 0;
    free(f->keys[i]);
    free(f->values[i]);
    memmove(f->keys + i, f->keys + i + 1, (f->nmeta - (size_t)i - 1) * sizeof *f->keys);
    memmove(f->values + i, f->values + i + 1, (f->nmeta - (size_t)i - 1) * sizeof *f->values);
    f->nmeta--;
    return 1;
}

int rsc_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int rsc_parse_i64(const char *s, int64_t *out)
{
    int neg = s && *s == '-';
    uint64_t v;
    if (!s || rsc_parse_u64(s + neg, &v) != 0 || v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int rsc_parse_shape3(const char *s, int max, int *c, int *h, int *w)
{
    int64_t v[3];
    char buf[3][24];
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        size_t n = strcspn(p, "x");
        if (n == 0 || n >= sizeof buf[i] || (i < 2 && p[n] != 'x') || (i == 2 && p[n]))
            return -1;
        memcpy(buf[i], p, n);
        buf[i][n] = '\0';
        if (rsc_parse_i64(buf[i], &v[i]) != 0 || v[i] < 1 || v[i] > max)
            return -1;
        p += n + (i < 2);
    }
    *c = (int)v[0];
    *h = (int)v[1];
    *w = (int)v[2];
    return 0;
}

int rsc_meta_get_i64(const rsc_file *f, const char *key, int64_t *out, rsc_error *err)
{
    const char *v = rsc_meta_get(f, key);
    if (!v)
        return rsc_fail(err, "metadata key '%s' is missing", key);
    if (rsc_parse_i64(v, out) != 0)
        return rsc_fail(err, "metadata key '%s': '%s' is not an integer", key, v);
    return 0;
}

int rsc_meta_get_long(const rsc_file *f, const char *key, long *out, rsc_error *err)
{
    int64_t x;
    if (rsc_meta_get_i64(f, key, &x, err) != 0)
        return -1;
    if (x < LONG_MIN || x > LONG_MAX)
        return rsc_fail(err, "metadata key '%s': %lld is out of range", key, (long long)x);
    *out = (long)x;
    return 0;
}

int rsc_meta_get_double(const rsc_file *f, const char *key, double *out, rsc_error *err)
{
    const char *v = rsc_meta_get(f, key);
    if (!v)
        return rsc_fail(err, "metadata key '%s' is missing", key);
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno == ERANGE)
        return rsc_fail(err, "metadata key '%s': '%s' is not a number", key, v);
    *out = x;
    return 0;
}

int rsc_meta_copy(rsc_file *dst, const rsc_file *src, const char *const *keys, rsc_error *err)
{
    for (size_t i = 0; keys[i]; i++) {
        const char *v = rsc_meta_get(src, keys[i]);
        if (v && rsc_meta_set(dst, keys[i], v, err) != 0)
            return -1;
    }
    return 0;
}

static long tensor_index(const rsc_file *f, const char *name)
{
    for (size_t i = 0; i < f->ntensors; i++)
        if (strcmp(f->tensors[i]->name, name) == 0)
            return (long)i;
    return -1;
}

rsc_tensor *rsc_file_find(const rsc_file *f, const char *name)
{
    long i = tensor_index(f, name);
    return i < 0 ? NULL : f->tensors[i];
}

rsc_tensor *rsc_file_expect(const rsc_file *f, const char *name, int dtype, int ndim, rsc_error *err)
{
    rsc_tensor *t = rsc_file_find(f, name);
    if (!t) {
        rsc_fail(err, "tensor '%s': missing", name);
        return NULL;
    }
    if (dtype && t->dtype != dtype) {
        rsc_fail(err, "tensor '%s': has dtype %s, expected %s", name, rsc_dtype_name(t->dtype),
                 rsc_dtype_name(dtype));
        return NULL;
    }
    if (ndim >= 0 && t->ndim != ndim) {
        rsc_fail(err, "tensor '%s': has %d dimensions, expected %d", name, t->ndim, ndim);
        return NULL;
    }
    return t;
}

/* Append t (owned; freed on failure) without looking for its name. */
static rsc_tensor *append_tensor(rsc_file *f, rsc_tensor *t, rsc_error *err)
{
    if (f->ntensors == f->cap_tensors) {
        size_t nc = f->cap_tensors ? 2 * f->cap_tensors : 16;
        rsc_tensor **nt = realloc(f->tensors, nc * sizeof *nt);
        if (!nt) {
            tensor_free(t);
            rsc_fail(err, "out of memory");
            return NULL;
        }
        f->tensors = nt;
        f->cap_tensors = nc;
    }
    f->tensors[f->ntensors++] = t;
    return t;
}

/* Insert t (owned) replacing a tensor of the same name, or append. */
static rsc_tensor *insert_tensor(rsc_file *f, rsc_tensor *t, rsc_error *err)
{
    long i = tensor_index(f, t->name);
    if (i >= 0) {
        tensor_free(f->tensors[i]);
        f->tensors[i] = t;
        return t;
    }
    return append_tensor(f, t, err);
}

static rsc_tensor *new_tensor(const char *name, int dtype, int ndim, const uint64_t *dims,
                              uint64_t *bytes, rsc_error *err)
{
    if (!rsc_valid_name(name)) {
        char buf[96];
        rsc_fail(err, "tensor '%s': bad name (1-255 of [A-Za-z0-9_.:/-])", shown(name, strlen(name), buf, sizeof buf));
        return NULL;
    }
    if (!rsc_dtype_size(dtype)) {
        rsc_fail(err, "tensor '%s': unknown dtype %d", name, dtype);
        return NULL;
    }
    if (ndim < 0 || ndim > RSC_MAX_NDIM) {
        rsc_fail(err, "tensor '%s': %d dimensions (at most %d)", name, ndim, RSC_MAX_NDIM);
        return NULL;
    }
    if (checked_bytes(ndim, dims, dtype, bytes) != 0 || *bytes > (uint64_t)SIZE_MAX / 2) {
        rsc_fail(err, "tensor '%s': size overflows", name);
        return NULL;
    }
    rsc_tensor *t = rsc_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->dims[i] = dims[i];
    return t;
}

rsc_tensor *rsc_file_add(rsc_file *f, const char *name, int dtype, int ndim, const uint64_t *dims,
                         rsc_error *err)
{
    uint64_t bytes;
    rsc_tensor *t = new_tensor(name, dtype, ndim, dims, &bytes, err);
    if (!t)
        return NULL;
    t->data = rsc_calloc((size_t)bytes, 1, err);
    if (!t->data) {
        free(t);
        return NULL;
    }
    t->stored_size = bytes;
    return insert_tensor(f, t, err);
}

rsc_tensor *rsc_file_add_take(rsc_file *f, const char *name, int dtype, int ndim, const uint64_t *dims,
                              void *data, rsc_error *err)
{
    uint64_t bytes;
    rsc_tensor *t = new_tensor(name, dtype, ndim, dims, &bytes, err);
    if (!t) {
        free(data);
        return NULL;
    }
    t->data = data;
    t->stored_size = bytes;
    return insert_tensor(f, t, err);
}

rsc_tensor *rsc_file_add_copy(rsc_file *f, const rsc_tensor *src, const char *name, rsc_error *err)
{
    /* copy before inserting: src may be the tensor the copy replaces */
    size_t bytes = (size_t)rsc_tensor_bytes(src);
    void *data = rsc_malloc(bytes ? bytes : 1, 1, err);
    if (!data)
        return NULL;
    if (bytes)
        memcpy(data, src->data, bytes);
    return rsc_file_add_take(f, name ? name : src->name, src->dtype, src->ndim, src->dims, data, err);
}

int rsc_file_remove(rsc_file *f, const char *name)
{
    long i = tensor_index(f, name);
    if (i < 0)
        return 0;
    tensor_free(f->tensors[i]);
    memmove(f->tensors + i, f->tensors + i + 1, (f->ntensors - (size_t)i - 1) * sizeof *f->tensors);
    f->ntensors--;
    return 1;
}

int rsc_file_stamp(rsc_file *f, const char *kind, const char *program, rsc_error *err)
{
    if (rsc_meta_set(f, "kind", kind, err) != 0)
        return -1;
    return rsc_meta_setf(f, "creator", err, "%s %s", program, PACKAGE_VERSION);
}

/* ------------------------------------------------------------ reading */

typedef struct reader {
    FILE *in;
    const char *fname;
    int64_t remaining;      /* bytes left in a regular file, -1 if unknown */
    rsc_error *err;
    nameset keys, names;    /* seen so far, for the duplicate checks */
    const rsc_read_opts *opts;  /* which payloads to keep (NULL: all) */
    rsc_file *dropped;      /* tensors not kept nor listed (their names are in `names`) */
    uint64_t kept;          /* bytes kept so far: payloads and the tensor table */
} reader;

/* Read exactly n bytes.  what names the field for the message. */
static int rd(reader *r, void *buf, size_t n, const char *tensor, const char *what)
{
    size_t got = fread(buf, 1, n, r->in);
    if (r->remaining >= 0)
        r->remaining -= (int64_t)got;
    if (got == n)
        return 0;
    if (ferror(r->in))
        return rsc_fail(r->err, "%s: %s%s%sread error: %s", r->fname, tensor ? "tensor '" : "",
                        tensor ? tensor : "", tensor ? "': " : "", strerror(errno));
    if (tensor)
        return rsc_fail(r->err, "%s: tensor '%s': truncated %s (expected %zu bytes, got %zu)", r->fname,
                        tensor, what, n, got);
    return rsc_fail(r->err, "%s: truncated %s (expected %zu bytes, got %zu)", r->fname, what, n, got);
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static uint64_t grow_cap(uint64_t have, uint64_t want)
{
    uint64_t c = have * 2 > GROW_MIN ? have * 2 : GROW_MIN;
    return c < want ? c : want;
}

static int over_ceiling(reader *r, const char *tensor, uint64_t total)
{
    char what[RSC_MAX_NAME + 32];
    snprintf(what, sizeof what, "reading up to tensor '%s'", tensor);
    return rsc_memory_check(total, r->fname, what, r->err);
}

/* Count what a tensor keeps (its table entry, and its payload when out is
 * set) against the memory ceiling (format/memlimit.h) before allocating
 * it.  A payload over the ceiling fails here when the input backs its
 * declaration (a regular file: its length was checked); over a pipe, only
 * once its buffer actually grows past the ceiling (grown()), so that a
 * lying header there still fails as truncated. */
static int charge(reader *r, const char *tensor, uint64_t bytes, void **out)
{
    r->kept += sizeof(rsc_tensor);
    uint64_t want = r->kept + (out ? bytes : 0);
    if ((out && r->remaining < 0 ? r->kept : want) > rsc_max_memory())
        return over_ceiling(r, tensor, want);
    r->kept = want;
    return 0;
}

/* Before a kept payload of `bytes` grows its buffer to cap. */
static int grown(reader *r, const char *tensor, uint64_t bytes, uint64_t cap)
{
    return r->kept - bytes + cap > rsc_max_memory() ? over_ceiling(r, tensor, r->kept) : 0;
}

/* Raw payload of `bytes` bytes into *out (grown as data arrives), or,
 * when out is NULL, read through a small buffer and not kept; *crc goes on
 * over the bytes either way. */
static int read_raw(reader *r, const char *tensor, uint64_t bytes, void **out, uLong *crc)
{
    if (r->remaining >= 0 && bytes > (uint64_t)r->remaining)
        return rsc_fail(r->err, "%s: tensor '%s': truncated payload (declares %llu bytes, %lld left in the file)",
                        r->fname, tensor, (unsigned long long)bytes, (long long)r->remaining);
    if (charge(r, tensor, bytes, out) < 0)
        return -1;
    uint64_t cap = !out ? (bytes < CHUNK ? bytes : CHUNK) : r->remaining >= 0 ? bytes : grow_cap(0, bytes);
    unsigned char *buf = rsc_malloc((size_t)(cap ? cap : 1), 1, r->err);
    if (!buf)
        return -1;
    uint64_t have = 0, off = 0;   /* off: bytes before buf[0] (not kept) */
    while (have < bytes) {
        if (have - off == cap) {
            if (!out) {
                off = have;
                cap = bytes - have < CHUNK ? bytes - have : CHUNK;
            } else {
                cap = grow_cap(cap, bytes);
                if (grown(r, tensor, bytes, cap) < 0) {
                    free(buf);
                    return -1;
                }
                unsigned char *nb = realloc(buf, (size_t)cap);
                if (!nb) {
                    free(buf);
                    return rsc_fail(r->err, "%s: tensor '%s': out of memory", r->fname, tensor);
                }
                buf = nb;
            }
        }
        size_t want = (size_t)(cap - (have - off));
        size_t got = fread(buf + (have - off), 1, want, r->in);
        if (r->remaining >= 0)
            r->remaining -= (int64_t)got;
        *crc = crc32_z(*crc, buf + (have - off), got);
        have += got;
        if (got < want && have < bytes) {
            if (ferror(r->in))
                rsc_fail(r->err, "%s: tensor '%s': read error: %s", r->fname, tensor, strerror(errno));
            else
                rsc_fail(r->err, "%s: tensor '%s': truncated (expected %llu bytes, got %llu)", r->fname,
                         tensor, (unsigned long long)bytes, (unsigned long long)have);
            free(buf);
            return -1;
        }
    }
    if (out)
        *out = buf;
    else
        free(buf);
    return 0;
}

/* Deflated payload of `stored` bytes inflating to exactly `bytes`, into
 * *out, or through a small window and not kept when out is NULL (the
 * checks are the same); *crc goes on over the inflated bytes. */
static int read_deflated(reader *r, const char *tensor, uint64_t stored, uint64_t bytes, void **out,
                         uLong *crc)
{
    if (r->remaining >= 0 && stored > (uint64_t)r->remaining)
        return rsc_fail(r->err, "%s: tensor '%s': truncated payload (declares %llu bytes, %lld left in the file)",
                        r->fname, tensor, (unsigned long long)stored, (long long)r->remaining);
    /* deflate expands at most 1032 times: more cannot be what it holds */
    if (bytes / 1032 > stored + 64)
        return rsc_fail(r->err, "%s: tensor '%s': %llu compressed bytes cannot inflate to the %llu "
                        "declared", r->fname, tensor, (unsigned long long)stored,
                        (unsigned long long)bytes);
    if (charge(r, tensor, bytes, out) < 0)
        return -1;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return rsc_fail(r->err, "%s: tensor '%s': zlib initialisation failed", r->fname, tensor);
    uint64_t cap = out ? grow_cap(0, bytes) : bytes < CHUNK ? bytes : CHUNK;
    unsigned char *buf = rsc_malloc((size_t)(cap ? cap : 1), 1, r->err);
    unsigned char *in = rsc_malloc(CHUNK, 1, r->err);
    if (!buf || !in)
        goto fail;
    uint64_t left = stored, produced = 0, off = 0;   /* off: bytes before buf[0] (not kept) */
    int zrc = Z_OK;
    while (zrc != Z_STREAM_END) {
        if (zs.avail_in == 0) {
            if (left == 0) {
                rsc_fail(r->err, "%s: tensor '%s': compressed payload ends early (inflated %llu of %llu bytes)",
                         r->fname, tensor, (unsigned long long)produced, (unsigned long long)bytes);
                goto fail;
            }
            size_t n = left < CHUNK ? (size_t)left : CHUNK;
            size_t got = fread(in, 1, n, r->in);
            if (r->remaining >= 0)
                r->remaining -= (int64_t)got;
            if (got < n) {
                if (ferror(r->in))
                    rsc_fail(r->err, "%s: tensor '%s': read error: %s", r->fname, tensor, strerror(errno));
                else
                    rsc_fail(r->err, "%s: tensor '%s': truncated compressed payload (expected %llu bytes, got %llu)",
                             r->fname, tensor, (unsigned long long)stored,
                             (unsigned long long)(stored - left + got));
                goto fail;
            }
            left -= n;
            zs.next_in = in;
            zs.avail_in = (uInt)n;
        }
        if (produced - off == cap) {
            if (produced == bytes) {
                /* room exhausted: the stream holds more than declared */
                unsigned char extra;
                zs.next_out = &extra;
                zs.avail_out = 1;
                zrc = inflate(&zs, Z_NO_FLUSH);
                if (zrc == Z_STREAM_END && zs.avail_out == 1)
                    break;
                rsc_fail(r->err, "%s: tensor '%s': compressed payload inflates to more than %llu bytes",
                         r->fname, tensor, (unsigned long long)bytes);
                goto fail;
            }
            if (!out) {
                off = produced;
                cap = bytes - produced < CHUNK ? bytes - produced : CHUNK;
            } else {
                cap = grow_cap(cap, bytes);
                if (grown(r, tensor, bytes, cap) < 0)
                    goto fail;
                unsigned char *no = realloc(buf, (size_t)cap);
                if (!no) {
                    rsc_fail(r->err, "%s: tensor '%s': out of memory", r->fname, tensor);
                    goto fail;
                }
                buf = no;
            }
        }
        uint64_t room = cap - (produced - off);
        zs.next_out = buf + (produced - off);
        zs.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        uInt before = zs.avail_out;
        zrc = inflate(&zs, Z_NO_FLUSH);
        *crc = crc32_z(*crc, buf + (produced - off), before - zs.avail_out);
        produced += before - zs.avail_out;
        if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
            rsc_fail(r->err, "%s: tensor '%s': corrupt compressed payload (%s)", r->fname, tensor,
                     zs.msg ? zs.msg : "zlib error");
            goto fail;
        }
    }
    if (produced != bytes) {
        rsc_fail(r->err, "%s: tensor '%s': compressed payload inflates to %llu bytes, expected %llu", r->fname,
                 tensor, (unsigned long long)produced, (unsigned long long)bytes);
        goto fail;
    }
    if (left != 0 || zs.avail_in != 0) {
        rsc_fail(r->err, "%s: tensor '%s': %llu bytes after the end of the compressed stream", r->fname, tensor,
                 (unsigned long long)(left + zs.avail_in));
        goto fail;
    }
    inflateEnd(&zs);
    free(in);
    if (out)
        *out = buf;
    else
        free(buf);
    return 0;
fail:
    inflateEnd(&zs);
    free(in);
    free(buf);
    return -1;
}

static int parse_meta(reader *r, rsc_file *f, const unsigned char *m, size_t n)
{
    size_t line = 0, i = 0;
    char buf[128];
    while (i < n) {
        line++;
        const unsigned char *nl = memchr(m + i, '\n', n - i);
        if (!nl)
            return rsc_fail(r->err, "%s: metadata line %zu: missing newline at the end of the block", r->fname,
                            line);
        size_t len = (size_t)(nl - (m + i));
        const unsigned char *eq = memchr(m + i, '=', len);
        if (!eq)
            return rsc_fail(r->err, "%s: metadata line %zu: no '=' (expected key=value)", r->fname, line);
        size_t klen = (size_t)(eq - (m + i)), vlen = len - klen - 1;
        char *key = rsc_malloc(klen + 1, 1, r->err);
        if (!key)
            return -1;
        memcpy(key, m + i, klen);
        key[klen] = '\0';
        if (memchr(m + i, 0, klen) || !rsc_valid_key(key)) {
            rsc_fail(r->err, "%s: metadata line %zu: bad key '%s' (expected [a-z0-9_.-]+)", r->fname, line,
                     shown(m + i, klen, buf, sizeof buf));
            free(key);
            return -1;
        }
        if (memchr(eq + 1, 0, vlen) || !valid_value(eq + 1, vlen)) {
            rsc_fail(r->err, "%s: metadata line %zu: value of '%s' %s", r->fname, line, key,
                     memchr(eq + 1, 0, vlen) ? "contains a NUL byte" : "is not valid UTF-8");
            free(key);
            return -1;
        }
        char *v = rsc_malloc(vlen + 1, 1, r->err);
        if (!v) {
            free(key);
            return -1;
        }
        memcpy(v, eq + 1, vlen);
        v[vlen] = '\0';
        if (meta_append(f, key, v, r->err) != 0) {
            free(key);
            free(v);
            return rsc_fail_prefix(r->err, "%s", r->fname);
        }
        int added = nameset_add(&r->keys, key);
        if (added < 0)
            return rsc_fail(r->err, "%s: out of memory", r->fname);
        if (added == 0)
            return rsc_fail(r->err, "%s: metadata line %zu: duplicate key '%s'", r->fname, line, key);
        i += len + 1;
    }
    return 0;
}

static int read_header(reader *r, rsc_file *f)
{
    unsigned char h[16];
    /* the magic first, so that a short foreign file reads as foreign */
    size_t got = fread(h, 1, 8, r->in);
    if (r->remaining >= 0)
        r->remaining -= (int64_t)got;
    if (got < 8 && ferror(r->in))
        return rsc_fail(r->err, "%s: read error: %s", r->fname, strerror(errno));
    if (memcmp(h, rsc_rsct_magic, got) != 0)
        return rsc_fail(r->err, "%s: not an rsct file (bad magic)", r->fname);
    if (got == 0)
        return rsc_fail(r->err, "%s: truncated header (empty input)", r->fname);
    if (got < 8)
        return rsc_fail(r->err, "%s: truncated header (expected 8 bytes of magic, got %zu)", r->fname, got);
    if (rd(r, h + 8, 8, NULL, "header") != 0)
        return -1;
    uint32_t version = le32(h + 8), mlen = le32(h + 12);
    if (version != RSCT_VERSION)
        return rsc_fail(r->err, "%s: unsupported rsct version %u (this reader knows 1)", r->fname, version);
    if (mlen > RSC_MAX_META)
        return rsc_fail(r->err, "%s: metadata block of %u bytes exceeds the 1 MiB limit", r->fname, mlen);
    if (r->remaining >= 0 && mlen > (uint64_t)r->remaining)
        return rsc_fail(r->err, "%s: truncated metadata (declares %u bytes, %lld left in the file)", r->fname,
                        mlen, (long long)r->remaining);
    unsigned char *m = rsc_malloc(mlen ? mlen : 1, 1, r->err);
    if (!m)
        return -1;
    unsigned char c4[4];
    if (rd(r, m, mlen, NULL, "metadata") != 0 || rd(r, c4, 4, NULL, "header checksum") != 0) {
        free(m);
        return -1;
    }
    uLong crc = crc32(0L, h, 16);
    crc = crc32(crc, m, mlen);
    if ((uint32_t)crc != le32(c4)) {
        free(m);
        return rsc_fail(r->err, "%s: header crc mismatch (stored %08x, computed %08x)", r->fname, le32(c4),
                        (unsigned)crc);
    }
    int rc = parse_meta(r, f, m, mlen);
    free(m);
    return rc;
}

/* Free the tensors a reader dropped (the struct itself is the caller's). */
static void drop_all(rsc_file *d)
{
    for (size_t i = 0; i < d->ntensors; i++)
        tensor_free(d->tensors[i]);
    free(d->tensors);
}

/* One record after its "TNSR" tag.  crc_bad is set instead of failing when
 * non-NULL. */
static int read_record(reader *r, rsc_file *f, int *crc_bad)
{
    unsigned char b[8];
    if (rd(r, b, 2, NULL, "tensor record") != 0)
        return -1;
    uint16_t name_len = le16(b);
    uLong crc = crc32(0L, b, 2);
    if (name_len < 1 || name_len > RSC_MAX_NAME)
        return rsc_fail(r->err, "%s: tensor %zu: bad name length %u", r->fname, f->ntensors + 1, name_len);
    char name[RSC_MAX_NAME + 1];
    if (rd(r, name, name_len, NULL, "tensor name") != 0)
        return -1;
    crc = crc32(crc, (const unsigned char *)name, name_len);
    name[name_len] = '\0';
    if (strlen(name) != name_len || !rsc_valid_name(name)) {
        char buf[96];
        return rsc_fail(r->err, "%s: tensor '%s': bad name (allowed: [A-Za-z0-9_.:/-])", r->fname,
                        shown(name, name_len, buf, sizeof buf));
    }
    if (nameset_has(&r->names, name))
        return rsc_fail(r->err, "%s: tensor '%s': duplicate name", r->fname, name);
    if (rd(r, b, 3, name, "record header") != 0)
        return -1;
    crc = crc32(crc, b, 3);
    int dtype = b[0], flags = b[1], ndim = b[2];
    if (!rsc_dtype_size(dtype))
        return rsc_fail(r->err, "%s: tensor '%s': unknown dtype %d", r->fname, name, dtype);
    if (flags & ~1)
        return rsc_fail(r->err, "%s: tensor '%s': unknown flags 0x%02x", r->fname, name, flags);
    if (ndim > RSC_MAX_NDIM)
        return rsc_fail(r->err, "%s: tensor '%s': ndim %d exceeds %d", r->fname, name, ndim, RSC_MAX_NDIM);
    uint64_t dims[RSC_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        if (rd(r, b, 8, name, "dims") != 0)
            return -1;
        crc = crc32(crc, b, 8);
        dims[i] = le64(b);
    }
    if (rd(r, b, 8, name, "size") != 0)
        return -1;
    crc = crc32(crc, b, 8);
    uint64_t size = le64(b), bytes;
    if (checked_bytes(ndim, dims, dtype, &bytes) != 0 || bytes > (uint64_t)SIZE_MAX / 2)
        return rsc_fail(r->err, "%s: tensor '%s': dims product overflows", r->fname, name);
    if (!(flags & 1) && size != bytes)
        return rsc_fail(r->err, "%s: tensor '%s': size %llu disagrees with dims (%llu bytes of %s)", r->fname,
                        name, (unsigned long long)size, (unsigned long long)bytes, rsc_dtype_name(dtype));
    if ((flags & 1) && size == 0)
        return rsc_fail(r->err, "%s: tensor '%s': empty compressed payload", r->fname, name);
    const rsc_read_opts *o = r->opts;
    int keep = !o || !o->keep || o->keep(name, o->ctx);
    void *data = NULL;
    if ((flags & 1) ? read_deflated(r, name, size, bytes, keep ? &data : NULL, &crc)
                    : read_raw(r, name, bytes, keep ? &data : NULL, &crc))
        return -1;
    if (rd(r, b, 4, name, "checksum") != 0) {
        free(data);
        return -1;
    }
    if ((uint32_t)crc != le32(b)) {
        if (!crc_bad) {
            free(data);
            return rsc_fail(r->err, "%s: tensor '%s': crc mismatch (stored %08x, computed %08x)", r->fname,
                            name, le32(b), (unsigned)crc);
        }
        *crc_bad = 1;
    }
    uint64_t unused;
    rsc_tensor *t = new_tensor(name, dtype, ndim, dims, &unused, r->err);
    if (!t) {
        free(data);
        return rsc_fail_prefix(r->err, "%s", r->fname);
    }
    t->data = data;
    t->stored_size = size;
    t->compressed = flags & 1;
    if (!append_tensor(keep || !o->drop ? f : r->dropped, t, r->err))
        return rsc_fail_prefix(r->err, "%s", r->fname);
    if (nameset_add(&r->names, t->name) < 0)
        return rsc_fail(r->err, "%s: out of memory", r->fname);
    return 0;
}

static rsc_file *read_file(FILE *in, const char *fname, const rsc_read_opts *opts,
                           unsigned char **crc_ok, rsc_error *err)
{
    rsc_file dropped = { 0 };
    reader r = { .in = in, .fname = fname, .remaining = -1, .err = err, .opts = opts,
                 .dropped = &dropped };
    struct stat st;
    if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = ftello(in);
        if (pos >= 0 && st.st_size >= pos)
            r.remaining = (int64_t)(st.st_size - pos);
    }
    rsc_file *f = rsc_file_new(err);
    unsigned char *ok = NULL;
    size_t ok_cap = 0;
    if (!f)
        return NULL;
    if (read_header(&r, f) != 0)
        goto fail;
    for (;;) {
        unsigned char tag[4];
        size_t got = fread(tag, 1, 4, in);
        if (r.remaining >= 0)
            r.remaining -= (int64_t)got;
        if (got < 4) {
            if (ferror(in))
                rsc_fail(err, "%s: read error: %s", fname, strerror(errno));
            else
                rsc_fail(err, "%s: truncated after %zu tensor%s (no END. trailer)", fname, f->ntensors,
                         f->ntensors == 1 ? "" : "s");
            goto fail;
        }
        if (memcmp(tag, "END.", 4) == 0)
            break;
        if (memcmp(tag, "TNSR", 4) != 0) {
            char buf[64];
            rsc_fail(err, "%s: bad record tag '%s' after tensor %zu (expected TNSR or END.)", fname,
                     shown(tag, 4, buf, sizeof buf), f->ntensors);
            goto fail;
        }
        int bad = 0;
        if (read_record(&r, f, crc_ok ? &bad : NULL) != 0)
            goto fail;
        if (crc_ok) {
            if (f->ntensors > ok_cap) {
                ok_cap = ok_cap ? 2 * ok_cap : 16;
                unsigned char *n = realloc(ok, ok_cap);
                if (!n) {
                    rsc_fail(err, "out of memory");
                    goto fail;
                }
                ok = n;
            }
            ok[f->ntensors - 1] = !bad;
        }
    }
    unsigned char c[4];
    if (rd(&r, c, 4, NULL, "trailer") != 0)
        goto fail;
    size_t nread = f->ntensors + dropped.ntensors;
    if (le32(c) != nread) {
        rsc_fail(err, "%s: trailer count %u disagrees with the %zu tensor record%s read", fname, le32(c),
                 nread, nread == 1 ? "" : "s");
        goto fail;
    }
    if (getc(in) != EOF) {
        rsc_fail(err, "%s: unexpected data after the trailer", fname);
        goto fail;
    }
    if (ferror(in)) {
        rsc_fail(err, "%s: read error: %s", fname, strerror(errno));
        goto fail;
    }
    if (crc_ok) {
        *crc_ok = ok ? ok : calloc(1, 1);
        if (!*crc_ok) {
            rsc_fail(err, "out of memory");
            goto fail;
        }
    }
    free(r.keys.slot);
    free(r.names.slot);
    drop_all(&dropped);
    return f;
fail:
    free(r.keys.slot);
    free(r.names.slot);
    drop_all(&dropped);
    free(ok);
    rsc_file_free(f);
    return NULL;
}

rsc_file *rsc_file_read(FILE *in, const char *fname, rsc_error *err)
{
    return read_file(in, fname, NULL, NULL, err);
}

rsc_file *rsc_file_read_scan(FILE *in, const char *fname, unsigned char **crc_ok, rsc_error *err)
{
    return read_file(in, fname, NULL, crc_ok, err);
}

rsc_file *rsc_file_read_opts(FILE *in, const char *fname, const rsc_read_opts *opts,
                             unsigned char **crc_ok, rsc_error *err)
{
    return read_file(in, fname, opts, crc_ok, err);
}

rsc_file *rsc_file_load_opts(const char *path, const rsc_read_opts *opts, rsc_error *err)
{
    if (!path || strcmp(path, "-") == 0)
        return read_file(stdin, "stdin", opts, NULL, err);
    FILE *in = fopen(path, "rb");
    if (!in) {
        rsc_fail(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    rsc_file *f = read_file(in, path, opts, NULL, err);
    fclose(in);
    return f;
}

rsc_file *rsc_file_load(const char *path, rsc_error *err)
{
    return rsc_file_load_opts(path, NULL, err);
}

/* ------------------------------------------------------------ writing */

typedef struct writer {
    FILE *out;
    const char *fname;
    rsc_error *err;
} writer;

static int wr(writer *w, const void *buf, size_t n)
{
    if (n && fwrite(buf, 1, n, w->out) != n)
        return rsc_fail(w->err, "%s: write error: %s", w->fname, strerror(errno));
    return 0;
}

static void put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static int write_record(writer *w, const rsc_tensor *t, unsigned flags)
{
    /* what the reader would refuse is not written */
    uint64_t check;
    if (!rsc_valid_name(t->name)) {
        char buf[96];
        return rsc_fail(w->err, "%s: tensor '%s': bad name", w->fname,
                        shown(t->name, strnlen(t->name, sizeof t->name), buf, sizeof buf));
    }
    if (!rsc_dtype_size(t->dtype) || t->ndim < 0 || t->ndim > RSC_MAX_NDIM ||
        checked_bytes(t->ndim, t->dims, t->dtype, &check) != 0)
        return rsc_fail(w->err, "%s: tensor '%s': bad dtype or shape", w->fname, t->name);
    size_t nlen = strlen(t->name);
    uint64_t bytes = rsc_tensor_bytes(t);
    unsigned char hdr[4 + 2 + RSC_MAX_NAME + 3 + 8 * RSC_MAX_NDIM + 8];
    size_t k = 0;
    memcpy(hdr, "TNSR", 4);
    k = 4;
    put16(hdr + k, (uint16_t)nlen);
    k += 2;
    memcpy(hdr + k, t->name, nlen);
    k += nlen;
    int compress = (flags & RSC_WRITE_COMPRESS) || ((flags & RSC_WRITE_AS_MARKED) && t->compressed);
    hdr[k++] = (unsigned char)t->dtype;
    hdr[k++] = (unsigned char)(compress ? 1 : 0);
    hdr[k++] = (unsigned char)t->ndim;
    for (int i = 0; i < t->ndim; i++, k += 8)
        put64(hdr + k, t->dims[i]);
    unsigned char *z = NULL;
    uint64_t stored = bytes;
    if (compress) {
        uLongf zlen = compressBound((uLong)bytes);
        z = rsc_malloc(zlen, 1, w->err);
        if (!z)
            return -1;
        if (compress2(z, &zlen, t->data, (uLong)bytes, 6) != Z_OK) {
            free(z);
            return rsc_fail(w->err, "%s: tensor '%s': compression failed", w->fname, t->name);
        }
        stored = zlen;
    }
    put64(hdr + k, stored);
    k += 8;
    uLong crc = crc32(0L, hdr + 4, (uInt)(k - 4));
    crc = crc32_z(crc, t->data, (z_size_t)bytes);
    unsigned char c[4];
    put32(c, (uint32_t)crc);
    int rc = wr(w, hdr, k);
    if (rc == 0)
        rc = wr(w, compress ? z : t->data, (size_t)stored);
    if (rc == 0)
        rc = wr(w, c, 4);
    free(z);
    return rc;
}

int rsc_file_write(FILE *out, const char *fname, const rsc_file *f, unsigned flags, rsc_error *err)
{
    writer w = { out, fname ? fname : "output", err };
    size_t mlen = 0;
    for (size_t i = 0; i < f->nmeta; i++)
        mlen += strlen(f->keys[i]) + 1 + strlen(f->values[i]) + 1;
    if (mlen > RSC_MAX_META)
        return rsc_fail(err, "%s: metadata of %zu bytes exceeds the 1 MiB limit", w.fname, mlen);
    unsigned char *h = rsc_malloc(16 + mlen + 4, 1, err);
    if (!h)
        return -1;
    memcpy(h, rsc_rsct_magic, 8);
    put32(h + 8, RSCT_VERSION);
    put32(h + 12, (uint32_t)mlen);
    size_t k = 16;
    for (size_t i = 0; i < f->nmeta; i++) {
        k += (size_t)sprintf((char *)h + k, "%s=%s\n", f->keys[i], f->values[i]);
    }
    put32(h + k, (uint32_t)crc32(0L, h, (uInt)k));
    int rc = wr(&w, h, k + 4);
    free(h);
    for (size_t i = 0; rc == 0 && i < f->ntensors; i++)
        rc = write_record(&w, f->tensors[i], flags);
    if (rc == 0) {
        unsigned char tr[8];
        memcpy(tr, "END.", 4);
        put32(tr + 4, (uint32_t)f->ntensors);
        rc = wr(&w, tr, 8);
    }
    return rc;
}

int rsc_file_save(const char *path, const rsc_file *f, unsigned flags, rsc_error *err)
{
    rsc_output *out = rsc_output_open(path, RSC_OUTPUT_BINARY, err);
    if (!out)
        return -1;
    if (rsc_file_write(rsc_output_file(out), rsc_output_name(out), f, flags, err) != 0) {
        rsc_output_abort(out);
        return -1;
    }
    return rsc_output_commit(out, err);
}
