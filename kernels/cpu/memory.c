/* memory.c - the CPU backend's buffers: 64-byte aligned host memory,
 * views, copies (backend.h, memory). */
#include "config.h"

#include "kernels/cpu/impl.h"

#include <stdlib.h>
#include <string.h>

static rsc_buf *cpu_alloc(rsc_backend *be, size_t bytes, rsc_error *err)
{
    (void)be;
    rsc_buf *b = calloc(1, sizeof *b);
    if (!b) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded < bytes || posix_memalign((void **)&b->data, 64, rounded ? rounded : 64) != 0) {
        free(b);
        rsc_fail(err, "out of memory (%zu bytes)", bytes);
        return NULL;
    }
    memset(b->data, 0, rounded ? rounded : 64);
    b->bytes = bytes;
    return b;
}

static rsc_buf *cpu_view(rsc_backend *be, rsc_buf *parent, size_t offset, size_t bytes,
                         rsc_error *err)
{
    (void)be;
    if (offset > parent->bytes || bytes > parent->bytes - offset) {
        rsc_fail(err, "buffer view [%zu, +%zu) outside a %zu-byte buffer", offset, bytes,
                 parent->bytes);
        return NULL;
    }
    rsc_buf *b = calloc(1, sizeof *b);
    if (!b) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    b->data = parent->data + offset;
    b->bytes = bytes;
    b->is_view = 1;
    return b;
}

static void cpu_free(rsc_backend *be, rsc_buf *b)
{
    (void)be;
    if (!b)
        return;
    if (!b->is_view)
        free(b->data);
    free(b);
}

static size_t cpu_size(const rsc_buf *b)
{
    return b->bytes;
}

static int cpu_upload(rsc_backend *be, rsc_buf *dst, size_t offset, const void *src, size_t bytes,
                      rsc_error *err)
{
    (void)be;
    if (offset > dst->bytes || bytes > dst->bytes - offset)
        return rsc_fail(err, "upload of %zu bytes at %zu outside a %zu-byte buffer", bytes,
                        offset, dst->bytes);
    if (bytes)
        memcpy(dst->data + offset, src, bytes);
    return 0;
}

static int cpu_download(rsc_backend *be, void *dst, const rsc_buf *src, size_t offset,
                        size_t bytes, rsc_error *err)
{
    (void)be;
    if (offset > src->bytes || bytes > src->bytes - offset)
        return rsc_fail(err, "download of %zu bytes at %zu outside a %zu-byte buffer", bytes,
                        offset, src->bytes);
    if (bytes)
        memcpy(dst, src->data + offset, bytes);
    return 0;
}

static void cpu_copy(rsc_backend *be, rsc_buf *dst, size_t dst_off, const rsc_buf *src,
                     size_t src_off, size_t bytes)
{
    (void)be;
    if (bytes)
        memcpy(dst->data + dst_off, src->data + src_off, bytes);
}

static int cpu_sync(rsc_backend *be, rsc_error *err)
{
    (void)be;
    (void)err;
    return 0;
}

void rsc_cpu_install_memory(rsc_backend *be)
{
    be->alloc = cpu_alloc;
    be->view = cpu_view;
    be->free = cpu_free;
    be->size = cpu_size;
    be->upload = cpu_upload;
    be->download = cpu_download;
    be->copy = cpu_copy;
    be->sync = cpu_sync;
}
