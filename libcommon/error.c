/* error.c - one-line error messages carried back to the caller. */
#include "error.h"

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
        snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    }
    return -1;
}

void rsc_error_clear(rsc_error *err)
{
    if (err)
        err->msg[0] = '\0';
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
    void *p = malloc(n * size ? n * size : 1);
    if (!p)
        rsc_fail(err, "out of memory (%zu bytes)", n * size);
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
