#include "kernels/common/cublas_handle.h"

#include <cstdlib>
#include <string>

#include "kernels/common/handle_pool.h"

namespace mdq::cuda {

namespace {

struct CublasTraits {
    using Handle = cublasHandle_t;
    static Handle create() {
        cublasHandle_t h = nullptr;
        CHECK_CUBLAS(cublasCreate(&h));
        CHECK_CUBLAS(cublasSetMathMode(
            h, static_cast<cublasMath_t>(CUBLAS_DEFAULT_MATH |
                                         CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION)));
        return h;
    }
    static void bind(Handle h, cudaStream_t s) { CHECK_CUBLAS(cublasSetStream(h, s)); }
};

}  // namespace

cublasHandle_t cublas_handle(Device device) {
    return HandlePool<CublasTraits>::get(device, "cublas_handle");
}

bool tf32_allowed() {
    static const bool on = [] {
        const char* v = std::getenv("MDQ_ALLOW_TF32");
        return v && std::string(v) == "1";
    }();
    return on;
}

}  // namespace mdq::cuda
