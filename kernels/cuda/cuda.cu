/* cuda.cu - the CUDA backend's table: set-up and tear-down of the device,
 * stream and cuBLAS handle, error recording (file and line of every failing
 * call), sync(), and rsc_cuda_backend_init(), which kernels/backend.c calls
 * for --device cuda.
 *
 * Numerics: GEMMs and convolutions run in plain fp32 (cuBLAS's default
 * math mode, cuDNN's CUDNN_FMA_MATH) unless the environment sets
 * RSC_CUDA_TF32=1, which lets cuBLAS and cuDNN use TF32 tensor cores
 * (10-bit mantissa products, fp32 accumulation), as PyTorch does with
 * torch.backends.cuda.matmul.allow_tf32 and (its default)
 * torch.backends.cudnn.allow_tf32.  Everything runs on one stream with
 * cuBLAS atomics disallowed, deterministic cuDNN algorithms and fixed
 * reduction geometry, so that a run repeated on the same GPU model and
 * library versions gives the same bytes. */
#include "kernels/cuda/cuda.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ errors */

/* "cudaMalloc(&p, n)" -> "cudaMalloc", "impl->blas.cublasSgemm(...)" ->
 * "cublasSgemm": the call's name for messages. */
static void call_name(char *out, size_t size, const char *what)
{
    size_t n = strcspn(what, "(");
    for (size_t i = n; i > 0; i--)
        if (what[i - 1] == '.' || what[i - 1] == '>') {
            n -= i;
            what += i;
            break;
        }
    if (n >= size)
        n = size - 1;
    memcpy(out, what, n);
    out[n] = 0;
}

/* A path relative to the source tree: drop any leading "../" or build
 * prefix up to "kernels/". */
static const char *short_file(const char *file)
{
    const char *k = strstr(file, "kernels/");
    return k ? k : file;
}

