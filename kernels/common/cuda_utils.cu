#include <array>
#include <mutex>

#include "kernels/common/cuda_utils.cuh"

namespace mdq::cuda {

int sm_count(int device) {
    static std::mutex mu;
    static std::array<int, 64> cache{};
    std::lock_guard<std::mutex> lock(mu);
    if (cache[device] == 0)
        CHECK_CUDA(cudaDeviceGetAttribute(&cache[device], cudaDevAttrMultiProcessorCount, device));
    return cache[device];
}

}  // namespace mdq::cuda
