/* memory.cu - device buffers of the CUDA backend: allocation (zero-filled,
 * out of memory reported as such), views, host<->device and device copies.
 * Every copy goes through the backend's one stream, so it is ordered after
 * the operations issued before it. */
#include "kernels/cuda/cuda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every allocation is rounded up to this many bytes (cudaMalloc aligns to
 * 256 anyway); a 0-byte buffer still gets a valid pointer. */
#define ALLOC_ROUND 256

static rsc_buf *cuda_alloc(rsc_backend *be, size_t bytes, rsc_error *err)
{
    cuda_impl *impl = cuda_of(be);
    if (impl->failed) {
        rsc_fail(err, "%s", impl->msg);
        return NULL;
    }
    size_t rounded = (bytes + ALLOC_ROUND - 1) / ALLOC_ROUND * ALLOC_ROUND;
    if (rounded < bytes) {
        rsc_fail(err, "out of GPU memory allocating %zu bytes", bytes);
        return NULL;
    }
    if (rounded == 0)
        rounded = ALLOC_ROUND;
    rsc_buf *b = (rsc_buf *)calloc(1, sizeof *b);
    if (!b) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    cudaError_t rc = cudaMalloc((void **)&b->data, rounded);
    if (rc == cudaErrorMemoryAllocation) {
        /* Not a sticky error: the caller may free something and retry. */
        cudaGetLastError();
        size_t free_b = 0, total_b = 0;
        if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) {
            cudaGetLastError();
            rsc_fail(err, "out of GPU memory allocating %zu bytes", bytes);
        } else {
            rsc_fail(err,
                             "out of GPU memory allocating %zu bytes (%.1f MiB free of %.1f MiB)",
                             bytes, free_b / 1048576.0, total_b / 1048576.0);
        }
        free(b);
        return NULL;
    }
    if (CUDA_CHECK(impl, rc) ||
        CUDA_CHECK(impl, cudaMemsetAsync(b->data, 0, rounded, impl->stream))) {
        if (rc == cudaSuccess)
            cudaFree(b->data);
        free(b);
        rsc_fail(err, "%s", impl->msg);
        return NULL;
    }
    b->bytes = bytes;
    return b;
}

static rsc_buf *cuda_view(rsc_backend *be, rsc_buf *parent, size_t offset, size_t bytes,
                          rsc_error *err)
{
    (void)be;
    if (offset > parent->bytes || bytes > parent->bytes - offset) {
        rsc_fail(err, "buffer view [%zu, +%zu) outside a %zu-byte buffer", offset, bytes,
                         parent->bytes);
        return NULL;
    }
    if (offset % 4 != 0) {
        rsc_fail(err, "buffer view at offset %zu, not a multiple of 4", offset);
        return NULL;
    }
    rsc_buf *b = (rsc_buf *)calloc(1, sizeof *b);
    if (!b) {
        rsc_fail(err, "out of memory");
        return NULL;
    }
    b->data = parent->data + offset;
    b->bytes = bytes;
    b->is_view = 1;
    return b;
}

static void cuda_free(rsc_backend *be, rsc_buf *b)
{
    if (!b)
        return;
    if (!b->is_view) {
        cuda_impl *impl = cuda_of(be);
        /* Operations still queued may use the memory. */
        CUDA_CHECK(impl, cudaStreamSynchronize(impl->stream));
        CUDA_CHECK(impl, cudaFree(b->data));
    }
    free(b);
}

static size_t cuda_size(const rsc_buf *b)
{
    return b->bytes;
}

static int cuda_upload(rsc_backend *be, rsc_buf *dst, size_t offset, const void *src,
                       size_t bytes, rsc_error *err)
{
    cuda_impl *impl = cuda_of(be);
    if (offset > dst->bytes || bytes > dst->bytes - offset)
        return rsc_fail(err, "upload of %zu bytes at %zu outside a %zu-byte buffer",
                                bytes, offset, dst->bytes);
    if (impl->failed)
        return rsc_fail(err, "%s", impl->msg);
    if (bytes == 0)
        return 0;
    if (impl->staging && bytes <= CUDA_STAGING_SLOT) {
        /* Copy into the next pinned slot (once its previous copy is done)
         * and queue the transfer: src may be reused on return, and the
         * host does not wait for the kernels already queued. */
        unsigned slot = impl->next_slot++ % CUDA_STAGING_SLOTS;
        unsigned char *stage = impl->staging + slot * CUDA_STAGING_SLOT;
        if (CUDA_CHECK(impl, cudaEventSynchronize(impl->staged[slot])))
            return rsc_fail(err, "%s", impl->msg);
        memcpy(stage, src, bytes);
        if (CUDA_CHECK(impl, cudaMemcpyAsync(dst->data + offset, stage, bytes,
                                             cudaMemcpyHostToDevice, impl->stream)) ||
            CUDA_CHECK(impl, cudaEventRecord(impl->staged[slot], impl->stream)))
            return rsc_fail(err, "%s", impl->msg);
        return 0;
    }
    /* Synchronous for the caller: src may be reused or freed on return. */
    if (CUDA_CHECK(impl, cudaMemcpyAsync(dst->data + offset, src, bytes, cudaMemcpyHostToDevice,
                                         impl->stream)) ||
        CUDA_CHECK(impl, cudaStreamSynchronize(impl->stream)))
        return rsc_fail(err, "%s", impl->msg);
    return 0;
}

static int cuda_download(rsc_backend *be, void *dst, const rsc_buf *src, size_t offset,
                         size_t bytes, rsc_error *err)
{
    cuda_impl *impl = cuda_of(be);
    if (offset > src->bytes || bytes > src->bytes - offset)
        return rsc_fail(err, "download of %zu bytes at %zu outside a %zu-byte buffer",
                                bytes, offset, src->bytes);
    if (bytes && !impl->failed)
        CUDA_CHECK(impl, cudaMemcpyAsync(dst, src->data + offset, bytes, cudaMemcpyDeviceToHost,
                                         impl->stream));
    return rsc_cuda_finish(be, err);
}

static void cuda_copy(rsc_backend *be, rsc_buf *dst, size_t dst_off, const rsc_buf *src,
                      size_t src_off, size_t bytes)
{
    cuda_impl *impl = cuda_of(be);
    if (bytes == 0 || impl->failed)
        return;
    if (dst_off > dst->bytes || bytes > dst->bytes - dst_off || src_off > src->bytes ||
        bytes > src->bytes - src_off) {
        rsc_cuda_record(impl, __FILE__, __LINE__,
                        "copy of %zu bytes outside a buffer (%zu+%zu of %zu, %zu+%zu of %zu)",
                        bytes, src_off, bytes, src->bytes, dst_off, bytes, dst->bytes);
        return;
    }
    CUDA_CHECK(impl, cudaMemcpyAsync(dst->data + dst_off, src->data + src_off, bytes,
                                     cudaMemcpyDeviceToDevice, impl->stream));
}

void rsc_cuda_install_memory(rsc_backend *be)
{
    be->alloc = cuda_alloc;
    be->view = cuda_view;
    be->free = cuda_free;
    be->size = cuda_size;
    be->upload = cuda_upload;
    be->download = cuda_download;
    be->copy = cuda_copy;
}
