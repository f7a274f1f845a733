/* error.c - one-line error messages carried back to the caller. */
#include "base/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rsc_fail(rsc_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int rsc_fail_prefix(rsc_error *err, const char *fmt, ...)
{
    if (err) {
        char prefix[RSC_ERROR_MAX], old[RSC_ERROR_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof old);
        /* "prefix: old", cut to fit (the message's end matters least) */
        size_t k = 0;
        for (const char *parts[3] = { prefix, ": ", old }, **p = parts; p < parts + 3; p++)
            for (const char *c = *p; *c && k + 1 < sizeof err->msg; c++)
                err->msg[k++] = *c;
        err->msg[k] = '\0';
    }
    return -1;
}

void rsc_error_clear(rsc_error *err)
{
    if (err)
        err->msg[0] = '\0';
}

int rsc_fail_stream(rsc_error *err, FILE *fp, const char *fname)
{
    if (!ferror(fp))
        return 0;
    return rsc_fail(err, "%s: write error: %s", fname,
                    errno ? strerror(errno) : "the stream reports a failed write");
}

int rsc_error_set(const rsc_error *err)
{
    return err && err->msg[0] != '\0';
}

void *rsc_malloc(size_t n, size_t size, rsc_error *err)
{
    if (size && n > SIZE_MAX / size) {
        rsc_fail(err, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    size_t bytes = n * size;
    void *p = malloc(bytes > 0 ? bytes : 1);
    if (!p)
        rsc_fail(err, "out of memory (%zu bytes)", bytes);
    return p;
}

void *rsc_calloc(size_t n, size_t size, rsc_error *err)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        rsc_fail(err, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

char *rsc_strdup(const char *s, rsc_error *err)
{
    char *p = strdup(s);
    if (!p)
        rsc_fail(err, "out of memory");
    return p;
}