int rsc_cuda_record(cuda_impl *impl, const char *file, int line, const char *fmt, ...)
{
    if (impl->failed)
        return -1;
    char what[RSC_ERROR_MAX - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(impl->msg, sizeof impl->msg, "CUDA backend (%s:%d): %s", short_file(file), line,
             what);
    impl->failed = 1;
    return -1;
}

int rsc_cuda_check_rt(cuda_impl *impl, cudaError_t rc, const char *what, const char *file,
                      int line)
{
    if (rc == cudaSuccess)
        return 0;
    char name[64];
    call_name(name, sizeof name, what);
    if (rc == cudaErrorMemoryAllocation)
        cudaGetLastError(); /* not sticky in the runtime: clear it */
    return rsc_cuda_record(impl, file, line, "%s: %s (%s)", name, cudaGetErrorString(rc),
                           cudaGetErrorName(rc));
}

static const char *cublas_status_name(cublasStatus_t rc)
{
    switch (rc) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED (out of GPU memory)";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    }
    return "unknown cuBLAS status";
}

int rsc_cuda_check_blas(cuda_impl *impl, cublasStatus_t rc, const char *what, const char *file,
                        int line)
{
    if (rc == CUBLAS_STATUS_SUCCESS)
        return 0;
    char name[64];
    call_name(name, sizeof name, what);
    return rsc_cuda_record(impl, file, line, "%s: %s (status %d)", name, cublas_status_name(rc),
                           (int)rc);
}

int rsc_cuda_check_dnn(cuda_impl *impl, cudnnStatus_t rc, const char *what, const char *file,
                       int line)
{
    if (rc == CUDNN_STATUS_SUCCESS)
        return 0;
    char name[64];
    call_name(name, sizeof name, what);
    return rsc_cuda_record(impl, file, line, "%s: %s (status %d)", name, cudnnGetErrorString(rc),
                           (int)rc);
}

int rsc_cuda_check_launch(cuda_impl *impl, const char *kernel, const char *file, int line)
{
    cudaError_t rc = cudaGetLastError();
    if (rc == cudaSuccess)
        return 0;
    return rsc_cuda_record(impl, file, line, "launch of %s: %s (%s)", kernel,
                           cudaGetErrorString(rc), cudaGetErrorName(rc));
}

/* Wait for the stream, read the kernels' flags, report a sticky error.
 * Used by sync() and download(). */
int rsc_cuda_finish(rsc_backend *be, rsc_error *err)
{
    cuda_impl *impl = cuda_of(be);
    if (!impl->failed && CUDA_CHECK(impl, cudaStreamSynchronize(impl->stream)) == 0) {
        unsigned flags = 0;
        /* On the backend's stream: the legacy default stream does not order
         * with a non-blocking one. */
        if (CUDA_CHECK(impl, cudaMemcpyAsync(&flags, impl->dflags, sizeof flags,
                                             cudaMemcpyDeviceToHost, impl->stream)) == 0 &&
            CUDA_CHECK(impl, cudaStreamSynchronize(impl->stream)) == 0) {
            if (flags & CUDA_FLAG_LABEL)
                rsc_cuda_record(impl, __FILE__, __LINE__,
                                "xent: a label is outside [0, classes)");
            else if (flags & CUDA_FLAG_INDEX)
                rsc_cuda_record(impl, __FILE__, __LINE__,
                                "gather: a row index is outside the resident data");
        }
    }
    if (impl->failed)
        return rsc_fail(err, "%s", impl->msg);
    return 0;
}

static int cuda_sync(rsc_backend *be, rsc_error *err)
{
    return rsc_cuda_finish(be, err);
}

/* ------------------------------------------------------------ set-up */

/* ------------------------------------------------------------ cuBLAS */

#define CUDA_STR2(x) #x
#define CUDA_STR(x) CUDA_STR2(x)

/* Open cuBLAS (the library of the major version the backend was compiled
 * against, found as the CUDA runtime is: the program's run path) and look
 * up its calls.  It stays loaded for the rest of the process. */
static int load_blas(cuda_impl *impl)
{
    const char *name = "libcublas.so." CUDA_STR(CUBLAS_VER_MAJOR);
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return rsc_cuda_record(impl, __FILE__, __LINE__, "cannot load %s: %s", name, dlerror());
    cuda_blas_api *b = &impl->blas;
    /* The names as cublas_v2.h defines them (cublasSgemm: cublasSgemm_v2). */
#define CUDA_BLAS_LOOKUP(f)                                                                    \
    if (!(b->f = (decltype(b->f))dlsym(lib, CUDA_STR(f))))                                     \
        return rsc_cuda_record(impl, __FILE__, __LINE__, "%s: no symbol %s", name, CUDA_STR(f));
    CUDA_BLAS_LOOKUP(cublasCreate)
    CUDA_BLAS_LOOKUP(cublasDestroy)
    CUDA_BLAS_LOOKUP(cublasGetVersion)
    CUDA_BLAS_LOOKUP(cublasSetStream)
    CUDA_BLAS_LOOKUP(cublasSetPointerMode)
    CUDA_BLAS_LOOKUP(cublasSetAtomicsMode)
    CUDA_BLAS_LOOKUP(cublasSetMathMode)
    CUDA_BLAS_LOOKUP(cublasSgemm)
    CUDA_BLAS_LOOKUP(cublasSgemmStridedBatched)
#undef CUDA_BLAS_LOOKUP
    return 0;
}

static void cuda_close(rsc_backend *be)
{
    cuda_impl *impl = cuda_of(be);
    if (!impl)
        return;
    if (impl->stream)
        cudaStreamSynchronize(impl->stream);
    rsc_cuda_conv_release(impl);
    if (impl->staging) {
        for (int i = 0; i < CUDA_STAGING_SLOTS; i++)
            if (impl->staged[i])
                cudaEventDestroy(impl->staged[i]);
        cudaFreeHost(impl->staging);
    }
    if (impl->cudnn)
        cudnnDestroy(impl->cudnn);
    cudaFree(impl->scratch);
    cudaFree(impl->dflags);
    if (impl->cublas)
        impl->blas.cublasDestroy(impl->cublas);
    if (impl->stream)
        cudaStreamDestroy(impl->stream);
    cudaGetLastError();
    free(impl);
    be->impl = NULL;
}

extern "C" int rsc_cuda_backend_init(rsc_backend *be, rsc_error *err)
{
    cuda_impl *impl = (cuda_impl *)calloc(1, sizeof *impl);
    if (!impl)
        return rsc_fail(err, "out of memory");
    be->impl = impl;
    int count = 0;
    cudaDeviceProp prop;
    int rt = 0;
    int blas = 0;
    if (CUDA_CHECK(impl, cudaGetDeviceCount(&count)) == 0 && count == 0)
        rsc_cuda_record(impl, __FILE__, __LINE__, "no CUDA device");
    if (impl->failed || CUDA_CHECK(impl, cudaSetDevice(impl->device)) ||
        CUDA_CHECK(impl, cudaGetDeviceProperties(&prop, impl->device)) ||
        CUDA_CHECK(impl, cudaRuntimeGetVersion(&rt)) ||
        CUDA_CHECK(impl, cudaStreamCreateWithFlags(&impl->stream, cudaStreamNonBlocking)) ||
        load_blas(impl) != 0 ||
        CUBLAS_CHECK(impl, impl->blas.cublasCreate(&impl->cublas)) ||
        CUBLAS_CHECK(impl, impl->blas.cublasSetStream(impl->cublas, impl->stream)) ||
        CUBLAS_CHECK(impl, impl->blas.cublasSetPointerMode(impl->cublas,
                                                           CUBLAS_POINTER_MODE_HOST)) ||
        CUBLAS_CHECK(impl, impl->blas.cublasSetAtomicsMode(impl->cublas,
                                                           CUBLAS_ATOMICS_NOT_ALLOWED)) ||
        CUBLAS_CHECK(impl, impl->blas.cublasGetVersion(impl->cublas, &blas)))
        goto fail;
    {
        const char *tf32 = getenv("RSC_CUDA_TF32");
        int use_tf32 = tf32 && strcmp(tf32, "1") == 0;
        impl->tf32 = use_tf32;
        if (CUBLAS_CHECK(impl, impl->blas.cublasSetMathMode(impl->cublas, use_tf32
                                                                   ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                   : CUBLAS_DEFAULT_MATH)))
            goto fail;
        size_t dnn = cudnnGetVersion();
        if (CUDA_CHECK(impl, cudaMalloc((void **)&impl->scratch,
                                        CUDA_REDUCE_BLOCKS * sizeof(double))) ||
            CUDA_CHECK(impl, cudaMalloc((void **)&impl->dflags, sizeof(unsigned))) ||
            CUDA_CHECK(impl, cudaMemsetAsync(impl->dflags, 0, sizeof(unsigned), impl->stream)))
            goto fail;
        /* Pinned staging for small uploads; without it uploads are
         * synchronous, which is correct but slower. */
        if (cudaHostAlloc((void **)&impl->staging, CUDA_STAGING_SLOTS * CUDA_STAGING_SLOT,
                          cudaHostAllocDefault) != cudaSuccess) {
            cudaGetLastError();
            impl->staging = NULL;
        }
        for (int i = 0; impl->staging && i < CUDA_STAGING_SLOTS; i++)
            if (CUDA_CHECK(impl, cudaEventCreateWithFlags(&impl->staged[i],
                                                          cudaEventDisableTiming)))
                goto fail;
        be->name = "cuda";
        snprintf(be->desc, sizeof be->desc,
                 "cuda/%.40s sm_%d%d/cudart %d.%d/cublas %d.%d.%d/cudnn %d.%d.%d%s", prop.name,
                 prop.major, prop.minor, rt / 1000, rt % 1000 / 10, blas / 10000,
                 blas / 100 % 100, blas % 100, (int)(dnn / 10000), (int)(dnn / 100 % 100),
                 (int)(dnn % 100), use_tf32 ? "/tf32" : "");
        be->threads = 1;
        be->sync = cuda_sync;
        be->close = cuda_close;
        rsc_cuda_install_memory(be);
        rsc_cuda_install_gemm(be);
        rsc_cuda_install_elementwise(be);
        rsc_cuda_install_xent(be);
        rsc_cuda_install_optim(be);
        rsc_cuda_install_data(be);
        rsc_cuda_install_conv(be);
        rsc_cuda_install_pool(be);
        rsc_cuda_install_bn(be);
        rsc_cuda_install_image(be);
        return 0;
    }
fail:
    rsc_fail(err, "%s", impl->msg);
    cuda_close(be);
    return -1;
}
