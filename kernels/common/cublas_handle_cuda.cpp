#include "kernels/common/cublas_handle.h"

#include <array>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/common/cuda_utils.cuh"

namespace mdq::cuda {

namespace {

constexpr int kMaxDevices = 64;

std::mutex g_pool_mu;
std::array<std::vector<cublasHandle_t>, kMaxDevices> g_pool;  // handles of exited threads

struct ThreadHandles {
    std::array<cublasHandle_t, kMaxDevices> handle{};
    std::array<cudaStream_t, kMaxDevices> bound{};
    ~ThreadHandles() {
        std::lock_guard<std::mutex> lock(g_pool_mu);
        for (int d = 0; d < kMaxDevices; ++d)
            if (handle[d]) g_pool[d].push_back(handle[d]);
    }
};

thread_local ThreadHandles tls_handles;

cublasHandle_t new_handle(int device) {
    {
        std::lock_guard<std::mutex> lock(g_pool_mu);
        if (!g_pool[device].empty()) {
            cublasHandle_t h = g_pool[device].back();
            g_pool[device].pop_back();
            return h;
        }
    }
    int prev = 0;
    CHECK_CUDA(cudaGetDevice(&prev));
    if (prev != device) CHECK_CUDA(cudaSetDevice(device));
    cublasHandle_t h = nullptr;
    const cublasStatus_t st = cublasCreate(&h);
    if (prev != device) CHECK_CUDA(cudaSetDevice(prev));
    CHECK_CUBLAS(st);
    CHECK_CUBLAS(cublasSetMathMode(
        h, static_cast<cublasMath_t>(CUBLAS_DEFAULT_MATH |
                                     CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION)));
    return h;
}

}  // namespace

cublasHandle_t cublas_handle(Device device) {
    MDQ_CHECK(device.is_cuda() && device.index >= 0 && device.index < kMaxDevices,
              "cublas_handle: bad device ", device.str());
    ThreadHandles& t = tls_handles;
    const int d = device.index;
    if (!t.handle[d]) t.handle[d] = new_handle(d);
    const cudaStream_t s = stream_for(device);
    if (t.bound[d] != s) {
        CHECK_CUBLAS(cublasSetStream(t.handle[d], s));
        t.bound[d] = s;
    }
    return t.handle[d];
}

bool tf32_allowed() {
    static const bool on = [] {
        const char* v = std::getenv("MDQ_ALLOW_TF32");
        return v && std::string(v) == "1";
    }();
    return on;
}

}  // namespace mdq::cuda
