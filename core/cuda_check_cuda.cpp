#include "core/cuda_check.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace mdq::detail {

namespace {
bool is_sticky(int code) {
    return code == cudaErrorIllegalAddress || code == cudaErrorLaunchFailure ||
           code == cudaErrorIllegalInstruction || code == cudaErrorMisalignedAddress ||
           code == cudaErrorHardwareStackError || code == cudaErrorInvalidPc ||
           code == cudaErrorAssert;
}
}  // namespace

void throw_cuda(int code, const char* name, const char* text, const char* expr, const char* file,
                int line) {
    std::string msg =
        cat("CUDA error ", name, " (", code, "): ", text, " in `", expr, "` at ", file, ":", line);
    if (code == cudaErrorMemoryAllocation) msg += " (out of GPU memory)";
    if (is_sticky(code)) msg += "; the CUDA context is corrupted, restart the process";
    throw CudaError(code, msg);
}

void throw_cublas(int code, const char* text, const char* expr, const char* file, int line) {
    throw CublasError(
        code, cat("cuBLAS error ", code, ": ", text, " in `", expr, "` at ", file, ":", line));
}

void report_cuda_nothrow(int code, const char* name, const char* text, const char* expr,
                         const char* file, int line) noexcept {
    if (code == cudaErrorCudartUnloading) return;
    std::fprintf(stderr, "mdq: CUDA error %s (%d): %s in `%s` at %s:%d (ignored in cleanup)\n",
                 name, code, text, expr, file, line);
}

bool sync_after_launch() {
    static const bool on = [] {
        const char* v = std::getenv("MDQ_CUDA_SYNC_DEBUG");
        return v && std::string(v) != "0";
    }();
    return on;
}

}  // namespace mdq::detail
