#include <cstdlib>
#include <string>

#include "kernels/common/cublas_handle.h"
#include "kernels/common/cudnn_handle.h"
#include "kernels/common/handle_pool.h"

namespace mdq::cuda {

namespace {

struct CudnnTraits {
    using Handle = cudnnHandle_t;
    static Handle create() {
        cudnnHandle_t h = nullptr;
        CHECK_CUDNN(cudnnCreate(&h));
        return h;
    }
    static void bind(Handle h, cudaStream_t s) { CHECK_CUDNN(cudnnSetStream(h, s)); }
};

bool env_on(const char* name) {
    const char* v = std::getenv(name);
    return v && std::string(v) == "1";
}

CudnnSettings& settings() {
    static CudnnSettings s = [] {
        CudnnSettings r;
        r.allow_tf32 = tf32_allowed();  // one switch for cuBLAS and cuDNN
        r.deterministic = env_on("MDQ_DETERMINISTIC");
        r.benchmark = env_on("MDQ_CUDNN_BENCHMARK");
        if (const char* mb = std::getenv("MDQ_CUDNN_WORKSPACE_MB"))
            r.workspace_limit = static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20;
        return r;
    }();
    return s;
}

}  // namespace

cudnnHandle_t cudnn_handle(Device device) {
    return HandlePool<CudnnTraits>::get(device, "cudnn_handle");
}

cudnnDataType_t cudnn_dtype(DType dt, const char* op) {
    switch (dt) {
        case DType::F32:
            return CUDNN_DATA_FLOAT;
        case DType::BF16:
            return CUDNN_DATA_BFLOAT16;
        case DType::F16:
            return CUDNN_DATA_HALF;
        default:
            MDQ_THROW(ValueError, op, ": cuDNN has no floating type for ", dtype_name(dt));
    }
}

const CudnnSettings& cudnn_settings() {
    return settings();
}

void set_cudnn_benchmark(bool on) {
    settings().benchmark = on;
}

void set_cudnn_deterministic(bool on) {
    settings().deterministic = on;
}

}  // namespace mdq::cuda
