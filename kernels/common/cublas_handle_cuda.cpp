#include "kernels/common/cublas_handle.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "kernels/common/handle_pool.h"

namespace mdq::cuda {

namespace {

// cuBLAS recommends 32 MiB of workspace on Hopper (4 MiB before); more is never used.
constexpr size_t kWorkspaceBytes = size_t(32) << 20;

// A workspace per (handle, stream), made once with cudaMalloc on the stream's device and kept
// for the process, like the handles. With its own workspace cuBLAS never allocates inside a
// step, which CUDA graph capture needs, and two streams never share one buffer.
void* workspace_for(cublasHandle_t h, cudaStream_t s) {
    static std::mutex mu;
    static auto* buffers = new std::map<std::pair<cublasHandle_t, cudaStream_t>, void*>;
    std::lock_guard<std::mutex> lock(mu);
    void*& p = (*buffers)[{h, s}];
    if (p) return p;
    int device = 0, prev = 0;
    CHECK_CUDA(cudaStreamGetDevice(s, &device));
    CHECK_CUDA(cudaGetDevice(&prev));
    if (prev != device) CHECK_CUDA(cudaSetDevice(device));
    const cudaError_t err = cudaMalloc(&p, kWorkspaceBytes);
    if (prev != device) CHECK_CUDA(cudaSetDevice(prev));
    if (err != cudaSuccess) p = nullptr;
    CHECK_CUDA(err);
    return p;
}

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
    static void bind(Handle h, cudaStream_t s) {
        CHECK_CUBLAS(cublasSetStream(h, s));
        // After the stream: cublasSetStream puts the default workspace back.
        CHECK_CUBLAS(cublasSetWorkspace(h, workspace_for(h, s), kWorkspaceBytes));
    }
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
