/* cuda.h - internals shared by the CUDA backend's files (kernels/cuda/):
 * the buffer and backend state, the check macros that name file and line,
 * launch geometry, and the device side of the counter-based RNG.
 *
 * Errors: memory calls and sync() report errors directly.  Operations
 * return nothing; a failing CUDA, cuBLAS or cuDNN call or kernel launch in one
 * records the first error in the backend ("sticky", as backend.h says) and
 * later operations become no-ops, so that the next sync() or download()
 * returns -1 with that message.  Kernels that find bad input (a label or a
 * row index out of range) raise a flag in device memory that sync() and
 * download() read back. */
#ifndef RSC_CUDA_H
#define RSC_CUDA_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "config.h"
#include "kernels/backend.h"
}

struct rsc_buf {
    unsigned char *data; /* device pointer */
    size_t bytes;
    int is_view;
};

/* Reductions run on a fixed grid, independent of the device, so that a
 * given n is always summed in the same order. */
#define CUDA_THREADS 256
#define CUDA_REDUCE_BLOCKS 1024
#define CUDA_MAX_BLOCKS 65536
/* Pinned staging for small uploads: slots and their size. */
#define CUDA_STAGING_SLOTS 16
#define CUDA_STAGING_SLOT ((size_t)64 << 10)

/* Flags raised by kernels in cuda_impl.dflags (bit masks). */
enum {
    CUDA_FLAG_LABEL = 1,  /* xent: a label outside [0, cols) */
    CUDA_FLAG_INDEX = 2,  /* gather, gather_i32: a row index outside the source */
};

/* The cuBLAS calls the backend makes (cublas_v2.h's names), looked up when
 * a backend opens (cuda.cu) rather than linked: mapping
 * libcublas and its libcublasLt costs about 150 MB of memory at once,
 * which every program of a CUDA build would otherwise pay, GPU or not. */
typedef decltype(&cublasCreate) cuda_cublasCreate_fn;
typedef decltype(&cublasDestroy) cuda_cublasDestroy_fn;
typedef decltype(&cublasGetVersion) cuda_cublasGetVersion_fn;
typedef decltype(&cublasSetStream) cuda_cublasSetStream_fn;
typedef decltype(&cublasSetPointerMode) cuda_cublasSetPointerMode_fn;
typedef decltype(&cublasSetAtomicsMode) cuda_cublasSetAtomicsMode_fn;
typedef decltype(&cublasSetMathMode) cuda_cublasSetMathMode_fn;
typedef decltype(&cublasSgemm) cuda_cublasSgemm_fn;
typedef decltype(&cublasSgemmStridedBatched) cuda_cublasSgemmStridedBatched_fn;
typedef struct cuda_blas_api {
    cuda_cublasCreate_fn cublasCreate;
    cuda_cublasDestroy_fn cublasDestroy;
    cuda_cublasGetVersion_fn cublasGetVersion;
    cuda_cublasSetStream_fn cublasSetStream;
    cuda_cublasSetPointerMode_fn cublasSetPointerMode;
    cuda_cublasSetAtomicsMode_fn cublasSetAtomicsMode;
    cuda_cublasSetMathMode_fn cublasSetMathMode;
    cuda_cublasSgemm_fn cublasSgemm;
    cuda_cublasSgemmStridedBatched_fn cublasSgemmStridedBatched;
} cuda_blas_api;

typedef struct cuda_impl {
    int device;
    cudaStream_t stream;
    cuda_blas_api blas;  /* opened by rsc_cuda_backend_init */
    cublasHandle_t cublas;
    cudnnHandle_t cudnn; /* created by conv.cu on first use */
    int tf32;            /* RSC_CUDA_TF32=1: TF32 tensor cores for GEMM and conv */
    void *conv_plans;    /* conv.cu's cache of cuDNN descriptors and algorithms */
    double *scratch;     /* CUDA_REDUCE_BLOCKS partial sums (sumsq) */
    unsigned *dflags;    /* one word of CUDA_FLAG_* raised by kernels */
    /* Small uploads go through a ring of pinned staging slots, so that they
     * are truly asynchronous (an upload from pageable memory waits for the
     * whole stream); each slot's event says when its copy is done. */
    unsigned char *staging; /* CUDA_STAGING_SLOTS x CUDA_STAGING_SLOT bytes, or NULL */
    cudaEvent_t staged[CUDA_STAGING_SLOTS];
    unsigned next_slot;
    int failed;          /* a sticky error is recorded in msg */
    char msg[RSC_ERROR_MAX];
} cuda_impl;

