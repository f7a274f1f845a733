/* rsct.h - the rsct container (version 1): datasets, models and results.
 *
 * Byte layout: man/rsct.5.  An rsc_file holds the
 * metadata (ordered key=value pairs) and the tensors (ordered records) of a
 * whole file in memory.  Reading is streaming (no seek: pipes work) and
 * validates every field before allocating; writing goes through any FILE*
 * (use rsc_file_save() for the atomic temp-then-rename path). */
#ifndef RSC_RSCT_H
#define RSC_RSCT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/error.h"

enum rsc_dtype {
    RSC_U8 = 1,
    RSC_I32 = 2,
    RSC_I64 = 3,
    RSC_F32 = 4,
    RSC_F64 = 5,
};

#define RSC_MAX_NDIM 8
#define RSC_MAX_NAME 255
#define RSC_MAX_META (1u << 20)   /* metadata block limit, bytes */

typedef struct rsc_tensor {
    char name[RSC_MAX_NAME + 1];
    int dtype;                     /* enum rsc_dtype */
    int ndim;                      /* 0..8; ndim 0 is a scalar (1 element) */
    uint64_t dims[RSC_MAX_NDIM];
    void *data;                    /* owned; numel * dtype size bytes */
    /* Filled by the reader, for rsc-info: bytes as stored, and whether the
     * payload was deflated.  Under RSC_WRITE_AS_MARKED the writer deflates
     * the tensors whose compressed is set (per-record compression); a
     * tool's output is otherwise compressed or not as a whole, by
     * RSC_WRITE_COMPRESS, whatever its input was. */
    uint64_t stored_size;
    int compressed;
} rsc_tensor;

typedef struct rsc_file {
    size_t nmeta;
    char **keys;                   /* owned strings, in file order */
    char **values;
    size_t ntensors;
    rsc_tensor **tensors;          /* owned, in file order */
    size_t cap_meta, cap_tensors;
} rsc_file;

/* The 8 bytes every rsct file starts with (rsct.5). */
extern const unsigned char rsc_rsct_magic[8];

/* ------------------------------------------------------------ in memory */
rsc_file *rsc_file_new(rsc_error *err);
void rsc_file_free(rsc_file *f);

size_t rsc_dtype_size(int dtype);           /* 0 for an unknown dtype */
const char *rsc_dtype_name(int dtype);      /* "u8", "i32", ..., or "?" */
uint64_t rsc_tensor_numel(const rsc_tensor *t);
uint64_t rsc_tensor_bytes(const rsc_tensor *t);

/* Metadata.  Keys match [a-z0-9_.-]+, values contain no newline; set
 * replaces an existing key in place (order kept) or appends. */
