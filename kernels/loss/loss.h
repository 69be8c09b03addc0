// Classification loss and accuracy: the fused cross-entropy of logits [N, C] against integer
// labels [N], and the count of correct argmax predictions.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace mdq {

enum class Reduction : uint8_t { Mean, Sum, None };

// loss_n = logsumexp(logits_n) - logits_n[labels_n], reduced by `r` (None: shape [N]). logits is
// floating [N, C] with C > 0, labels i64 [N] on the same device. One autograd node whose
// backward is (softmax - onehot) * g (/ N for Mean); labels get no gradient.
// Labels outside [0, C): on the CPU this throws naming the label and its index. On the GPU
// that check would need a host synchronization, so the row's loss becomes NaN and the label is
// recorded on the device; check_cross_entropy_labels() reports it (with MDQ_CUDA_SYNC_DEBUG=1
// cross_entropy checks at once).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction r = Reduction::Mean);

// Throws mdq::ValueError naming the first bad label (smallest row) that a GPU cross_entropy
// recorded on `device` since the last call, and clears the record. Waits for the device's
// current stream: call it where the host waits anyway (e.g. when the loss is logged). A no-op
// for the CPU, where bad labels throw at once.
void check_cross_entropy_labels(Device device);

// Number of rows whose first maximal logit is at the label: an i64 scalar on the logits'
// device, not differentiable. Same argument rules as cross_entropy.
Tensor accuracy_count(const Tensor& logits, const Tensor& labels);

// ---------------------------------------------------------------- raw kernels (no autograd)
// logits [N, C] and labels [N] contiguous; writes loss[N] and lse[N] (logsumexp per row), both
// contiguous in the accumulation dtype (f32, or f64 for f64 logits).
void cross_entropy_forward_into(const Tensor& logits, const Tensor& labels, const Tensor& loss,
                                const Tensor& lse);
// dlogits = (exp(logits - lse) - onehot(labels)) * g * scale, overwritten. g holds one value
// or one per row, in the accumulation dtype.
void cross_entropy_backward_into(const Tensor& logits, const Tensor& labels, const Tensor& lse,
                                 const Tensor& g, double scale, const Tensor& dlogits);

namespace cuda {
void cross_entropy_forward(const Tensor& logits, const Tensor& labels, const Tensor& loss,
                           const Tensor& lse);
void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse,
                            const Tensor& g, double scale, const Tensor& dlogits);
// The device's bad-label word (math::kNoBadLabel when clean), reset to clean; synchronizes.
uint64_t take_bad_label(Device device);
}  // namespace cuda

}  // namespace mdq
