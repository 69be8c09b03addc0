// The GPU cross-entropy, and the device word where it records the first bad label: a host
// check inside the training step would cost a synchronization (loss.h).
#include <array>
#include <mutex>

#include "kernels/common/row_pass_cuda.cuh"
#include "kernels/common/grid_cuda.cuh"
#include "kernels/loss/cross_entropy_impl.h"

namespace mdq::cuda {

namespace {
// One per device (a __device__ variable exists on every GPU the module is loaded on).
__device__ unsigned long long g_bad_label_word = math::kNoBadLabel;

// The word's address on `device`, looked up once: a training step then makes no runtime call
// besides its launches (a CUDA graph captures the step).
unsigned long long* bad_label_word(Device device) {
    constexpr int kMaxDevices = 64;
    static std::mutex mu;
    static std::array<unsigned long long*, kMaxDevices> words{};
    MDQ_CHECK(device.index >= 0 && device.index < kMaxDevices, "cross_entropy: bad device ",
              device.str());
    std::lock_guard<std::mutex> lock(mu);
    unsigned long long*& w = words[static_cast<size_t>(device.index)];
    if (!w) CHECK_CUDA(cudaGetSymbolAddress(reinterpret_cast<void**>(&w), g_bad_label_word));
    return w;
}
}  // namespace

void cross_entropy_forward(const Tensor& logits, const Tensor& labels, const Tensor& loss,
                           const Tensor& lse) {
    unsigned long long* word = bad_label_word(logits.device());
    launch_cross_entropy_forward<RowPassRunner>(logits, labels, loss, lse, word);
    if (detail::sync_after_launch()) check_cross_entropy_labels(logits.device());
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse,
                            const Tensor& g, double scale, const Tensor& dlogits) {
    launch_cross_entropy_backward<Runner>(logits, labels, lse, g, scale, dlogits);
}

uint64_t take_bad_label(Device device) {
    const cudaStream_t s = stream_for(device);
    unsigned long long word = 0;
    CHECK_CUDA(cudaMemcpyFromSymbolAsync(&word, g_bad_label_word, sizeof word, 0,
                                         cudaMemcpyDeviceToHost, s));
    CHECK_CUDA(cudaStreamSynchronize(s));
    if (word != math::kNoBadLabel) {
        const unsigned long long clean = math::kNoBadLabel;
        CHECK_CUDA(cudaMemcpyToSymbolAsync(g_bad_label_word, &clean, sizeof clean, 0,
                                           cudaMemcpyHostToDevice, s));
        CHECK_CUDA(cudaStreamSynchronize(s));  // `clean` lives on this stack frame
    }
    return word;
}

}  // namespace mdq::cuda