const char *rsc_meta_get(const rsc_file *f, const char *key);
int rsc_meta_set(rsc_file *f, const char *key, const char *value, rsc_error *err);
int rsc_meta_setf(rsc_file *f, const char *key, rsc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int rsc_meta_remove(rsc_file *f, const char *key);  /* 1 if removed */
/* Typed getters: -1 with "FILE-less" message "metadata key 'k': ..." when
 * missing or malformed; callers prefix the file name. */
int rsc_meta_get_long(const rsc_file *f, const char *key, long *out, rsc_error *err);
int rsc_meta_get_i64(const rsc_file *f, const char *key, int64_t *out, rsc_error *err);
int rsc_meta_get_double(const rsc_file *f, const char *key, double *out, rsc_error *err);
/* The one checked parser of integers in metadata values (and other text
 * rsc reads): an optional '-' (i64 only), then decimal digits and nothing
 * else (no space, no '+', no hex), within range: no sscanf("%d"), whose
 * overflow is undefined.  0, or -1 leaving *out untouched. */
int rsc_parse_i64(const char *s, int64_t *out);
int rsc_parse_u64(const char *s, uint64_t *out);
/* "CxHxW" (an image shape, e.g. the key 'input'): three integers in
 * [1, max], nothing after.  0 or -1. */
int rsc_parse_shape3(const char *s, int max, int *c, int *h, int *w);
/* Copy the listed keys (NULL-terminated) from src to dst where present. */
int rsc_meta_copy(rsc_file *dst, const rsc_file *src, const char *const *keys, rsc_error *err);

rsc_tensor *rsc_file_find(const rsc_file *f, const char *name);
/* Find a tensor and check dtype/ndim (dtype 0 or ndim -1: any); message
 * "tensor 'name': missing" / "... has dtype f32, expected u8" etc. */
rsc_tensor *rsc_file_expect(const rsc_file *f, const char *name, int dtype, int ndim, rsc_error *err);
/* Add a zero-filled tensor (replacing one of the same name). */
rsc_tensor *rsc_file_add(rsc_file *f, const char *name, int dtype, int ndim,
                         const uint64_t *dims, rsc_error *err);
/* Add a tensor taking ownership of data (malloc'ed, numel*size bytes);
 * on failure data is freed. */
rsc_tensor *rsc_file_add_take(rsc_file *f, const char *name, int dtype, int ndim,
                              const uint64_t *dims, void *data, rsc_error *err);
/* Add a copy of an existing tensor under a new name (NULL: same name). */
rsc_tensor *rsc_file_add_copy(rsc_file *f, const rsc_tensor *src, const char *name, rsc_error *err);
int rsc_file_remove(rsc_file *f, const char *name);  /* 1 if removed */

/* Name and key validity (as the format defines them). */
int rsc_valid_key(const char *key);
int rsc_valid_name(const char *name);

/* ------------------------------------------------------------ reading */
/* Read a whole rsct stream.  fname names the input in messages ("stdin" or
 * the path).  Every malformed case of rsct.5 is rejected with a message
 * "FNAME: [tensor 'NAME': ]PROBLEM". */
rsc_file *rsc_file_read(FILE *in, const char *fname, rsc_error *err);
/* Open path ("-" = stdin) and read it. */
rsc_file *rsc_file_load(const char *path, rsc_error *err);

/* Lenient scan for rsc-info: like rsc_file_read, but a crc mismatch in a
 * tensor is recorded (crc_ok[i] = 0) instead of failing.  crc_ok is
 * malloc'ed, one entry per tensor. */
rsc_file *rsc_file_read_scan(FILE *in, const char *fname, unsigned char **crc_ok, rsc_error *err);

/* Reading with options: which payloads to keep.  A tensor for which
 * keep(name, ctx) returns 0 is read through all the same (its size,
 * inflation and crc checked as for any other) but its payload is not
 * kept: with drop set it leaves no trace in the result, else it stays in
 * the tensor table with data NULL (rsc-info's streaming scan).  keep NULL:
 * every payload is kept.  Every reader also checks what it keeps (the
 * payloads and the tensor table) against the memory ceiling
 * (format/memlimit.h) before allocating it.  crc_ok: as rsc_file_read_scan
 * when non-NULL (a crc mismatch recorded, not an error). */
typedef struct rsc_read_opts {
    int (*keep)(const char *name, void *ctx);
    void *ctx;
    int drop;
} rsc_read_opts;
rsc_file *rsc_file_read_opts(FILE *in, const char *fname, const rsc_read_opts *opts,
                             unsigned char **crc_ok, rsc_error *err);
/* Open path ("-" = stdin) and read it with opts (NULL: keep everything). */
rsc_file *rsc_file_load_opts(const char *path, const rsc_read_opts *opts, rsc_error *err);

/* ------------------------------------------------------------ writing */
#define RSC_WRITE_COMPRESS 1   /* deflate every payload (zlib level 6) */
#define RSC_WRITE_AS_MARKED 2  /* deflate the tensors whose `compressed` is set */

/* Write f to out; fname names it in messages. */
int rsc_file_write(FILE *out, const char *fname, const rsc_file *f, unsigned flags, rsc_error *err);
/* Write atomically to path ("-" or NULL: stdout, refused on a terminal). */
int rsc_file_save(const char *path, const rsc_file *f, unsigned flags, rsc_error *err);

/* Set the common keys every writer records: kind, creator ("PROG VERSION"). */
int rsc_file_stamp(rsc_file *f, const char *kind, const char *program, rsc_error *err);

#endif