static inline cuda_impl *cuda_of(rsc_backend *be)
{
    return (cuda_impl *)be->impl;
}

/* Record an error (the first one wins); returns -1. */
int rsc_cuda_record(cuda_impl *impl, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Check results: record a failure naming the call, file and line; return
 * 0 on success, -1 on failure. */
int rsc_cuda_check_rt(cuda_impl *impl, cudaError_t rc, const char *what, const char *file,
                      int line);
int rsc_cuda_check_blas(cuda_impl *impl, cublasStatus_t rc, const char *what, const char *file,
                        int line);
/* After a kernel launch: the launch error, if any. */
int rsc_cuda_check_launch(cuda_impl *impl, const char *kernel, const char *file, int line);

int rsc_cuda_check_dnn(cuda_impl *impl, cudnnStatus_t rc, const char *what, const char *file,
                       int line);

#define CUDA_CHECK(impl, call) rsc_cuda_check_rt((impl), (call), #call, __FILE__, __LINE__)
#define CUBLAS_CHECK(impl, call) rsc_cuda_check_blas((impl), (call), #call, __FILE__, __LINE__)
#define CUDNN_CHECK(impl, call) rsc_cuda_check_dnn((impl), (call), #call, __FILE__, __LINE__)
#define CUDA_LAUNCHED(impl, kernel) rsc_cuda_check_launch((impl), (kernel), __FILE__, __LINE__)

/* Wait for every issued operation, read the kernels' flags and report a
 * sticky error (sync() and download()).  0, or -1 with the message. */
int rsc_cuda_finish(rsc_backend *be, rsc_error *err);

/* The most problems of one batched operation (backend.h: *_batched): they
 * go along a grid dimension of at most 65535 blocks. */
#define CUDA_MAX_PROBLEMS 65535

/* Blocks for n elements at CUDA_THREADS per block, capped (kernels loop
 * with a grid stride). */
static inline unsigned cuda_blocks(size_t n)
{
    size_t b = (n + CUDA_THREADS - 1) / CUDA_THREADS;
    if (b > CUDA_MAX_BLOCKS)
        b = CUDA_MAX_BLOCKS;
    return b ? (unsigned)b : 1u;
}

#define F(b) ((float *)(b)->data)
#define CF(b) ((const float *)(b)->data)

/* rsc_backend_hash64 and rsc_backend_uniform of backend.h on the device
 * (bit-identical: integer arithmetic, and an exact float conversion of a
 * 24-bit integer times 2^-24). */
__device__ static inline uint64_t cuda_hash64(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__device__ static inline float cuda_uniform(uint64_t seed, uint64_t i)
{
    return __fmul_rn((float)(cuda_hash64(seed, i) >> 40), 1.0f / 16777216.0f);
}

/* The operations of each file, installed into the table by cuda.cu. */
void rsc_cuda_install_memory(rsc_backend *be);
void rsc_cuda_install_gemm(rsc_backend *be);
void rsc_cuda_install_elementwise(rsc_backend *be);
void rsc_cuda_install_xent(rsc_backend *be);
void rsc_cuda_install_optim(rsc_backend *be);
void rsc_cuda_install_data(rsc_backend *be);
void rsc_cuda_install_conv(rsc_backend *be);
void rsc_cuda_install_pool(rsc_backend *be);
void rsc_cuda_install_bn(rsc_backend *be);
void rsc_cuda_install_image(rsc_backend *be);
/* Release conv.cu's cached descriptors (close()). */
void rsc_cuda_conv_release(cuda_impl *impl);

#endif
