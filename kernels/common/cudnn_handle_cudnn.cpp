#include "kernels/common/cudnn_handle.h"

#include <array>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/common/cublas_handle.h"
#include "kernels/common/cuda_utils.cuh"

namespace mdq::cuda {

namespace {

constexpr int kMaxDevices = 64;

std::mutex g_pool_mu;
std::array<std::vector<cudnnHandle_t>, kMaxDevices> g_pool;  // handles of exited threads

struct ThreadHandles {
    std::array<cudnnHandle_t, kMaxDevices> handle{};
    std::array<cudaStream_t, kMaxDevices> bound{};
    ~ThreadHandles() {
        std::lock_guard<std::mutex> lock(g_pool_mu);
        for (int d = 0; d < kMaxDevices; ++d)
            if (handle[d]) g_pool[d].push_back(handle[d]);
    }
};

thread_local ThreadHandles tls_handles;

cudnnHandle_t new_handle(int device) {
    {
        std::lock_guard<std::mutex> lock(g_pool_mu);
        if (!g_pool[device].empty()) {
            cudnnHandle_t h = g_pool[device].back();
            g_pool[device].pop_back();
            return h;
        }
    }
    // A handle belongs to the device current when it is created.
    int prev = 0;
    CHECK_CUDA(cudaGetDevice(&prev));
    if (prev != device) CHECK_CUDA(cudaSetDevice(device));
    cudnnHandle_t h = nullptr;
    const cudnnStatus_t st = cudnnCreate(&h);
    if (prev != device) CHECK_CUDA(cudaSetDevice(prev));
    CHECK_CUDNN(st);
    return h;
}

bool env_on(const char* name) {
    const char* v = std::getenv(name);
    return v && std::string(v) == "1";
}

}  // namespace

cudnnHandle_t cudnn_handle(Device device) {
    MDQ_CHECK(device.is_cuda() && device.index >= 0 && device.index < kMaxDevices,
              "cudnn_handle: bad device ", device.str());
    ThreadHandles& t = tls_handles;
    const int d = device.index;
    if (!t.handle[d]) t.handle[d] = new_handle(d);
    const cudaStream_t s = stream_for(device);
    if (t.bound[d] != s) {
        CHECK_CUDNN(cudnnSetStream(t.handle[d], s));
        t.bound[d] = s;
    }
    return t.handle[d];
}

cudnnDataType_t cudnn_dtype(DType dt, const char* op) {
    switch (dt) {
        case DType::F32:
            return CUDNN_DATA_FLOAT;
        case DType::F64:
            return CUDNN_DATA_DOUBLE;
        case DType::BF16:
            return CUDNN_DATA_BFLOAT16;
        case DType::F16:
            return CUDNN_DATA_HALF;
        default:
            MDQ_THROW(ValueError, op, ": cuDNN has no floating type for ", dtype_name(dt));
    }
}

const CudnnSettings& cudnn_settings() {
    static const CudnnSettings s = [] {
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

}  // namespace mdq::cuda
