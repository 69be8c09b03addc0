// Checks for CUDA runtime and cuBLAS calls. Included only by CUDA translation units
// (*.cu, *_cuda.cpp, *_cublas.cpp): public core headers never pull in CUDA.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "core/error.h"

namespace mdq::detail {
[[noreturn]] void throw_cuda(int code, const char* name, const char* text, const char* expr,
                             const char* file, int line);
[[noreturn]] void throw_cublas(int code, const char* text, const char* expr, const char* file,
                               int line);
// For destructors: reports the failure on stderr, ignores "driver shutting down".
void report_cuda_nothrow(int code, const char* name, const char* text, const char* expr,
                         const char* file, int line) noexcept;
bool sync_after_launch();  // MDQ_CUDA_SYNC_DEBUG=1
}  // namespace mdq::detail

// Evaluates EXPR once; on failure throws mdq::CudaError with the error's name and text.
#define CHECK_CUDA(EXPR)                                                                        \
    do {                                                                                        \
        const cudaError_t mdq_err_ = (EXPR);                                                    \
        if (mdq_err_ != cudaSuccess)                                                            \
            ::mdq::detail::throw_cuda(static_cast<int>(mdq_err_), cudaGetErrorName(mdq_err_),   \
                                      cudaGetErrorString(mdq_err_), #EXPR, __FILE__, __LINE__); \
    } while (0)

#define CHECK_CUDA_NOTHROW(EXPR)                                          \
    do {                                                                  \
        const cudaError_t mdq_err_ = (EXPR);                              \
        if (mdq_err_ != cudaSuccess)                                      \
            ::mdq::detail::report_cuda_nothrow(                           \
                static_cast<int>(mdq_err_), cudaGetErrorName(mdq_err_),   \
                cudaGetErrorString(mdq_err_), #EXPR, __FILE__, __LINE__); \
    } while (0)

#define CHECK_CUBLAS(EXPR)                                                                         \
    do {                                                                                           \
        const cublasStatus_t mdq_st_ = (EXPR);                                                     \
        if (mdq_st_ != CUBLAS_STATUS_SUCCESS)                                                      \
            ::mdq::detail::throw_cublas(static_cast<int>(mdq_st_), cublasGetStatusString(mdq_st_), \
                                        #EXPR, __FILE__, __LINE__);                                \
    } while (0)

// After every kernel launch: the launch error, and with MDQ_CUDA_SYNC_DEBUG=1 the execution error.
#define MDQ_LAUNCH_CHECK()                                                           \
    do {                                                                             \
        CHECK_CUDA(cudaGetLastError());                                              \
        if (::mdq::detail::sync_after_launch()) CHECK_CUDA(cudaDeviceSynchronize()); \
    } while (0)
