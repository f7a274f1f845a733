/* error.h - error reporting for libcommon.
 *
 * libcommon functions never print and never exit.  A function that can fail
 * takes an `rsc_error *` as its last argument, returns -1 (or NULL) on
 * failure and leaves a one-line message in it.  Messages name what failed
 * as the user knows it, e.g. "data.rsct: tensor 'train.x': truncated
 * (expected 47040000 bytes, got 1024)"; the tool adds its own name. */
#ifndef RSC_ERROR_H
#define RSC_ERROR_H

#include <stddef.h>
#include <stdio.h>

#define RSC_ERROR_MAX 1024

typedef struct rsc_error {
    char msg[RSC_ERROR_MAX];
} rsc_error;

/* Format a message into err (err may be NULL); always returns -1 so that
 * `return rsc_fail(err, ...)` reads naturally. */
int rsc_fail(rsc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the message already in err with "prefix: " (e.g. a file name). */
int rsc_fail_prefix(rsc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* 0 when the stream fp (written as fname) has no error; else -1 with
 * "FNAME: write error: CAUSE", the cause from errno as the failed write
 * left it (every caller checks right after its writes). */
int rsc_fail_stream(rsc_error *err, FILE *fp, const char *fname);

/* Clear err (so that rsc_error_set() tells whether anything failed). */
void rsc_error_clear(rsc_error *err);
int rsc_error_set(const rsc_error *err);

/* Allocation helpers that report failure through err: sizes are checked for
 * overflow (n * size) before calling the allocator. */
void *rsc_malloc(size_t n, size_t size, rsc_error *err);
void *rsc_calloc(size_t n, size_t size, rsc_error *err);
char *rsc_strdup(const char *s, rsc_error *err);

#endif
